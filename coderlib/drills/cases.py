"""Case items built from the exercise charts: the chart text is the stem, its key the answer.

Per chart: select the principal diagnosis (among the key's own secondaries, so the item
tests sequencing), the first PCS code (among valid codes one character away), the MS-DRG
(among what the same codes group to with fewer secondaries or no procedure), the E/M level
(among the neighbouring levels), the modifier a key line carries (among the modifiers it is
confused with); and, for inpatient charts, a CCS-style scenario answered
with codes and graded by :func:`coderlib.exercises.grade`.

>>> items = case_items()
>>> sorted({i.topic for i in items})[:3]
['E/M level', 'MS-DRG assignment', 'PCS code']
>>> all(i.kind == "case" for i in items)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from coderlib.codes.errors import CodeError
from coderlib.codes.normalize import dotted_icd10cm
from coderlib.drills.model import Item
from coderlib.exercises.model import Chart

SCENARIO_AREA = "scenario"
_EM_FAMILIES = (("99202", "99203", "99204", "99205"), ("99211", "99212", "99213", "99214",
                                                       "99215"),
                ("99281", "99282", "99283", "99284", "99285"),
                # hospital care: initial and subsequent visits in one family, so the
                # distractors teach the initial-vs-subsequent choice as well as the level
                ("99221", "99222", "99223", "99231", "99232", "99233"))


def _stem(chart: Chart, question: str) -> str:
    """The chart under its neutral title (its own title would name the answer)."""
    return f"{chart.neutral_title}.\n\n{chart.chart_text()}\n\n{question}"


def _pdx_item(chart: Chart) -> Item | None:
    key = chart.key
    others = [d for d in key.secondary_dx if not d.code.startswith("Z")][:3]
    if len(others) < 3:
        others = key.secondary_dx[:3]
    if len(others) < 3:
        return None
    area = "cm_inpatient" if chart.inpatient else "icd10cm"
    label = "principal" if chart.inpatient else "first-listed"
    return Item(id=f"case-pdx-{chart.id}", kind="case", area=area,
                topic=f"{label} diagnosis", difficulty=chart.metadata.difficulty,
                date=chart.date_of_service, type="icd10cm",
                stem=_stem(chart, f"Which code is the {label} diagnosis?"),
                answer=dotted_icd10cm(key.principal_dx.code),
                distractors={dotted_icd10cm(d.code): f"A secondary diagnosis: {d.rationale}"
                             for d in others},
                rationale=key.principal_dx.rationale, chart=None, source=chart.id)


def _pcs_neighbours(code: str, on, avoid: set[str] = frozenset()) -> list[str]:  # noqa: ANN001
    """Up to three valid codes one character away from ``code`` (none of ``avoid``: another
    procedure of the same key would be a second right answer)."""
    from coderlib.codes import icd10pcs

    out = []
    for pos in (6, 5, 4, 3, 2):
        prefix = code[:pos]
        for value, _label in icd10pcs.next_values(prefix):
            cand = prefix + value + code[pos + 1:]
            if cand == code or cand in out or cand in avoid:
                continue
            try:
                if icd10pcs.get(cand, on).valid_on(on):
                    out.append(cand)
            except CodeError:
                continue
            if len(out) >= 3:
                return out
    return out


def _pcs_item(chart: Chart) -> Item | None:
    if not chart.key.procedures:
        return None
    proc = chart.key.procedures[0]
    keyed = {p.code for p in chart.key.procedures}
    near = [c for c in _pcs_neighbours(proc.code, chart.date_of_service, avoid=keyed)]
    if len(near) < 3:
        return None
    from coderlib.codes import icd10pcs

    return Item(id=f"case-pcs-{chart.id}", kind="case", area="icd10pcs", topic="PCS code",
                difficulty=chart.metadata.difficulty, date=chart.date_of_service,
                type="icd10pcs",
                stem=_stem(chart, "Which ICD-10-PCS code reports the first procedure?"),
                answer=proc.code,
                distractors={c: f"One character differs: {icd10pcs.get(c).description}"
                             for c in near},
                rationale=proc.rationale, source=chart.id)


def _drg_item(chart: Chart) -> Item | None:
    if not chart.inpatient or not chart.key.drg:
        return None
    from coderlib.drg import Encounter, group, weight_of

    key = chart.key
    sdx = [(d.code, d.poa or "Y") for d in key.secondary_dx]
    base = dict(pdx=key.principal_dx.code, age=chart.patient.age, sex=chart.patient.sex,
                discharge_status=chart.discharge_status or "01",
                discharge_date=chart.date_of_service)
    procs = [p.code for p in key.procedures]
    found: dict[str, str] = {}
    for s, p in ((sdx[:1], procs), ([], procs), (sdx, []), ([], [])):
        try:
            r = group(Encounter(sdx=s, procedures=p, **base))
        except (ValueError, CodeError):
            continue
        if r.drg != key.drg and weight_of(r.drg) is not None:
            how = "without the procedure" if not p and procs else \
                "with fewer secondary diagnoses"
            found.setdefault(r.drg, f"What the codes group to {how}: {r.title}")
    n = int(key.drg)
    for k in (n + 1, n - 1, n + 2, n - 2):
        d = f"{k:03d}"
        if len(found) >= 3:
            break
        if not 1 <= k <= 997:
            continue
        if d != key.drg and d not in found and weight_of(d) is not None:
            found[d] = "A neighbouring MS-DRG number: check the severity split"
    if len(found) < 3:
        return None
    picks = dict(list(found.items())[:3])
    return Item(id=f"case-drg-{chart.id}", kind="case", area="msdrg_uhdds",
                topic="MS-DRG assignment", difficulty=chart.metadata.difficulty,
                date=chart.date_of_service, type="drg",
                stem=_stem(chart, "Coded correctly, which MS-DRG does this stay group to?"),
                answer=key.drg, distractors=picks,
                rationale="The key's codes group to MS-DRG " + key.drg + ". "
                          + key.principal_dx.rationale, source=chart.id)


def _em_why(code: str, key: str) -> str:
    """Why an E/M distractor is wrong: another level, or the other kind of hospital visit.

    >>> _em_why("99223", "99232")
    'An initial hospital visit code: the note is a later day of the stay (subsequent care)'
    """
    initial = {"99221", "99222", "99223"}
    subsequent = {"99231", "99232", "99233"}
    if code in initial and key in subsequent:
        return "An initial hospital visit code: the note is a later day of the stay " \
               "(subsequent care)"
    if code in subsequent and key in initial:
        return "A subsequent hospital visit code: the note is the first visit of the stay"
    return "Another level of the same family: compare the MDM (or time) documented"


def _em_item(chart: Chart) -> Item | None:
    for line in chart.key.lines:
        for fam in _EM_FAMILIES:
            if line.code in fam:
                others = [c for c in fam if c != line.code]
                if len(others) < 3:  # a two- or three-level family cannot give three levels
                    return None
                i = fam.index(line.code)
                others.sort(key=lambda c, i=i: abs(fam.index(c) - i))
                return Item(id=f"case-em-{chart.id}", kind="case", area="em",
                            topic="E/M level", difficulty=chart.metadata.difficulty,
                            date=chart.date_of_service, type="cpt",
                            stem=_stem(chart, "Which E/M code does the documentation "
                                              "support?"),
                            answer=line.code,
                            distractors={c: _em_why(c, line.code) for c in others[:3]},
                            rationale=line.rationale, source=chart.id)
    return None


#: the modifiers a coder confuses with each one (distractors that teach)
_MOD_CONFUSED = {"25": ("57", "59", "24"), "57": ("25", "24", "79"), "RT": ("LT", "50", "59"),
                 "LT": ("RT", "50", "59"), "50": ("RT", "LT", "51"), "26": ("TC", "52", "59"),
                 "TC": ("26", "52", "59"), "NU": ("RR", "UE", "KX"), "QW": ("91", "90", "59"),
                 "JZ": ("JW", "GA", "KX"), "JW": ("JZ", "GA", "KX"), "33": ("53", "52", "59"),
                 "XS": ("XE", "XP", "XU"), "59": ("XS", "25", "76")}


def _modifier_items(chart: Chart) -> list[Item]:
    """One 'which modifier' item per key line that carries exactly one modifier."""
    from coderlib.codes import modifiers

    codes = [ln.code for ln in chart.key.lines]
    out = []
    for ln in chart.key.lines:
        if len(ln.modifiers) != 1 or codes.count(ln.code) != 1:
            continue
        mod = ln.modifiers[0]
        others = _MOD_CONFUSED.get(mod)
        if not others:
            continue
        out.append(Item(
            id=f"case-mod-{chart.id}-{ln.code.lower()}", kind="case", area="guidelines",
            topic="modifier choice", difficulty=chart.metadata.difficulty,
            date=chart.date_of_service, type="modifier",
            stem=_stem(chart, f"The correct claim reports {ln.code} for this encounter. Which "
                              f"modifier does the {ln.code} line need?"),
            answer=mod,
            distractors={o: f"-{o}: {modifiers.get(o).meaning}" for o in others},
            rationale=ln.rationale, source=chart.id))
    return out


def _scenario(chart: Chart) -> Item | None:
    if not chart.inpatient:
        return None
    return Item(id=f"case-scenario-{chart.id}", kind="case", area=SCENARIO_AREA,
                topic="inpatient coding scenario", difficulty=chart.metadata.difficulty,
                date=chart.date_of_service, type="chart",
                stem=_stem(chart, "Code this stay: principal and secondary diagnoses with "
                                  "POA, and ICD-10-PCS procedures (e.g. \"PDX: A41.9:Y; SDX: "
                                  "N10:Y; PCS: 0T9B70Z\")."),
                rationale="Graded by the chart grader against the answer key; see each "
                          "code's rationale in the graded table.", chart=chart.id,
                source=chart.id)


def items_for_chart(chart: Chart) -> list[Item]:
    """Every case item one chart yields."""
    out = []
    for build in (_pdx_item, _pcs_item, _drg_item, _em_item, _scenario):
        item = build(chart)
        if item is not None:
            out.append(item)
    return out + _modifier_items(chart)


@cache
def _cached() -> tuple[Item, ...]:
    from coderlib.exercises.loader import load_lenient

    charts, _ = load_lenient()
    return tuple(i for c in charts for i in items_for_chart(c))


def case_items(charts: Sequence[Chart] | None = None) -> list[Item]:
    """Case items from ``charts`` (default: every shipped exercise chart, cached)."""
    if charts is None:
        return list(_cached())
    return [i for c in charts for i in items_for_chart(c)]
