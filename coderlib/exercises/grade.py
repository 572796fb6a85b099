"""Grade a trainee's answer against a chart's key, code by code, with partial credit.

Scoring rules (the same text is in `docs/scoring.md`; keep the two in step):

**Points possible.** The principal (first-listed) diagnosis is worth 2 points; every other
key item — each secondary diagnosis, ICD-10-PCS procedure and CPT/HCPCS line — is worth 1;
a physician query in the key is worth 1.

**Matching.** Answer entries are paired with key items of the same kind (diagnoses with
diagnoses, PCS with PCS, lines with lines) in passes from the closest relation to the
loosest: exact code, wrong 7th character, wrong laterality, same category. Each answer entry
is used once.

**Credit for a key item** = base credit for how the code matched, minus deductions, never
below 0:

- `exact` 1.0: same code (and POA, modifiers, units where they apply);
- `wrong_7th` 0.5: ICD-10-CM code right to the 6th character, the 7th differs or is missing
  (or is out of place because a placeholder X is missing);
- `wrong_laterality` 0.5: codes differ only in the side (right/left/bilateral/unspecified),
  or a CPT/HCPCS line has LT and RT swapped;
- `specificity` 0.5: right category, wrong specificity — same ICD-10-CM 3-character
  category; same PCS section, body system and root operation (first 3 characters); same
  CPT/HCPCS first 4 characters (e.g. E/M level 99213 for 99214);
- `alternate` (the key's credit for it, 1.0 or less): the answer gives a code the key
  item lists under `accept:` — another answer a careful coder could defend (for a line,
  possibly the same code with other modifiers); the row's message teaches the difference
  (its `note`). An exact answer is always matched before an
  alternate. An alternate of the principal diagnosis that is also one of the key's
  secondary diagnoses means "either may be sequenced first": an answer that puts it first
  is graded in that order, without `wrong_sequencing`;
- `missing` 0: key item with no matching answer entry; a secondary diagnosis or line the
  key marks `optional: true` (reportable, but coders or payers differ) that is left out is
  `optional_omitted` instead: no points possible and no penalty (reported, it is graded
  like any other item).

Deductions on a matched code (each listed in the row's `issues`):
`wrong_sequencing` −0.5 (the key's principal diagnosis was reported, but not first);
`wrong_modifier` −0.5 (a modifier differs from the key, or one is added);
`missing_modifier` −0.5 (a key modifier is absent and nothing wrong was added);
`wrong_units` −0.25; `wrong_poa` −0.25 (inpatient only; POA missing or different; a key
POA of `1`, exempt, also accepts a blank). The row's `verdict` is its most serious issue,
in this order: `missing`, `specificity`, `wrong_laterality`, `wrong_7th`, `wrong_sequencing`,
`wrong_modifier`, `missing_modifier`, `wrong_units`, `wrong_poa`, `alternate` (else
`exact`).

**Penalties** (subtracted from the points earned): each `extra` answer entry that matches
no key item −0.5; each `malformed` entry (not shaped like a code of its kind) −0.5; a
`QUERY` on a chart whose key has no query (`unneeded_query`) −0.5.

**Query.** When the key has a query, answering `QUERY` scores the query point
(`query_ok`); not answering it gives `query_expected` and 0.

**Score** = 100 × max(0, earned − penalties) / possible, rounded to one decimal.

For inpatient charts the MS-DRG the trainee's valid codes group to is shown next to the key's
MS-DRG; it is feedback and does not change the score. Secondary diagnoses are not graded on
their order. Answer codes that are well formed but unknown or not billable on the date of
service are graded by their shape and flagged in the row's message.

>>> from coderlib.exercises.loader import find_chart
>>> from coderlib.paths import REPO_ROOT
>>> chart = find_chart("fx-op-knee-001", root=REPO_ROOT / "tests/fixtures/exercises/good")
>>> result = grade(chart, "DX: M17.11, E11.9; CPT: 99213-25, 20610-LT")
>>> result.score, [r.verdict for r in result.rows]
(90.0, ['exact', 'exact', 'exact', 'wrong_laterality'])
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from coderlib.codes.errors import CodeError
from coderlib.codes.normalize import dotted_icd10cm
from coderlib.exercises import codesets
from coderlib.exercises.answer import Answer, AnswerDx, AnswerLine, AnswerProc, parse_answer
from coderlib.exercises.model import Alternate, Chart, DxCode, Line, ProcCode

PRINCIPAL_POINTS = 2.0
ITEM_POINTS = 1.0
QUERY_POINTS = 1.0
EXTRA_PENALTY = 0.5

#: base credit for how a code matched, in matching order (closest first)
MATCH_CREDIT = {"exact": 1.0, "wrong_7th": 0.5, "wrong_laterality": 0.5, "specificity": 0.5}
#: deductions on a matched code
DEDUCTIONS = {"wrong_sequencing": 0.5, "wrong_modifier": 0.5, "missing_modifier": 0.5,
              "wrong_units": 0.25, "wrong_poa": 0.25}
#: every verdict a row can carry, most serious first within each group
VERDICTS = ("exact", "alternate", "optional_omitted", "wrong_7th", "wrong_laterality",
            "specificity", "missing",
            "wrong_sequencing", "wrong_modifier", "missing_modifier", "wrong_units", "wrong_poa",
            "extra", "malformed", "query_ok", "query_expected", "unneeded_query")
_SERIOUSNESS = ("missing", "specificity", "wrong_laterality", "wrong_7th", "wrong_sequencing",
                "wrong_modifier", "missing_modifier", "wrong_units", "wrong_poa", "alternate")

_LAT_WORDS = {"right", "left", "bilateral", "unspecified", "unilateral", "side", "sides",
              "both"}
_SIDE_WORDS = {"right", "left", "bilateral"}
_LAT_MODS = {"LT", "RT"}


@dataclass
class CodeVerdict:
    """One row of the graded result: a key item and/or an answer entry, and the verdict."""

    kind: str
    key: str
    answer: str
    verdict: str
    credit: float
    points: float
    issues: list[str] = field(default_factory=list)
    message: str = ""
    rationale: str = ""
    key_description: str = ""
    answer_description: str = ""


@dataclass
class GradeResult:
    """A graded attempt: score, one row per key item / extra entry, and the DRGs."""

    chart_id: str
    score: float
    earned: float
    penalties: float
    possible: float
    rows: list[CodeVerdict]
    answer_text: str = ""
    key_drg: str | None = None
    answer_drg: str | None = None
    answer_drg_description: str = ""
    drg_note: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def drg_match(self) -> bool | None:
        """True/False for inpatient charts when both DRGs are known, else None."""
        if self.key_drg is None or self.answer_drg is None:
            return None
        return self.key_drg == self.answer_drg

    def verdict_counts(self) -> dict[str, int]:
        """How many rows carry each verdict."""
        counts: dict[str, int] = {}
        for r in self.rows:
            counts[r.verdict] = counts.get(r.verdict, 0) + 1
        return counts

    def to_frame(self) -> pd.DataFrame:
        """One row per key item / extra entry, ready to display."""
        cols = ["kind", "key", "answer", "verdict", "credit", "points", "issues", "message",
                "rationale"]
        rows = [{**asdict(r), "issues": ", ".join(r.issues)} for r in self.rows]
        return pd.DataFrame(rows, columns=cols)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready result."""
        return {"chart_id": self.chart_id, "score": self.score, "earned": self.earned,
                "penalties": self.penalties, "possible": self.possible,
                "answer_text": self.answer_text, "key_drg": self.key_drg,
                "answer_drg": self.answer_drg,
                "answer_drg_description": self.answer_drg_description,
                "drg_match": self.drg_match, "drg_note": self.drg_note, "notes": self.notes,
                "rows": [asdict(r) for r in self.rows]}

    def summary(self) -> str:
        """One line: score, earned/possible, DRG comparison."""
        text = (f"{self.chart_id}: score {self.score:.1f}% ({self.earned:g} earned − "
                f"{self.penalties:g} penalties of {self.possible:g} points)")
        if self.key_drg is not None:
            text += f"; key MS-DRG {self.key_drg}, your codes group to " \
                    f"{self.answer_drg or 'n/a'}"
        return text


# ----------------------------------------------------------------------------- relations
def _describe(system: str, code: str) -> str:
    try:
        return codesets.lookup(system, code).description
    except (CodeError, codesets.CodeSetUnavailable, ValueError):
        return ""


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _laterality_only(system: str, key: str, ans: str) -> bool:
    """True when two codes differ in one character and their titles only in the side."""
    if len(key) != len(ans) or sum(a != b for a, b in zip(key, ans, strict=True)) != 1:
        return False
    if system == "icd10cm" and len(key) == 7 and key[:6] == ans[:6]:
        return False  # that is the 7th character
    dk, da = _words(_describe(system, key)), _words(_describe(system, ans))
    if not dk or not da:
        return False
    if not (_SIDE_WORDS & set(dk) or _SIDE_WORDS & set(da)):
        return False
    return [w for w in dk if w not in _LAT_WORDS] == [w for w in da if w not in _LAT_WORDS]


def _relation(system: str, key: str, ans: str) -> str | None:
    """How an answer code relates to a key code: a ``MATCH_CREDIT`` verdict or None."""
    if key == ans:
        return "exact"
    if system == "icd10cm":
        if len(key) == 7 and len(ans) >= 6 and ans[:6] == key[:6]:
            return "wrong_7th"
        if len(key) == 7 and ans == key[:6].rstrip("X"):
            return "wrong_7th"  # the 7th character (and its placeholders) left off
        if len(key) == 7 and "X" in key[3:6] and len(ans) < 7 and \
                ans[:3] == key[:3] and ans[3:].replace("X", "") == key[3:].replace("X", ""):
            return "wrong_7th"  # placeholder X missing, so the 7th is out of place
    if _laterality_only(system, key, ans):
        return "wrong_laterality"
    width = {"icd10cm": 3, "icd10pcs": 3}.get(system, 4)
    if len(key) >= width and key[:width] == ans[:width]:
        return "specificity"
    return None


def _match(keys: list[str], answers: list[str | None], system_of: Callable[[str], str],
           extra_passes: tuple[Callable[[int, int], bool], ...] = (),
           alternates: dict[int, list[str]] | None = None
           ) -> dict[int, tuple[int, str]]:
    """Greedy matching in passes; returns key index -> (answer index, relation).

    ``alternates`` (key index -> codes the key's ``accept:`` list allows) are tried right
    after the exact pass, so an exact answer is always preferred to an alternate.
    """
    alternates = alternates or {}
    taken: set[int] = set()
    out: dict[int, tuple[int, str]] = {}

    def run(accept: Callable[[int, int], str | None]) -> None:
        for ki in range(len(keys)):
            if ki in out:
                continue
            for ai, a in enumerate(answers):
                if ai in taken or a is None:
                    continue
                rel = accept(ki, ai)
                if rel:
                    out[ki] = (ai, rel)
                    taken.add(ai)
                    break

    for extra in extra_passes:  # e.g. exact code *and* same modifiers first
        run(lambda ki, ai, extra=extra: "exact" if keys[ki] == answers[ai] and extra(ki, ai)
            else None)
    for wanted in MATCH_CREDIT:
        run(lambda ki, ai, wanted=wanted: wanted
            if _relation(system_of(keys[ki]), keys[ki], answers[ai] or "") == wanted else None)
        if wanted == "exact" and alternates:
            run(lambda ki, ai: "alternate" if answers[ai] in alternates.get(ki, ()) else None)
    return out


# ----------------------------------------------------------------------------- rows
def _row_credit(base: str, issues: list[str], base_credit: float | None = None
                ) -> tuple[str, float]:
    start = MATCH_CREDIT[base] if base_credit is None else base_credit
    credit = start - sum(DEDUCTIONS[i] for i in issues if i in DEDUCTIONS)
    ordered = [base] + issues
    verdict = next((v for v in _SERIOUSNESS if v in ordered), "exact")
    return verdict, max(0.0, credit)


_MESSAGES = {
    "exact": "correct",
    "alternate": "accepted alternative",
    "optional_omitted": "optional code left out (no penalty)",
    "wrong_7th": "right code, wrong or missing 7th character",
    "wrong_laterality": "wrong side (laterality)",
    "specificity": "right category, wrong specificity",
    "missing": "not reported",
    "wrong_sequencing": "reported, but not sequenced first",
    "wrong_modifier": "wrong or extra modifier",
    "missing_modifier": "modifier missing",
    "wrong_units": "wrong units",
    "wrong_poa": "wrong or missing POA",
    "extra": "not supported by the key",
    "malformed": "not a valid code format",
    "query_ok": "query raised, as the key expects",
    "query_expected": "the documentation calls for a physician query",
    "unneeded_query": "no query is needed for this chart",
}


def _dx_text(code: str, poa: str | None, inpatient: bool) -> str:
    shown = dotted_icd10cm(code)
    return f"{shown} POA:{poa or '-'}" if inpatient else shown


def _line_text(code: str, mods: list[str], units: int) -> str:
    return code + "".join(f"-{m}" for m in mods) + f" x{units}"


def _validity_note(system: str, code: str, chart: Chart) -> str:
    try:
        codesets.require_billable(system, code, chart.date_of_service)
    except CodeError as exc:
        return str(exc)
    except codesets.CodeSetUnavailable:
        return ""
    return ""


def _optional_row(kind: str, key_text: str, rationale: str, description: str) -> CodeVerdict:
    """An optional key item the answer left out: no points possible, no penalty."""
    return CodeVerdict(kind, key_text, "", "optional_omitted", 0.0, 0.0, [],
                       _MESSAGES["optional_omitted"], rationale, description)


def _alternate(item: DxCode | ProcCode | Line, code: str) -> Alternate | None:
    """The key item's ``accept:`` entry for ``code``, if any."""
    return next((a for a in item.accept if a.code == code), None)


def _alt_message(alt: Alternate) -> str:
    share = "full credit" if alt.credit >= 1.0 else f"{alt.credit:.0%} credit"
    return f"{_MESSAGES['alternate']} ({share}): {alt.note}"


def _dx_key_order(chart: Chart, ans: Answer) -> tuple[list[DxCode], Alternate | None]:
    """The key's diagnoses, with principal and a secondary swapped when the key allows it.

    When the answer's first diagnosis is an ``accept:`` alternate of the key's principal and
    that code is also one of the key's secondary diagnoses ("either may be sequenced
    first"), the answer's order is graded as the key's, and the alternate is returned.
    """
    key: list[DxCode] = list(chart.key.all_dx)
    first = ans.all_dx[0].code if ans.all_dx else None
    alt = _alternate(key[0], first) if first and first != key[0].code else None
    if alt is None:
        return key, None
    for i, d in enumerate(key[1:], start=1):
        if d.code == alt.code:
            key[0], key[i] = d, key[0]
            return key, alt
    return key, None


def _grade_dx(chart: Chart, ans: Answer) -> list[CodeVerdict]:
    key, swapped = _dx_key_order(chart, ans)
    entries: list[AnswerDx] = ans.all_dx
    has_pdx = ans.principal_dx is not None
    codes = [None if e.problem and not _code_ok_for_match(e) else e.code for e in entries]
    alts = {ki: [a.code for a in k.accept] for ki, k in enumerate(key) if k.accept}
    matches = _match([k.code for k in key], codes, lambda _c: "icd10cm", alternates=alts)
    rows = []
    for ki, k in enumerate(key):
        kind = "principal_dx" if ki == 0 else "secondary_dx"
        points = PRINCIPAL_POINTS if ki == 0 else ITEM_POINTS
        key_text = _dx_text(k.code, k.poa, chart.inpatient)
        if ki not in matches:
            if k.optional and ki > 0:
                rows.append(_optional_row(kind, key_text, k.rationale,
                                          _describe("icd10cm", k.code)))
                continue
            rows.append(CodeVerdict(kind, key_text, "", "missing", 0.0, points, ["missing"],
                                    _MESSAGES["missing"], k.rationale,
                                    _describe("icd10cm", k.code)))
            continue
        ai, rel = matches[ki]
        e = entries[ai]
        alt = _alternate(k, e.code) if rel == "alternate" else None
        if ki == 0 and swapped is not None and rel == "exact":
            rel, alt = "alternate", swapped
        issues = [] if rel == "exact" else [rel]
        if ki == 0 and not (has_pdx and ai == 0):
            issues.append("wrong_sequencing")
        want_poa = alt.poa if alt is not None and alt.poa is not None else k.poa
        if chart.inpatient and want_poa is not None and e.poa != want_poa and \
                not (want_poa == "1" and e.poa is None):
            issues.append("wrong_poa")
        verdict, frac = _row_credit("exact" if alt else rel, [i for i in issues if i != rel],
                                    alt.credit if alt else None)
        if alt is not None and verdict == "exact":
            verdict = "alternate"
        msgs = [_MESSAGES[i] for i in issues] or [_MESSAGES["exact"]]
        if alt is not None:
            msgs[msgs.index(_MESSAGES["alternate"])] = _alt_message(alt)
        if e.problem:
            msgs.append(e.problem)
        note = _validity_note("icd10cm", e.code, chart) if e.code != k.code else ""
        if note:
            msgs.append(note)
        if "wrong_poa" in issues:
            msgs[msgs.index(_MESSAGES["wrong_poa"])] = \
                f"POA should be {want_poa}, you gave {e.poa or 'none'}"
        rows.append(CodeVerdict(kind, key_text, _dx_text(e.code, e.poa, chart.inpatient),
                                verdict, round(points * frac, 3), points, issues,
                                "; ".join(msgs), k.rationale, _describe("icd10cm", k.code),
                                _describe("icd10cm", e.code) if e.code != k.code else ""))
    used = {ai for ai, _ in matches.values()}
    rows.extend(_extras("secondary_dx", "icd10cm", entries, used, chart,
                        lambda e: _dx_text(e.code, e.poa, chart.inpatient)))
    return rows


def _code_ok_for_match(entry: AnswerDx) -> bool:
    """An entry whose only problem is its POA can still be matched on its code."""
    return codesets.well_formed("icd10cm", entry.code)


def _extras(kind: str, system: str, entries: list[Any], used: set[int], chart: Chart,
            show: Callable[[Any], str]) -> list[CodeVerdict]:
    rows = []
    for ai, e in enumerate(entries):
        if ai in used:
            continue
        sys_ = codesets.line_system(e.code) if system == "line" else system
        if e.problem and not codesets.well_formed(sys_, e.code):
            rows.append(CodeVerdict(kind, "", e.raw, "malformed", 0.0, 0.0, ["malformed"],
                                    e.problem))
            continue
        msg = _MESSAGES["extra"]
        note = _validity_note(sys_, e.code, chart)
        rows.append(CodeVerdict(kind, "", show(e), "extra", 0.0, 0.0, ["extra"],
                                msg + (f"; {note}" if note else ""),
                                answer_description=_describe(sys_, e.code)))
    return rows


def _grade_procs(chart: Chart, ans: Answer) -> list[CodeVerdict]:
    key: list[ProcCode] = chart.key.procedures
    entries: list[AnswerProc] = ans.procedures
    codes = [None if e.problem else e.code for e in entries]
    alts = {ki: [a.code for a in k.accept] for ki, k in enumerate(key) if k.accept}
    matches = _match([k.code for k in key], codes, lambda _c: "icd10pcs", alternates=alts)
    rows = []
    for ki, k in enumerate(key):
        if ki not in matches:
            rows.append(CodeVerdict("procedure", k.code, "", "missing", 0.0, ITEM_POINTS,
                                    ["missing"], _MESSAGES["missing"], k.rationale,
                                    _describe("icd10pcs", k.code)))
            continue
        ai, rel = matches[ki]
        e = entries[ai]
        alt = _alternate(k, e.code) if rel == "alternate" else None
        verdict, frac = _row_credit("exact" if alt else rel, [], alt.credit if alt else None)
        verdict = "alternate" if alt else verdict
        msgs = [_alt_message(alt) if alt else _MESSAGES[rel]]
        if rel == "specificity":
            msgs[0] = "right root operation, wrong body part/approach/device/qualifier"
        note = _validity_note("icd10pcs", e.code, chart) if e.code != k.code else ""
        if note:
            msgs.append(note)
        rows.append(CodeVerdict("procedure", k.code, e.code, verdict,
                                round(ITEM_POINTS * frac, 3), ITEM_POINTS,
                                [] if rel == "exact" else [rel], "; ".join(msgs), k.rationale,
                                _describe("icd10pcs", k.code),
                                _describe("icd10pcs", e.code) if e.code != k.code else ""))
    used = {ai for ai, _ in matches.values()}
    rows.extend(_extras("procedure", "icd10pcs", entries, used, chart, lambda e: e.code))
    return rows


def _grade_lines(chart: Chart, ans: Answer) -> list[CodeVerdict]:
    key: list[Line] = chart.key.lines
    entries: list[AnswerLine] = ans.lines
    codes = [None if e.problem and not codesets.well_formed(codesets.line_system(e.code),
                                                            e.code) else e.code
             for e in entries]

    def same_mods(ki: int, ai: int) -> bool:
        return sorted(key[ki].modifiers) == sorted(entries[ai].modifiers)

    alts = {ki: [a.code for a in k.accept] for ki, k in enumerate(key) if k.accept}
    matches = _match([k.code for k in key], codes, codesets.line_system, (same_mods,), alts)
    rows = []
    for ki, k in enumerate(key):
        system = codesets.line_system(k.code)
        key_text = _line_text(k.code, k.modifiers, k.units)
        if ki not in matches:
            if k.optional:
                rows.append(_optional_row("line", key_text, k.rationale,
                                          _describe(system, k.code)))
                continue
            rows.append(CodeVerdict("line", key_text, "", "missing", 0.0, ITEM_POINTS,
                                    ["missing"], _MESSAGES["missing"], k.rationale,
                                    _describe(system, k.code)))
            continue
        ai, rel = matches[ki]
        e = entries[ai]
        alt = _alternate(k, e.code) if rel == "alternate" else None
        if rel == "exact" and set(e.modifiers) != set(k.modifiers):
            alt = next((a for a in k.accept if a.code == k.code and a.modifiers is not None
                        and set(a.modifiers) == set(e.modifiers)), None)
            rel = "alternate" if alt is not None else rel
        issues = [] if rel == "exact" else [rel]
        msgs = [_alt_message(alt) if alt else _MESSAGES[rel]] if rel != "exact" else []
        if alt is not None:
            rel = "exact"  # graded as exact at the alternate's credit, then deductions
        want = set(alt.modifiers if alt is not None and alt.modifiers is not None
                   else k.modifiers)
        got = set(e.modifiers)
        if want != got:
            missing, added = want - got, got - want
            if missing & _LAT_MODS and added & _LAT_MODS:
                if "wrong_laterality" not in issues:
                    issues.append("wrong_laterality")
                    msgs.append(f"wrong side: modifier {'/'.join(sorted(added & _LAT_MODS))} "
                                f"for {'/'.join(sorted(missing & _LAT_MODS))}")
                missing, added = missing - _LAT_MODS, added - _LAT_MODS
            if added:
                issues.append("wrong_modifier")
                msgs.append(f"modifier {', '.join(sorted(added))} not supported"
                            + (f"; expected {', '.join(sorted(missing))}" if missing else ""))
            elif missing:
                issues.append("missing_modifier")
                msgs.append(f"modifier {', '.join(sorted(missing))} missing")
        if e.units != k.units:
            issues.append("wrong_units")
            msgs.append(f"units should be {k.units}, you gave {e.units}")
        if e.problem:
            msgs.append(e.problem)
        if e.code != k.code:
            note = _validity_note(system, e.code, chart)
            if note:
                msgs.append(note)
        base = rel
        deductions = [i for i in issues if i != rel]
        if "wrong_laterality" in deductions:  # LT/RT swap on the right code
            deductions.remove("wrong_laterality")
            base = "wrong_laterality" if rel == "exact" else rel
            if rel != "exact":
                deductions.append("wrong_modifier")
        verdict, frac = _row_credit(base, [d for d in deductions if d != "alternate"],
                                    alt.credit * MATCH_CREDIT[base] if alt is not None
                                    else None)
        if alt is not None and verdict == "exact":
            verdict = "alternate"
        rows.append(CodeVerdict("line", key_text, _line_text(e.code, e.modifiers, e.units),
                                verdict, round(ITEM_POINTS * frac, 3), ITEM_POINTS, issues,
                                "; ".join(msgs) or _MESSAGES["exact"], k.rationale,
                                _describe(system, k.code),
                                _describe(codesets.line_system(e.code), e.code)
                                if e.code != k.code else ""))
    used = {ai for ai, _ in matches.values()}
    rows.extend(_extras("line", "line", entries, used, chart,
                        lambda e: _line_text(e.code, e.modifiers, e.units)))
    return rows


def _grade_query(chart: Chart, ans: Answer) -> list[CodeVerdict]:
    q = chart.key.query
    if q is None:
        if ans.query:
            return [CodeVerdict("query", "", "QUERY", "unneeded_query", 0.0, 0.0,
                                ["unneeded_query"], _MESSAGES["unneeded_query"])]
        return []
    if ans.query:
        return [CodeVerdict("query", f"QUERY: {q.reason}", "QUERY" + (
            f": {ans.query_reason}" if ans.query_reason else ""), "query_ok", QUERY_POINTS,
            QUERY_POINTS, [], _MESSAGES["query_ok"], q.rationale)]
    return [CodeVerdict("query", f"QUERY: {q.reason}", "", "query_expected", 0.0,
                        QUERY_POINTS, ["query_expected"], _MESSAGES["query_expected"],
                        q.rationale)]


# ----------------------------------------------------------------------------- DRG
def answer_drg(chart: Chart, ans: Answer) -> tuple[str | None, str, str]:
    """The MS-DRG the answer's valid codes group to: ``(drg, description, note)``.

    Malformed, unknown and non-billable codes are left out (and named in the note).
    """
    if not chart.inpatient:
        return None, "", ""
    if ans.principal_dx is None:
        return None, "", "no principal diagnosis given, so no MS-DRG"
    from coderlib.exercises.validate import group_chart_codes

    dropped = []
    dx, poa = [], []
    for i, d in enumerate(ans.all_dx):
        if d.problem or _validity_note("icd10cm", d.code, chart):
            if i == 0:
                return None, "", (f"principal diagnosis {d.raw} is not a valid billable code, "
                                  "so no MS-DRG")
            dropped.append(d.raw)
            continue
        dx.append(d.code)
        poa.append(d.poa or "Y")
    procs = []
    for p in ans.procedures:
        if p.problem or _validity_note("icd10pcs", p.code, chart):
            dropped.append(p.raw)
        else:
            procs.append(p.code)
    try:
        result = group_chart_codes(chart, dx, poa, procs)
    except ImportError:
        return None, "", "the MS-DRG grouper (coderlib.drg) is not available"
    except (CodeError, ValueError) as exc:
        return None, "", f"your codes could not be grouped: {exc}"
    note = f"left out of grouping: {', '.join(dropped)}" if dropped else ""
    return str(result.drg), str(getattr(result, "title", "") or ""), note


# ----------------------------------------------------------------------------- grade
def grade(chart: Chart, answer: Answer | str) -> GradeResult:
    """Grade ``answer`` (an :class:`Answer` or the answer text) against ``chart.key``.

    Never raises for bad codes in the answer: they are graded and flagged.
    """
    ans = parse_answer(answer) if isinstance(answer, str) else answer
    rows = (_grade_dx(chart, ans) + _grade_procs(chart, ans) + _grade_lines(chart, ans)
            + _grade_query(chart, ans))
    possible = sum(r.points for r in rows)
    earned = round(sum(r.credit for r in rows), 3)
    penalties = EXTRA_PENALTY * sum(r.verdict in ("extra", "malformed", "unneeded_query")
                                    for r in rows)
    score = round(100.0 * max(0.0, earned - penalties) / possible, 1) if possible else 0.0
    drg, drg_desc, drg_note = answer_drg(chart, ans)
    return GradeResult(chart.id, score, earned, penalties, possible, rows, ans.text or
                       ans.to_text(), chart.key.drg, drg, drg_desc, drg_note, list(ans.notes))
