"""HCPCS Level II: CMS's annual file loader and a plain-language teaching subset.

Level II codes and their CMS descriptors are public domain, but the full annual file is not a
registry package, so coderlib ships a ~75-code teaching subset (``data/hcpcs_teaching.yaml``,
our own words) and reads the official file a user downloads:

* fixed width ``HCPC20xx_..._ANWEB.txt`` (320-character records, the CMS record layout:
  code 1-5, sequence 6-10, record id 11 (3/4 procedure first/continuation line, 7/8
  modifier), long description 12-91, short description 92-119, pricing indicators
  120-127, ..., coverage 230, ..., BETOS 257-259, type of service 261-265, anesthesia base
  units 266-268, added date 269-276, action effective date 277-284, termination date
  285-292, action code 293);
* the ``.xlsx`` edition of the same file (same fields, one column each).

``use_annual_file(path)`` (or ``CODERLIB_HCPCS_FILE``) makes the official descriptors and
dates the source for :func:`get` and :func:`iter_search_rows`.

>>> get("j1885").plain
'Ketorolac (anti-inflammatory pain reliever) injection, per 15 mg.'
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from coderlib.codes import modifiers as _modifiers
from coderlib.codes.errors import CodeError
from coderlib.codes.normalize import date_of_service, normalize_code
from coderlib.codes.search_rows import SearchRow
from coderlib.paths import data_dir

if TYPE_CHECKING:  # pandas is imported lazily: it costs ~1 s at start-up
    import pandas as pd

DATA_VERSION = "coderlib-teaching-2026"
_CODE_RE = re.compile(r"^[A-EGHJ-MP-V][0-9]{4}$")

#: CMS HCPCS contractor record layout (1-based, inclusive), unchanged since at least 2016.
LAYOUT: tuple[tuple[str, int, int], ...] = (
    ("hcpc", 1, 5), ("seqnum", 6, 10), ("recid", 11, 11),
    ("long_description", 12, 91), ("short_description", 92, 119),
    ("price1", 120, 121), ("price2", 122, 123), ("price3", 124, 125), ("price4", 126, 127),
    ("multiple_pricing", 128, 128),
    ("cim1", 129, 134), ("cim2", 135, 140), ("cim3", 141, 146),
    ("mcm1", 147, 154), ("mcm2", 155, 162), ("mcm3", 163, 170), ("statute", 171, 180),
    *((f"labcert{i}", 181 + 3 * (i - 1), 183 + 3 * (i - 1)) for i in range(1, 9)),
    *((f"xref{i}", 205 + 5 * (i - 1), 209 + 5 * (i - 1)) for i in range(1, 6)),
    ("coverage", 230, 230), ("asc_group", 231, 232), ("asc_date", 233, 240),
    ("opps", 241, 243), ("opps_pi", 244, 244), ("opps_date", 245, 252),
    ("procnote", 253, 256), ("betos", 257, 259),
    *((f"tos{i}", 261 + i - 1, 261 + i - 1) for i in range(1, 6)),
    ("anesthesia_base_units", 266, 268), ("added", 269, 276),
    ("action_effective", 277, 284), ("terminated", 285, 292), ("action", 293, 293),
)
COVERAGE = {"C": "Carrier judgment", "D": "Special coverage instructions apply",
            "I": "Not payable by Medicare", "M": "Non-covered by Medicare",
            "S": "Non-covered by Medicare statute"}
ACTION = {"A": "Added", "B": "Administrative data and long description changed",
          "C": "Long description changed", "D": "Discontinued",
          "F": "Administrative data changed", "N": "No maintenance", "P": "Payment change",
          "R": "Re-activated", "S": "Short description changed",
          "T": "Miscellaneous change (BETOS, type of service)"}
#: xlsx column headers (CMS spellings vary a little between years) -> our field names.
_XLSX_ALIASES = {
    "HCPC": "hcpc", "HCPCS": "hcpc", "SEQNUM": "seqnum", "SEQ NUM": "seqnum", "RECID": "recid",
    "REC ID": "recid", "LONG DESCRIPTION": "long_description", "LONG_DESCRIPTION":
    "long_description", "SHORT DESCRIPTION": "short_description", "SHORT_DESCRIPTION":
    "short_description", "MULT_PI": "multiple_pricing", "MULT PI": "multiple_pricing",
    "COV": "coverage", "COVERAGE": "coverage", "BETOS": "betos", "ANEST_BU":
    "anesthesia_base_units", "ADD DT": "added", "ADD_DT": "added", "ACT EFF DT":
    "action_effective", "ACT_EFF_DT": "action_effective", "TERM DT": "terminated",
    "TERM_DT": "terminated", "ACTION CD": "action", "ACTION_CD": "action",
    "ASC_GRP": "asc_group", "ASC_DT": "asc_date", "STATUTE": "statute",
    **{f"PRICE{i}": f"price{i}" for i in range(1, 5)},
    **{f"TOS{i}": f"tos{i}" for i in range(1, 6)},
}


@dataclass(frozen=True)
class HcpcsCode:
    """A HCPCS Level II code: official fields when an annual file is loaded, else ours."""

    code: str
    plain: str  # coderlib's plain-language description ("" when not in the teaching subset)
    long_description: str = ""  # CMS descriptor (annual file only)
    short_description: str = ""
    category: str = ""
    pricing_indicators: tuple[str, ...] = ()
    coverage: str = ""
    betos: str = ""
    type_of_service: tuple[str, ...] = ()
    added: date | None = None
    action_effective: date | None = None
    terminated: date | None = None
    action: str = ""
    source: str = "coderlib teaching subset"
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def description(self) -> str:
        """The official long descriptor when loaded, else the plain-language one."""
        return self.long_description or self.plain

    def valid_on(self, on: date) -> bool:
        """False when the file shows the code added after or terminated before ``on``."""
        if self.added is not None and on < self.added:
            return False
        return not (self.terminated is not None and on > self.terminated)


# --------------------------------------------------------------------------- annual file
def _date(text: str) -> date | None:
    text = str(text or "").strip()
    if not text or text in ("0", "00000000", "nan", "NaT"):
        return None
    text = text.split(" ")[0].replace("-", "")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def _records_from_txt(path: Path) -> list[dict[str, str]]:
    recs = []
    with open(path, encoding="latin-1") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            if len(line) < 12 or line[10] not in "3478" or not line[5:10].strip().isdigit():
                raise ValueError(f"{path}:{lineno}: not a HCPCS annual-file record (code 1-5, "
                                 f"sequence 6-10, record id 3/4/7/8 in column 11): {line[:30]!r}")
            line = line.ljust(320)
            recs.append({name: line[a - 1:b].strip() for name, a, b in LAYOUT})
    return recs


def _records_from_xlsx(path: Path) -> list[dict[str, str]]:
    import pandas as pd

    raw = pd.read_excel(path, dtype=str, keep_default_na=False)
    cols = {c: _XLSX_ALIASES.get(str(c).strip().upper()) for c in raw.columns}
    missing = {"hcpc", "recid", "long_description"} - set(cols.values())
    if missing:
        raise ValueError(f"{path}: not a HCPCS annual-file workbook (missing columns "
                         f"{sorted(missing)}; found {list(raw.columns)[:12]})")
    raw = raw.rename(columns={c: n for c, n in cols.items() if n})[
        [n for n in cols.values() if n]]
    return [{k: str(v).strip() for k, v in row.items()} for row in raw.to_dict("records")]


def load_hcpcs_annual_file(path: str | Path) -> pd.DataFrame:
    """Read CMS's HCPCS annual file (fixed-width ``.txt`` or ``.xlsx``) into one row per code.

    Continuation records (id 4 / 8) are joined onto the long description. Modifiers (id 7)
    come back with ``is_modifier`` True and the two-character modifier as ``code``.

    >>> df = load_hcpcs_annual_file("HCPC2026_JAN_ANWEB.txt")  # doctest: +SKIP
    """
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"HCPCS annual file not found: {path}")
    recs = (_records_from_xlsx(path) if path.suffix.lower() in (".xlsx", ".xlsm")
            else _records_from_txt(path))
    rows: list[dict[str, object]] = []
    for rec in recs:
        recid = str(rec.get("recid", "")).strip()
        code = str(rec.get("hcpc", "")).strip().upper()
        if recid in ("4", "8"):
            if not rows or rows[-1]["code"] != code:
                raise ValueError(f"{path}: continuation line for {code} without a first line")
            rows[-1]["long_description"] = (f"{rows[-1]['long_description']} "
                                            f"{rec.get('long_description', '')}").strip()
            continue
        if recid not in ("3", "7"):
            raise ValueError(f"{path}: record for {code!r} has record id {recid!r} "
                             "(expected 3, 4, 7 or 8)")
        rows.append({
            "code": code, "is_modifier": recid == "7",
            "long_description": rec.get("long_description", ""),
            "short_description": rec.get("short_description", ""),
            "pricing_indicators": tuple(p for i in range(1, 5)
                                        if (p := rec.get(f"price{i}", ""))),
            "multiple_pricing": rec.get("multiple_pricing", ""),
            "coverage": rec.get("coverage", ""), "betos": rec.get("betos", ""),
            "type_of_service": tuple(t for i in range(1, 6) if (t := rec.get(f"tos{i}", ""))),
            "asc_group": rec.get("asc_group", ""),
            "anesthesia_base_units": rec.get("anesthesia_base_units", ""),
            "added": _date(rec.get("added", "")),
            "action_effective": _date(rec.get("action_effective", "")),
            "terminated": _date(rec.get("terminated", "")),
            "action": rec.get("action", ""),
        })
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- registry
@lru_cache(maxsize=1)
def _teaching() -> dict[str, dict]:
    import yaml

    rows = yaml.safe_load((data_dir() / "hcpcs_teaching.yaml").read_text(encoding="utf-8"))
    out = {}
    for row in rows:
        code = normalize_code(str(row["code"]))
        if not _CODE_RE.match(code):
            raise ValueError(f"hcpcs_teaching.yaml: {code!r} is not a Level II code")
        out[code] = row
    return out


_FILE: dict[str, object] = {"path": None, "codes": {}}


def use_annual_file(path: str | Path | None) -> int:
    """Make an official annual file the source for :func:`get` (``None`` to go back).

    Returns the number of procedure codes loaded.
    """
    if path is None:
        _FILE.update(path=None, codes={})
        return 0
    df = load_hcpcs_annual_file(path)
    _FILE.update(path=str(path), codes={r["code"]: r for r in
                                        df[~df["is_modifier"]].to_dict("records")})
    return len(_FILE["codes"])


def _file_codes() -> dict[str, dict]:
    env = os.environ.get("CODERLIB_HCPCS_FILE")
    if env and _FILE["path"] != env:
        use_annual_file(env)
    return _FILE["codes"]  # type: ignore[return-value]


def _make(code: str) -> HcpcsCode | None:
    teach = _teaching().get(code, {})
    rec = _file_codes().get(code)
    if rec is None and not teach:
        return None
    if rec is None:
        return HcpcsCode(code=code, plain=teach["plain"], category=teach.get("category", ""))
    return HcpcsCode(code=code, plain=teach.get("plain", ""), category=teach.get("category", ""),
                     long_description=rec["long_description"],
                     short_description=rec["short_description"],
                     pricing_indicators=rec["pricing_indicators"], coverage=rec["coverage"],
                     betos=rec["betos"], type_of_service=rec["type_of_service"],
                     added=rec["added"], action_effective=rec["action_effective"],
                     terminated=rec["terminated"], action=rec["action"],
                     source=f"CMS HCPCS annual file {Path(str(_FILE['path'])).name}")


def known_codes() -> list[str]:
    """Every Level II code coderlib can describe right now (teaching subset + loaded file)."""
    return sorted(set(_teaching()) | set(_file_codes()))


def get(code: str, on: date | str | None = None) -> HcpcsCode:
    """Look up a Level II code; ``on`` checks it against the file's add/termination dates.

    >>> get("E0110").category
    'DME'
    """
    norm = normalize_code(code).lstrip("-")
    if not _CODE_RE.match(norm):
        hint = ""
        if re.fullmatch(r"\d{4}[0-9FTU]", norm):
            hint = " (it looks like a CPT code: use coderlib.codes.cpt)"
        elif re.fullmatch(r"[0-9A-Z]{2}", norm):
            hint = " (it looks like a modifier: use coderlib.codes.modifiers)"
        raise CodeError(code, "malformed", f"{code!r} is not a HCPCS Level II code: expected a "
                        f"letter A-V (not F, I, N, O) and 4 digits, e.g. J1885{hint}")
    found = _make(norm)
    if found is None:
        pool = known_codes()
        near = [c for c in pool if c[:3] == norm[:3]] or [c for c in pool if c[0] == norm[0]]
        scope = ("the loaded annual file" if _FILE["path"] else
                 "coderlib's teaching subset (load the CMS annual file with "
                 "use_annual_file(path) or CODERLIB_HCPCS_FILE for every code)")
        raise CodeError(code, "unknown", f"{norm} is not in {scope}", near[:10])
    if on is not None:
        day = date_of_service(on)
        if not found.valid_on(day):
            raise CodeError(code, "not_valid_on_date",
                            f"{norm} is not valid on {day.isoformat()} (added {found.added}, "
                            f"terminated {found.terminated})")
    return found


def iter_search_rows() -> Iterator[SearchRow]:
    """Level II codes (teaching subset + loaded file) and Level II modifiers as search rows."""
    for code in known_codes():
        c = _make(code)
        assert c is not None
        terms = tuple(t for t in (c.plain, c.short_description, c.category)
                      if t and t != c.description)
        version = Path(str(_FILE["path"])).name if _FILE["path"] else DATA_VERSION
        yield SearchRow("hcpcs", code, c.description, True, terms, version)
    for row in _modifiers.iter_search_rows():
        if row.system == "hcpcs":
            yield row
