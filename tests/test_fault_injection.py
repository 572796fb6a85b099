"""Fault injection: kill -9 mid-write, flipped bytes, a full disk; nothing acknowledged lost."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from coderlib import store as store_mod
from coderlib.exercises import attempts
from coderlib.store import StoreError, open_store

WRITER = textwrap.dedent("""
    import sys
    from coderlib.exercises import attempts
    con = attempts.connect(sys.argv[1])
    i = 0
    while True:
        i += 1
        attempts.save_attempt(con, f"chart-{i}", f"PDX: A41.51:Y #{i}", source="kill-test")
        print(i, flush=True)  # acknowledged: committed before this line
""")


@pytest.mark.parametrize("acks", [5, 40])
def test_kill_9_loses_no_acknowledged_write_and_leaves_a_sound_store(tmp_path, acks):
    path = tmp_path / "s.sqlite"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE,
                            text=True)
    seen = []
    assert proc.stdout is not None
    for line in proc.stdout:
        seen.append(int(line))
        if len(seen) >= acks:
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    store_mod._CHECKED.clear()
    con = open_store(path)  # quick_check passes
    stored = {int(t.split("#")[1]) for (t,) in con.execute(
        "SELECT answer_text FROM exercise_attempts")}
    assert set(seen) <= stored
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()


def test_random_byte_flips_are_detected_or_harmless(tmp_path):
    """Flip bytes in page structure: the store is refused, never half-read with a traceback."""
    base = tmp_path / "base.sqlite"
    con = attempts.connect(base)
    for i in range(300):
        attempts.save_attempt(con, f"chart-{i}", "PDX: A41.51:Y " + "x" * 100)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    data = base.read_bytes()
    rng = random.Random(10)
    refused = 0
    for trial in range(12):
        damaged = bytearray(data)
        for _ in range(200):
            damaged[rng.randrange(100, len(damaged))] ^= 1 << rng.randrange(8)
        path = tmp_path / f"d{trial}.sqlite"
        path.write_bytes(bytes(damaged))
        store_mod._CHECKED.clear()
        try:
            con = open_store(path, backup=False)
        except StoreError as err:
            assert str(path) in str(err)
            refused += 1
            continue
        try:  # opened: then it reads whole, or a read error is a StoreError-worthy damage
            attempts.history(con)
        except sqlite3.DatabaseError:
            pytest.fail(f"trial {trial}: passed quick_check but failed to read")
        finally:
            con.close()
    assert refused >= 10
