"""837P and 837I claim files (X12 5010, implementation guides 005010X222A1 / 005010X223A2).

:func:`write_837` turns claims into a file a clearinghouse (and ``pyx12``) accepts;
:func:`read_837` reads one back into :class:`~coderlib.billing.claims.ProfessionalClaim` /
:class:`~coderlib.billing.claims.InstitutionalClaim` objects. Reading never aborts on a bad
claim: each claim keeps the problems found in its own segments (``ClaimRead.problems``) and
the envelope problems are returned alongside, so every good claim can still be scrubbed.

>>> import datetime as dt
>>> from coderlib.billing.claims import ProfessionalClaim, ServiceLine, Person, Provider
>>> c = ProfessionalClaim("PCN1", payer_id="MCR01", payer_name="MEDICARE DEMO",
...     patient=Person("DOE", "JANE", "1EG4TE5MK72", dt.date(1950, 2, 1), "F"),
...     billing=Provider("DEMO CLINIC", "1234567893", "123456789"), place_of_service="11",
...     diagnoses=["E119"], lines=[ServiceLine(1, "99213", [], 1, 120.0, [1],
...                                            dt.date(2026, 1, 5))])
>>> text = write_837([c])
>>> back = read_837(text)
>>> back.claims[0].claim.lines[0].code, back.claims[0].claim.patient.birth_date, back.problems
('99213', datetime.date(1950, 2, 1), [])
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

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
from coderlib.billing.x12 import (
    Segment,
    X12Document,
    X12Problem,
    clean,
    d8,
    envelope,
    money,
    parse_d8,
    read_x12,
)

VERSION_837P = "005010X222A1"
VERSION_837I = "005010X223A2"
SUBMITTER = ("CODERLIB DEMO BILLING", "CODERLIB01")
RECEIVER = ("DEMO CLEARINGHOUSE", "CLEARHOUSE1")
#: SBR09 claim filing indicator by payer kind.
FILING_CODE = {"medicare": "MB", "medicaid": "MC", "commercial": "CI", "bcbs": "BL",
               "tricare": "CH", "workers_comp": "WC"}


def _nm1(qual: str, entity: str, last: str, first: str = "", id_qual: str = "",
         ident: str = "") -> str:
    parts = ["NM1", qual, entity, clean(last), clean(first), "", "", ""]
    if ident:
        parts += [id_qual, clean(ident)]
    return "*".join(parts).rstrip("*")


def _addr(who: Person | Provider) -> list[str]:
    return [f"N3*{clean(who.address) or 'UNKNOWN'}",
            f"N4*{clean(who.city) or 'UNKNOWN'}*{clean(who.state) or 'IL'}*"
            f"{clean(who.zip_code) or '627010000'}"]


def _dmg(who: Person) -> str:
    return f"DMG*D8*{d8(who.birth_date)}*{clean(who.sex) or 'U'}"


def _subscriber_loops(claim: Claim, hl: int, filing: str) -> tuple[list[str], int]:
    """2000B (and 2000C when the patient is a dependent) for one claim."""
    out: list[str] = []
    dependent = claim.subscriber is not None and claim.relationship != "18"
    sub = claim.subscriber if dependent else claim.patient
    assert sub is not None
    out.append(f"HL*{hl}*1*22*{1 if dependent else 0}")
    out.append(f"SBR*P*{'' if dependent else '18'}*******{filing}")
    out.append(_nm1("IL", "1", sub.last_name, sub.first_name, "MI", sub.member_id))
    if not dependent:
        out += _addr(sub)
        out.append(_dmg(sub))
    out.append(_nm1("PR", "2", claim.payer_name or claim.payer_id, "", "PI", claim.payer_id))
    if dependent:
        out.append(f"HL*{hl + 1}*{hl}*23*0")
        out.append(f"PAT*{claim.relationship}")
        out.append(_nm1("QC", "1", claim.patient.last_name, claim.patient.first_name))
        out += _addr(claim.patient)
        out.append(_dmg(claim.patient))
        return out, hl + 2
    return out, hl + 1


def _claim_837p(c: ProfessionalClaim) -> list[str]:
    out = [f"CLM*{clean(c.claim_id)}*{money(c.total_charge)}***{c.place_of_service}:B:"
           f"{c.frequency}*Y*A*Y*Y"]
    if c.original_ref and c.frequency in ("7", "8"):
        out.append(f"REF*F8*{clean(c.original_ref)}")
    if c.diagnoses:
        hi = [f"{'ABK' if i == 0 else 'ABF'}:{clean(code).replace('.', '')}"
              for i, code in enumerate(c.diagnoses[:12])]
        out.append("HI*" + "*".join(hi))
    if c.rendering is not None:
        r = c.rendering
        first, _, last = r.name.partition(" ") if " " in r.name else ("", "", r.name)
        out.append(_nm1("82", "1", last or r.name, first, "XX", r.npi))
    for ln in c.lines:
        mods = ":".join(clean(m) for m in ln.modifiers[:4])
        proc = f"HC:{clean(ln.code)}" + (f":{mods}" if mods else "")
        ptr = ":".join(str(p) for p in ln.dx_pointers[:4])
        pos = ln.place_of_service if ln.place_of_service and \
            ln.place_of_service != c.place_of_service else ""
        out.append(f"LX*{ln.number}")
        out.append(f"SV1*{proc}*{money(ln.charge)}*UN*{money(ln.units)}*{pos}**{ptr}"
                   .rstrip("*"))
        out.append(f"DTP*472*D8*{d8(ln.service_date)}")
    return out


def _hi(qual: str, items: Sequence[str]) -> list[str]:
    """HI segments of up to 12 composites each."""
    return ["HI*" + "*".join(items[i:i + 12]) for i in range(0, len(items), 12)]


def _claim_837i(c: InstitutionalClaim) -> list[str]:
    fac, freq = c.type_of_bill[:2], c.type_of_bill[2:3] or c.frequency
    out = [f"CLM*{clean(c.claim_id)}*{money(c.total_charge)}***{fac}:A:{freq}**A*Y*Y"]
    start, end = c.admission_date, c.discharge_date or c.admission_date
    if start and c.admission_hour:
        out.append(f"DTP*435*DT*{d8(start)}{c.admission_hour}")
    elif start:
        out.append(f"DTP*435*D8*{d8(start)}")
    if c.discharge_hour:
        out.append(f"DTP*096*TM*{c.discharge_hour}")
    out.append(f"DTP*434*RD8*{d8(start)}-{d8(end)}")
    out.append(f"CL1*{c.admission_type}*{c.admission_source}*{c.discharge_status}")
    if c.original_ref and freq in ("7", "8"):
        out.append(f"REF*F8*{clean(c.original_ref)}")
    if c.principal_dx:
        out.append(f"HI*ABK:{clean(c.principal_dx.code)}:::::::{c.principal_dx.poa}"
                   .rstrip(":"))
    if c.admitting_dx:
        out.append(f"HI*ABJ:{clean(c.admitting_dx)}")
    if c.drg:
        out.append(f"HI*DR:{c.drg}")
    if c.other_dx:
        out += _hi("ABF", [f"ABF:{clean(d.code)}:::::::{d.poa}".rstrip(":")
                           for d in c.other_dx])
    if c.procedures:
        first, *rest = c.procedures
        out.append(f"HI*BBR:{clean(first.code)}:D8:{d8(first.date)}")
        if rest:
            out += _hi("BBQ", [f"BBQ:{clean(p.code)}:D8:{d8(p.date)}" for p in rest])
    if c.occurrence_codes:
        out += _hi("BH", [f"BH:{code}:D8:{d8(day)}" for code, day in c.occurrence_codes])
    if c.value_codes:
        out += _hi("BE", [f"BE:{code}:::{money(amount)}" for code, amount in c.value_codes])
    if c.attending is not None:
        a = c.attending
        first, _, last = a.name.partition(" ") if " " in a.name else ("", "", a.name)
        out.append(_nm1("71", "1", last or a.name, first, "XX", a.npi))
    for ln in c.lines:
        proc = ""
        if ln.code:
            mods = ":".join(clean(m) for m in ln.modifiers[:4])
            proc = f"HC:{clean(ln.code)}" + (f":{mods}" if mods else "")
        out.append(f"LX*{ln.number}")
        out.append(f"SV2*{ln.revenue_code}*{proc}*{money(ln.charge)}*UN*{money(ln.units)}")
        if ln.service_date:
            out.append(f"DTP*472*D8*{d8(ln.service_date)}")
    return out


def write_837(claims: Iterable[Claim], kind: str | None = None, control: int = 1,
              sender: str = SUBMITTER[1], receiver: str = RECEIVER[1],
              filing_codes: dict[str, str] | None = None,
              when: dt.datetime | None = None) -> str:
    """Write claims of one kind as an 837P or 837I interchange (one ST, claims grouped by
    billing provider). ``filing_codes`` maps payer id to SBR09 (default ``CI``)."""
    claims = list(claims)
    kind = kind or (claims[0].kind if claims else "professional")
    prof = kind == "professional"
    version = VERSION_837P if prof else VERSION_837I
    when = when or dt.datetime(2026, 1, 5, 12, 0)
    filing_codes = filing_codes or {}
    body = [f"ST*837*0001*{version}",
            f"BHT*0019*00*{control:09d}*{when:%Y%m%d}*{when:%H%M}*CH",
            _nm1("41", "2", SUBMITTER[0], "", "46", sender),
            f"PER*IC*{SUBMITTER[0]}*TE*2175550100",
            _nm1("40", "2", RECEIVER[0], "", "46", receiver)]
    hl = 1
    by_billing: dict[tuple[str, str], list[Claim]] = {}
    for c in claims:
        if c.kind != kind:
            raise ValueError(f"claim {c.claim_id} is {c.kind}: an 837{'P' if prof else 'I'} "
                             f"file holds {kind} claims only")
        by_billing.setdefault((c.billing.npi, c.billing.name), []).append(c)
    for group in by_billing.values():
        bp = group[0].billing
        parent = hl
        body += [f"HL*{hl}**20*1", _nm1("85", "2", bp.name, "", "XX", bp.npi), *_addr(bp),
                 f"REF*EI*{clean(bp.tax_id) or '000000000'}"]
        hl += 1
        for c in group:
            loops, next_hl = _subscriber_loops(c, hl, filing_codes.get(c.payer_id, "CI"))
            loops[0] = loops[0].replace(f"HL*{hl}*1*", f"HL*{hl}*{parent}*", 1)
            body += loops
            body += _claim_837p(c) if prof else _claim_837i(c)  # type: ignore[arg-type]
            hl = next_hl
    body.append(f"SE*{len(body) + 1}*0001")
    return envelope(body, "HC", version, sender, receiver, control, when)


# ----------------------------------------------------------------------------- reading


@dataclass
class ClaimRead:
    """One claim read from a file, with the segment it starts at and its own problems."""

    claim: Claim
    segment: int
    problems: list[X12Problem] = field(default_factory=list)
    stated_total: float | None = None  # CLM02 as the file stated it
    line_segments: dict[int, int] = field(default_factory=dict)  # line number -> SV1/SV2


@dataclass
class Read837:
    """Everything read from an 837 file: claims and file-level (envelope) problems."""

    claims: list[ClaimRead]
    problems: list[X12Problem]
    version: str = ""


def _person_from(nm1: Segment) -> Person:
    return Person(last_name=nm1.get(3), first_name=nm1.get(4), member_id=nm1.get(9))


def _fill_addr(who: Person | Provider, seg: Segment) -> None:
    if seg.id == "N3":
        who.address = seg.get(1)
    else:
        who.city, who.state, who.zip_code = seg.get(1), seg.get(2), seg.get(3)


def _num(text: str, seg: Segment, what: str, problems: list[X12Problem]) -> float:
    try:
        return float(text)
    except ValueError:
        problems.append(X12Problem(seg.id, seg.number, f"{what} {text!r} is not a number"))
        return 0.0


def _composite(text: str, sep: str) -> list[str]:
    return text.split(sep)


def read_837(source: str | Path | X12Document) -> Read837:
    """Read an 837P or 837I file into claims (see the module example).

    Raises :class:`~coderlib.billing.x12.X12Error` only when the file is not X12 at all;
    everything else is a problem on the claim or on the file.
    """
    doc = source if isinstance(source, X12Document) else read_x12(source)
    comp = doc.component_sep
    out: list[ClaimRead] = []
    problems = list(doc.problems)
    for seg in doc.segments:
        if seg.id == "GS" and seg.get(8) not in (VERSION_837P, VERSION_837I):
            problems.append(X12Problem("GS", seg.number, f"GS08 is {seg.get(8) or '(empty)'}: "
                                       f"not an 837P ({VERSION_837P}) or 837I "
                                       f"({VERSION_837I}) claim file"))
        elif seg.id == "ST" and seg.get(1) != "837":
            problems.append(X12Problem("ST", seg.number, f"transaction set {seg.get(1)} is "
                                       "not an 837 claim"))
    billing = Provider()
    subscriber = Person()
    patient: Person | None = None
    relationship = "18"
    payer = ("", "")
    cur: ClaimRead | None = None
    line: ServiceLine | InstitutionalLine | None = None
    context = ""  # which NM1 loop the N3/N4/DMG that follow belong to
    institutional = "X223" in doc.version
    for seg in doc.segments:
        sid = seg.id
        try:
            if sid == "HL":
                level = seg.get(3)
                if level == "20":
                    billing, context = Provider(), "billing"
                elif level == "22":
                    subscriber, patient, relationship = Person(), None, "18"
                elif level == "23":
                    patient = Person()
                cur, line = None, None
            elif sid == "SBR":
                relationship = seg.get(2) or relationship
            elif sid == "PAT":
                relationship = seg.get(1)
            elif sid == "NM1":
                q = seg.get(1)
                if q == "85":
                    billing.name, billing.npi = seg.get(3), seg.get(9)
                    context = "billing"
                elif q == "IL":
                    subscriber = _person_from(seg)
                    context = "subscriber"
                elif q == "PR":
                    payer = (seg.get(9), seg.get(3))
                    context = "payer"
                elif q == "QC":
                    patient = patient or Person()
                    patient.last_name, patient.first_name = seg.get(3), seg.get(4)
                    patient.member_id = subscriber.member_id
                    context = "patient"
                elif q in ("82", "71") and cur is not None:
                    prov = Provider(" ".join(x for x in (seg.get(4), seg.get(3)) if x),
                                    seg.get(9))
                    if isinstance(cur.claim, ProfessionalClaim):
                        cur.claim.rendering = prov
                    else:
                        cur.claim.attending = prov
                    context = "other"
                else:
                    context = "other"
            elif sid in ("N3", "N4"):
                who = {"billing": billing, "subscriber": subscriber,
                       "patient": patient}.get(context)
                if who is not None:
                    _fill_addr(who, seg)
            elif sid == "REF" and seg.get(1) == "EI" and context == "billing":
                billing.tax_id = seg.get(2)
            elif sid == "REF" and seg.get(1) == "F8" and cur is not None:
                cur.claim.original_ref = seg.get(2)
            elif sid == "DMG":
                who = patient if context == "patient" else subscriber
                day = parse_d8(seg.get(2))
                if day is None and seg.get(2):
                    problems.append(X12Problem("DMG", seg.number, f"birth date "
                                               f"{seg.get(2)!r} is not a CCYYMMDD date"))
                who.birth_date, who.sex = day, seg.get(3)
            elif sid == "CLM":
                cur = _start_claim(seg, comp, institutional, billing, subscriber, patient,
                                   relationship, payer)
                out.append(cur)
                line = None
            elif cur is None:
                continue
            elif sid == "HI":
                _read_hi(seg, comp, cur)
            elif sid == "DTP":
                line = _read_dtp(seg, cur, line)
            elif sid == "CL1" and isinstance(cur.claim, InstitutionalClaim):
                c = cur.claim
                c.admission_type, c.admission_source, c.discharge_status = (
                    seg.get(1), seg.get(2), seg.get(3))
            elif sid == "LX":
                line = None
            elif sid == "SV1" and isinstance(cur.claim, ProfessionalClaim):
                proc = _composite(seg.get(1), comp)
                ptrs = []
                for p in _composite(seg.get(7), comp) if seg.get(7) else []:
                    if p.isdigit():
                        ptrs.append(int(p))
                    else:
                        cur.problems.append(X12Problem("SV1", seg.number,
                                            f"diagnosis pointer {p!r} is not a number"))
                line = ServiceLine(len(cur.claim.lines) + 1, proc[1] if len(proc) > 1 else "",
                                   [m for m in proc[2:6] if m],
                                   _num(seg.get(4) or "1", seg, "units", cur.problems),
                                   _num(seg.get(2), seg, "charge", cur.problems), ptrs,
                                   place_of_service=seg.get(5))
                cur.claim.lines.append(line)
                cur.line_segments[line.number] = seg.number
            elif sid == "SV2" and isinstance(cur.claim, InstitutionalClaim):
                proc = _composite(seg.get(2), comp) if seg.get(2) else []
                line = InstitutionalLine(len(cur.claim.lines) + 1, seg.get(1),
                                         proc[1] if len(proc) > 1 else "",
                                         [m for m in proc[2:6] if m],
                                         _num(seg.get(5) or "1", seg, "units", cur.problems),
                                         _num(seg.get(3), seg, "charge", cur.problems))
                cur.claim.lines.append(line)
                cur.line_segments[line.number] = seg.number
        except (IndexError, ValueError) as exc:  # a mangled segment: report it, go on
            target = cur.problems if cur is not None else problems
            target.append(X12Problem(sid, seg.number, f"cannot read this segment ({exc})"))
    return Read837(out, problems, doc.version)


def _start_claim(seg: Segment, comp: str, institutional: bool, billing: Provider,
                 subscriber: Person, patient: Person | None, relationship: str,
                 payer: tuple[str, str]) -> ClaimRead:
    facility = _composite(seg.get(5), comp)
    common = dict(claim_id=seg.get(1), payer_id=payer[0], payer_name=payer[1],
                  patient=patient or subscriber,
                  subscriber=subscriber if patient is not None else None,
                  relationship=relationship if patient is not None else "18",
                  billing=Provider(billing.name, billing.npi, billing.tax_id,
                                   billing.taxonomy, billing.address, billing.city,
                                   billing.state, billing.zip_code),
                  frequency=facility[2] if len(facility) > 2 else "")
    problems: list[X12Problem] = []
    claim: Claim
    if institutional:
        claim = InstitutionalClaim(**common, type_of_bill=facility[0] + (
            facility[2] if len(facility) > 2 else ""))  # type: ignore[arg-type]
    else:
        claim = ProfessionalClaim(**common, place_of_service=facility[0])  # type: ignore[arg-type]
    read = ClaimRead(claim, seg.number, problems)
    stated = seg.get(2)
    try:
        read.stated_total = float(stated)
    except ValueError:
        problems.append(X12Problem("CLM", seg.number, f"total charge {stated!r} is not a "
                                   "number"))
    return read


def _read_hi(seg: Segment, comp: str, cur: ClaimRead) -> None:
    claim = cur.claim
    for item in seg.elements[1:]:
        if not item:
            continue
        parts = item.split(comp)
        qual, code = parts[0], parts[1] if len(parts) > 1 else ""
        if isinstance(claim, ProfessionalClaim):
            if qual in ("ABK", "ABF", "BK", "BF"):
                claim.diagnoses.append(code)
            continue
        poa = parts[8] if len(parts) > 8 else ""
        if qual == "ABK":
            claim.principal_dx = Diagnosis(code, poa)
        elif qual == "ABF":
            claim.other_dx.append(Diagnosis(code, poa))
        elif qual == "ABJ":
            claim.admitting_dx = code
        elif qual == "DR":
            claim.drg = code
        elif qual in ("BBR", "BBQ"):
            day = parse_d8(parts[3]) if len(parts) > 3 else None
            claim.procedures.append(Procedure(code, day))
        elif qual == "BH":
            day = parse_d8(parts[3]) if len(parts) > 3 else None
            if day:
                claim.occurrence_codes.append((code, day))
        elif qual == "BE":
            amount = parts[4] if len(parts) > 4 else "0"
            claim.value_codes.append((code, float(amount or 0)))


def _read_dtp(seg: Segment, cur: ClaimRead, line: ServiceLine | InstitutionalLine | None
              ) -> ServiceLine | InstitutionalLine | None:
    qual, fmt, value = seg.get(1), seg.get(2), seg.get(3)
    claim = cur.claim
    if qual == "472" and line is not None:
        day = parse_d8(value[:8])
        if day is None:
            cur.problems.append(X12Problem("DTP", seg.number, f"service date {value!r} is "
                                           "not a CCYYMMDD date"))
        line.service_date = day
    elif isinstance(claim, InstitutionalClaim):
        if qual == "435":
            claim.admission_date = parse_d8(value[:8])
            claim.admission_hour = value[8:12] if fmt == "DT" else ""
        elif qual == "096":
            claim.discharge_hour = value
        elif qual == "434" and "-" in value:
            a, b = value.split("-", 1)
            claim.admission_date = claim.admission_date or parse_d8(a)
            claim.discharge_date = parse_d8(b)
    return line


__all__ = ["VERSION_837I", "VERSION_837P", "ClaimRead", "Read837", "read_837", "write_837"]
