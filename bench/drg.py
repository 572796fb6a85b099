"""Benchmark: coderlib.drg.group_frame vs drgpy called directly, on the same encounters.

Builds N synthetic encounters (seeded) from drgpy's own v43 tables: a principal with an MDC,
0-8 secondaries (half from the CC/MCC list, POA N on ~10%), 0-3 procedures (O.R. on ~30%
of stays). Prints claims/s and the ratios the issue names:

* group_frame (no explanation) throughput / drgpy direct throughput   (target >= 0.80)
* per-encounter time with explanation / without                       (target <= 2.0)

Usage: ``.venv/bin/python bench/drg.py [--n 20000] [--seed 2026]``
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from pathlib import Path

# This script is named drg.py: keep bench/ off sys.path so ``import drg`` finds the package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]

import pandas as pd  # noqa: E402
from drgpy.msdrg import DRGEngine  # noqa: E402

from coderlib.drg import group_frame  # noqa: E402
from coderlib.drg.engine import code_pools  # noqa: E402


def synthetic_frame(n: int, seed: int) -> pd.DataFrame:
    """``n`` encounters in the CSV layout (id, pdx, sdx, proc, age, sex, status, date)."""
    rng = random.Random(seed)
    pools = code_pools("v43")
    pdx_pool, cc_pool = pools.principal, pools.cc
    or_pool, pr_pool = pools.or_procedures, pools.procedures
    rows = []
    for i in range(n):
        sdx = []
        for _ in range(rng.randint(0, 8)):
            code = rng.choice(cc_pool if rng.random() < 0.5 else pdx_pool)
            sdx.append(code + (":N" if rng.random() < 0.1 else ""))
        procs = []
        if rng.random() < 0.3:
            procs.append(rng.choice(or_pool))
        procs += [rng.choice(pr_pool) for _ in range(rng.randint(0, 2))]
        rows.append({"id": i + 1, "pdx": rng.choice(pdx_pool), "sdx": ";".join(sdx),
                     "proc": ";".join(procs), "age": rng.randint(18, 95),
                     "sex": rng.choice("MF"), "discharge_status": rng.choice(["01"] * 9 + ["20"]),
                     "discharge_date": "2025-11-15"})
    return pd.DataFrame(rows)


def _direct_rows(df: pd.DataFrame) -> list[tuple[list[str], list[str], list[str], str, str]]:
    """The same encounters as drgpy arguments (codes, procedures, POA, sex, status)."""
    out = []
    for row in df.itertuples(index=False):
        sdx = [s for s in row.sdx.split(";") if s]
        codes = [row.pdx] + [s.split(":")[0] for s in sdx]
        poa = ["Y"] + [("N" if s.endswith(":N") else "Y") for s in sdx]
        out.append((codes, [p for p in row.proc.split(";") if p], poa, row.sex,
                    row.discharge_status))
    return out


def drgpy_direct(engine: DRGEngine, df: pd.DataFrame, pause_gc: bool = False) -> list[str]:
    """Group every row of the frame with drgpy's own engine (same codes, POA, sex, status):
    the least a caller must do with drgpy on this table, splitting the cells included.
    ``pause_gc`` gives drgpy the same GC pause group_frame takes."""
    if pause_gc:
        gc.disable()
    try:
        return [engine.get_drg(codes, procs, sex, status != "20", poa, status)
                for codes, procs, poa, sex, status in _direct_rows(df)]
    finally:
        gc.enable()


def main() -> None:
    parser = argparse.ArgumentParser(description="coderlib.drg benchmark")
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=500)
    args = parser.parse_args()
    df = synthetic_frame(args.n, args.seed)
    print(f"{args.n} synthetic encounters, seed {args.seed}, chunks of {args.chunk}, best of "
          f"{args.repeat} runs per chunk")
    group_frame(df.head(200), progress=False)  # warm-up: tables, code-set caches

    # Interleaved in chunks, best of --repeat per chunk and method, summed: other work on
    # the machine (2 cores) bursts; the minimum of repeated runs is the stable figure.
    # Both start from the same CSV-layout frame: drgpy direct splits the cells and calls
    # get_drg; group_frame also validates, runs the MCE checks and builds the result frame.
    engine = DRGEngine("v43")
    t_direct = t_direct_nogc = t_plain = t_explain = 0.0
    direct: list[str] = []
    plain_drgs: list[str] = []
    for start in range(0, len(df), args.chunk):
        part = df.iloc[start:start + args.chunk]
        best = [float("inf")] * 4
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            got = drgpy_direct(engine, part)
            best[0] = min(best[0], time.perf_counter() - t0)
            t0 = time.perf_counter()
            drgpy_direct(engine, part, pause_gc=True)
            best[3] = min(best[3], time.perf_counter() - t0)
            t0 = time.perf_counter()
            plain = group_frame(part, explain=False, progress=False)
            best[1] = min(best[1], time.perf_counter() - t0)
            t0 = time.perf_counter()
            group_frame(part, explain=True, progress=False)
            best[2] = min(best[2], time.perf_counter() - t0)
        t_direct += best[0]
        t_direct_nogc += best[3]
        t_plain += best[1]
        t_explain += best[2]
        direct += got
        plain_drgs += plain["drg"].tolist()

    n = len(df)
    print(f"drgpy direct:                  {n / t_direct:9.0f} claims/s")
    print(f"drgpy direct, GC paused:       {n / t_direct_nogc:9.0f} claims/s")
    print(f"group_frame (no explanation):  {n / t_plain:9.0f} claims/s")
    print(f"group_frame (with explanation):{n / t_explain:9.0f} claims/s")
    print(f"ratio group_frame / drgpy direct throughput: {t_direct / t_plain:.2f} "
          "(target >= 0.80)")
    print(f"ratio group_frame / drgpy direct with GC paused too: {t_direct_nogc / t_plain:.2f}")
    print(f"ratio explanation / no explanation per encounter: {t_explain / t_plain:.2f} "
          "(target <= 2.0)")
    same = sum(a.lstrip("0") == b.lstrip("0") for a, b in zip(direct, plain_drgs, strict=True))
    print(f"same DRG as drgpy direct: {same}/{n} ({100 * same / n:.1f}%; differences are the "
          "fixes: no-exclusion CCs, HAC POA, sex/MDC, extensive burns, invalid codes)")


if __name__ == "__main__":
    main()
