"""ICD-10-PCS: look up and validate a code (by date of service), list and search codes.

The work is split by job: :mod:`~coderlib.codes.pcs_sources` merges the sources into the
cached table, :mod:`~coderlib.codes.pcs_axes` and :mod:`~coderlib.codes.pcs_decoder`
explain the seven characters, :mod:`~coderlib.codes.pcs_walk` is the table walk and
:mod:`~coderlib.codes.pcs_order_file` reads CMS's order file. Validity on a date comes from
CMS's MCE tables (:mod:`coderlib.codes.years`): FY2027 dates check against FY2027.

>>> get("0dtj4zz").description
'Resection of Appendix, Percutaneous Endoscopic Approach'
>>> [a.meaning for a in decode("0DTJ4ZZ").axes][:3]
['Medical and Surgical', 'Gastrointestinal System', 'Resection']
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from coderlib.codes.errors import CodeError
from coderlib.codes.normalize import date_of_service, normalize_code
from coderlib.codes.pcs_axes import AXIS_NAMES, SECTIONS, axis_name
from coderlib.codes.pcs_decoder import PcsAxis, PcsDecoded, decode
from coderlib.codes.pcs_order_file import (
    ORDER_COLUMNS,
    _from_order_file,
    _order_codes,
    compare_order_file,
    load_order_file,
    order_state,
    use_order_file,
)
from coderlib.codes.pcs_sources import CODES_COLUMNS, FY_END, FY_START, _db
from coderlib.codes.pcs_walk import next_values
from coderlib.codes.search_rows import SearchRow

if TYPE_CHECKING:  # pandas is imported lazily: it costs ~1 s at start-up
    import pandas as pd

__all__ = ["AXIS_NAMES", "ORDER_COLUMNS", "SECTIONS", "PcsAxis", "PcsCode", "PcsDecoded",
           "axis_name", "build_report", "codes_frame", "compare_order_file", "decode", "get",
           "iter_codes", "iter_search_rows", "load_order_file", "nearest_codes",
           "next_values", "use_order_file", "FY_START", "FY_END"]

DATA_VERSION = "FY2026-FY2027 (CMS MCE validity)"

_CODE_RE = re.compile(r"^[0-9A-HJ-NP-Z]{7}$")
_PREFIX_RE = re.compile(r"^[0-9A-HJ-NP-Z]{0,7}$")


@dataclass(frozen=True)
class PcsCode:
    """One ICD-10-PCS code with its validity evidence.

    ``sources`` names every source that lists the code; ``valid_from``/``valid_to`` are
    ``None`` when open-ended in the data (``valid_from`` None = since ICD-10 began,
    ``valid_to`` None = still valid at the tables' horizon).
    """

    code: str
    description: str
    description_source: str
    sources: tuple[str, ...]
    valid_from: date | None
    valid_to: date | None
    valid_fy2026: bool
    status: str  # "valid" | "deleted"
    note: str
    fiscal_year: int | None = None  # the FY of the date of service it was checked for

    @property
    def section(self) -> str:
        """Section name, e.g. ``'Medical and Surgical'``."""
        return SECTIONS[self.code[0]]

    def valid_on(self, on: date) -> bool:
        """True when the data shows the code valid on the date of service ``on``."""
        if self.valid_from is not None and on < self.valid_from:
            return False
        return not (self.valid_to is not None and on > self.valid_to)



_IN_USE = "(valid26=1 OR current=1)"  # valid in FY2026 or in the current (FY2027) set
_ROW = f"SELECT {CODES_COLUMNS}, crc FROM codes"


def _row_to_code(row: tuple, fiscal_year: int | None = None) -> PcsCode:
    code, desc, dsrc, sources, vf, vt, v26, status, note, _short, _current = row[:11]
    return PcsCode(code=code, description=desc, description_source=dsrc,
                   sources=tuple(sources.split(",")) if sources else (),
                   valid_from=date.fromisoformat(vf) if vf else None,
                   valid_to=date.fromisoformat(vt) if vt else None,
                   valid_fy2026=bool(v26), status=status, note=note, fiscal_year=fiscal_year)


def _check_format(raw: str) -> str:
    code = normalize_code(raw)
    if not _CODE_RE.match(code):
        why = []
        if len(code) != 7:
            why.append(f"has {len(code)} characters, PCS codes have 7")
        bad = sorted({ch for ch in code if not re.match(r"[0-9A-HJ-NP-Z]", ch)})
        if bad:
            why.append(f"contains {', '.join(bad)} (PCS uses 0-9 and A-Z except I and O)")
        fixed = code.replace("O", "0").replace("I", "1")
        sugg = [fixed] if fixed != code and _CODE_RE.match(fixed) else []
        raise CodeError(raw, "malformed",
                        f"{raw!r} is not an ICD-10-PCS code: {'; '.join(why)}", sugg)
    return code


def nearest_codes(code: str, limit: int = 10, on: date | None = None) -> list[str]:
    """Codes in use (valid on ``on`` when given) sharing the longest prefix with ``code``.

    >>> nearest_codes("0DTJ4ZX")[:2]
    ['0DTJ4ZG', '0DTJ4ZZ']
    """
    code = normalize_code(code)
    for k in range(min(len(code), 7), 0, -1):
        if on is not None:
            from coderlib.codes import years

            rows = [(c,) for c in years.codes_under("icd10pcs", code[:k], on, limit)]
        else:
            rows = _db().all(f"SELECT code FROM codes WHERE code >= ? AND code < ? AND "
                             f"{_IN_USE} ORDER BY code LIMIT ?", (code[:k], code[:k] + "~",
                                                                  limit))
        if rows:
            return [r[0] for r in rows]
    return []


def get(code: str, on: date | str | None = None) -> PcsCode:
    """Look up a PCS code; raise ``CodeError`` when malformed, unknown or not valid.

    ``on`` (a date of service) checks validity on that date against CMS's tables for its
    fiscal year (FY2027 from 2026-10-01); without it the code must be valid in FY2026 or in
    the current (FY2027) code set.

    >>> get("0dtj4zz").description
    'Resection of Appendix, Percutaneous Endoscopic Approach'
    >>> get("0DTJ4ZZ", on="2026-12-01").fiscal_year
    2027
    """
    norm = _check_format(code)
    row = _db().checked_one(f"{_ROW} WHERE code = ?", (norm,))
    if row is None:
        from coderlib.codes import years

        if years.spans("icd10pcs", norm):  # CMS lists it, so the table must: damaged key
            _db().rebuild()
            row = _db().checked_one(f"{_ROW} WHERE code = ?", (norm,))
    official = _order_codes()
    if official:
        return _from_order_file(code, norm, row, official, on)
    if row is None:
        prefix_hits = _db().one("SELECT count(*) FROM codes WHERE code >= ? AND code < ?",
                                (norm[:3], norm[:3] + "~"))
        where = "" if prefix_hits and prefix_hits[0] else f" (no codes start with {norm[:3]})"
        raise CodeError(code, "unknown", f"{norm} is not a valid ICD-10-PCS code{where}",
                        nearest_codes(norm))
    if on is None:
        pcs = _row_to_code(row)
        if not (pcs.valid_fy2026 or row[10]):
            raise CodeError(code, "not_valid_on_date",
                            f"{norm} is not valid in FY2026 or FY2027: {pcs.note}",
                            nearest_codes(norm))
        return _imported_title(pcs, 2026 if pcs.valid_fy2026 else 2027)
    from coderlib.codes import years

    day = date_of_service(on)
    v = years.status("icd10pcs", norm, day)
    if not v.valid:
        raise CodeError(code, "not_valid_on_date", v.message(norm),
                        [] if v.state == "beyond_data" else nearest_codes(norm, on=day))
    pcs = _row_to_code(row, v.fiscal_year)
    from dataclasses import replace

    return _imported_title(replace(pcs, valid_from=v.valid_from, valid_to=v.valid_to),
                           v.fiscal_year)


def _imported_title(pcs: PcsCode, fy: int) -> PcsCode:
    """``pcs`` with its title from an imported CMS release for ``fy`` when ours is built."""
    if pcs.description_source in ("icd10coder", "tuva"):
        return pcs
    from dataclasses import replace

    from coderlib.codes import releases

    title = releases.title("icd10pcs", pcs.code, fy)
    if not title:
        return pcs
    return replace(pcs, description=title,
                   description_source=f"imported CMS release FY{fy} (order file)")


def codes_frame(valid_only: bool = True) -> pd.DataFrame:
    """The combined table as a DataFrame (one row per code, sources as a comma list)."""
    import pandas as pd

    cond = f"WHERE {_IN_USE}" if valid_only else ""
    rows = _db().all(f"SELECT code, description, desc_source, sources, valid_from, valid_to, "
                     f"valid26, status, note FROM codes {cond} ORDER BY code")
    return pd.DataFrame(rows, columns=["code", "description", "description_source", "sources",
                                       "valid_from", "valid_to", "valid_fy2026", "status",
                                       "note"])


def build_report() -> dict[str, object]:
    """Counts per source, validity outcome and description provenance of the cache.

    >>> build_report()["valid_fy2026"] > 78000
    True
    """
    db = _db()
    total, valid = db.one("SELECT count(*), sum(valid26) FROM codes")
    by_status = dict(db.all("SELECT status, count(*) FROM codes GROUP BY 1"))
    by_desc = dict(db.all("SELECT desc_source, count(*) FROM codes WHERE valid26=1 "
                          "GROUP BY 1"))
    per_source: Counter = Counter()
    only: Counter = Counter()
    for (sources,) in db.all("SELECT sources FROM codes"):
        names = set(sources.split(","))
        per_source.update(names)
        if len(names) == 1:
            only.update(names)
    return {"total_codes": total, "valid_fy2026": valid, "by_status": by_status,
            "codes_per_source": dict(per_source), "codes_only_in_source": dict(only),
            "description_source_valid": by_desc,
            "new_in_fy2026": db.one("SELECT count(*) FROM codes WHERE valid_from >= ?",
                                    (FY_START.isoformat(),))[0],
            "new_april_2026": db.one("SELECT count(*) FROM codes WHERE valid_from = ?",
                                     ("2026-04-01",))[0],
            "ended_march_2026": db.one("SELECT count(*) FROM codes WHERE valid_to = ?",
                                       ("2026-03-31",))[0],
            "build_seconds": float(db.one("SELECT v FROM build WHERE k='seconds'")[0]),
            "key": db.key}


def iter_search_rows() -> Iterator[SearchRow]:
    """Every PCS code in use (FY2026 or FY2027) as a search row (short title as a term).

    With an official order file in use (:func:`use_order_file`), its codes and titles.
    """
    official = _order_codes()
    if official:
        version = Path(str(order_state()["path"])).name
        for code, (short, long) in sorted(official.items()):
            yield SearchRow("icd10pcs", code, long, True, (short,) if short != long else (),
                            version)
        return
    for row in _db().checked(f"{_ROW} WHERE {_IN_USE} ORDER BY code"):
        code, desc, short = row[0], row[1], row[9]
        yield SearchRow("icd10pcs", code, desc, True, (short,) if short else (), DATA_VERSION)



def iter_codes(valid_only: bool = True) -> Iterable[PcsCode]:
    """Every code as a ``PcsCode``."""
    cond = f"WHERE {_IN_USE}" if valid_only else ""
    for row in _db().checked(f"{_ROW} {cond} ORDER BY code"):
        yield _row_to_code(row)
