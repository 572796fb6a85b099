"""SQLite persistence for everything a user types (attempts, audit findings).

The store runs in WAL mode and each write is its own short transaction, so a dead
kernel loses nothing that was already entered. Each area owns its tables and creates
them with ``ensure_schema``.

>>> con = open_store(":memory:")
>>> ensure_schema(con, "CREATE TABLE IF NOT EXISTS t (x INTEGER)")
>>> with transaction(con):
...     _ = con.execute("INSERT INTO t VALUES (1)")
>>> con.execute("SELECT x FROM t").fetchone()[0]
1
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from coderlib.paths import store_path


def open_store(path: str | Path | None = None) -> sqlite3.Connection:
    """Open (creating if needed) the store at ``path`` (default: the user's store)."""
    target = str(store_path() if path is None else path)
    if target != ":memory:":
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(target, isolation_level=None, timeout=30)
    con.row_factory = sqlite3.Row
    con.execute("PRAGMA foreign_keys = ON")
    if target != ":memory:":
        con.execute("PRAGMA journal_mode = WAL")
        con.execute("PRAGMA synchronous = NORMAL")
    return con


def ensure_schema(con: sqlite3.Connection, ddl: str) -> None:
    """Run ``CREATE ... IF NOT EXISTS`` statements for an area's tables."""
    con.executescript(ddl)


@contextmanager
def transaction(con: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One atomic write: committed on success, rolled back on any error."""
    con.execute("BEGIN IMMEDIATE")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    else:
        con.execute("COMMIT")
