"""Work queues: rejections (fix and resubmit today) apart from denials (payer decisions with
CARC/RARC reason codes), the trainee's chosen action, grading against the truth, fixes,
corrected claims and appeal letters.

Actions: ``correct_resubmit``, ``appeal``, ``write_off``, ``bill_patient``. Every choice is
saved to the SQLite store (:func:`save_choice`) before it is graded, so nothing typed is lost.

>>> item = WorkItem("P000001", "denial", "MCR01", 120.0, [("CO-50", "x")])
>>> grade_choices([item], {"P000001": "appeal"}, {"P000001": "appeal"}).correct.tolist()
[True]
"""

from __future__ import annotations

import copy
import datetime as dt
import sqlite3
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from string import Template

import pandas as pd

from coderlib.billing.claims import Claim, ProfessionalClaim
from coderlib.billing.edi835 import ClaimPayment
from coderlib.billing.ncci import teaching_tables
from coderlib.billing.reference import ACTIONS, carc, carc_meaning, payers, pos_problem, rarc
from coderlib.billing.scrub import EDITS, ScrubEdit
from coderlib.paths import data_dir
from coderlib.store import ensure_schema, transaction

WHY = {
    "correct_resubmit": "the claim (or its data) is wrong: fix it and send it again",
    "appeal": "the claim was right and the record supports it: ask the payer to reconsider",
    "write_off": "no one may be billed (bundled, late, duplicate): adjust the balance off",
    "bill_patient": "the plan does not cover it and the patient owes it",
}


@dataclass
class WorkItem:
    """One claim in a work queue with the reasons it is there."""

    claim_id: str
    queue: str  # rejection | denial
    payer_id: str
    amount: float
    reasons: list[tuple[str, str]] = field(default_factory=list)  # (code/edit id, meaning)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"claim_id": self.claim_id, "queue": self.queue, "payer_id": self.payer_id,
                "amount": self.amount,
                "reasons": [{"code": c, "meaning": m} for c, m in self.reasons]}


def rejection_queue(edits: Iterable[ScrubEdit], claims: Iterable[Claim]) -> list[WorkItem]:
    """Claims with an error a clearinghouse rejects (format, missing data, invalid codes)."""
    charge = {c.claim_id: (c.payer_id, c.total_charge) for c in claims}
    items: dict[str, WorkItem] = {}
    for e in edits:
        if e.severity != "error" or e.queue != "rejection" or e.claim_id not in charge:
            continue
        payer_id, amount = charge[e.claim_id]
        item = items.setdefault(e.claim_id, WorkItem(e.claim_id, "rejection", payer_id,
                                                     amount))
        item.reasons.append((e.id, e.message))
    return list(items.values())


def denial_queue(payments: Iterable[ClaimPayment]) -> list[WorkItem]:
    """Claims the payer denied in full or in part, with each CARC/RARC in plain words."""
    out: list[WorkItem] = []
    for p in payments:
        reasons: list[tuple[str, str]] = []
        amount = 0.0
        for a in p.all_adjustments:
            if (a.group == "CO" and a.carc == "45") or a.carc in ("1", "2", "3"):
                continue
            reasons.append((f"{a.group}-{a.carc}", carc_meaning(a.carc)))
            amount += a.amount
        if not reasons:
            continue
        for code in p.remarks + [r for ln in p.lines for r in ln.remarks]:
            reasons.append((code, rarc(code)))
        out.append(WorkItem(p.claim_id, "denial", p.payer_id, round(amount, 2),
                            list(dict.fromkeys(reasons))))
    return out


def queue_frame(items: Iterable[WorkItem]) -> pd.DataFrame:
    """A queue as a DataFrame (reasons joined)."""
    return pd.DataFrame([{"claim_id": i.claim_id, "queue": i.queue, "payer_id": i.payer_id,
                          "amount": i.amount,
                          "reasons": "; ".join(f"{c}: {m}" for c, m in i.reasons)}
                         for i in items],
                        columns=["claim_id", "queue", "payer_id", "amount", "reasons"])


# --------------------------------------------------------------------- choices and grading

_DDL = """
CREATE TABLE IF NOT EXISTS billing_choice (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session TEXT NOT NULL,
    claim_id TEXT NOT NULL,
    queue TEXT NOT NULL,
    action TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    saved_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS billing_choice_session ON billing_choice(session, claim_id);
"""


def save_choice(con: sqlite3.Connection, session: str, item: WorkItem, action: str,
                note: str = "") -> None:
    """Persist the trainee's action for a work item (the latest one per claim counts)."""
    if action not in ACTIONS:
        raise ValueError(f"action {action!r} is not one of {', '.join(ACTIONS)}")
    ensure_schema(con, _DDL)
    with transaction(con):
        con.execute("INSERT INTO billing_choice (session, claim_id, queue, action, note, "
                    "saved_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (session, item.claim_id, item.queue, action, note,
                     dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")))


def load_choices(con: sqlite3.Connection, session: str) -> dict[str, str]:
    """The latest saved action per claim for a session."""
    ensure_schema(con, _DDL)
    rows = con.execute("SELECT claim_id, action FROM billing_choice WHERE session = ? "
                       "ORDER BY id", (session,)).fetchall()
    return {cid: action for cid, action in rows}


def grade_choices(items: Iterable[WorkItem], choices: Mapping[str, str],
                  truth: Mapping[str, str]) -> pd.DataFrame:
    """Each work item with the action chosen, the right one, and why.

    ``truth`` maps claim id to the right action (the demo's injected truth)."""
    rows = []
    for i in items:
        chosen, right = choices.get(i.claim_id, ""), truth.get(i.claim_id, "")
        rows.append({"claim_id": i.claim_id, "queue": i.queue,
                     "reasons": "; ".join(c for c, _ in i.reasons), "chosen": chosen,
                     "expected": right, "correct": bool(chosen) and chosen == right,
                     "why": WHY.get(right, "")})
    return pd.DataFrame(rows, columns=["claim_id", "queue", "reasons", "chosen", "expected",
                                       "correct", "why"])


def suggested_action(item: WorkItem) -> str:
    """The usual first action for a work item (what a teaching answer key would suggest).

    Rejections are corrected and resubmitted; a denial follows its first CARC's usual step.
    """
    if item.queue == "rejection":
        return "correct_resubmit"
    for code, _ in item.reasons:
        if "-" in code:
            try:
                action = carc(code.split("-", 1)[1]).action
            except KeyError:
                continue
            return "write_off" if action == "post_only" else action
    return "appeal"


# -------------------------------------------------------------------- fixes and resubmits


def standard_fix(claim: Claim, edit: ScrubEdit) -> tuple[Claim, str] | None:
    """A corrected copy of ``claim`` for the usual fix of ``edit``, with what was done.

    None when the fix needs a person (the record, the patient, the payer): e.g. a missing
    member id must come from the insurance card.
    """
    c = copy.deepcopy(claim)
    line = next((ln for ln in getattr(c, "lines", []) if getattr(ln, "number", None)
                 == edit.line), None)
    if edit.id == "dx_pointer" and isinstance(c, ProfessionalClaim) and line is not None:
        line.dx_pointers = [p for p in line.dx_pointers if 1 <= p <= len(c.diagnoses)] or [1]
        return c, f"line {line.number}: pointers set to {line.dx_pointers}"
    if edit.id == "modifier_conflict" and line is not None:
        mods = set(line.modifiers)
        if {"26", "TC"} <= mods:
            line.modifiers = [m for m in line.modifiers if m not in ("26", "TC")]
            done = "removed -26 and -TC (bill the global service)"
        elif {"LT", "RT"} <= mods:
            line.modifiers = ["50"] + [m for m in line.modifiers if m not in ("LT", "RT")]
            done = "replaced -LT -RT with -50"
        elif "59" in mods:
            line.modifiers = [m for m in line.modifiers if m != "59"]
            done = "removed -59 (kept the X{EPSU} modifier)"
        else:
            line.modifiers = list(dict.fromkeys(line.modifiers))
            done = "removed the repeated modifier"
        return c, f"line {line.number}: {done}"
    if edit.id == "ptp_bundle" and isinstance(c, ProfessionalClaim) and line is not None:
        c.lines = [ln for ln in c.lines if ln is not line]
        for n, ln in enumerate(c.lines, start=1):
            ln.number = n
        return c, f"removed the bundled column 2 line {edit.code}"
    if edit.id == "mue_units" and line is not None:
        mue = teaching_tables().mue.get(line.code)
        if mue is None:
            return None
        same = [ln for ln in c.lines if ln.code == line.code
                and getattr(ln, "service_date", None) == getattr(line, "service_date", None)]
        per_unit = line.charge / line.units if line.units else line.charge
        units = min(sum(ln.units for ln in same), mue.mue)
        c.lines = [ln for ln in c.lines if ln is line or ln not in same]  # type: ignore[assignment]
        for n, ln in enumerate(c.lines, start=1):
            ln.number = n
        line.units, line.charge = units, round(per_unit * units, 2)
        return c, f"{line.code}: one line of {units:g} unit(s), the MUE allows {mue.mue}"
    if edit.id == "pos_mismatch" and isinstance(c, ProfessionalClaim):
        for pos in ("11", "22", "23", "21", "24"):
            if not any(pos_problem(ln.code, pos) for ln in c.lines):
                c.place_of_service = pos
                return c, f"place of service set to {pos}"
        return None
    if edit.id == "poa_invalid":
        for d in ([c.principal_dx] if getattr(c, "principal_dx", None) else []) + \
                list(getattr(c, "other_dx", [])):
            if d.poa not in ("", "Y", "N", "U", "W"):
                d.poa = "Y"
        return c, "POA set to Y after checking the record"
    return None


def resubmission(claim: Claim, payment: ClaimPayment | None = None) -> Claim:
    """The claim to send again: a new original after a rejection (the payer never took
    it), or a replacement (frequency 7, REF*F8 = payer claim number) after a denial."""
    c = copy.deepcopy(claim)
    if payment is not None and payment.payer_claim_number:
        c.frequency, c.original_ref = "7", payment.payer_claim_number
        if hasattr(c, "type_of_bill"):
            c.type_of_bill = c.type_of_bill[:2] + "7"  # type: ignore[union-attr]
    return c


def appeal_letter(claim: Claim, payment: ClaimPayment, chart=None,  # noqa: ANN001
                  today: dt.date | None = None) -> str:
    """A reconsideration letter from ``data/billing/appeal_letter.txt`` with the claim's
    and the chart's facts filled in (``chart``: the exercise chart the claim came from)."""
    from coderlib.codes.normalize import dotted_icd10cm

    template = Template((data_dir() / "billing" / "appeal_letter.txt").read_text("utf-8"))
    denial = next((a for a in payment.all_adjustments
                   if not (a.group == "CO" and a.carc == "45")
                   and a.carc not in ("1", "2", "3")), None)
    code = f"{denial.group}-{denial.carc}" if denial else "(none)"
    meaning = carc_meaning(denial.carc) if denial else ""
    dx = [dotted_icd10cm(d) for d in claim.diagnoses]
    services = []
    for ln in claim.lines:
        code_text = getattr(ln, "code", "") or getattr(ln, "revenue_code", "")
        mods = "".join(f"-{m}" for m in getattr(ln, "modifiers", []))
        services.append(f"{code_text}{mods} x{ln.units:g}")
    docs = rationale = ""
    title = "chart not attached"
    if chart is not None:
        title = chart.title
        text = " ".join(chart.chart_text().split())
        docs = textwrap.fill(text[:700] + ("..." if len(text) > 700 else ""), 90)
        rationale = textwrap.fill(" ".join(chart.key.principal_dx.rationale.split()), 90)
    day = claim.service_date
    end = getattr(claim, "discharge_date", None) or day
    dates = f"{day}" + (f" to {end}" if end and end != day else "")
    pay = payers().get(claim.payer_id)
    prov = getattr(claim, "rendering", None) or getattr(claim, "attending", None)
    letter = template.substitute(
        today=(today or dt.date.today()).isoformat(),
        payer_name=pay.name if pay else claim.payer_name or claim.payer_id,
        patient_name=f"{claim.patient.first_name} {claim.patient.last_name}".title(),
        birth_date=claim.patient.birth_date, member_id=claim.patient.member_id,
        claim_id=claim.claim_id, payer_claim_number=payment.payer_claim_number,
        service_dates=dates, charge=f"{claim.total_charge:,.2f}", denial_code=code,
        denial_meaning=meaning.rstrip("."), diagnoses=", ".join(dx),
        services=", ".join(services), chart_title=title, documentation=docs,
        coding_rationale=rationale or "see the enclosed record",
        provider_name=prov.name.title() if prov else "",
        billing_name=claim.billing.name.title(), billing_npi=claim.billing.npi)
    return "\n".join(textwrap.fill(line, 90) if len(line) > 90 else line
                     for line in letter.splitlines()) + "\n"


__all__ = ["ACTIONS", "EDITS", "WorkItem", "appeal_letter", "denial_queue", "grade_choices",
           "load_choices", "queue_frame", "rejection_queue", "resubmission", "save_choice",
           "standard_fix", "suggested_action"]
