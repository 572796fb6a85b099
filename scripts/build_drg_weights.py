"""Generate data/msdrg_weights_fy2026.csv from CMS Table 5 shipped in the ``drg`` package.

CMS Table 5 (FY2026 final rule: MS-DRGs, relative weighting factors, geometric and
arithmetic mean length of stay) is public domain; ``drg`` 1.0.0 ships it as
``drg/data/cms/drg_weights.txt`` (tab-separated, cp1252, two title lines and a header).
Output columns: drg, title, mdc, type, weight (10% cap applied), gmlos, amlos. DRGs 998/999
have no weight in Table 5 and are left out. The parser is :func:`coderlib.drg.weights.
parse_table5`, which also reads the FY2027 Table 5 a user imports
(``coderlib drg-weights import FILE``).

Usage: ``.venv/bin/python scripts/build_drg_weights.py [--out PATH]``
"""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import version
from pathlib import Path

import pandas as pd

from coderlib.drg.engine import drg_package_file
from coderlib.drg.weights import parse_table5

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "data" / "msdrg_weights_fy2026.csv"


def read_table5() -> pd.DataFrame:
    """Parse the FY2026 Table 5 of the ``drg`` package (same parser as FY2027 imports)."""
    raw = drg_package_file("data", "cms", "drg_weights.txt").read_bytes().decode("cp1252")
    out = parse_table5(raw)
    if out[["weight", "gmlos", "amlos"]].isna().any().any():
        raise ValueError("Table 5 has a row without weight or mean LOS")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    table = read_table5()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, index=False, lineterminator="\n")
    print(f"wrote {len(table)} MS-DRGs to {args.out} (from drg {version('drg')} Table 5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
