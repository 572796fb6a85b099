"""835 remittance advice (X12 5010, 005010X221A1): what the payer paid, adjusted and denied.

:func:`read_835` reads the payments, claim by claim and line by line, with every CAS
adjustment (group + CARC + amount) and every remark (RARC); :func:`write_835` writes one
(the demo population's remittances). Reading never stops at a bad claim: its problems are
kept with it, envelope problems with the file.

>>> import datetime as dt
>>> pay = ClaimPayment("PCN1", "1", 160.0, 72.0, 18.0, "MCR01", "260105000001",
...     lines=[LinePayment("99213", [], 120.0, 72.0, 1, dt.date(2026, 1, 5),
...                        [Adjustment("CO", "45", 30.0), Adjustment("PR", "2", 18.0)]),
...            LinePayment("93010", [], 40.0, 0.0, 1, dt.date(2026, 1, 5),
...                        [Adjustment("CO", "97", 40.0)], ["N19"])])
>>> text = write_835([pay], payer_id="MCR01", payer_name="MEDICARE DEMO",
...                  paid_on=dt.date(2026, 1, 20))
>>> back = read_835(text).payments[0]
>>> back.paid, back.patient_responsibility, back.carcs, back.lines[1].remarks
(72.0, 18.0, ['45', '2', '97'], ['N19'])
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from coderlib.billing.x12 import (
    X12Document,
    X12Problem,
    clean,
    d8,
    envelope,
    money,
    parse_d8,
    read_x12,
)

VERSION_835 = "005010X221A1"
#: CLP02 claim status codes.
CLAIM_STATUS = {"1": "processed as primary", "2": "processed as secondary",
                "3": "processed as tertiary", "4": "denied", "19": "processed as primary, "
                "forwarded", "22": "reversal of previous payment"}


@dataclass(slots=True)
class Adjustment:
    """One CAS adjustment: group (CO/PR/OA/PI), reason (CARC) and amount."""

    group: str
    carc: str
    amount: float


@dataclass(slots=True)
class LinePayment:
    """One SVC line of a remittance."""

    code: str
    modifiers: list[str]
    charge: float
    paid: float
    units: float = 1
    service_date: dt.date | None = None
    adjustments: list[Adjustment] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ClaimPayment:
    """One CLP claim: status, charge, paid, patient share, the adjustments and remarks."""

    claim_id: str
    status: str
    charge: float
    paid: float
    patient_responsibility: float
    payer_id: str = ""
    payer_claim_number: str = ""
    adjustments: list[Adjustment] = field(default_factory=list)  # claim-level CAS
    lines: list[LinePayment] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)  # claim-level MOA remarks
    paid_on: dt.date | None = None
    segment: int = 0
    problems: list[X12Problem] = field(default_factory=list)
    patient_last: str = ""
    patient_first: str = ""
    member_id: str = ""
    filing_code: str = "12"

    @property
    def all_adjustments(self) -> list[Adjustment]:
        """Claim-level and line-level adjustments together."""
        return self.adjustments + [a for ln in self.lines for a in ln.adjustments]

    @property
    def carcs(self) -> list[str]:
        """Every CARC on the claim, in file order."""
        return [a.carc for a in self.all_adjustments]

    @property
    def denied(self) -> bool:
        """True when the claim was denied, or paid nothing with a non-contractual reason."""
        if self.status == "4":
            return True
        return self.paid == 0 and any(a.group == "CO" and a.carc != "45"
                                      for a in self.all_adjustments)


@dataclass
class Remittance:
    """A whole 835: payer, payee, check/EFT, payment date and the claims."""

    payer_id: str = ""
    payer_name: str = ""
    payee_npi: str = ""
    trace_number: str = ""
    total_paid: float = 0.0
    paid_on: dt.date | None = None
    payments: list[ClaimPayment] = field(default_factory=list)
    problems: list[X12Problem] = field(default_factory=list)


def _cas(adjs: list[Adjustment]) -> list[str]:
    """CAS segments: one per group, up to 6 reason/amount pairs each."""
    out: list[str] = []
    groups: dict[str, list[Adjustment]] = {}
    for a in adjs:
        groups.setdefault(a.group, []).append(a)
    for group, items in groups.items():
        for i in range(0, len(items), 6):
            parts = [f"{a.carc}*{money(a.amount)}*" for a in items[i:i + 6]]
            out.append(f"CAS*{group}*" + "*".join(parts).rstrip("*"))
    return out


def write_835(payments: list[ClaimPayment], payer_id: str, payer_name: str,
              paid_on: dt.date, payee_name: str = "CODERLIB DEMO PROVIDER",
              payee_npi: str = "1234567893", trace: str = "", control: int = 1) -> str:
    """Write one 835 interchange for one payer's payments on one date."""
    body = transaction_835(payments, payer_id, payer_name, paid_on, payee_name, payee_npi,
                           trace)
    return envelope(body, "HP", VERSION_835, payer_id, "CODERLIB01", control,
                    dt.datetime.combine(paid_on, dt.time(12, 0)))


def transaction_835(payments: list[ClaimPayment], payer_id: str, payer_name: str,
                    paid_on: dt.date, payee_name: str = "CODERLIB DEMO PROVIDER",
                    payee_npi: str = "1234567893", trace: str = "", control: int = 1
                    ) -> list[str]:
    """The ST..SE segments of one 835 transaction (one check or EFT)."""
    total = round(sum(p.paid for p in payments), 2)
    trace = trace or f"{payer_id}{paid_on:%Y%m%d}{control:04d}"
    method = "CHK" if total > 0 else "NON"
    st = f"{control:04d}"
    body = [f"ST*835*{st}", f"BPR*{'I' if total > 0 else 'H'}*{money(total)}*C*{method}"
            f"************{d8(paid_on)}",
            f"TRN*1*{trace}*1{payer_id[:9].rjust(9, '0')}",
            f"DTM*405*{d8(paid_on)}",
            f"N1*PR*{clean(payer_name)}", "N3*PO BOX 1000", "N4*SPRINGFIELD*IL*627010000",
            f"REF*2U*{clean(payer_id)}",
            "PER*BL*PROVIDER SERVICES*TE*8005550100",
            f"N1*PE*{clean(payee_name)}*XX*{payee_npi}", "REF*TJ*123456789"]
    for i, p in enumerate(payments, start=1):
        body.append(f"LX*{i}")
        body.append(f"CLP*{clean(p.claim_id)}*{p.status}*{money(p.charge)}*{money(p.paid)}*"
                    f"{money(p.patient_responsibility) if p.patient_responsibility else ''}"
                    f"*{p.filing_code or '12'}*{clean(p.payer_claim_number) or '0'}")
        body += _cas(p.adjustments)
        body.append(f"NM1*QC*1*{clean(p.patient_last) or 'PATIENT'}*{clean(p.patient_first)}"
                    f"****MI*{clean(p.member_id) or clean(p.claim_id)}")
        if p.remarks:
            body.append("MOA***" + "*".join(p.remarks[:5]))
        for ln in p.lines:
            mods = ":".join(ln.modifiers[:4])
            proc = f"HC:{clean(ln.code)}" + (f":{mods}" if mods else "")
            body.append(f"SVC*{proc}*{money(ln.charge)}*{money(ln.paid)}**{money(ln.units)}")
            if ln.service_date:
                body.append(f"DTM*472*{d8(ln.service_date)}")
            body += _cas(ln.adjustments)
            allowed = ln.charge - sum(a.amount for a in ln.adjustments if a.group == "CO")
            if ln.paid > 0:
                body.append(f"AMT*B6*{money(allowed)}")
            for code in ln.remarks[:5]:
                body.append(f"LQ*HE*{code}")
    body.append(f"SE*{len(body) + 1}*{st}")
    return body


def _amount(text: str, seg_id: str, number: int, problems: list[X12Problem]) -> float:
    try:
        return float(text) if text else 0.0
    except ValueError:
        problems.append(X12Problem(seg_id, number, f"amount {text!r} is not a number"))
        return 0.0


def read_835(source: str | Path | X12Document) -> Remittance:
    """Read an 835 (see the module example); only a non-X12 file raises ``X12Error``."""
    doc = source if isinstance(source, X12Document) else read_x12(source)
    comp = doc.component_sep
    rem = Remittance(problems=list(doc.problems))
    if doc.version and doc.version != VERSION_835:
        rem.problems.append(X12Problem("GS", 2, f"GS08 is {doc.version}, not an 835 "
                                                f"({VERSION_835})"))
    claim: ClaimPayment | None = None
    line: LinePayment | None = None
    n1 = ""
    for seg in doc.segments:
        sid, g = seg.id, seg.get
        if sid == "BPR":
            rem.total_paid += _amount(g(2), sid, seg.number, rem.problems)
            rem.paid_on = parse_d8(g(16))
        elif sid == "TRN":
            rem.trace_number = g(2)
        elif sid == "N1":
            n1 = g(1)
            if n1 == "PR":
                rem.payer_name = g(2)
            elif n1 == "PE":
                rem.payee_npi = g(4)
        elif sid == "REF" and g(1) == "2U" and n1 == "PR":
            rem.payer_id = g(2)
        elif sid == "CLP":
            probs: list[X12Problem] = []
            claim = ClaimPayment(g(1), g(2), _amount(g(3), sid, seg.number, probs),
                                 _amount(g(4), sid, seg.number, probs),
                                 _amount(g(5), sid, seg.number, probs), rem.payer_id,
                                 g(7), paid_on=rem.paid_on, segment=seg.number,
                                 problems=probs)
            if g(2) not in CLAIM_STATUS:
                probs.append(X12Problem("CLP", seg.number, f"claim status {g(2)!r} is not a "
                                        "CLP02 status code"))
            claim.filing_code = g(6)
            rem.payments.append(claim)
            line = None
        elif sid == "NM1" and g(1) == "QC" and claim is not None:
            claim.patient_last, claim.patient_first, claim.member_id = g(3), g(4), g(9)
        elif claim is None:
            continue
        elif sid == "SVC":
            proc = g(1).split(comp)
            line = LinePayment(proc[1] if len(proc) > 1 else g(1), [m for m in proc[2:6] if m],
                               _amount(g(2), sid, seg.number, claim.problems),
                               _amount(g(3), sid, seg.number, claim.problems),
                               _amount(g(5) or "1", sid, seg.number, claim.problems))
            claim.lines.append(line)
        elif sid == "DTM" and g(1) == "472" and line is not None:
            line.service_date = parse_d8(g(2))
        elif sid == "CAS":
            target = line.adjustments if line is not None else claim.adjustments
            for i in range(2, len(seg.elements), 3):
                code = g(i)
                if code:
                    target.append(Adjustment(g(1), code, _amount(g(i + 1), sid, seg.number,
                                                                 claim.problems)))
        elif sid == "LQ" and g(1) == "HE" and line is not None:
            line.remarks.append(g(2))
        elif sid in ("MOA", "MIA"):
            claim.remarks += [x for x in seg.elements[3:8] if x and not x.replace(".", "")
                              .isdigit()]
    _balance_checks(rem)
    return rem


def _balance_checks(rem: Remittance) -> None:
    """The 835 balancing rules: each claim's charge = paid + adjustments; BPR02 = sum paid."""
    for p in rem.payments:
        adj = sum(a.amount for a in p.all_adjustments)
        if abs(p.charge - p.paid - adj) > 0.005 and p.status != "22":
            p.problems.append(X12Problem("CLP", p.segment, f"claim {p.claim_id} does not "
                                         f"balance: charge {p.charge:.2f} - paid "
                                         f"{p.paid:.2f} - adjustments {adj:.2f} = "
                                         f"{p.charge - p.paid - adj:.2f}"))
    paid = round(sum(p.paid for p in rem.payments), 2)
    rem.total_paid = round(rem.total_paid, 2)
    if rem.payments and abs(paid - rem.total_paid) > 0.005:
        rem.problems.append(X12Problem("BPR", 0, f"BPR02 says {rem.total_paid:.2f} paid but "
                                       f"the claims add up to {paid:.2f}"))
