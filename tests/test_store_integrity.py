"""Store integrity: a damaged store is detected on open, named, never written to; backups."""

from __future__ import annotations

import os
import sqlite3

import pytest
from typer.testing import CliRunner

from coderlib import store as store_mod
from coderlib.cli import app
from coderlib.exercises import attempts
from coderlib.store import StoreError, backup_store, backups_of, open_store, transaction


def _filled(path, n: int = 400):
    con = attempts.connect(path)
    for i in range(n):
        attempts.save_attempt(con, f"chart-{i}", "PDX: A41.51:Y " + "x" * 200)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    store_mod._CHECKED.clear()
    return path


def _truncate_zero(p):
    p.write_bytes(b"")


def _truncate_half(p):
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])


def _bad_header(p):
    data = bytearray(p.read_bytes())
    data[:16] = b"not a database!!"
    p.write_bytes(bytes(data))


def _random_file(p):
    p.write_bytes(os.urandom(8192) * 4)


def _zero_page(p):  # page 2 (the attempts table's root) zeroed
    data = bytearray(p.read_bytes())
    data[4096:8192] = bytes(4096)
    p.write_bytes(bytes(data))


def _garbage_btree(p):  # a b-tree page header overwritten
    data = bytearray(p.read_bytes())
    for page in range(2, len(data) // 4096):
        data[page * 4096: page * 4096 + 12] = b"\xff" * 12
    p.write_bytes(bytes(data))


DAMAGE = [_truncate_zero, _truncate_half, _bad_header, _random_file, _zero_page, _garbage_btree]


@pytest.mark.parametrize("damage", DAMAGE, ids=lambda f: f.__name__.strip("_"))
def test_damaged_store_is_refused_with_the_file_named(tmp_path, damage):
    path = _filled(tmp_path / "s.sqlite")
    damage(path)
    with pytest.raises(StoreError) as err:
        open_store(path)
    assert str(path) in str(err.value)
    assert "nothing was written" in str(err.value)


@pytest.mark.parametrize("damage", DAMAGE, ids=lambda f: f.__name__.strip("_"))
def test_cli_on_a_damaged_store_gives_a_message_not_a_traceback(tmp_path, damage):
    path = _filled(tmp_path / "s.sqlite")
    damage(path)
    size = path.stat().st_size
    runner = CliRunner()
    for args in (["audit", "list", "--store", str(path)],
                 ["exercises", "history", "--store", str(path)],
                 ["exercises", "grade", "inj-ed-scald-burn-001", "-a", "DX: T31.0", "--store",
                  str(path)]):
        res = runner.invoke(app, args)
        assert res.exit_code == 2, (args, res.output)
        assert res.exception is None or isinstance(res.exception, SystemExit)
        assert str(path) in res.output and "damaged" in res.output
    assert path.stat().st_size == size  # nothing written


def test_zero_bytes_is_damage_not_an_empty_store(tmp_path):
    path = _filled(tmp_path / "s.sqlite")
    path.write_bytes(b"")
    res = CliRunner().invoke(app, ["audit", "list", "--store", str(path)])
    assert res.exit_code == 2 and "no audits" not in res.output and "0 bytes" in res.output


def test_a_new_store_is_created_whole(tmp_path):
    path = tmp_path / "new" / "s.sqlite"
    open_store(path).close()
    assert path.stat().st_size > 0
    open_store(path).close()  # and it opens again


def test_backups_rotate_and_the_message_names_the_newest(tmp_path, monkeypatch):
    path = _filled(tmp_path / "s.sqlite", n=5)
    con = open_store(path)  # first open of a filled store takes a backup
    first = backups_of(path)
    assert len(first) == 1
    for _ in range(7):
        backup_store(con, path)
    con.close()
    kept = backups_of(path)
    assert len(kept) == store_mod.BACKUPS_KEPT
    restored = sqlite3.connect(kept[0])
    assert restored.execute("SELECT count(*) FROM exercise_attempts").fetchone()[0] == 5
    restored.close()
    path.write_bytes(b"garbage" * 100)
    store_mod._CHECKED.clear()
    with pytest.raises(StoreError) as err:
        open_store(path)
    assert str(kept[0]) in str(err.value)


def test_a_write_that_meets_damage_is_a_store_error(tmp_path):
    """A connection that bypassed the open check still gets a StoreError naming the file."""
    path = _filled(tmp_path / "s.sqlite")
    _garbage_btree(path)
    con = sqlite3.connect(path, isolation_level=None)
    with pytest.raises(StoreError, match="s.sqlite is damaged"):
        with transaction(con):
            con.execute("INSERT INTO exercise_attempts (chart_id, answer_text, created_at) "
                        "SELECT chart_id, answer_text, created_at FROM exercise_attempts")
    con.close()


def test_store_commands_check_and_restore(tmp_path):
    path = _filled(tmp_path / "s.sqlite", n=20)
    runner = CliRunner()
    ok = runner.invoke(app, ["store", "check", "--store", str(path), "--json"])
    assert ok.exit_code == 0 and '"ok": true' in ok.output
    assert runner.invoke(app, ["store", "backup", "--store", str(path)]).exit_code == 0
    _garbage_btree(path)
    store_mod._CHECKED.clear()
    bad = runner.invoke(app, ["store", "check", "--store", str(path)])
    assert bad.exit_code == 2 and "coderlib store restore" in bad.output
    res = runner.invoke(app, ["store", "restore", "--store", str(path), "--json"])
    assert res.exit_code == 0, res.output
    con = open_store(path)
    assert con.execute("SELECT count(*) FROM exercise_attempts").fetchone()[0] == 20
    con.close()
    kept = [p.name for p in tmp_path.iterdir() if ".damaged-" in p.name]
    assert kept, "the damaged file is kept"


def test_restore_without_a_backup_says_so(tmp_path):
    path = _filled(tmp_path / "s.sqlite", n=3)
    path.write_bytes(b"")
    res = CliRunner().invoke(app, ["store", "restore", "--store", str(path)])
    assert res.exit_code == 2 and "no backup" in res.output
    assert path.exists()  # nothing moved
