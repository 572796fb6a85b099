"""Generate data/msdrg_weights_fy2026.csv from CMS Table 5 shipped in the ``drg`` package.

CMS Table 5 (FY2026 final rule: MS-DRGs, relative weighting factors, geometric and
arithmetic mean length of stay) is public domain; ``drg`` 1.0.0 ships it as
``drg/data/cms/drg_weights.txt`` (tab-separated, cp1252, two title lines and a header).
Output columns: drg, title, mdc, type, weight (10% cap applied), gmlos, amlos. DRGs 998/999
have no weight in Table 5 and are left out.

Usage: ``.venv/bin/python scripts/build_drg_weights.py [--out PATH]``
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from importlib.metadata import version
from pathlib import Path

import pandas as pd

from coderlib.drg.engine import drg_package_file
from coderlib.export import write_csv

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "data" / "msdrg_weights_fy2026.csv"


def read_table5() -> pd.DataFrame:
    """Parse Table 5 into the output frame (one row per MS-DRG)."""
    raw = drg_package_file("data", "cms", "drg_weights.txt").read_bytes().decode("cp1252")
    lines = raw.splitlines()
    header_at = next(i for i, line in enumerate(lines) if line.startswith("MS-DRG"))
    reader = csv.reader(io.StringIO("\n".join(lines[header_at:])), delimiter="\t")
    header = [h.strip() for h in next(reader)]
    rows = [r for r in reader if r and r[0].strip().isdigit()]
    # 998 and 999 carry "." (no weight): they are not payable groups, so they are left out.
    rows = [r for r in rows if r[7].strip() not in ("", ".")]
    df = pd.DataFrame([r[: len(header)] for r in rows], columns=header)
    col = {h.lower(): h for h in header}

    def pick(word: str) -> str:
        return next(h for k, h in col.items() if word in k)

    out = pd.DataFrame({
        "drg": df["MS-DRG"].str.strip().str.zfill(3),
        "title": df[pick("title")].str.strip().str.strip('"'),
        "mdc": df["MDC"].str.strip(),
        "type": df["TYPE"].str.strip(),
        "weight": pd.to_numeric(df[pick("cap applied")]),
        "gmlos": pd.to_numeric(df[pick("geometric")]),
        "amlos": pd.to_numeric(df[pick("arithmetic")]),
    })
    if out["drg"].duplicated().any():
        raise ValueError("Table 5 lists an MS-DRG twice")
    if out[["weight", "gmlos", "amlos"]].isna().any().any():
        raise ValueError("Table 5 has a row without weight or mean LOS")
    return out.sort_values("drg").reset_index(drop=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    table = read_table5()
    write_csv(table, args.out)  # atomic, formula-safe (coderlib.export)
    print(f"wrote {len(table)} MS-DRGs to {args.out} (from drg {version('drg')} Table 5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
