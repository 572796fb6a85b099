"""A trainee's answer: a coder-friendly text format and the structured :class:`Answer`.

Text format (sections separated by `;` or new lines, labels case-insensitive):

    PDX: A41.51 POA:Y; SDX: N39.0:Y, N17.9:Y; PCS: 0T9B70Z; CPT: 99214-25, 20610-RT x2; QUERY

- `PDX:` (also `PRINCIPAL:`, `FIRST:`) the principal / first-listed diagnosis.
- `SDX:` (also `SECONDARY:`) secondary diagnoses, in order.
- `DX:` diagnoses in order; the first is principal unless `PDX:` is given.
- `PCS:` (also `PROC:`) ICD-10-PCS procedures.
- `CPT:` (also `HCPCS:`, `LINES:`) service lines: `CODE-MOD-MOD xUNITS`
  (units also as `*2` or `units 2`; default 1).
- `QUERY` (or `QUERY: reason`) the chart needs a physician query.

POA goes after a diagnosis as `:Y`, `POA:Y`, `POA=Y` or `(Y)`. Codes are separated by
commas or spaces, dotted or not, any case. A section without a label is read as diagnoses
(as CPT lines when the items have modifiers or units or are five-digit CPT numbers, as PCS
when they have the PCS shape). Nothing is rejected: a malformed code is kept and flagged,
so grading can tell the trainee which entry was wrong.

>>> a = parse_answer("PDX: A41.51 POA:Y; SDX: N39.0:Y, n179 (y); PCS: 0T9B70Z; "
...                  "CPT: 99214-25, 20610-RT x2; QUERY")
>>> a.principal_dx.code, a.principal_dx.poa, [d.code for d in a.secondary_dx]
('A4151', 'Y', ['N390', 'N179'])
>>> a.lines[1].code, a.lines[1].modifiers, a.lines[1].units, a.query
('20610', ['RT'], 2, True)
>>> a.to_text()
'PDX: A41.51:Y; SDX: N39.0:Y, N17.9:Y; PCS: 0T9B70Z; CPT: 99214-25, 20610-RT x2; QUERY'
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from coderlib.codes.normalize import dotted_icd10cm, normalize_code
from coderlib.exercises.codesets import line_system, well_formed
from coderlib.exercises.model import POA_VALUES

LABELS = {
    "PDX": "pdx", "PRINCIPAL": "pdx", "PRINCIPALDX": "pdx", "FIRST": "pdx", "FIRSTLISTED": "pdx",
    "DX1": "pdx",
    "SDX": "sdx", "SECONDARY": "sdx", "SECONDARYDX": "sdx", "OTHERDX": "sdx",
    "DX": "dx", "DIAGNOSES": "dx", "DIAGNOSIS": "dx", "ICD": "dx", "ICD10CM": "dx",
    "PCS": "pcs", "PROC": "pcs", "PROCEDURES": "pcs", "PROCEDURE": "pcs", "ICD10PCS": "pcs",
    "CPT": "lines", "HCPCS": "lines", "LINES": "lines", "LINE": "lines", "CPTHCPCS": "lines",
}

_SECTION_SPLIT = re.compile(r"[;\n]+")
_LABEL = re.compile(r"^\s*([A-Za-z][A-Za-z0-9 /_-]{0,20}?)\s*:\s*(.*)$", re.S)
_POA_WORD = re.compile(r"\s+POA\s*[:=]?\s*([A-Za-z0-9]+)\b", re.I)
_POA_PAREN = re.compile(r"\s*\(\s*([A-Za-z0-9]{1,3})\s*\)")
_UNITS = re.compile(r"\s+(?:[x×*]|units?\s*[:=]?)\s*(\d+)\b|\s*\*\s*(\d+)\b", re.I)
_LINE_ITEM = re.compile(r"^(?P<code>[A-Za-z0-9.]+)(?P<mods>(?:-[A-Za-z0-9]{1,3})*)"
                        r"(?:\*(?P<units>\d+))?$")
_QUERY = re.compile(r"^\s*QUERY\b\s*[:\-]?\s*(.*)$", re.I | re.S)


class AnswerDx(BaseModel):
    """One diagnosis as the trainee wrote it; ``problem`` says why it is malformed."""

    code: str
    raw: str
    poa: str | None = None
    problem: str | None = None


class AnswerProc(BaseModel):
    """One ICD-10-PCS procedure as the trainee wrote it."""

    code: str
    raw: str
    problem: str | None = None


class AnswerLine(BaseModel):
    """One CPT/HCPCS line: code, modifiers, units."""

    code: str
    raw: str
    modifiers: list[str] = Field(default_factory=list)
    units: int = 1
    problem: str | None = None


class Answer(BaseModel):
    """A trainee's coded answer, structured the same way as the chart's key."""

    principal_dx: AnswerDx | None = None
    secondary_dx: list[AnswerDx] = Field(default_factory=list)
    procedures: list[AnswerProc] = Field(default_factory=list)
    lines: list[AnswerLine] = Field(default_factory=list)
    query: bool = False
    query_reason: str | None = None
    notes: list[str] = Field(default_factory=list)
    text: str = ""

    @property
    def all_dx(self) -> list[AnswerDx]:
        """Principal (when given) then secondary diagnoses."""
        return ([self.principal_dx] if self.principal_dx else []) + list(self.secondary_dx)

    @property
    def empty(self) -> bool:
        """True when the answer holds no codes and no query."""
        return not (self.all_dx or self.procedures or self.lines or self.query)

    def to_text(self) -> str:
        """The canonical text form (dotted diagnoses, POA as ``:Y``, units as ``xN``)."""
        def dx(d: AnswerDx) -> str:
            shown = dotted_icd10cm(d.code) if d.problem is None else d.raw
            return shown + (f":{d.poa}" if d.poa else "")

        parts = []
        if self.principal_dx:
            parts.append(f"PDX: {dx(self.principal_dx)}")
        if self.secondary_dx:
            parts.append("SDX: " + ", ".join(dx(d) for d in self.secondary_dx))
        if self.procedures:
            parts.append("PCS: " + ", ".join(p.code for p in self.procedures))
        if self.lines:
            parts.append("CPT: " + ", ".join(
                ln.code + "".join(f"-{m}" for m in ln.modifiers)
                + (f" x{ln.units}" if ln.units != 1 else "") for ln in self.lines))
        if self.query:
            parts.append("QUERY" + (f": {self.query_reason}" if self.query_reason else ""))
        return "; ".join(parts)


def _items(body: str) -> list[str]:
    return [t for t in re.split(r"[,\s]+", body.strip()) if t]


def _dx_item(raw: str) -> AnswerDx:
    code, sep, poa = raw.partition(":")
    norm = normalize_code(code)
    problem = None
    if not well_formed("icd10cm", norm):
        problem = f"{code!r} is not an ICD-10-CM code (letter, digit, digit/letter, then up " \
                  "to 4 characters)"
    poa_val = poa.strip().upper() if sep else None
    if sep and poa_val not in POA_VALUES:
        problem = (problem + "; " if problem else "") + \
            f"POA {poa!r} must be one of {', '.join(POA_VALUES)}"
        poa_val = None
    return AnswerDx(code=norm, raw=raw, poa=poa_val or None, problem=problem)


def _dx_items(body: str) -> list[AnswerDx]:
    body = _POA_WORD.sub(r":\1", body)
    body = _POA_PAREN.sub(r":\1", body)
    return [_dx_item(t) for t in _items(body)]


def _proc_items(body: str) -> list[AnswerProc]:
    out = []
    for raw in _items(body):
        norm = normalize_code(raw)
        problem = None if well_formed("icd10pcs", norm) else \
            f"{raw!r} is not an ICD-10-PCS code (7 characters, digits and letters, no I or O)"
        out.append(AnswerProc(code=norm, raw=raw, problem=problem))
    return out


def _line_items(body: str) -> list[AnswerLine]:
    body = _UNITS.sub(lambda m: f"*{m.group(1) or m.group(2)}", body)
    body = re.sub(r"\s+-\s*", "-", body)  # "99214 -25" -> "99214-25"
    out = []
    for raw in _items(body):
        m = _LINE_ITEM.match(raw)
        if not m:
            out.append(AnswerLine(code=normalize_code(raw), raw=raw,
                                  problem=f"{raw!r} is not a CODE-MODIFIER xUNITS line"))
            continue
        code = normalize_code(m["code"])
        mods = [x.upper() for x in m["mods"].split("-") if x]
        units = int(m["units"]) if m["units"] else 1
        problems = []
        if not well_formed(line_system(code), code):
            problems.append(f"{m['code']!r} is not a CPT (5 digits, or 4 digits + F/T/U) "
                            "or HCPCS Level II (letter + 4 digits) code")
        bad = [x for x in mods if len(x) != 2]
        if bad:
            problems.append(f"modifier(s) {', '.join(bad)} must be 2 characters")
        if units < 1:
            problems.append("units must be at least 1")
        out.append(AnswerLine(code=code, raw=raw, modifiers=mods, units=max(units, 1),
                              problem="; ".join(problems) or None))
    return out


def _guess_kind(body: str) -> str:
    """Label for an unlabelled section, from the shape of its items."""
    items = _items(_UNITS.sub(lambda m: "*1", body))
    if not items:
        return "dx"
    if all(re.match(r"^[0-9]{4}[0-9FTU](-|\*|$)", t, re.I) or "-" in t for t in items):
        return "lines"
    if all(well_formed("icd10pcs", t) and (t[0].isdigit() or t[1].isalpha()) for t in items):
        return "pcs"
    return "dx"


def parse_answer(text: str) -> Answer:
    """Parse the answer text format (see the module docstring) into an :class:`Answer`.

    Never raises for bad codes: malformed entries carry a ``problem``; unknown labels and
    other oddities are listed in ``notes``.

    >>> parse_answer("dx: J06.9 R50.9; cpt: 99213").principal_dx.code
    'J069'
    >>> parse_answer("PDX: A41.5X1").principal_dx.problem is None   # well formed, graded later
    True
    >>> parse_answer("PDX: 12345").principal_dx.problem
    "'12345' is not an ICD-10-CM code (letter, digit, digit/letter, then up to 4 characters)"
    """
    if not isinstance(text, str):
        raise TypeError(f"answer must be text, got {type(text).__name__}")
    ans = Answer(text=text)
    pdx_given: list[AnswerDx] = []
    dx_list: list[AnswerDx] = []
    sdx_list: list[AnswerDx] = []
    for section in _SECTION_SPLIT.split(text):
        if not section.strip():
            continue
        q = _QUERY.match(section)
        if q:
            ans.query = True
            reason = q.group(1).strip()
            ans.query_reason = reason or ans.query_reason
            continue
        m = _LABEL.match(section)
        first = section.split(None, 1)
        if m and re.sub(r"[\s/_-]", "", m.group(1)).upper() in LABELS:
            kind = LABELS[re.sub(r"[\s/_-]", "", m.group(1)).upper()]
            body = m.group(2)
        elif len(first) == 2 and first[0].upper() in LABELS:  # "PDX A41.51" without a colon
            kind, body = LABELS[first[0].upper()], first[1]
        else:
            if m and not re.match(r"^\s*[A-Za-z0-9.]+\s*:\s*[A-Za-z0-9]\b", section):
                ans.notes.append(f"unknown section label {m.group(1).strip()!r}; read the "
                                 "codes by their shape")
                body = m.group(2)
            else:
                body = section
            kind = _guess_kind(body)
        if kind == "pdx":
            pdx_given.extend(_dx_items(body))
        elif kind == "sdx":
            sdx_list.extend(_dx_items(body))
        elif kind == "dx":
            dx_list.extend(_dx_items(body))
        elif kind == "pcs":
            ans.procedures.extend(_proc_items(body))
        else:
            ans.lines.extend(_line_items(body))
    if pdx_given:
        ans.principal_dx = pdx_given[0]
        if len(pdx_given) > 1:
            ans.notes.append("more than one principal diagnosis given; the first is principal, "
                             "the rest are read as secondary")
        ans.secondary_dx = pdx_given[1:] + dx_list + sdx_list
    elif dx_list:
        ans.principal_dx = dx_list[0]
        ans.secondary_dx = dx_list[1:] + sdx_list
    else:
        if sdx_list:
            ans.notes.append("no principal diagnosis given (use PDX:)")
        ans.secondary_dx = sdx_list
    return ans
