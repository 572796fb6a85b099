"""Machine checks on every drill item, like the answer-key checks on exercise charts.

An item is refused when its key cannot be trusted: a code in the stem, an option or the
key that does not exist on the item's date (CPT only from the teaching subset or a licensed
file), a key code that is not billable, an option of the wrong code system, an area no
blueprint lists, a distractor without a note on why it is wrong (authored items), or a
scenario whose chart is missing.

>>> find_codes("Sepsis A41.9 with N10; CPT 99214-25; MS-DRG 872; PCS 0DTJ4ZZ")[:4]
[('icd10cm', 'A41.9'), ('icd10cm', 'N10'), ('cpt', '99214'), ('modifier', '25')]
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from coderlib.codes.errors import CodeError
from coderlib.drills.bank import ItemFileError, item_files, load_file
from coderlib.drills.blueprint import Exam, load_blueprint
from coderlib.drills.model import CODE_TYPES, Item

ERROR, WARNING = "error", "warning"

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("icd10cm", re.compile(r"\b([A-Z][0-9][0-9A-Z]\.[0-9A-Z]{1,4})\b")),
    ("icd10cm", re.compile(r"(?<![-\w.])([A-Z][0-9]{2})(?![\w.]|-[0-9A-Z]{2}\b)")),
    ("cpt", re.compile(r"(?<![\w.$-])([0-9]{5}|[0-9]{4}[FTU])\b(?!\.[0-9])")),
    ("modifier", re.compile(r"\b[0-9]{4}[0-9FTU]-([0-9A-Z]{2})\b")),
    ("modifier", re.compile(r"\b(?i:modifiers?) -?([0-9A-Z]{2})\b")),
    ("hcpcs", re.compile(r"\b([A-V][0-9]{4})\b")),
    ("drg", re.compile(r"\bDRGs? ([0-9]{3})\b")),
    ("icd10pcs", re.compile(r"\b((?=[0-9A-HJ-NP-Z]*[0-9])(?=[0-9A-HJ-NP-Z]*[A-Z])"
                            r"[0-9BCDFGHX][0-9A-HJ-NP-Z]{6})\b")),
)


def find_codes(text: str) -> list[tuple[str, str]]:
    """Every code mentioned in ``text`` as ``(system, code)``, in pattern order.

    ICD-10-CM codes are found dotted (``E11.9``) or as 3-character categories (``I10``);
    CPT as five digits (or four and F/T/U); modifiers after a CPT code (``99214-25``) or
    after the word modifier; MS-DRGs after ``DRG``; PCS as 7 characters with a digit and a
    letter.
    """
    out: list[tuple[str, str]] = []
    for system, pat in _PATTERNS:
        for m in pat.finditer(text):
            hit = (system, m.group(1))
            if hit not in out:
                out.append(hit)
    return out


@dataclass
class Finding:
    """One problem on one item."""

    field: str
    message: str
    severity: str = ERROR


@dataclass
class ItemReport:
    """Every finding for one item (or for a file that did not load)."""

    file: str
    item_id: str | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(f.severity == ERROR for f in self.findings)

    def add(self, fld: str, message: str, severity: str = ERROR) -> None:
        self.findings.append(Finding(fld, message, severity))


@dataclass
class BankReport:
    """Per-item reports for a bank; ``items`` holds the items that passed."""

    path: str
    reports: list[ItemReport] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.reports)

    @property
    def refused(self) -> list[ItemReport]:
        return [r for r in self.reports if not r.ok]

    def to_frame(self) -> pd.DataFrame:
        """One row per finding."""
        rows = [{"file": r.file, "item_id": r.item_id, **asdict(f)}
                for r in self.reports for f in r.findings]
        return pd.DataFrame(rows, columns=["file", "item_id", "field", "message", "severity"])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready report."""
        return {"path": self.path, "ok": self.ok, "items_checked": len(self.reports),
                "items_ok": len(self.items), "items_refused": len(self.refused),
                "refused": [{"file": r.file, "item_id": r.item_id,
                             "findings": [asdict(f) for f in r.findings]}
                            for r in self.refused]}

    def render(self) -> str:
        """Plain text: each refused item with its reasons, then a count."""
        lines = []
        for r in self.reports:
            if r.findings:
                lines.append(f"{'REFUSED' if not r.ok else 'WARN'} {r.item_id or '?'} "
                             f"({r.file})")
                lines.extend(f"  [{f.severity}] {f.field}: {f.message}" for f in r.findings)
        lines.append(f"{len(self.reports)} item(s) checked, {len(self.items)} accepted, "
                     f"{len(self.refused)} refused under {self.path}")
        return "\n".join(lines)


# ------------------------------------------------------------------ code look-ups
def _drg_known(code: str) -> None:
    from coderlib.drg import weight_of

    if weight_of(code) is None:
        raise CodeError(code, "unknown", f"MS-DRG {code} is not in the FY2026 MS-DRG table")


def check_code(system: str, code: str, on: dt.date, billable: bool) -> None:
    """Raise :class:`CodeError` when ``code`` cannot be used in an item dated ``on``.

    ``billable`` demands a reportable code (the key); otherwise existence is enough (a
    header in a stem, or a distractor that teaches "this header is not billable").

    >>> check_code("icd10cm", "E11", dt.date(2026, 3, 1), billable=False)
    >>> check_code("cpt", "33533", dt.date(2026, 3, 1), billable=True)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    coderlib.codes.errors.CodeError: 33533 ... is not in coderlib's teaching subset...
    """
    from coderlib.codes import cpt, hcpcs, icd10cm, icd10pcs, modifiers

    if system == "icd10cm":
        (icd10cm.validate if billable else icd10cm.get)(code, on)
    elif system == "icd10pcs":
        rec = icd10pcs.get(code, on)
        if billable and not rec.valid_on(on):
            raise CodeError(code, "not_valid_on_date", f"ICD-10-PCS {code} is not valid on {on}")
    elif system == "cpt":
        cpt.get(code)
    elif system == "hcpcs":
        hcpcs.get(code, on)
    elif system == "modifier":
        modifiers.get(code)
    elif system == "drg":
        _drg_known(code)
    else:
        raise ValueError(f"unknown code system {system!r}")


def _option_code(item: Item, text: str) -> str:
    """The code an option of a code type holds (the first token)."""
    return text.split()[0].rstrip(",;:")


def _check_text(rep: ItemReport, fld: str, text: str, on: dt.date) -> None:
    for system, code in find_codes(text):
        try:
            check_code(system, code, on, billable=False)
        except CodeError as exc:
            rep.add(fld, f"{system} {code}: {exc}")


def check_item(item: Item, *, blueprint: dict[str, Exam] | None = None,
               chart_ids: Iterable[str] | None = None, file: str = "") -> ItemReport:
    """Run every check on one loaded item; the report's ``ok`` says if it may be used."""
    rep = ItemReport(file, item.id)
    blueprint = load_blueprint() if blueprint is None else blueprint
    scenario = item.type == "chart" and item.area == "scenario"
    if not scenario and not any(item.area == a.id for e in blueprint.values() for a in e.areas):
        known = ", ".join(sorted(a.id for e in blueprint.values() for a in e.areas))
        rep.add("area", f"area {item.area!r} is in no exam blueprint; known: {known}")
    on = item.date
    if item.kind != "case":  # a case stem is chart text, checked by the chart validator
        _check_text(rep, "stem", item.stem, on)
    if item.type == "chart":
        ids = set(chart_ids) if chart_ids is not None else None
        if ids is not None and item.chart not in ids:
            rep.add("chart", f"no exercise chart with id {item.chart!r}")
        return rep
    for letter, text in item.options.items():
        fld = "answer" if letter == item.key else f"distractors[{text!r}]"
        if item.type in CODE_TYPES:
            code = _option_code(item, text)
            try:
                check_code(item.type, code, on, billable=letter == item.key)
            except CodeError as exc:
                rep.add(fld, f"{item.type} {code} on {on}: {exc}")
            rest = text[len(code):]
            if rest.strip():
                _check_text(rep, fld, rest, on)
        else:
            _check_text(rep, fld, text, on)
        if letter != item.key and item.kind == "authored" and not item.why.get(letter):
            rep.add(fld, "an authored distractor needs a note on why it is wrong (it must "
                         "teach)")
    return rep


def check_items(items: Sequence[Item], *, blueprint: dict[str, Exam] | None = None,
                chart_ids: Iterable[str] | None = None, file: str = "") -> list[ItemReport]:
    """:func:`check_item` over several items (the blueprint is read once)."""
    blueprint = load_blueprint() if blueprint is None else blueprint
    ids = list(chart_ids) if chart_ids is not None else None
    return [check_item(i, blueprint=blueprint, chart_ids=ids, file=file) for i in items]


def validate_bank(path: str | Path | None = None,
                  blueprint: dict[str, Exam] | None = None) -> BankReport:
    """Load and check every item file under ``path`` (default: the shipped bank).

    A file that does not load becomes a refused report naming the file and field; ids used
    twice are refused in both places.
    """
    from coderlib.drills.bank import items_dir
    from coderlib.exercises.loader import load_lenient

    path = items_dir() if path is None else Path(path)
    report = BankReport(str(path))
    blueprint = load_blueprint() if blueprint is None else blueprint
    charts, _errors = load_lenient()
    chart_ids = [c.id for c in charts]
    seen: dict[str, str] = {}
    try:
        files = item_files(path)
    except FileNotFoundError as exc:
        rep = ItemReport(str(path), None)
        rep.add("(file)", str(exc))
        report.reports.append(rep)
        return report
    for file in files:
        try:
            items = load_file(file)
        except ItemFileError as exc:
            for fld, problem in exc.problems:
                rep = ItemReport(str(file), None)
                rep.add(fld, problem)
                report.reports.append(rep)
            continue
        for item in items:
            rep = check_item(item, blueprint=blueprint, chart_ids=chart_ids, file=str(file))
            if item.id in seen:
                rep.add("id", f"id {item.id!r} is also used in {seen[item.id]}")
            seen.setdefault(item.id, str(file))
            report.reports.append(rep)
            if rep.ok:
                report.items.append(item)
    report.items.sort(key=lambda i: i.id)
    return report
