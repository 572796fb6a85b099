"""Scrub a file: an 837P/837I or a claims CSV, every claim, with file problems reported too.

The CSV holds one row per service line; claim-level columns repeat on each line of a claim
(see ``CSV_COLUMNS``). A value that cannot be read (a date, a number) becomes a ``malformed``
edit naming the row and column, and the rest of the claim is still scrubbed. An X12 file
with a broken envelope (wrong SE01/GE01/IEA01, truncated) gets ``file_envelope`` edits naming
the segment, and every claim in it is still scrubbed.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "claims.csv"
>>> _ = p.write_text("claim_id,payer_id,patient_last,patient_first,member_id,birth_date,sex,"
...   "place_of_service,diagnoses,billing_npi,tax_id,code,modifiers,units,charge,dx_pointers,"
...   "service_date,submitted\\n"
...   "C1,MCR01,DOE,JANE,1EG4,1950-02-01,F,11,E11.9,1234567893,12-3456789,99213,,1,120,1,"
...   "2026-01-05,2026-01-06\\n"
...   "C2,MCR01,DOE,JOHN,1EG5,1950-13-01,M,11,I10,1234567893,12-3456789,99213,,1,120,1,"
...   "2026-01-05,2026-01-06\\n")
>>> result = scrub_file(p)
>>> [(e.claim_id, e.id, e.field, e.row) for e in result.edits]
[('C2', 'malformed', 'birth_date', 3), ('C2', 'required_field', 'patient.birth_date', 3)]
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from coderlib.billing.claims import Claim, Person, ProfessionalClaim, Provider, ServiceLine
from coderlib.billing.edi837 import read_837
from coderlib.billing.ncci import NcciTables, teaching_tables
from coderlib.billing.scrub import ScrubEdit, scrub_claim
from coderlib.billing.x12 import X12Error, read_x12
from coderlib.tabular import Column, TableError, read_table

CSV_COLUMNS = ("claim_id", "payer_id", "patient_last", "patient_first", "member_id",
               "birth_date", "sex", "place_of_service", "diagnoses", "billing_npi", "tax_id",
               "rendering_npi", "code", "modifiers", "units", "charge", "dx_pointers",
               "service_date", "submitted", "billing_name", "payer_name", "chart_id", "coder")
REQUIRED = ("claim_id", "code")


@dataclass
class ScrubResult:
    """A scrubbed file: its claims, every edit, and the file it came from."""

    source: str
    kind: str  # "837P", "837I" or "CSV"
    claims: list[Claim] = field(default_factory=list)
    edits: list[ScrubEdit] = field(default_factory=list)

    @property
    def clean_claim_rate(self) -> float:
        """Share of claims with no error-level edit."""
        dirty = {e.claim_id for e in self.edits if e.severity == "error"}
        ids = [c.claim_id for c in self.claims]
        return 0.0 if not ids else sum(1 for i in ids if i not in dirty) / len(ids)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready summary with every edit."""
        return {"source": self.source, "kind": self.kind, "claims": len(self.claims),
                "clean_claim_rate": round(self.clean_claim_rate, 4),
                "errors": sum(1 for e in self.edits if e.severity == "error"),
                "warnings": sum(1 for e in self.edits if e.severity == "warning"),
                "edits": [e.to_dict() for e in self.edits]}


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text.strip())


def _codes(text: str) -> list[str]:
    return [t.replace(".", "").upper() for t in text.replace(";", " ").replace(",", " ").split()
            if t]


def read_claims_csv(path: str | Path
                    ) -> tuple[list[Claim], list[ScrubEdit], dict[str, dict[int, int]]]:
    """Claims from a CSV (one row per line), a ``malformed`` edit per unreadable value, and
    the CSV row of each claim line (``rows[claim_id][line_number]``).

    The file itself is read by :func:`coderlib.tabular.read_table` (strict: a row with the
    wrong number of fields makes the whole file unreadable, so shifted columns are never
    scrubbed as if they were right); values are checked here, row by row.
    """
    table = read_table(path, [Column(c, required=c in REQUIRED) for c in CSV_COLUMNS])
    claims: dict[str, ProfessionalClaim] = {}
    edits: list[ScrubEdit] = []
    rows: dict[str, dict[int, int]] = {}
    for n, row in enumerate(table.to_dict("records"), start=2):
        cells = {k: str(v or "").strip() for k, v in row.items()}
        get = lambda name, c=cells: c.get(name, "")  # noqa: E731
        cid = cells["claim_id"] or f"(row {n})"
        bad: list[tuple[str, str]] = []

        def parse(name: str, fn, default, cells=cells, bad=bad):  # noqa: ANN001, ANN202
            text = cells.get(name, "")
            if not text:
                return default
            try:
                return fn(text)
            except ValueError:
                bad.append((name, text))
                return default

        claim = claims.get(cid)
        if claim is None:
            claim = ProfessionalClaim(
                cid, payer_id=get("payer_id"), payer_name=get("payer_name"),
                patient=Person(get("patient_last"), get("patient_first"), get("member_id"),
                               parse("birth_date", _date, None), get("sex").upper()),
                billing=Provider(get("billing_name") or "BILLING PROVIDER",
                                 get("billing_npi"), get("tax_id").replace("-", "")),
                place_of_service=get("place_of_service").zfill(2) if get(
                    "place_of_service") else "",
                diagnoses=_codes(get("diagnoses")),
                rendering=Provider("RENDERING", get("rendering_npi")) if get(
                    "rendering_npi") else None,
                submitted=parse("submitted", _date, None), chart_id=get("chart_id"),
                coder=get("coder"))
            claims[cid] = claim
        pointers: list[int] = []
        for p in get("dx_pointers").replace(";", " ").replace(",", " ").split():
            if p.isdigit():
                pointers.append(int(p))
            elif len(p) == 1 and p.upper() in "ABCDEFGHIJKL":
                pointers.append("ABCDEFGHIJKL".index(p.upper()) + 1)
            else:
                bad.append(("dx_pointers", p))
        rows.setdefault(cid, {})[len(claim.lines) + 1] = n
        line = ServiceLine(len(claim.lines) + 1, get("code").upper(),
                           [m.upper().lstrip("-") for m in
                            get("modifiers").replace(";", " ").replace(",", " ").split()],
                           parse("units", float, 1.0), parse("charge", float, 0.0), pointers,
                           parse("service_date", _date, None))
        claim.lines.append(line)
        for name, text in bad:
            edits.append(ScrubEdit("malformed", cid, f"row {n}: {name} {text!r} cannot be "
                                   "read", name, line.number, line.code, row=n))
    return list(claims.values()), edits, rows


def _place(edits: list[ScrubEdit], rows: dict[int, int], first: int) -> list[ScrubEdit]:
    """Give each edit the file row (CSV row or X12 segment number) it points at."""
    for e in edits:
        if e.row is None:
            e.row = rows.get(e.line or 0, first)
    return edits


def scrub_file(path: str | Path, tables: NcciTables | None = None,
               today: dt.date | None = None) -> ScrubResult:
    """Scrub every claim in an 837 or a CSV (see the module docstring).

    Raises :class:`~coderlib.billing.x12.X12Error` for a file that is not X12 (or a CSV
    ``TableError``) — the only cases where no claim can be read at all.
    """
    path = Path(path)
    tables = tables or teaching_tables()
    if path.suffix.lower() in (".csv", ".xlsx"):
        claims, edits, rows = read_claims_csv(path)
        result = ScrubResult(str(path), "CSV", claims, [])
        pre: dict[str, list[ScrubEdit]] = {}
        for e in edits:
            pre.setdefault(e.claim_id, []).append(e)
        for c in claims:
            at = rows.get(c.claim_id, {})
            result.edits += pre.get(c.claim_id, []) + _place(
                scrub_claim(c, tables, today), at, min(at.values(), default=0))
        return result
    doc = read_x12(path)
    read = read_837(doc)
    kind = "837I" if "X223" in read.version else "837P"
    result = ScrubResult(str(path), kind)
    for p in read.problems:
        result.edits.append(ScrubEdit("file_envelope", "(file)", str(p), p.segment,
                                      row=p.number))
    for cr in read.claims:
        c = cr.claim
        result.claims.append(c)
        for p in cr.problems:
            result.edits.append(ScrubEdit("malformed", c.claim_id, str(p), p.segment,
                                          row=p.number))
        if cr.stated_total is not None and abs(cr.stated_total - c.total_charge) > 0.005:
            result.edits.append(ScrubEdit("charge_total", c.claim_id, f"CLM02 says "
                                          f"{cr.stated_total:.2f} but the lines add up to "
                                          f"{c.total_charge:.2f}", "CLM02", row=cr.segment))
        result.edits += _place(scrub_claim(c, tables, today), cr.line_segments, cr.segment)
    return result


__all__ = ["CSV_COLUMNS", "ScrubResult", "TableError", "X12Error", "read_claims_csv",
           "scrub_file"]
