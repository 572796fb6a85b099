"""Cost of ``synchronous=FULL`` (the store's setting) against ``NORMAL`` (the baseline).

Each write is one short transaction, as a finding or an attempt is. Prints the time per write
under each setting and the ratio FULL / NORMAL, plus the cost of the integrity check and of
one backup when a store is opened.

    .venv/bin/python bench/store_sync.py [writes]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from coderlib import store as store_mod
from coderlib.exercises import attempts


def _writes(path: Path, synchronous: str, n: int) -> float:
    store_mod.SYNCHRONOUS = synchronous
    con = attempts.connect(path)
    start = time.perf_counter()
    for i in range(n):
        attempts.save_attempt(con, f"chart-{i}", "PDX: A41.51:Y; SDX: N39.0:Y", source="bench")
    seconds = time.perf_counter() - start
    con.close()
    return seconds / n


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    folder = Path(tempfile.mkdtemp(prefix="coderlib-bench-"))
    normal = min(_writes(folder / f"normal{k}.sqlite", "NORMAL", n) for k in range(2))
    full = min(_writes(folder / f"full{k}.sqlite", "FULL", n) for k in range(2))
    print(f"{n} one-transaction writes: NORMAL {normal * 1000:.2f} ms/write, "
          f"FULL {full * 1000:.2f} ms/write, ratio FULL/NORMAL {full / normal:.2f}x")
    big = folder / "big.sqlite"
    con = attempts.connect(big)
    with store_mod.transaction(con):
        con.executemany(
            "INSERT INTO exercise_attempts (chart_id, answer_text, created_at) VALUES (?,?,?)",
            [(f"c{i}", "PDX: A41.51:Y " + "x" * 200, "2026-01-01") for i in range(50_000)])
    con.close()
    size_mb = big.stat().st_size / 1e6
    store_mod._CHECKED.clear()
    start = time.perf_counter()
    con = store_mod.open_store(big, backup=False)
    check = time.perf_counter() - start
    start = time.perf_counter()
    store_mod.backup_store(con, big)
    backup = time.perf_counter() - start
    con.close()
    print(f"open with quick_check of a {size_mb:.1f} MB store (50,000 attempts): "
          f"{check * 1000:.0f} ms; one backup: {backup * 1000:.0f} ms")


if __name__ == "__main__":
    main()
