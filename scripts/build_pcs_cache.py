"""Build (or verify) the ICD-10-PCS cache and print how the FY2026 list was assembled.

Run: .venv/bin/python scripts/build_pcs_cache.py [--rebuild] [--order-file PATH]

Prints counts per source, the validity outcome, description provenance, the build time and
the peak memory of the process. With ``--order-file`` it also compares the combined list
with CMS's official order file (icd10pcs_order_2026.txt) if you have it.
"""

from __future__ import annotations

import argparse
import json
import resource
import time

from coderlib.codes import icd10pcs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rebuild", action="store_true", help="rebuild even if the cache is fresh")
    ap.add_argument("--order-file", help="CMS icd10pcs_order_YYYY.txt to compare against")
    args = ap.parse_args()
    t0 = time.perf_counter()
    if args.rebuild:
        icd10pcs._db().rebuild()
    report = icd10pcs.build_report()
    report["wall_seconds_this_run"] = round(time.perf_counter() - t0, 2)
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    if args.order_file:
        report["order_file"] = icd10pcs.compare_order_file(args.order_file)
    print(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
