"""Items generated from the code sets with a seed; each is emitted only if its key is unique.

Generators: which code describes a title (ICD-10-CM siblings as distractors), 7th-character
selection, PCS root operation from its definition, Excludes1 partners, CC/MCC status of a
secondary diagnosis (from :func:`coderlib.drg.group`), which MS-DRG an encounter groups to,
and modifier choice. A candidate whose key cannot be shown unique (two options with the same
title, an MS-DRG variant that collides, an Excludes1 note covering a distractor) is skipped.

>>> items = generate("seventh", n=2, seed=3)
>>> len(items), items[0].kind, items[0].seed
(2, 'generated', 3)
>>> generate("seventh", n=2, seed=3)[0].stem == items[0].stem
True
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from functools import cache

from coderlib.codes.errors import CodeError
from coderlib.drills.model import DEFAULT_DATE, Item

GENERATORS: dict[str, Callable[[random.Random, str, dt.date], Item | None]] = {}
#: generator -> (CPC area, CCS area) its items count toward
AREAS = {"describes": ("icd10cm", "cm_inpatient"), "seventh": ("icd10cm", "cm_inpatient"),
         "excludes1": ("icd10cm", "cm_inpatient"), "root_operation": (None, "icd10pcs"),
         "cc_mcc": (None, "msdrg_uhdds"), "msdrg": (None, "msdrg_uhdds"),
         "modifier": ("guidelines", "outpatient_apc")}
_TRIES = 40


def _generator(name: str) -> Callable:
    def wrap(func: Callable[[random.Random, str, dt.date], Item | None]) -> Callable:
        GENERATORS[name] = func
        return func
    return wrap


@cache
def _billable_cm() -> tuple[str, ...]:
    from coderlib.codes import icd10cm

    return tuple(c for c in icd10cm.all_codes(billable_only=True) if c[0] not in "VWXY")


def _dotted(code: str) -> str:
    from coderlib.codes.normalize import dotted_icd10cm

    return dotted_icd10cm(code)


@_generator("describes")
def _describes(rng: random.Random, area: str, on: dt.date) -> Item | None:
    from coderlib.codes import icd10cm

    code = rng.choice(_billable_cm())
    info = icd10cm.get(code, on)
    parent = info.ancestors[-1] if info.ancestors else None
    if parent is None:
        return None
    sibs = [c for c in icd10cm.get(parent.code).billable_children if c != info.dotted]
    if len(sibs) < 3:
        return None
    picks = rng.sample(sibs, 3)
    titles = {info.dotted: info.description}
    for s in picks:
        titles[s] = icd10cm.get(s).description
    if len(set(t.lower() for t in titles.values())) != 4:
        return None  # two options share a title: the key would not be unique
    return Item(id="gen-tmp", kind="generated", area=area, topic="code title", difficulty="easy",
                date=on, type="icd10cm",
                stem=f'Which ICD-10-CM code has the Tabular title "{info.description}"?',
                answer=info.dotted,
                distractors={s: f"{s} is {titles[s]}" for s in picks},
                rationale=f"{info.dotted} is {info.description}; the other options are codes "
                          f"of the same subcategory ({parent.code}) with other titles - read "
                          "the whole title before you pick (OCG I.A.1, I.B.1).")


@_generator("seventh")
def _seventh(rng: random.Random, area: str, on: dt.date) -> Item | None:
    from coderlib.codes import icd10cm

    code = rng.choice(_billable_cm()).replace(".", "")
    if not code.startswith("S") or len(code) != 7:
        return None
    base = code[:6].rstrip("X")
    info = icd10cm.get(base, on)
    chars = {c[-1]: info.seventh_characters.get(c[-1], "") for c in info.children}
    if len(chars) < 4 or not all(chars.values()):
        return None
    prefer = [c for c in "ADSGKP" if c in chars]
    target = rng.choice(prefer)
    others = rng.sample([c for c in prefer if c != target] or list(chars), k=min(3, len(
        [c for c in prefer if c != target])))
    while len(others) < 3:
        extra = rng.choice([c for c in chars if c != target and c not in others])
        others.append(extra)
    if len({chars[c] for c in [target, *others]}) != 4:
        return None
    opts = {c: icd10cm.build_code(base, c) for c in [target, *others]}
    return Item(id="gen-tmp", kind="generated", area=area, topic="7th character",
                difficulty="medium", date=on, type="icd10cm",
                stem=f"{info.description}; the encounter is: {chars[target]}. Which code?",
                answer=opts[target],
                distractors={opts[c]: f"7th character {c} is '{chars[c]}'" for c in others},
                rationale=f"The 7th character {target} means '{chars[target]}' for "
                          f"{info.dotted} (OCG I.C.19.a: 7th characters describe the "
                          "encounter; A while the patient receives active treatment, D after "
                          "it during healing or recovery, S for a sequela).")


@cache
def _root_operations() -> tuple[tuple[str, str, str], ...]:
    """(value, name, definition) of the Medical and Surgical root operations."""
    from coderlib.codes import icd10pcs

    out: dict[str, tuple[str, str, str]] = {}
    for value, _label in icd10pcs.next_values("0D"):
        for code in _first_codes(f"0D{value}"):
            ax = icd10pcs.decode(code).axes[2]
            if ax.definition:
                out[value] = (value, ax.meaning, ax.definition.split(" Examples:")[0].strip())
            break
    return tuple(sorted(out.values()))


def _first_codes(prefix: str) -> Iterator[str]:
    from coderlib.codes import icd10pcs

    while len(prefix) < 7:
        nxt = icd10pcs.next_values(prefix)
        if not nxt:
            return
        prefix += nxt[0][0]
    yield prefix


_CONFUSED = ("BTDC", "9CF", "QRUS", "17VL", "HRUW", "NPD", "QM")


@_generator("root_operation")
def _root_operation(rng: random.Random, area: str, on: dt.date) -> Item | None:
    ops = {v: (v, n, d) for v, n, d in _root_operations()}
    group = [v for v in rng.choice(_CONFUSED) if v in ops]
    if not group:
        return None
    target = rng.choice(group)
    pool = [v for v in group if v != target]
    pool += rng.sample([v for v in ops if v not in group and v != target], 3)
    others = pool[:3]
    texts = {v: f"{ops[v][1]} ({v})" for v in [target, *others]}
    if len({ops[v][2] for v in texts}) != 4:
        return None
    return Item(id="gen-tmp", kind="generated", area=area, topic="PCS root operation",
                difficulty="medium", date=on, type="text",
                stem=f"Which ICD-10-PCS root operation (3rd character, Medical and Surgical "
                     f"section) is defined as: \"{ops[target][2]}\"?",
                answer=texts[target],
                distractors={texts[v]: f"{ops[v][1]}: {ops[v][2]}" for v in others},
                rationale=f"{ops[target][1]} ({target}): {ops[target][2]} (PCS guideline "
                          "B3.1a: the full definition of the root operation decides, not the "
                          "procedure's name).")


@_generator("excludes1")
def _excludes1(rng: random.Random, area: str, on: dt.date) -> Item | None:
    from coderlib.codes import icd10cm

    code = rng.choice(_billable_cm())
    info = icd10cm.get(code, on)
    notes = info.notes_of("excludes1")
    if not notes:
        return None
    note = rng.choice(notes)
    refs = icd10cm.parse_refs(note.text)
    if not refs:
        return None
    low, _high = rng.choice(refs)
    try:
        ref = icd10cm.get(low)
    except CodeError:
        return None
    partner = ref.dotted if ref.billable else (ref.billable_children or ("",))[0]
    if not partner or partner == info.dotted or not icd10cm.excludes1_conflicts(
            [info.dotted, partner]):
        return None
    pool = [n for n in info.notes_of("excludes2")]
    cands: list[str] = []
    for n in pool:
        for lo, _hi in icd10cm.parse_refs(n.text):
            try:
                r = icd10cm.get(lo)
            except CodeError:
                continue
            c = r.dotted if r.billable else (r.billable_children or ("",))[0]
            if c:
                cands.append(c)
    cat = info.category.code if info.category else info.dotted[:3]
    near = [c for c in _billable_cm() if c[:1] == info.code[:1] and not c.startswith(
        cat.replace(".", ""))]
    cands += [_dotted(c) for c in rng.sample(near, min(12, len(near)))]
    distractors: dict[str, str] = {}
    for c in cands:
        if c in distractors or c in (partner, info.dotted):
            continue
        if icd10cm.excludes1_conflicts([info.dotted, c]):
            continue  # another excluded code: the key would not be unique
        kind = "an Excludes2 note (both may be coded)" if any(
            c.replace(".", "").startswith(lo) for n in pool
            for lo, _ in icd10cm.parse_refs(n.text)) else "no Excludes1 note"
        distractors[c] = f"{c} ({icd10cm.get(c).description}): {kind}"
        if len(distractors) == 3:
            break
    if len(distractors) < 3:
        return None
    pdesc = icd10cm.get(partner).description
    return Item(id="gen-tmp", kind="generated", area=area, topic="Excludes1", difficulty="hard",
                date=on, type="icd10cm",
                stem=f"{info.dotted} ({info.description}) is reported. Which of these codes "
                     "may NOT be reported with it because of an Excludes1 note?",
                answer=partner, distractors=distractors,
                rationale=f"The Excludes1 note at {note.source} (\"{note.text}\") covers "
                          f"{partner} ({pdesc}): the two conditions cannot occur together, "
                          "so they are never coded together (OCG I.A.12.a).")


#: secondary diagnoses coders meet often; the grouper, not this list, decides their status
_SECONDARIES = ("N17.9", "E87.1", "J96.01", "E43", "E44.0", "D62", "E11.65", "I50.23", "N18.4",
                "L89.154", "R65.20", "G93.41", "J18.9", "I48.91", "E66.01", "F10.20", "E78.5",
                "K21.9", "I10", "E87.6", "N39.0", "J44.1", "I63.9", "R53.1", "E86.0")

_SEVERITY_TEXT = {"MCC": "An MCC (major complication or comorbidity)",
                  "CC": "A CC (complication or comorbidity)",
                  "NEITHER": "Neither a CC nor an MCC",
                  "EXCLUDED": "A CC/MCC on the list, but excluded with this principal diagnosis"}


@cache
def _chart_codes() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Principal and secondary diagnoses used by the inpatient exercise charts."""
    from coderlib.exercises.loader import load_lenient

    charts, _ = load_lenient()
    pdx = sorted({c.key.principal_dx.code for c in charts if c.inpatient})
    sdx = sorted({d.code for c in charts for d in c.key.secondary_dx})
    return tuple(pdx), tuple(sdx)


@_generator("cc_mcc")
def _cc_mcc(rng: random.Random, area: str, on: dt.date) -> Item | None:
    from coderlib.drg import Encounter, group

    pdxs, sdxs = _chart_codes()
    pdx = rng.choice(pdxs)
    sdx = rng.choice(sdxs + _SECONDARIES)
    if sdx == pdx:
        return None
    try:
        res = group(Encounter(pdx=pdx, sdx=[(sdx, "Y")], discharge_date=on))
    except (ValueError, CodeError):
        return None
    v = res.explanation.secondaries[0]
    if v.reason == "counted":
        ans = v.verdict
    elif v.reason == "pdx_exclusion":
        ans = "EXCLUDED"
    elif v.reason == "not_cc":
        ans = "NEITHER"
    else:
        return None
    why = {"MCC": "on the MCC list", "CC": "on the CC list", "NEITHER": "on neither list",
           "EXCLUDED": "excluded by the principal's CC exclusion list"}
    return Item(id="gen-tmp", kind="generated", area=area, topic="CC/MCC status",
                difficulty="medium", date=on, type="text",
                stem=f"Principal diagnosis {_dotted(pdx)}; secondary diagnosis {_dotted(sdx)}, "
                     f"present on admission. For MS-DRG grouping ({res.version}), how does "
                     f"{_dotted(sdx)} count?",
                answer=_SEVERITY_TEXT[ans],
                distractors={_SEVERITY_TEXT[k]: f"It is not {why[k]} here"
                             for k in _SEVERITY_TEXT if k != ans},
                rationale=f"Grouper {res.version}: {v.detail}. CC/MCC status comes from the "
                          "CMS CC/MCC list (Table 6) and the principal's CC exclusions "
                          "(Table 6K).")


@_generator("msdrg")
def _msdrg(rng: random.Random, area: str, on: dt.date) -> Item | None:
    from coderlib.drg import Encounter, group
    from coderlib.exercises.loader import load_lenient
    charts = [c for c in load_lenient()[0] if c.inpatient and c.key.drg]
    chart = rng.choice(charts)
    key = chart.key
    sdx = [(d.code, d.poa or "Y") for d in key.secondary_dx]
    keep = [s for s in sdx if rng.random() < 0.6]
    procs = [p.code for p in key.procedures]
    variants = [keep, [], sdx, [s for s in sdx if s not in keep]]
    drgs: dict[str, str] = {}
    base = dict(pdx=key.principal_dx.code, procedures=procs, age=chart.patient.age,
                sex=chart.patient.sex, discharge_status=chart.discharge_status or "01",
                discharge_date=chart.date_of_service)
    try:
        res = group(Encounter(sdx=keep, **base))
        for v in variants[1:]:
            r = group(Encounter(sdx=v, **base))
            drgs.setdefault(r.drg, r.title)
        if procs:  # the medical DRG the case would be without its procedures
            r = group(Encounter(**{**base, "procedures": []}, sdx=keep))
            drgs.setdefault(r.drg, r.title)
    except (ValueError, CodeError):
        return None
    from coderlib.drg import weight_of

    if weight_of(res.drg) is None:
        return None  # ungroupable (998/999) or a DRG without a weight: no key to teach
    drgs = {d: t for d, t in drgs.items() if d != res.drg and weight_of(d) is not None}
    if len(drgs) < 3:
        n = int(res.drg)
        for k in (n + 1, n - 1, n + 2, n - 2, n + 3):
            if not 1 <= k <= 997:
                continue
            d = f"{k:03d}"
            if d != res.drg and d not in drgs and weight_of(d) is not None:
                drgs[d] = "an adjacent MS-DRG of another severity level or family"
            if len(drgs) >= 3:
                break
    if len(drgs) < 3:
        return None
    picks = list(drgs)[:3]
    sd = ", ".join(f"{_dotted(c)} (POA {p})" for c, p in keep) or "none"
    pr = ", ".join(procs) or "none"
    return Item(id="gen-tmp", kind="generated", area=area, topic="MS-DRG assignment",
                difficulty="hard", date=chart.date_of_service, type="drg",
                stem=f"A {chart.patient.age}-year-old "
                     f"{'woman' if chart.patient.sex == 'F' else 'man'}, discharge status "
                     f"{chart.discharge_status}. Principal diagnosis "
                     f"{_dotted(key.principal_dx.code)}; secondary diagnoses: {sd}; "
                     f"ICD-10-PCS procedures: {pr}. Which MS-DRG does the case group to?",
                answer=res.drg,
                distractors={d: f"MS-DRG {d}: {drgs[d]}" for d in picks},
                rationale=f"The grouper ({res.version}) assigns MS-DRG {res.drg} ({res.title}). "
                          + " ".join(res.explanation.lines()[:3]),
                source=chart.id)


@_generator("modifier")
def _modifier(rng: random.Random, area: str, on: dt.date) -> Item | None:
    from coderlib.codes import modifiers

    table = modifiers.all_modifiers()
    row = table.iloc[rng.randrange(len(table))]
    same = table[(table["category"] == row["category"]) & (table["code"] != row["code"])]
    pool = list(same["code"])
    rng.shuffle(pool)
    rest = [c for c in table["code"] if c != row["code"] and c not in pool]
    rng.shuffle(rest)
    picks = (pool + rest)[:3]
    meanings = {row["code"]: row["meaning"], **{c: modifiers.get(c).meaning for c in picks}}
    if len(set(meanings.values())) != 4:
        return None
    return Item(id="gen-tmp", kind="generated", area=area, topic="modifier choice",
                difficulty="easy", date=on, type="modifier",
                stem=f"Which modifier tells the payer: \"{row['meaning']}\"",
                answer=row["code"],
                distractors={c: f"-{c}: {meanings[c]}" for c in picks},
                rationale=f"-{row['code']}: {row['meaning']} {row['usage']}")


def generate(kind: str, n: int, seed: int, *, exam: str = "CCS",
             on: dt.date = DEFAULT_DATE) -> list[Item]:
    """``n`` items from generator ``kind`` drawn with ``seed`` (fewer if the code sets run dry).

    Item ids are ``gen-<kind>-<seed>-<k>`` so the same seed always gives the same items.
    """
    if kind not in GENERATORS:
        raise KeyError(f"unknown generator {kind!r}; choose from {', '.join(GENERATORS)}")
    cpc, ccs = AREAS[kind]
    area = ccs if exam == "CCS" else cpc
    if area is None:
        raise ValueError(f"generator {kind!r} has no {exam} area")
    rng = random.Random(f"{kind}:{seed}:{exam}")
    out: list[Item] = []
    seen: set[str] = set()
    for _ in range(n * _TRIES):
        if len(out) >= n:
            break
        try:
            item = GENERATORS[kind](rng, area, on)
        except CodeError:
            continue
        if item is None or item.stem in seen:
            continue
        seen.add(item.stem)
        slug = kind.replace("_", "")
        out.append(item.model_copy(update={"id": f"gen-{slug}-{exam.lower()}-{seed}-{len(out) + 1}",
                                           "seed": seed,
                                           "source": item.source or f"generator:{kind}"}))
    return out


def generate_for_exam(exam: str, per_kind: int, seed: int) -> list[Item]:
    """``per_kind`` items from every generator that serves ``exam``."""
    out: list[Item] = []
    for kind, (cpc, ccs) in AREAS.items():
        if (ccs if exam == "CCS" else cpc) is not None:
            out.extend(generate(kind, per_kind, seed, exam=exam))
    return out
