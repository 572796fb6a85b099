"""The SQLite store: WAL, atomic writes, survives a process that dies mid-session."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from coderlib.store import ensure_schema, open_store, transaction

DDL = "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)"


def test_wal_and_atomic_transaction(tmp_path: Path) -> None:
    con = open_store(tmp_path / "s.sqlite")
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    ensure_schema(con, DDL)
    with transaction(con):
        con.execute("INSERT INTO notes (text) VALUES ('kept')")
    with pytest.raises(RuntimeError), transaction(con):
        con.execute("INSERT INTO notes (text) VALUES ('rolled back')")
        raise RuntimeError("boom")
    assert [r["text"] for r in con.execute("SELECT text FROM notes")] == ["kept"]


def test_committed_rows_survive_a_killed_process(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    script = (
        "import os\nfrom coderlib.store import *\n"
        f"con = open_store({str(path)!r})\nensure_schema(con, {DDL!r})\n"
        "with transaction(con):\n    con.execute(\"INSERT INTO notes (text) VALUES ('typed')\")\n"
        "os._exit(9)\n"
    )
    assert subprocess.run([sys.executable, "-c", script]).returncode == 9
    con = open_store(path)
    assert con.execute("SELECT text FROM notes").fetchone()["text"] == "typed"


def test_default_store_path_honours_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODERLIB_STORE", str(tmp_path / "x" / "store.sqlite"))
    con = open_store()
    ensure_schema(con, DDL)
    assert (tmp_path / "x" / "store.sqlite").exists()
