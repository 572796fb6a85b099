"""Demo audit population: exercise charts coded by 8 synthetic coders with known error habits.

Each encounter is an exercise chart whose answer key (the auditor's "true" codes) has been
passed through one coder's error process: every code item (diagnosis, procedure, service
line) is wrong with the coder's error probability, the kind of error drawn from the coder's
habits (missed secondary dx, wrong specificity, wrong 7th character, wrong POA, wrong
modifier, wrong principal sequencing, E/M level drift). Inpatient stays are grouped with
``coderlib.drg.group`` for both the billed (coder) and true codes.

Everything is drawn from ``numpy.random.Generator(PCG64(seed))`` in a fixed order, so the same
charts and seed give the same population on every platform.

>>> [p.name for p in CODERS][:3]
['Ada', 'Ben', 'Cara']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from coderlib.audit.population import format_dx, format_lines

DEMO_SEED = 20260101
DEMO_SIZE = 2000
FY_START = dt.date(2025, 10, 1)
FY_END = dt.date(2026, 9, 30)

HABITS = ("missed_secondary_dx", "wrong_specificity", "wrong_7th_character", "wrong_poa",
          "wrong_modifier", "wrong_sequencing", "wrong_em_level")


@dataclass(frozen=True)
class CoderProfile:
    """A synthetic coder: target code-level accuracy, habit weights, share of the work."""

    name: str
    accuracy: float
    habits: dict[str, float]
    volume: float = 1.0

    @property
    def error_rate(self) -> float:
        """Probability that any one code item is coded wrong."""
        return 1.0 - self.accuracy


def _h(**weights: float) -> dict[str, float]:
    base = dict.fromkeys(HABITS, 0.5)
    base.update(weights)
    return base


CODERS: tuple[CoderProfile, ...] = (
    CoderProfile("Ada", 0.98, _h(wrong_specificity=2.0), 1.1),
    CoderProfile("Ben", 0.845,
                 _h(missed_secondary_dx=2.0, wrong_poa=2.0, wrong_specificity=2.0), 1.0),
    CoderProfile("Cara", 0.96, _h(wrong_modifier=3.0), 1.0),
    CoderProfile("Dev", 0.94, _h(wrong_em_level=4.0), 0.9),
    CoderProfile("Eli", 0.92, _h(wrong_sequencing=3.0, wrong_specificity=2.0), 1.0),
    CoderProfile("Fay", 0.955, _h(wrong_7th_character=3.0), 0.8),
    CoderProfile("Gus", 0.90, _h(wrong_specificity=3.0, missed_secondary_dx=2.0), 1.2),
    CoderProfile("Hana", 0.95, _h(wrong_poa=3.0), 1.0),
)


# ----------------------------------------------------------------------------- code helpers
@lru_cache(maxsize=4096)
def _siblings(code: str) -> tuple[str, ...]:
    """Billable codes in the same 3-character category (undotted), excluding ``code``."""
    from coderlib.codes import icd10cm
    from coderlib.codes.normalize import normalize_code

    try:
        kids = icd10cm.billable_children(code[:3])
    except ValueError:
        return ()
    norm = [normalize_code(k) for k in kids]
    same_len = [k for k in norm if k != code and len(k) == len(code)
                and (len(code) < 7 or k[:6] != code[:6])]
    return tuple(same_len or [k for k in norm if k != code])


@lru_cache(maxsize=4096)
def _sevenths(code: str) -> tuple[str, ...]:
    """Other valid 7th-character variants of a 7-character code (undotted)."""
    from coderlib.codes import icd10cm
    from coderlib.codes.normalize import normalize_code

    if len(code) != 7:
        return ()
    try:
        info = icd10cm.get(code[:6])
    except ValueError:
        return ()
    if not info.needs_seventh:
        return ()
    return tuple(normalize_code(c) for c in info.children if normalize_code(c) != code)


def _is_em(code: str) -> bool:
    return code.isdigit() and 99202 <= int(code) <= 99499


_EM_LADDERS = (("99202", "99203", "99204", "99205"), ("99212", "99213", "99214", "99215"),
               ("99221", "99222", "99223"), ("99231", "99232", "99233"),
               ("99281", "99282", "99283", "99284", "99285"))
_WRONG_MODS = {"25": "59", "59": "XS", "XS": "59", "LT": "RT", "RT": "LT", "QW": "",
               "26": "TC", "TC": "26", "50": "RT"}


def _em_drift(code: str, rng: np.random.Generator) -> str | None:
    for ladder in _EM_LADDERS:
        if code in ladder:
            i = ladder.index(code)
            # drift is mostly upward (a well-known habit), sometimes down
            step = 1 if (rng.random() < 0.75 and i + 1 < len(ladder)) or i == 0 else -1
            return ladder[i + step]
    return None


# ----------------------------------------------------------------------------- chart -> key
@dataclass
class KeyCodes:
    """A chart's answer key in compact form (undotted)."""

    dx: list[tuple[str, str]]
    px: list[str]
    lines: list[tuple[str, tuple[str, ...], int]]


def chart_key(chart: object) -> KeyCodes:
    """Key codes of a ``coderlib.exercises.model.Chart`` (or a mapping with the same shape)."""
    from coderlib.codes.normalize import normalize_code

    key = chart.key  # type: ignore[attr-defined]
    inpatient = chart.setting == "inpatient"  # type: ignore[attr-defined]
    dx = [(normalize_code(key.principal_dx.code), (key.principal_dx.poa or "") if inpatient
           else "")]
    dx += [(normalize_code(d.code), (d.poa or "") if inpatient else "") for d in key.secondary_dx]
    px = [normalize_code(p.code) for p in key.procedures]
    lines = [(normalize_code(ln.code), tuple(normalize_code(m) for m in ln.modifiers),
              int(ln.units)) for ln in key.lines]
    return KeyCodes(dx, px, lines)


def perturb(key: KeyCodes, profile: CoderProfile, rng: np.random.Generator,
            inpatient: bool) -> tuple[KeyCodes, list[str]]:
    """Apply ``profile``'s error process to a key: returns the coder's codes and the errors.

    Each item is wrong with probability ``profile.error_rate``; the error kind is drawn from
    the habits that can apply to that item (re-weighted), the item kept when none can.
    """
    dx = list(key.dx)
    px = list(key.px)
    lines = list(key.lines)
    errors: list[str] = []
    drop: set[int] = set()
    swap = False
    n_dx = len(dx)
    draws = rng.random(n_dx + len(px) + len(lines))
    kind_draws = rng.random(len(draws))
    for i in range(n_dx):
        if draws[i] >= profile.error_rate:
            continue
        code, poa = dx[i]
        options = {"wrong_specificity": bool(_siblings(code)),
                   "wrong_7th_character": bool(_sevenths(code)),
                   "wrong_poa": inpatient and poa in ("Y", "N"),
                   "missed_secondary_dx": i > 0,
                   "wrong_sequencing": i == 0 and n_dx > 1 and not swap}
        kind = _pick(profile, options, kind_draws[i])
        if kind is None:
            continue
        errors.append(kind)
        if kind == "wrong_specificity":
            sib = _siblings(code)
            dx[i] = (sib[int(rng.integers(len(sib)))], poa)
        elif kind == "wrong_7th_character":
            alt = _sevenths(code)
            dx[i] = (alt[int(rng.integers(len(alt)))], poa)
        elif kind == "wrong_poa":
            dx[i] = (code, "N" if poa == "Y" else "Y")
        elif kind == "missed_secondary_dx":
            drop.add(i)
        elif kind == "wrong_sequencing":
            swap = True
    for j in range(len(px)):
        if draws[n_dx + j] < profile.error_rate:
            # PCS: the coder misses the procedure only when the habit list allows a miss
            if _pick(profile, {"missed_secondary_dx": True}, kind_draws[n_dx + j]):
                errors.append("wrong_pcs")
                px[j] = ""
    base = n_dx + len(px)
    for j, (code, mods, units) in enumerate(lines):
        if draws[base + j] >= profile.error_rate:
            continue
        options = {"wrong_modifier": True, "wrong_em_level": _is_em(code)}
        kind = _pick(profile, options, kind_draws[base + j])
        if kind == "wrong_em_level":
            new = _em_drift(code, rng)
            if new:
                lines[j] = (new, mods, units)
                errors.append(kind)
        elif kind == "wrong_modifier":
            if mods:
                m = mods[int(rng.integers(len(mods)))]
                alt = _WRONG_MODS.get(m, "")
                new_mods = tuple(x for x in mods if x != m) + ((alt,) if alt else ())
            else:
                new_mods = ("59",) if not _is_em(code) else ("25",)
            lines[j] = (code, new_mods, units)
            errors.append(kind)
    dx = [d for i, d in enumerate(dx) if i not in drop]
    if swap and len(dx) > 1:
        (c0, p0), (c1, p1) = dx[0], dx[1]
        dx[0], dx[1] = (c1, p1), (c0, p0)
    return KeyCodes(dx, [p for p in px if p], lines), errors


def _pick(profile: CoderProfile, options: dict[str, bool], u: float) -> str | None:
    kinds = [k for k, ok in options.items() if ok and profile.habits.get(k, 0) > 0]
    if not kinds:
        return None
    w = np.array([profile.habits[k] for k in kinds], dtype=float)
    cum = np.cumsum(w / w.sum())
    return kinds[int(np.searchsorted(cum, u, side="right").clip(0, len(kinds) - 1))]


@lru_cache(maxsize=8192)
def _group(pdx: str, sdx: tuple[tuple[str, str], ...], px: tuple[str, ...], age: int, sex: str,
           status: str, discharge: dt.date) -> str:
    from coderlib.drg import Encounter, group

    return group(Encounter(pdx=pdx, sdx=list(sdx), procedures=list(px), age=age, sex=sex,
                           discharge_status=status, discharge_date=discharge)).drg


def _payer(age: int, u: float) -> str:
    if age >= 65:
        table = (("Medicare", 0.82), ("Commercial", 0.12), ("Medicaid", 0.04), ("Self-pay", 0.02))
    elif age < 19:
        table = (("Medicaid", 0.48), ("Commercial", 0.47), ("Self-pay", 0.05))
    else:
        table = (("Commercial", 0.58), ("Medicaid", 0.24), ("Medicare", 0.08), ("Self-pay", 0.10))
    acc = 0.0
    for name, p in table:
        acc += p
        if u < acc:
            return name
    return table[-1][0]


def make_population(charts: Sequence[object], *, size: int = DEMO_SIZE, seed: int = DEMO_SEED,
                    coders: Sequence[CoderProfile] = CODERS) -> pd.DataFrame:
    """Generate the demo population from exercise charts (see the module docstring).

    Columns: the population columns (``encounter_id``, ``coder``, ``setting``, ``payer``,
    ``admission_date``, ``service_date``, ``chart_id``, ``age``, ``sex``, ``discharge_status``,
    ``dx``, ``px``, ``lines``, ``billed_drg``) and the auditor's truth (``true_dx``, ``true_px``,
    ``true_lines``, ``true_drg``, ``injected_errors``), plus ``demo_seed``.
    """
    charts = sorted(charts, key=lambda c: c.id)  # type: ignore[attr-defined]
    if not charts:
        raise ValueError("no exercise charts to build the demo population from")
    rng = np.random.Generator(np.random.PCG64(seed))
    vol = np.array([c.volume for c in coders], dtype=float)
    chart_idx = rng.integers(len(charts), size=size)
    coder_idx = rng.choice(len(coders), size=size, p=vol / vol.sum())
    day_offsets = rng.integers((FY_END - FY_START).days + 1, size=size)
    payer_u = rng.random(size)
    keys = [chart_key(c) for c in charts]
    rows = []
    for i in range(size):
        chart = charts[int(chart_idx[i])]
        key = keys[int(chart_idx[i])]
        profile = coders[int(coder_idx[i])]
        inpatient = chart.setting == "inpatient"
        coded, errors = perturb(key, profile, rng, inpatient)
        end = FY_START + dt.timedelta(days=int(day_offsets[i]))
        age, sex = int(chart.patient.age), str(chart.patient.sex)
        admission = ""
        status = ""
        billed = true_drg = ""
        if inpatient:
            los = (chart.dates.discharge - chart.dates.admission).days
            admission = (end - dt.timedelta(days=los)).isoformat()
            status = str(chart.discharge_status or "01")
            true_drg = _group(key.dx[0][0], tuple(key.dx[1:]), tuple(key.px), age, sex, status,
                              end)
            billed = _group(coded.dx[0][0], tuple(coded.dx[1:]), tuple(coded.px), age, sex,
                            status, end)
        rows.append({
            "encounter_id": f"ENC-{i + 1:06d}",
            "coder": profile.name,
            "setting": chart.setting,
            "payer": _payer(age, float(payer_u[i])),
            "admission_date": admission,
            "service_date": end.isoformat(),
            "chart_id": chart.id,
            "age": age,
            "sex": sex,
            "discharge_status": status,
            "dx": format_dx(coded.dx),
            "px": "|".join(coded.px),
            "lines": format_lines(coded.lines),
            "billed_drg": billed,
            "true_dx": format_dx(key.dx),
            "true_px": "|".join(key.px),
            "true_lines": format_lines(key.lines),
            "true_drg": true_drg,
            "injected_errors": ";".join(errors),
            "demo_seed": seed,
        })
    return pd.DataFrame(rows)


def truth_as_findings(population: pd.DataFrame) -> pd.DataFrame:
    """The demo's true keys as an auditor's findings table (``audit_*`` columns).

    >>> truth_as_findings(pd.DataFrame({"encounter_id": ["E1"], "true_dx": ["I10"],
    ...     "true_px": [""], "true_lines": ["99213"], "true_drg": [""]}))["audit_dx"].tolist()
    ['I10']
    """
    return pd.DataFrame({
        "encounter_id": population["encounter_id"],
        "audit_dx": population["true_dx"].fillna(""),
        "audit_px": population["true_px"].fillna(""),
        "audit_lines": population["true_lines"].fillna(""),
        "audit_drg": population["true_drg"].fillna("").astype(str),
    })


def demo_population_path() -> object:
    """Where the committed demo population lives (``data/demo_population.csv``)."""
    from coderlib.paths import data_dir

    return data_dir() / "demo_population.csv"


def load_demo() -> pd.DataFrame:
    """The committed demo population with its truth columns, validated.

    >>> load_demo()["coder"].nunique()  # doctest: +SKIP
    8
    """
    from coderlib.audit.population import load_population

    df = load_population(demo_population_path()).frame
    for col in ("true_dx", "true_px", "true_lines", "true_drg", "injected_errors"):
        df[col] = df[col].fillna("").astype(str)
    df["demo_seed"] = pd.to_numeric(df["demo_seed"])
    return df


TRUTH_COLUMNS = ("true_dx", "true_px", "true_lines", "true_drg", "injected_errors")


def demo_audit_id(method: str = "probe", size: int = 15, seed: int = 2026) -> str:
    """The audit id the demo notebooks use for a given sampling choice.

    >>> demo_audit_id()
    'demo-probe-15-seed2026'
    """
    return f"demo-{method}-{size}-seed{seed}"


def ensure_demo_audit(path: object, *, method: str = "probe", size: int = 15, seed: int = 2026,
                      strata: str | None = None, audit_id: str | None = None) -> object:
    """Draw a seeded sample of the demo population and record the scripted findings.

    The auditor's findings are the demo's true keys, recorded one transaction each for the
    encounters still pending, so calling this again resumes (and changes nothing once complete).
    Returns the :class:`~coderlib.audit.findings.AuditSession`.
    """
    from coderlib.audit.findings import open_or_create_audit
    from coderlib.audit.sampling import draw_sample

    pop = load_demo()
    sample = draw_sample(pop, method, size, seed=seed, strata=strata)  # type: ignore[arg-type]
    session = open_or_create_audit(sample.drop(columns=list(TRUTH_COLUMNS)), path=path,
                                   audit_id=audit_id or demo_audit_id(method, size, seed),
                                   population="data/demo_population.csv", auditor="demo",
                                   replace_if_stale=True)
    truth = truth_as_findings(sample).set_index("encounter_id")
    for eid in session.pending():
        t = truth.loc[eid]
        session.record(eid, audit_dx=t["audit_dx"], audit_px=t["audit_px"],
                       audit_lines=t["audit_lines"], audit_drg=t["audit_drg"],
                       comment="scripted demo finding (answer key)", auditor="demo")
    return session
