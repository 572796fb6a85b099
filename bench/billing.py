"""Billing benchmarks (issue 15), ratios against the issue's baselines in one run.

Baselines named by the issue:
* scrub 100,000 service lines: >= 20,000 lines/s (ratio = measured / baseline, > 1 is good)
* write and re-read 10,000 claims as 837P: <= 10 s (ratio = baseline / measured)
* the same 837P validated by pyx12 (HIPAA 5010 guide): reported as its time and as the
  ratio of pyx12's time to our write + read time

Claims are the demo practice's (exercise charts, injected errors, seed fixed), resampled to
the sizes above. Scrub time is the warm figure (code look-ups cached, as in a morning run of
many claims); the cold first pass is printed too. Run: ``.venv/bin/python bench/billing.py``
(``--no-pyx12`` skips the validation, which takes about a minute).
"""

from __future__ import annotations

import copy
import sys
import tempfile
import time
from pathlib import Path

from coderlib.billing.demo import make_demo
from coderlib.billing.edi837 import read_837, write_837
from coderlib.billing.scrub import scrub_claim

SCRUB_BASELINE = 20_000.0  # lines per second
ROUND_TRIP_BASELINE = 10.0  # seconds for 10,000 claims written and read back
LINES = 100_000
CLAIMS = 10_000


def _claims_with_lines(claims: list, n_lines: int) -> list:
    out, total, i = [], 0, 0
    while total < n_lines:
        c = copy.copy(claims[i % len(claims)])
        out.append(c)
        total += len(c.lines)
        i += 1
    return out


def main() -> None:
    run_pyx12 = "--no-pyx12" not in sys.argv
    demo = make_demo(practice=3000, hospital=0)
    pro = demo.professional

    batch = _claims_with_lines(pro, LINES)
    n_lines = sum(len(c.lines) for c in batch)
    t = time.perf_counter()
    for c in batch[:3000]:
        scrub_claim(c)
    cold = time.perf_counter() - t
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        for c in batch:
            scrub_claim(c)
        best = min(best, time.perf_counter() - t)
    rate = n_lines / best
    print(f"scrub: {n_lines:,} lines in {best:.2f} s = {rate:,.0f} lines/s "
          f"(cold first 3,000 claims: {cold:.2f} s); baseline {SCRUB_BASELINE:,.0f} lines/s: "
          f"ratio {rate / SCRUB_BASELINE:.1f}x")

    claims = (pro * (CLAIMS // len(pro) + 1))[:CLAIMS]
    for i, c in enumerate(claims):  # unique claim ids, as a real batch has
        claims[i] = copy.copy(c)
        claims[i].claim_id = f"B{i:07d}"
    t = time.perf_counter()
    text = write_837(claims)
    t_write = time.perf_counter() - t
    t = time.perf_counter()
    back = read_837(text)
    t_read = time.perf_counter() - t
    assert len(back.claims) == CLAIMS and not back.problems
    total = t_write + t_read
    print(f"837P: {CLAIMS:,} claims ({len(text) / 1e6:.1f} MB) written in {t_write:.2f} s, "
          f"read back in {t_read:.2f} s = {total:.2f} s; baseline {ROUND_TRIP_BASELINE:.0f} s: "
          f"ratio {ROUND_TRIP_BASELINE / total:.1f}x")

    if not run_pyx12:
        return
    from coderlib.billing.validate import pyx12_available, validate_x12

    if not pyx12_available():
        print("pyx12: not installed (Python 3.11+ needed); skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.837"
        path.write_text(text, encoding="latin-1")
        t = time.perf_counter()
        result = validate_x12(path)
        t_pyx12 = time.perf_counter() - t
    verdict = "valid" if result.ok else f"{len(result.errors)} errors, the injected ones"
    print(f"pyx12 validation of the same file: {t_pyx12:.1f} s ({verdict}); "
          f"pyx12 / our write+read: {t_pyx12 / total:.1f}x")


if __name__ == "__main__":
    main()
