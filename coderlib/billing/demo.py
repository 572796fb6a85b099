"""Demo billing population: the exercise charts billed as a practice's 837P claims and a
hospital's 837I claims, with errors injected at known rates and the payers' answers (835).

Every claim is an exercise chart (its answer key gives the codes) for a synthetic patient,
payer, provider and coder. Then, with known probabilities:

* a **front-end error** is injected (at most one per claim; ``PRO_ERRORS`` /
  ``INST_ERRORS``): the scrubber should find it. Claims from earlier weeks went out with it:
  a rejection-type error came back unprocessed (rejection queue), a denial-type error came
  back denied on the 835 with the matching CARC;
* a clean claim is **denied by the payer** at the payer's own denial rate, for a scenario
  with a known right answer (appeal a medical-necessity denial with the record, bill the
  patient for a non-covered service, ...).

``Truth`` (one row per claim) records all of it, and ``meta`` (seed, rates, counts) is what
``write_demo`` stores in the sidecar ``truth.csv.meta.json``. Everything comes from one
``numpy.random.Generator(PCG64(seed))`` in a fixed order.

>>> demo = make_demo(seed=7, practice=40, hospital=8)
>>> len(demo.claims), demo.meta["seed"], list(demo.truth.columns)[:3]
(48, 7, ['claim_id', 'kind', 'chart_id'])
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from coderlib.billing.claims import (
    Claim,
    Diagnosis,
    InstitutionalClaim,
    InstitutionalLine,
    Person,
    Procedure,
    ProfessionalClaim,
    Provider,
    ServiceLine,
)
from coderlib.billing.edi835 import Adjustment, ClaimPayment, LinePayment
from coderlib.billing.ncci import teaching_tables
from coderlib.billing.npi import make_npi
from coderlib.billing.reference import payers, place_of_service_for
from coderlib.exercises.model import Chart

DEMO_SEED = 20261201
AS_OF = dt.date(2026, 10, 15)  # "today" in the demo: two weeks into FY2027
FY_START, FY_END = dt.date(2025, 10, 1), dt.date(2026, 9, 30)  # dates of service: FY2026
HISTORY_BEFORE = dt.date(2026, 10, 1)  # claims submitted before this already went out

#: Front-end errors injected into professional claims: edit id -> probability (times the
#: coder's CODER_ERROR_FACTOR).
PRO_ERRORS: dict[str, float] = {
    "required_field": 0.02, "npi_check_digit": 0.02, "dx_pointer": 0.02, "invalid_dx": 0.02,
    "modifier_conflict": 0.02, "ptp_bundle": 0.02, "mue_units": 0.015,
    "pos_mismatch": 0.015, "timely_filing": 0.015, "unknown_payer": 0.01}
#: Front-end errors injected into institutional claims.
INST_ERRORS: dict[str, float] = {
    "required_field": 0.02, "npi_check_digit": 0.02, "invalid_dx": 0.02,
    "poa_invalid": 0.02, "timely_filing": 0.015, "unknown_payer": 0.01}
#: What an error that went out comes back as: (group, CARC, RARC, right action).
SLIPPED_DENIAL: dict[str, tuple[str, str, str, str]] = {
    "modifier_conflict": ("CO", "4", "N657", "correct_resubmit"),
    "ptp_bundle": ("CO", "97", "N19", "write_off"),
    "mue_units": ("CO", "151", "N130", "correct_resubmit"),
    "pos_mismatch": ("CO", "4", "M51", "correct_resubmit"),
    "timely_filing": ("CO", "29", "N211", "write_off"),
}
#: Payer denials of clean claims: (group, CARC, RARC, right action, weight).
PAYER_DENIALS: tuple[tuple[str, str, str, str, float], ...] = (
    ("CO", "50", "N115", "appeal", 0.30),
    ("CO", "197", "", "appeal", 0.15),
    ("CO", "22", "MA04", "correct_resubmit", 0.15),
    ("PR", "96", "N130", "bill_patient", 0.15),
    ("OA", "18", "", "write_off", 0.10),
    ("PR", "27", "", "bill_patient", 0.15),
)
POS_BY_SETTING = {"office": "11", "emergency": "23", "outpatient_surgery": "24",
                  "radiology": "22", "observation": "22"}
LAST = ("ALVAREZ", "BAKER", "CHEN", "DIAZ", "EVANS", "FOSTER", "GARCIA", "HUANG", "IBRAHIM",
        "JOHNSON", "KOWALSKI", "LOPEZ", "MORRIS", "NGUYEN", "OKAFOR", "PATEL", "QUINN",
        "RAMIREZ", "SMITH", "TANAKA", "USMAN", "VARGAS", "WILSON", "YOUNG", "ZIMMER")
FIRST_F = ("ANNA", "BEA", "CARLA", "DINA", "ELLA", "FAYE", "GINA", "HANA", "IRIS", "JUNE")
FIRST_M = ("AARON", "BEN", "CARL", "DEV", "ELI", "FRANK", "GUS", "HANK", "IAN", "JOSE")
PROVIDERS = ("MAYA ROSS", "LIAM PARK", "NORA HALE", "OMAR DIAZ", "PIA BERG", "RAJ MEHTA")
ATTENDINGS = ("ADA NOLAN", "BRUNO CRUZ", "CLEO MARSH", "DARIO VEGA")
CODERS = ("Ada", "Ben", "Cara", "Dev", "Eli")
#: How much more (or less) often each coder's claims carry a front-end error.
CODER_ERROR_FACTOR = {"Ada": 0.5, "Ben": 0.8, "Cara": 1.0, "Dev": 1.4, "Eli": 2.3}
PRACTICE = Provider("CODERLIB FAMILY PRACTICE", make_npi("165432109"), "371234567")
HOSPITAL = Provider("CODERLIB COMMUNITY HOSPITAL", make_npi("176543210"), "371765432")


def _npi_for(name: str) -> str:
    digits = int(hashlib.sha256(name.encode()).hexdigest(), 16) % 10**8
    return make_npi(f"1{digits:08d}")


@lru_cache(maxsize=4096)
def charge_for(code: str) -> float:
    """The demo practice's charge master price for a CPT/HCPCS code (deterministic).

    >>> charge_for("99213"), charge_for("99213") == charge_for("99213")
    (165.0, True)
    """
    fixed = {"99202": 130, "99203": 190, "99204": 290, "99205": 370, "99211": 45,
             "99212": 100, "99213": 165, "99214": 240, "99215": 320, "99282": 120,
             "99283": 210, "99284": 380, "99285": 560, "99291": 720}
    if code in fixed:
        return float(fixed[code])
    h = int(hashlib.sha256(code.encode()).hexdigest()[:8], 16)
    if code[:1].isalpha():
        return float(20 + h % 180)
    base = {"1": 350, "2": 900, "3": 1200, "4": 800, "5": 700, "6": 900, "7": 260,
            "8": 45, "9": 120, "0": 600}[code[0]]
    return float(base + h % (base // 2 + 1))


@dataclass
class Demo:
    """The demo population: claims, remittances by payer, the truth table and its meta."""

    claims: list[Claim]
    payments: dict[str, list[ClaimPayment]]
    truth: pd.DataFrame
    meta: dict[str, object]
    charts: dict[str, Chart] = field(default_factory=dict)

    def claim(self, claim_id: str) -> Claim:
        """The claim with this id."""
        return next(c for c in self.claims if c.claim_id == claim_id)

    @property
    def professional(self) -> list[ProfessionalClaim]:
        """The practice's 837P claims."""
        return [c for c in self.claims if isinstance(c, ProfessionalClaim)]

    @property
    def institutional(self) -> list[InstitutionalClaim]:
        """The hospital's 837I claims."""
        return [c for c in self.claims if isinstance(c, InstitutionalClaim)]


def _charts() -> tuple[list[Chart], list[Chart]]:
    from coderlib.exercises.loader import load_all

    charts = load_all()
    pro = [c for c in charts if not c.inpatient and c.key.lines]
    inst = [c for c in charts if c.inpatient]
    return pro, inst


def _person(rng: np.random.Generator, chart: Chart, dos: dt.date) -> Person:
    sex = chart.patient.sex
    first = (FIRST_F if sex == "F" else FIRST_M)[int(rng.integers(10))]
    last = LAST[int(rng.integers(len(LAST)))]
    age = chart.patient.age
    birth = dos - dt.timedelta(days=int(age * 365.25 + rng.integers(30, 330)))
    if age == 0:
        birth = dos - dt.timedelta(days=int(rng.integers(0, 20)))
    member = f"{'ABCDEFGHJK'[int(rng.integers(10))]}{int(rng.integers(10**8, 10**9))}"
    return Person(last, first, member, birth, sex, f"{int(rng.integers(10, 9999))} OAK ST",
                  "SPRINGFIELD", "IL", "62704")


def _payer_for(rng: np.random.Generator, age: int, institutional: bool) -> str:
    if age >= 65:
        return "MCRA1" if institutional else "MCR01"
    ids = ["MCD01", "BCX01", "ACM01"]
    return ids[int(rng.choice(3, p=[0.3, 0.4, 0.3]))]


def _dos(rng: np.random.Generator) -> dt.date:
    return FY_START + dt.timedelta(days=int(rng.integers(0, (FY_END - FY_START).days + 1)))


def _professional(rng: np.random.Generator, chart: Chart, n: int) -> ProfessionalClaim:
    dos = _dos(rng)
    pat = _person(rng, chart, dos)
    dx = [d.code for d in chart.key.all_dx][:12]
    ptr = list(range(1, min(4, len(dx)) + 1))
    lines = [ServiceLine(i, ln.code, list(ln.modifiers), ln.units,
                         round(charge_for(ln.code) * ln.units, 2), list(ptr), dos)
             for i, ln in enumerate(chart.key.lines, start=1)]
    prov = PROVIDERS[int(rng.integers(len(PROVIDERS)))]
    return ProfessionalClaim(
        f"P{n:06d}", payer_id=_payer_for(rng, chart.patient.age, False), patient=pat,
        billing=PRACTICE, submitted=dos + dt.timedelta(days=int(rng.integers(1, 8))),
        chart_id=chart.id, coder=CODERS[int(rng.integers(len(CODERS)))],
        place_of_service=place_of_service_for([ln.code for ln in lines],
                                              POS_BY_SETTING.get(chart.setting, "11")),
        diagnoses=dx,
        rendering=Provider(prov, _npi_for(prov)), lines=lines)


def _institutional(rng: np.random.Generator, chart: Chart, n: int) -> InstitutionalClaim:
    los = max(chart.length_of_stay or 1, 1)
    admit = _dos(rng)
    if admit + dt.timedelta(days=los) > FY_END:
        admit = FY_END - dt.timedelta(days=los)
    disch = admit + dt.timedelta(days=los)
    pat = _person(rng, chart, admit)

    def poa(p: str | None) -> str:
        return "" if p in (None, "1") else p  # 5010: blank for POA-exempt codes

    procs = []
    for p in chart.key.procedures:
        procs.append(Procedure(p.code, min(admit + dt.timedelta(days=int(
            rng.integers(0, los + 1))), disch)))
    lines = [InstitutionalLine(1, "0120", units=los, charge=2800.0 * los),
             InstitutionalLine(2, "0250", charge=float(rng.integers(400, 3000))),
             InstitutionalLine(3, "0300", charge=float(rng.integers(300, 1500)))]
    if procs:
        lines.append(InstitutionalLine(4, "0360", charge=float(rng.integers(5000, 20000))))
    first_note = chart.documentation[0].section.lower()
    emergency = "emergency" in first_note or first_note.startswith("ed ") or \
        rng.random() < 0.6  # most medical admissions come through the ED
    if emergency:
        lines.append(InstitutionalLine(len(lines) + 1, "0450", charge=1200.0))
    att = ATTENDINGS[int(rng.integers(len(ATTENDINGS)))]
    return InstitutionalClaim(
        f"H{n:06d}", payer_id=_payer_for(rng, chart.patient.age, True), patient=pat,
        billing=HOSPITAL, submitted=disch + dt.timedelta(days=int(rng.integers(2, 10))),
        chart_id=chart.id, coder=CODERS[int(rng.integers(len(CODERS)))],
        type_of_bill="111", admission_date=admit,
        admission_hour=f"{int(rng.integers(0, 24)):02d}00",
        discharge_date=disch, discharge_hour=f"{int(rng.integers(8, 20)):02d}00",
        admission_type="1" if emergency else "3", admission_source="1",
        discharge_status=chart.discharge_status or "01",
        principal_dx=Diagnosis(chart.key.principal_dx.code, poa(chart.key.principal_dx.poa)),
        other_dx=[Diagnosis(d.code, poa(d.poa)) for d in chart.key.secondary_dx][:24],
        procedures=procs, drg=chart.key.drg or "", attending=Provider(att, _npi_for(att)),
        lines=lines)


# ------------------------------------------------------------------------ error injection


def _header_of(code: str) -> str:
    return code[:3]


def _inject(rng: np.random.Generator, c: Claim, kind: str) -> bool:
    """Put one error of ``kind`` into ``c``; False when this claim cannot carry it."""
    pro = isinstance(c, ProfessionalClaim)
    if kind in ("ptp_bundle", "mue_units") and not payers()[c.payer_id].ncci:
        return False  # this payer does not apply NCCI edits
    if kind == "required_field":
        c.patient.member_id = ""
    elif kind == "npi_check_digit":
        prov = c.rendering if pro else c.attending  # type: ignore[union-attr]
        if prov is None:
            return False
        bad = (int(prov.npi[-1]) + 1 + int(rng.integers(0, 8))) % 10
        prov.npi = Provider(prov.name, prov.npi[:9] + str(bad)).npi
    elif kind == "dx_pointer" and pro:
        c.lines[0].dx_pointers.append(len(c.diagnoses) + 1 + int(rng.integers(0, 2)))
    elif kind == "invalid_dx":
        if pro:
            c.diagnoses[0] = _header_of(c.diagnoses[0])
        else:
            assert c.principal_dx is not None
            c.principal_dx.code = _header_of(c.principal_dx.code)
    elif kind == "poa_invalid" and not pro:
        target = c.other_dx[0] if c.other_dx else c.principal_dx
        assert target is not None
        target.poa = "X"
    elif kind == "modifier_conflict" and pro:
        pair = [["26", "TC"], ["LT", "RT"], ["59", "XS"]][int(rng.integers(3))]
        c.lines[0].modifiers = pair + [m for m in c.lines[0].modifiers if m not in pair][:2]
    elif kind == "ptp_bundle" and pro:
        pairs = [(a, b) for a, bs in teaching_tables().ptp.items() for b, e in bs.items()
                 if e.modifier_indicator == "0"]
        a, b = pairs[int(rng.integers(len(pairs)))]
        day = c.lines[0].service_date
        have = {ln.code for ln in c.lines}
        for code in (a, b):
            if code not in have:
                c.lines.append(ServiceLine(len(c.lines) + 1, code, [], 1, charge_for(code),
                                           [1], day))
    elif kind == "mue_units" and pro:
        mues = teaching_tables().mue
        hit = next((ln for ln in c.lines if ln.code in mues), None)
        if hit is None:
            return False
        hit.units = mues[hit.code].mue + 1 + int(rng.integers(0, 2))
        hit.charge = round(charge_for(hit.code) * hit.units, 2)
    elif kind == "pos_mismatch" and pro:
        from coderlib.billing.reference import pos_problem

        for pos in ("23", "21", "11"):
            if any(pos_problem(ln.code, pos) for ln in c.lines):
                c.place_of_service = pos
                break
        else:
            return False
    elif kind == "timely_filing":
        pay = payers()[c.payer_id]
        if pay.timely_filing_days >= 365:
            return False
        day = c.service_date
        assert day is not None
        late = day + dt.timedelta(days=pay.timely_filing_days + int(rng.integers(5, 40)))
        if late >= AS_OF:
            return False
        c.submitted = late
    elif kind == "unknown_payer":
        c.payer_id = "ZZZ99"
    else:
        return False
    return True


# -------------------------------------------------------------------------- adjudication


def _paid_lines(c: Claim, pay, rng: np.random.Generator, deductible: bool,  # noqa: ANN001
                bundled: str = "") -> tuple[list[LinePayment], float, float]:
    """Line payments for a processed claim: CO-45 contractual, PR deductible/coins/copay."""
    out: list[LinePayment] = []
    paid_total = pr_total = 0.0
    left_deductible = 150.0 if deductible else 0.0
    for i, ln in enumerate(c.lines):
        code = getattr(ln, "code", "") or getattr(ln, "revenue_code", "")
        day = getattr(ln, "service_date", None) or c.service_date
        if bundled and code == bundled:
            out.append(LinePayment(code, list(getattr(ln, "modifiers", [])), ln.charge, 0.0,
                                   ln.units, day, [Adjustment("CO", "97", ln.charge)],
                                   ["N19"]))
            continue
        allowed = round(ln.charge * pay.allowed_pct, 2)
        adjs = [Adjustment("CO", "45", round(ln.charge - allowed, 2))]
        rest = allowed
        ded = round(min(left_deductible, rest), 2)
        if ded > 0:
            adjs.append(Adjustment("PR", "1", ded))
            left_deductible -= ded
            rest -= ded
        coins = round(rest * pay.coinsurance_pct, 2)
        if coins > 0:
            adjs.append(Adjustment("PR", "2", coins))
            rest -= coins
        if i == 0 and pay.copay and rest > pay.copay:
            adjs.append(Adjustment("PR", "3", float(pay.copay)))
            rest -= pay.copay
        rest = round(rest, 2)
        pr = round(allowed - rest, 2)
        out.append(LinePayment(code, list(getattr(ln, "modifiers", [])), ln.charge, rest,
                               ln.units, day, adjs))
        paid_total += rest
        pr_total += pr
    return out, round(paid_total, 2), round(pr_total, 2)


def _adjudicate(rng: np.random.Generator, c: Claim, injected: str, row: dict) -> \
        ClaimPayment | None:
    """The payer's answer for a claim that went out (None: rejected or not yet answered)."""
    pay = payers().get(c.payer_id)
    row.update(status="open", carc="", group="", rarc="", action="", paid=0.0,
               patient_resp=0.0, paid_on="")
    sent = c.submitted
    assert sent is not None
    if sent >= HISTORY_BEFORE:
        row["status"] = "unsent"  # today's batch: still to scrub and submit
        row["action"] = "correct_resubmit" if injected else ""
        return None
    from coderlib.billing.scrub import EDITS

    if injected and EDITS[injected][1] == "rejection" or pay is None:
        row.update(status="rejected", action="correct_resubmit")
        return None
    paid_on = sent + dt.timedelta(days=int(pay.days_to_pay + rng.integers(-5, 10)))
    if paid_on > AS_OF:
        return None  # still with the payer
    row["paid_on"] = paid_on.isoformat()
    kind = "MC" if pay.kind == "medicaid" else ("MB" if pay.id == "MCR01" else
                                                "MA" if pay.id == "MCRA1" else "12")
    base = dict(payer_id=pay.id, payer_claim_number=f"{pay.id}{c.claim_id[1:]}",
                paid_on=paid_on, patient_last=c.patient.last_name,
                patient_first=c.patient.first_name, member_id=c.patient.member_id,
                filing_code=kind)
    denial: tuple[str, str, str, str] | None = None
    if injected in SLIPPED_DENIAL:
        denial = SLIPPED_DENIAL[injected]
    elif not injected and rng.random() < pay.denial_rate:
        weights = np.array([d[4] for d in PAYER_DENIALS])
        g, carc, rarc, action, _ = PAYER_DENIALS[int(rng.choice(len(weights),
                                                                p=weights / weights.sum()))]
        denial = (g, carc, rarc, action)
    deductible = rng.random() < 0.15
    if denial and denial[1] == "97":
        bundled = c.lines[-1].code  # type: ignore[union-attr]
        lines, paid, pr = _paid_lines(c, pay, rng, deductible, bundled)
        row.update(status="denied", group="CO", carc="97", rarc="N19", action=denial[3],
                   paid=paid, patient_resp=pr)
        return ClaimPayment(c.claim_id, "1", c.total_charge, paid, pr, lines=lines, **base)
    if denial:
        g, carc, rarc, action = denial
        pr = c.total_charge if g == "PR" else 0.0
        row.update(status="denied", group=g, carc=carc, rarc=rarc, action=action,
                   patient_resp=pr)
        lines = [LinePayment(getattr(ln, "code", "") or getattr(ln, "revenue_code", ""),
                             list(getattr(ln, "modifiers", [])), ln.charge, 0.0, ln.units,
                             getattr(ln, "service_date", None) or c.service_date)
                 for ln in c.lines]
        return ClaimPayment(c.claim_id, "4", c.total_charge, 0.0, pr,
                            adjustments=[Adjustment(g, carc, c.total_charge)],
                            remarks=[rarc] if rarc else [], lines=lines, **base)
    lines, paid, pr = _paid_lines(c, pay, rng, deductible)
    row.update(status="paid", paid=paid, patient_resp=pr)
    return ClaimPayment(c.claim_id, "1", c.total_charge, paid, pr, lines=lines, **base)


def make_demo(seed: int = DEMO_SEED, practice: int = 3000, hospital: int = 600) -> Demo:
    """Build the demo population (see the module docstring); deterministic for a seed."""
    rng = np.random.Generator(np.random.PCG64(seed))
    pro_charts, inst_charts = _charts()
    claims: list[Claim] = []
    rows: list[dict] = []
    payments: dict[str, list[ClaimPayment]] = {}
    plan = [("professional", i) for i in range(practice)] + \
           [("institutional", i) for i in range(hospital)]
    for kind, i in plan:
        if kind == "professional":
            chart = pro_charts[int(rng.integers(len(pro_charts)))]
            claim: Claim = _professional(rng, chart, i + 1)
            rates = PRO_ERRORS
        else:
            chart = inst_charts[int(rng.integers(len(inst_charts)))]
            claim = _institutional(rng, chart, i + 1)
            rates = INST_ERRORS
        injected = ""
        u = rng.random()
        acc = 0.0
        factor = CODER_ERROR_FACTOR[claim.coder]
        for k, p in rates.items():
            acc += p * factor
            if u < acc:
                # a kind this claim cannot carry (no MUE code, a payer without NCCI ...) gives
                # way to another kind drawn by the same rates, so the claim-level error rate
                # holds; the achieved mix is recorded in the sidecar (injected_counts)
                others = [o for o in rates if o != k]
                weights = np.array([rates[o] for o in others])
                order = [k] + list(rng.choice(others, size=len(others), replace=False,
                                              p=weights / weights.sum()))
                injected = next((o for o in order if _inject(rng, claim, str(o))), "")
                break
        row = dict(claim_id=claim.claim_id, kind=kind, chart_id=chart.id,
                   payer_id=claim.payer_id, provider=(claim.rendering.name if isinstance(
                       claim, ProfessionalClaim) and claim.rendering else
                       claim.attending.name if isinstance(claim, InstitutionalClaim) and
                       claim.attending else ""), coder=claim.coder,
                   service_date=(claim.service_date or FY_START).isoformat(),
                   submitted=(claim.submitted or FY_START).isoformat(),
                   charge=claim.total_charge, injected=injected)
        remit = _adjudicate(rng, claim, injected, row)
        if remit is not None:
            payments.setdefault(claim.payer_id, []).append(remit)
        claims.append(claim)
        rows.append(row)
    truth = pd.DataFrame(rows)
    meta = {"seed": seed, "generator": "coderlib.billing.demo.make_demo",
            "practice_claims": practice, "hospital_claims": hospital,
            "as_of": AS_OF.isoformat(), "history_before": HISTORY_BEFORE.isoformat(),
            "professional_error_rates": PRO_ERRORS, "institutional_error_rates": INST_ERRORS,
            "coder_error_factor": CODER_ERROR_FACTOR,
            "payer_denial_rates": {p.id: p.denial_rate for p in payers().values()},
            "payer_denial_scenarios": [list(d) for d in PAYER_DENIALS],
            "injected_counts": {k: int(v) for k, v in
                                truth[truth.injected != ""].injected.value_counts().items()},
            "status_counts": {k: int(v) for k, v in truth.status.value_counts().items()}}
    charts = {c.id: c for c in pro_charts + inst_charts}
    return Demo(claims, payments, truth, meta, charts)


def write_demo(demo: Demo, folder: str | Path) -> dict[str, Path]:
    """Write the population as files: ``practice.837`` (837P), ``hospital.837`` (837I),
    one ``remit-<payer>.835`` per payer, ``truth.csv`` and ``truth.csv.meta.json``."""
    from coderlib.atomic import write_text
    from coderlib.billing.edi837 import write_837
    from coderlib.export import write_csv

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    filing = {p.id: p.filing_code for p in payers().values()}
    out: dict[str, Path] = {}
    for name, group in (("practice.837", demo.professional), ("hospital.837",
                                                               demo.institutional)):
        if group:
            out[name] = folder / name
            write_text(out[name], write_837(group, filing_codes=filing))
    for pid, pays in sorted(demo.payments.items()):
        name = f"remit-{pid}.835"
        out[name] = folder / name
        write_text(out[name], write_835_batch(pays, pid))
    out["truth.csv"] = folder / "truth.csv"
    write_csv(demo.truth, out["truth.csv"])
    out["truth.csv.meta.json"] = folder / "truth.csv.meta.json"
    write_text(out["truth.csv.meta.json"], json.dumps(demo.meta, indent=2) + "\n")
    return out


def write_835_batch(pays: Sequence[ClaimPayment], payer_id: str) -> str:
    """One 835 interchange per payer with one transaction (check) per payment date."""
    from coderlib.billing.edi835 import transaction_835
    from coderlib.billing.x12 import envelope

    pay = payers()[payer_id]
    by_day: dict[dt.date, list[ClaimPayment]] = {}
    for p in pays:
        assert p.paid_on is not None
        by_day.setdefault(p.paid_on, []).append(p)
    sets = []
    for n, day in enumerate(sorted(by_day), start=1):
        sets += transaction_835(by_day[day], payer_id, pay.name, day, control=n)
    last = max(by_day) if by_day else AS_OF
    return envelope(sets, "HP", "005010X221A1", payer_id, "CODERLIB01", 1,
                    dt.datetime.combine(last, dt.time(12, 0)))
