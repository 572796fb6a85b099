"""CMS's ICD-10-PCS order file (``icd10pcs_order_YYYY.txt``): reading it and using it as
the list of valid codes and titles.

>>> ORDER_COLUMNS[:2]
['order', 'code']
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from coderlib.codes.errors import CodeError
from coderlib.codes.normalize import date_of_service

if TYPE_CHECKING:
    import pandas as pd

    from coderlib.codes.icd10pcs import PcsCode

_CODE_RE = re.compile(r"^[0-9A-HJ-NP-Z]{7}$")
_PREFIX_RE = re.compile(r"^[0-9A-HJ-NP-Z]{0,7}$")


ORDER_COLUMNS = ["order", "code", "header", "short_description", "long_description"]


def load_order_file(path: str | Path) -> pd.DataFrame:
    """Read CMS's fixed-width PCS order file (e.g. ``icd10pcs_order_2026.txt``).

    Layout: order number (cols 1-5), code (7-13, header rows are shorter and space-padded),
    header flag (15: ``1`` = valid code, ``0`` = table header), short description (17-76),
    long description (78-end). Returns one row per line; ``header`` is True for non-billable
    table headers.

    >>> load_order_file("missing.txt")  # doctest: +SKIP
    """
    import pandas as pd

    path = Path(path)
    rows = []
    with open(path, encoding="latin-1") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            if len(line) < 17 or line[5] != " " or line[13] != " " or line[14] not in "01":
                raise ValueError(f"{path}:{lineno}: not in the PCS order-file layout "
                                 f"(order 5, space, code 7, space, flag 0/1): {line[:40]!r}")
            code = line[6:13].strip()
            if not _PREFIX_RE.match(code) or not code:
                raise ValueError(f"{path}:{lineno}: bad code field {line[6:13]!r}")
            rows.append((int(line[0:5]), code, line[14] == "0", line[16:76].rstrip(),
                         line[77:].rstrip()))
    return pd.DataFrame(rows, columns=ORDER_COLUMNS)


def compare_order_file(path: str | Path) -> dict[str, object]:
    """Compare an official order file with the combined table (what the sources miss).

    Returns counts and up to 20 example codes for each kind of disagreement.
    """
    from coderlib.codes.pcs_sources import _db

    df = load_order_file(path)
    official = set(df.loc[~df["header"], "code"])
    ours = {c for (c,) in _db().all("SELECT code FROM codes WHERE valid26=1")}
    missing, extra = sorted(official - ours), sorted(ours - official)
    return {"official_valid": len(official), "ours_valid": len(ours),
            "agree": len(official & ours), "missing_from_ours": len(missing),
            "extra_in_ours": len(extra), "examples_missing": missing[:20],
            "examples_extra": extra[:20]}


_FILE: dict[str, object] = {"path": None, "codes": {}, "sorted": []}


def use_order_file(path: str | Path | None) -> int:
    """Make CMS's official order file the list of valid codes and titles (``None`` to stop).

    Until then the combined package table is used. ``CODERLIB_PCS_ORDER_FILE`` does the same
    from the environment. Returns the number of valid (non-header) codes loaded.
    """
    if path is None:
        _FILE.update(path=None, codes={}, sorted=[])
        return 0
    df = load_order_file(path)
    valid = df[~df["header"]]
    bad = [c for c in valid["code"] if not _CODE_RE.match(c)]
    if bad:
        raise ValueError(f"{path}: rows flagged valid that are not 7-character codes: {bad[:5]}")
    codes = {r.code: (r.short_description, r.long_description) for r in valid.itertuples()}
    _FILE.update(path=str(path), codes=codes, sorted=sorted(codes))
    return len(codes)


def order_state() -> dict[str, object]:
    """The order file in use: ``{"path": ..., "codes": {code: (short, long)}, ...}``."""
    return _FILE


def _order_codes() -> dict[str, tuple[str, str]]:
    import os

    env = os.environ.get("CODERLIB_PCS_ORDER_FILE")
    if env and _FILE["path"] != env:
        use_order_file(env)
    return _FILE["codes"]  # type: ignore[return-value]


def _order_next(prefix: str) -> list[str]:
    import bisect

    keys: list[str] = _FILE["sorted"]  # type: ignore[assignment]
    i = bisect.bisect_left(keys, prefix)
    out: list[str] = []
    while i < len(keys) and keys[i].startswith(prefix):
        ch = keys[i][len(prefix)]
        out.append(ch)
        i = bisect.bisect_left(keys, prefix + chr(ord(ch) + 1), i)
    return out


def _from_order_file(raw: str, norm: str, row: tuple | None,
                     official: dict[str, tuple[str, str]], on: date | str | None) -> PcsCode:
    name = Path(str(_FILE["path"])).name
    if norm not in official:
        keys: list[str] = _FILE["sorted"]  # type: ignore[assignment]
        near: list[str] = []
        for k in range(6, 0, -1):
            near = [c for c in keys if c.startswith(norm[:k])][:10]
            if near:
                break
        raise CodeError(raw, "unknown", f"{norm} is not a valid code in the CMS order file "
                        f"{name}", near)
    from coderlib.codes.icd10pcs import PcsCode, _row_to_code

    short, long = official[norm]
    base = _row_to_code(row) if row is not None else None
    pcs = PcsCode(code=norm, description=long, description_source=f"CMS order file {name}",
                  sources=(*(base.sources if base else ()), "cms_order_file"),
                  valid_from=base.valid_from if base and base.status == "valid" else None,
                  valid_to=base.valid_to if base and base.status == "valid" else None,
                  valid_fy2026=True, status="valid", note=f"listed in {name}")
    if on is not None:
        day = date_of_service(on)
        if not pcs.valid_on(day):
            raise CodeError(raw, "not_valid_on_date",
                            f"{norm} is not valid on {day.isoformat()} (valid "
                            f"{pcs.valid_from or 'FY2024 or earlier'} to {pcs.valid_to or 'open'})")
    return pcs

