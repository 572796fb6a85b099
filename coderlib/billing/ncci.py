"""NCCI edits for practitioner claims: procedure-to-procedure (PTP) pairs and medically
unlikely edits (MUE) — coderlib's teaching subset, or CMS's own quarterly files.

CMS publishes the practitioner PTP table as tab-delimited text (``ccipra-v*-f*.txt``): a
copyright preamble, a header row ``Column 1 / Column 2 / *=in existence prior to 1996 /
Effective Date / Deletion Date / Modifier / PTP Edit Rationale``, three rows explaining the
modifier indicator, then one edit per row (dates ``YYYYMMDD``, deletion ``*`` while active).
The practitioner MUE table is a CSV with a quoted preamble and the header ``HCPCS/CPT Code,
Practitioner Services MUE Values, MUE Adjudication Indicator, MUE Rationale``. The loaders
read those layouts and report every row they cannot use (row number and reason) instead of
stopping.

>>> t = teaching_tables()
>>> e = t.ptp_edit("93000", "93010")
>>> e.modifier_indicator, e.active_on(dt.date(2026, 1, 5))
('0', True)
>>> t.mue["99213"].mue
1
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from coderlib.billing.x12 import parse_d8
from coderlib.paths import data_dir
from coderlib.tabular import read_table

_CODE = re.compile(r"^[0-9A-Z]{5}$")


@dataclass(frozen=True, slots=True)
class PtpEdit:
    """One PTP pair: column 2 is not paid with column 1 unless the indicator allows a modifier."""

    column1: str
    column2: str
    effective: dt.date
    deletion: dt.date | None
    modifier_indicator: str  # 0 not allowed, 1 allowed, 9 not applicable
    rationale: str
    pre_1996: bool = False

    def active_on(self, day: dt.date) -> bool:
        """In force on ``day``: effective on or before it, not yet deleted, indicator not 9.

        The deletion date is read as the first date of service the edit no longer applies
        to (an indicator-9 edit deleted retroactively carries deletion = effective date).
        """
        if self.modifier_indicator == "9" or day < self.effective:
            return False
        return self.deletion is None or day < self.deletion


@dataclass(frozen=True, slots=True)
class MueEdit:
    """The most units of a code one provider reports for one patient on one day."""

    code: str
    mue: int
    mai: str  # 1 line edit, 2 date of service (policy), 3 date of service (clinical)
    rationale: str


@dataclass
class NcciTables:
    """PTP edits by column 1 code, MUEs by code, where they came from, rows not used."""

    ptp: dict[str, dict[str, PtpEdit]] = field(default_factory=dict)
    mue: dict[str, MueEdit] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def ptp_edit(self, column1: str, column2: str) -> PtpEdit | None:
        """The edit for this ordered pair, if any."""
        return self.ptp.get(column1, {}).get(column2)

    def add_ptp(self, edits: list[PtpEdit]) -> None:
        """Add PTP edits (a later edit for the same pair replaces the earlier one)."""
        for e in edits:
            self.ptp.setdefault(e.column1, {})[e.column2] = e

    @property
    def ptp_count(self) -> int:
        """How many PTP pairs are loaded."""
        return sum(len(v) for v in self.ptp.values())


def _date(text: str) -> dt.date | None:
    text = text.strip()
    return None if text in ("", "*") else parse_d8(text)


def load_ptp_file(path: str | Path) -> tuple[list[PtpEdit], list[str]]:
    """Read a CMS practitioner PTP file (tab-delimited text, real layout).

    Returns the edits and one message per data row that could not be used (row number and
    why); preamble and header rows are skipped.
    """
    path = Path(path)
    text = path.read_text(encoding="latin-1")
    edits: list[PtpEdit] = []
    problems: list[str] = []
    header_seen = False
    for n, raw in enumerate(text.splitlines(), start=1):
        cells = [c.strip() for c in raw.split("\t")]
        if not header_seen:
            if cells[:2] == ["Column 1", "Column 2"]:
                header_seen = True
            continue
        if not any(cells) or not cells[0]:
            continue  # the modifier-indicator legend rows and blank lines
        cells += [""] * (7 - len(cells))
        c1, c2, prior, eff, dele, mod, why = cells[:7]
        eff_day, del_day = _date(eff), _date(dele)
        reason = ""
        if not _CODE.match(c1) or not _CODE.match(c2):
            reason = f"codes {c1!r} / {c2!r} are not 5-character HCPCS/CPT codes"
        elif eff_day is None:
            reason = f"effective date {eff!r} is not YYYYMMDD"
        elif dele not in ("", "*") and del_day is None:
            reason = f"deletion date {dele!r} is not YYYYMMDD or *"
        elif mod not in ("0", "1", "9"):
            reason = f"modifier indicator {mod!r} is not 0, 1 or 9"
        if reason:
            problems.append(f"{path.name}: row {n}: {reason}")
            continue
        assert eff_day is not None
        edits.append(PtpEdit(c1, c2, eff_day, del_day, mod, why, prior == "*"))
    if not header_seen:
        problems.append(f"{path.name}: no 'Column 1 / Column 2' header row: not a CMS PTP "
                        "file")
    return edits, problems


def load_mue_file(path: str | Path) -> tuple[list[MueEdit], list[str]]:
    """Read a CMS practitioner MUE table (CSV with a quoted preamble, real layout)."""
    path = Path(path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="latin-1"))))
    edits: list[MueEdit] = []
    problems: list[str] = []
    start = next((i for i, r in enumerate(rows) if r and r[0].strip() == "HCPCS/CPT Code"),
                 None)
    if start is None:
        return [], [f"{path.name}: no 'HCPCS/CPT Code' header row: not a CMS MUE table"]
    for n, row in enumerate(rows[start + 1:], start=start + 2):
        if not row or not any(c.strip() for c in row):
            continue
        row = [c.strip() for c in row] + [""] * (4 - len(row))
        code, value, mai, why = row[:4]
        if not _CODE.match(code):
            problems.append(f"{path.name}: row {n}: {code!r} is not a HCPCS/CPT code")
        elif not value.isdigit():
            problems.append(f"{path.name}: row {n}: MUE value {value!r} is not a whole "
                            "number")
        else:
            edits.append(MueEdit(code, int(value), mai[:1], why))
    return edits, problems


@lru_cache(maxsize=1)
def teaching_tables() -> NcciTables:
    """coderlib's teaching subset (``data/billing``), plus the CMS files named by
    ``CODERLIB_NCCI_PTP`` / ``CODERLIB_NCCI_MUE`` when set."""
    tables = NcciTables(sources=["coderlib teaching subset"])
    ptp = read_table(data_dir() / "billing" / "ncci_ptp_teaching.csv")
    tables.add_ptp([PtpEdit(r.column1, r.column2, parse_d8(r.effective) or dt.date(1996, 1, 1),
                            _date(r.deletion), r.modifier_indicator, r.rationale)
                    for r in ptp.itertuples()])
    mue = read_table(data_dir() / "billing" / "mue_teaching.csv")
    for r in mue.itertuples():
        tables.mue[r.code] = MueEdit(r.code, int(r.mue), r.mai, r.rationale)
    for var, loader in (("CODERLIB_NCCI_PTP", load_ptp_file),
                        ("CODERLIB_NCCI_MUE", load_mue_file)):
        for part in filter(None, os.environ.get(var, "").split(os.pathsep)):
            use_file(tables, part, loader)
    return tables


def use_file(tables: NcciTables, path: str | Path, loader=None) -> int:  # noqa: ANN001
    """Add a CMS PTP or MUE file to ``tables`` (the loader is chosen from the file's name
    when not given: ``.csv`` is an MUE table); returns how many edits it added."""
    path = Path(path)
    loader = loader or (load_mue_file if path.suffix.lower() == ".csv" else load_ptp_file)
    edits, problems = loader(path)
    if loader is load_mue_file:
        for e in edits:
            tables.mue[e.code] = e
    else:
        tables.add_ptp(edits)
    tables.sources.append(path.name)
    tables.problems += problems
    return len(edits)
