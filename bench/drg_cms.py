"""Full comparison of coderlib's MS-DRG grouping with CMS's official Java grouper.

Generates N synthetic encounters per version (every case type of
:mod:`coderlib.drg.synthetic`), groups them with CMS's jar (``../shared/oracles/
cms-msdrg-java``, Java 17) and with coderlib, and prints the agreement on final DRG, MDC
and severity per case type. Exits 1 on any difference (listing the first ones).

Optional: ``--fixture PATH`` writes a seeded subset with CMS's results (gzip CSV) for
``tests/test_drg_cms_oracle.py``; ``--v44`` also groups the set with v44 (no CMS jar for it)
and prints what changes from v43.

Usage: ``.venv/bin/python bench/drg_cms.py [--n 25000] [--seed 2026] [--versions v43 v43.1]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

# This folder holds drg.py: keep it off sys.path so ``import drg`` finds the package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent.resolve()]

import pandas as pd  # noqa: E402

from coderlib.drg.batch import group_frame  # noqa: E402
from coderlib.drg.oracle import compare, oracle_missing, run_cms  # noqa: E402
from coderlib.drg.synthetic import VERSION_DATES, synthetic_frame  # noqa: E402


def check_version(version: str, n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(encounters, comparison) for one version."""
    frame = synthetic_frame(n, seed=seed, version=version)
    t0 = time.perf_counter()
    cms = run_cms(frame, version)
    t1 = time.perf_counter()
    merged = compare(frame, cms)
    t2 = time.perf_counter()
    print(f"{version}: CMS jar {n / (t1 - t0):,.0f} enc/s, coderlib (incl. compare) "
          f"{n / (t2 - t1):,.0f} enc/s")
    return frame, merged


def report(version: str, merged: pd.DataFrame) -> int:
    """Print agreement by case type; return the number of differences."""
    by = merged.groupby("case_type")["match"].agg(["sum", "count"])
    for kind, row in by.iterrows():
        print(f"  {kind:18} {int(row['sum']):6,}/{int(row['count']):6,}")
    bad = merged[~merged["match"]]
    print(f"  {version}: {len(merged) - len(bad):,}/{len(merged):,} equal on DRG, MDC and "
          f"severity ({len(set(merged['cms_drg']))} distinct CMS DRGs)")
    if len(bad):
        cols = ["id", "case_type", "pdx", "sdx", "proc", "age", "sex", "discharge_status",
                "drg", "cms_drg", "mdc", "cms_mdc", "severity", "cms_severity", "cms_grc"]
        print(bad[cols].head(25).to_string(index=False))
    return len(bad)


def v44_changes(frame: pd.DataFrame, v43: pd.DataFrame) -> None:
    """Group the same encounters with v44 and print how final DRGs move from v43."""
    moved = frame.assign(discharge_date=VERSION_DATES["v44"])
    out = group_frame(moved.drop(columns=["case_type"]), on_error="record", progress=False)
    pair = pd.DataFrame({"v43": v43["drg"].values, "v44": out["drg"].values})
    changed = pair[pair["v43"] != pair["v44"]]
    print(f"v44 vs v43 on the same {len(pair):,} encounters: {len(changed):,} change DRG")
    top = changed.value_counts().head(25)
    for (a, b), count in top.items():
        print(f"  {a} -> {b}: {count}")
    new = sorted(set(out["drg"].dropna()) - set(v43["drg"].dropna()))
    print(f"  DRGs only in v44 results: {', '.join(new) or 'none'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=25_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--versions", nargs="+", default=["v43", "v43.1"])
    parser.add_argument("--fixture", type=Path, help="write a CMS-result fixture (gzip CSV)")
    parser.add_argument("--fixture-rows", type=int, default=3000)
    parser.add_argument("--v44", action="store_true", help="report v43 -> v44 changes")
    args = parser.parse_args(argv)
    why = oracle_missing()
    if why:
        print(f"skipped: {why}")
        return 0
    differences = 0
    fixtures = []
    for i, version in enumerate(args.versions):
        frame, merged = check_version(version, args.n, args.seed + i)
        differences += report(version, merged)
        if args.fixture:
            want = args.fixture_rows // len(args.versions)
            odd = merged[merged["cms_grc"] != "OK"].groupby("cms_grc").head(want // 12)
            rest = merged.drop(odd.index).sample(n=max(0, want - len(odd)),
                                                  random_state=args.seed)
            keep = pd.concat([odd, rest]).sort_values("id")
            fixtures.append(keep[["id", "case_type", "pdx", "sdx", "proc", "age", "sex",
                                  "discharge_status", "discharge_date", "cms_drg", "cms_mdc",
                                  "cms_severity", "cms_grc"]].assign(version=version))
        if args.v44 and version == "v43":
            v44_changes(frame, merged)
    if args.fixture:
        args.fixture.parent.mkdir(parents=True, exist_ok=True)
        pd.concat(fixtures).to_csv(args.fixture, index=False, compression="gzip")
        print(f"wrote {sum(len(f) for f in fixtures)} cases with CMS results to {args.fixture}")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
