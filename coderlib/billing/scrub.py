"""The morning claim scrub: front-end edits on every claim before it goes out.

Each :class:`ScrubEdit` has a stable id, a severity, the claim / line / field it points at, a
plain-language message and the queue it belongs in: ``rejection`` (the clearinghouse or payer
would bounce the claim unprocessed: missing or malformed data, invalid codes, bad NPI) or
``denial`` (the payer would process and deny it: bundling, units, place of service, timely
filing, sex/age conflicts). A claim with a bad field is still checked for everything else;
a bad claim never stops the scrub of the next one.

>>> import datetime as dt
>>> from coderlib.billing.claims import ProfessionalClaim, ServiceLine, Person, Provider
>>> day = dt.date(2026, 1, 5)
>>> c = ProfessionalClaim("PCN1", payer_id="MCR01", place_of_service="11",
...     patient=Person("DOE", "JANE", "1EG4TE5MK72", dt.date(1950, 2, 1), "F"),
...     billing=Provider("DEMO CLINIC", "1234567890", "123456789"), submitted=day,
...     diagnoses=["E119"], lines=[ServiceLine(1, "93000", ["26", "TC"], 1, 40.0, [1], day),
...                               ServiceLine(2, "93010", [], 1, 20.0, [2], day)])
>>> sorted({e.id for e in scrub_claim(c)})
['dx_pointer', 'modifier_conflict', 'npi_check_digit', 'ptp_bundle']
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from functools import lru_cache

import pandas as pd

from coderlib.billing.claims import Claim, InstitutionalClaim, ProfessionalClaim
from coderlib.billing.ncci import NcciTables, teaching_tables
from coderlib.billing.npi import npi_problem
from coderlib.billing.reference import UnknownPayer, payer, pos_problem
from coderlib.codes.errors import CodeError
from coderlib.drg.engine import VALID_DISCHARGE_STATUSES
from coderlib.drg.mce import age_conflict

#: Every edit the scrubber raises: id -> (severity, queue, what it checks).
EDITS: dict[str, tuple[str, str, str]] = {
    "required_field": ("error", "rejection", "a field the claim form requires is empty"),
    "malformed": ("error", "rejection", "a value that cannot be read (bad date, number, "
                                        "segment)"),
    "file_envelope": ("error", "rejection", "the X12 envelope is broken (counts, control "
                                            "numbers, truncation)"),
    "unknown_payer": ("error", "rejection", "no payer with this id"),
    "invalid_code": ("error", "rejection", "a procedure code that is unknown, malformed or "
                                           "not valid on the date of service"),
    "unverified_code": ("warning", "rejection", "a CPT/HCPCS code outside the teaching "
                                                "subset (load the full code file to check)"),
    "invalid_dx": ("error", "rejection", "a diagnosis that is unknown, a header or not valid "
                                         "on the date of service"),
    "dx_pointer": ("error", "rejection", "a line points at a diagnosis that is not there, or "
                                         "at none"),
    "npi_format": ("error", "rejection", "an NPI that is not 10 digits"),
    "npi_check_digit": ("error", "rejection", "an NPI whose Luhn check digit is wrong"),
    "charge_total": ("error", "rejection", "the claim total is not the sum of its lines"),
    "modifier_conflict": ("error", "denial", "modifiers that cannot sit together on a line"),
    "ptp_bundle": ("error", "denial", "an NCCI PTP pair: column 2 is bundled into column 1"),
    "ptp_modifier": ("warning", "denial", "an NCCI PTP pair bypassed with a modifier: the "
                                          "record must show a distinct service"),
    "mue_units": ("error", "denial", "more units than the NCCI MUE allows"),
    "pos_mismatch": ("error", "denial", "a code billed with a place of service it does not "
                                        "belong to"),
    "timely_filing": ("error", "denial", "submitted after the payer's filing limit"),
    "sex_conflict": ("error", "denial", "a diagnosis for the other sex"),
    "age_conflict": ("error", "denial", "a diagnosis for another age group"),
    "poa_missing": ("warning", "rejection", "an inpatient diagnosis with a blank POA (right "
                                            "only for POA-exempt codes)"),
    "poa_invalid": ("error", "rejection", "a POA indicator that is not Y, N, U or W"),
}

_X_MODS = {"XE", "XS", "XP", "XU"}
_PTP_MODS = {"59", "XE", "XS", "XP", "XU", "91", "25", "LT", "RT", "E1", "E2", "E3", "E4",
             "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9", "FA", "T1", "T2", "T3",
             "T4", "T5", "T6", "T7", "T8", "T9", "TA", "LC", "LD", "RC", "LM", "RI", "24",
             "27", "57", "78", "79"}
_CPT = re.compile(r"^(?:[0-9]{5}|[0-9]{4}[FTU])$")
_HCPCS = re.compile(r"^[A-V][0-9]{4}$")


@dataclass(slots=True)
class ScrubEdit:
    """One finding: which edit, how bad, where (claim / line / field) and what to do."""

    id: str
    claim_id: str
    message: str
    field: str = ""
    line: int | None = None
    code: str = ""
    row: int | None = None  # CSV row or X12 segment number, when known

    @property
    def severity(self) -> str:
        """``error`` (fix before sending) or ``warning`` (check the record)."""
        return EDITS[self.id][0]

    @property
    def queue(self) -> str:
        """``rejection`` or ``denial``: where the claim would come back from."""
        return EDITS[self.id][1]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {**asdict(self), "severity": self.severity, "queue": self.queue}

    def __str__(self) -> str:
        where = self.claim_id + (f" line {self.line}" if self.line else "")
        where += f" {self.field}" if self.field else ""
        where += f" (file row/segment {self.row})" if self.row else ""
        return f"[{self.severity}] {self.id} {where}: {self.message}"


# ----------------------------------------------------------------------- cached look-ups


@lru_cache(maxsize=4096)
def _quarter(day: dt.date | None) -> dt.date | None:
    """The calendar quarter a date falls in (code sets change only on quarter starts:
    ICD-10 on Oct 1 and Apr 1, HCPCS on Jan/Apr/Jul/Oct 1), so look-ups cache by quarter."""
    return None if day is None else dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _proc_problem(code: str, day: dt.date | None) -> tuple[str, str] | None:
    """(edit id, message) when a CPT/HCPCS code cannot be billed on ``day``."""
    if _proc_quarter(code, _quarter(day)) is None:
        return None
    return _proc_quarter.__wrapped__(code, day)


def _dx_problem(code: str, day: dt.date | None) -> str | None:
    """Why a diagnosis cannot be reported on ``day`` (None when it can)."""
    if _dx_quarter(code, _quarter(day)) is None:
        return None
    return _dx_quarter.__wrapped__(code, day)


@lru_cache(maxsize=65536)
def _proc_quarter(code: str, day: dt.date | None) -> tuple[str, str] | None:
    from coderlib.codes import cpt, hcpcs

    if _HCPCS.match(code):
        try:
            hcpcs.get(code, day)
        except CodeError as err:
            if err.reason == "unknown" and not hcpcs._FILE["path"]:
                return "unverified_code", (f"HCPCS {code} is not in coderlib's teaching "
                                           "subset; load the CMS annual file to check it")
            return "invalid_code", err.message
        return None
    if _CPT.match(code):
        try:
            cpt.get(code)
        except CodeError as err:
            if cpt._licensed():  # a licensed CPT file is loaded: unknown means invalid
                return "invalid_code", err.message
            return "unverified_code", (f"CPT {code} is not in coderlib's teaching subset, so "
                                       "its validity on the date of service is not checked")
        return None
    return "invalid_code", (f"{code!r} is not a CPT (5 digits, or 4 digits + F/T/U) or "
                            "HCPCS Level II (letter A-V + 4 digits) code")


@lru_cache(maxsize=65536)
def _dx_quarter(code: str, day: dt.date | None) -> str | None:
    from coderlib.codes import icd10cm

    try:
        icd10cm.validate(code, day)
    except CodeError as err:
        return str(err)
    return None


def _pcs_problem(code: str, day: dt.date | None) -> str | None:
    """Why an ICD-10-PCS code cannot be reported on ``day`` (None when it can)."""
    if _pcs_quarter(code, _quarter(day)) is None:
        return None
    return _pcs_quarter.__wrapped__(code, day)


@lru_cache(maxsize=65536)
def _pcs_quarter(code: str, day: dt.date | None) -> str | None:
    from coderlib.codes import icd10pcs

    try:
        icd10pcs.get(code, day)
    except CodeError as err:
        return str(err)
    return None


@lru_cache(maxsize=8)
def _engine(version_day: dt.date):  # noqa: ANN202 - coderlib.drg.engine.Engine
    from coderlib.drg.engine import engine_for_date

    return engine_for_date(version_day, allow_older=True)


def _dx_sex(code: str, day: dt.date) -> str | None:
    """``F``/``M`` when the MS-DRG tables make the diagnosis one sex only (the MCE's rule)."""
    return _dx_sex_fy(code, dt.date(day.year if day.month >= 10 else day.year - 1, 10, 1))


@lru_cache(maxsize=65536)
def _dx_sex_fy(code: str, fy_start: dt.date) -> str | None:
    from coderlib.drg.engine import VersionError
    from coderlib.drg.mce import code_sex

    try:
        return code_sex(_engine(fy_start), code)
    except VersionError:  # no MS-DRG version for this fiscal year: no sex edit to apply
        return None


@lru_cache(maxsize=4096)
def _npi(npi: str) -> tuple[str, str] | None:
    problem = npi_problem(npi)
    if problem is None:
        return None
    return ("npi_check_digit" if "check digit" in problem else "npi_format"), problem


@lru_cache(maxsize=4096)
def _modifier_problems(mods: tuple[str, ...]) -> tuple[str, ...]:
    """Plain messages for modifier combinations that cannot be billed on one line."""
    out: list[str] = []
    s = set(mods)
    if {"26", "TC"} <= s:
        out.append("-26 (professional component) and -TC (technical component) together are "
                   "the global service: bill the code with neither modifier")
    if {"LT", "RT"} <= s:
        out.append("-LT and -RT on one line: a bilateral procedure is billed with -50 (or on "
                   "two lines, per the payer)")
    if "59" in s and s & _X_MODS:
        out.append(f"-59 with -{sorted(s & _X_MODS)[0]}: the X{{EPSU}} modifiers replace -59; "
                   "use the one that fits, never both")
    if "50" in s and s & {"LT", "RT"}:
        out.append("-50 already means both sides: drop -LT/-RT")
    dup = [m for m, n in Counter(mods).items() if n > 1]
    if dup:
        out.append(f"-{dup[0]} appears more than once")
    return tuple(out)


# ----------------------------------------------------------------------------- the scrub


def _required(c: Claim, out: list[ScrubEdit]) -> None:
    cid = c.claim_id or "(no claim id)"
    need = [("claim_id", c.claim_id), ("payer_id", c.payer_id),
            ("patient.last_name", c.patient.last_name),
            ("patient.first_name", c.patient.first_name),
            ("patient.member_id", c.patient.member_id if c.subscriber is None
             else c.subscriber.member_id),
            ("patient.birth_date", c.patient.birth_date), ("patient.sex", c.patient.sex),
            ("billing.npi", c.billing.npi), ("billing.tax_id", c.billing.tax_id)]
    if isinstance(c, ProfessionalClaim):
        need += [("place_of_service", c.place_of_service), ("diagnoses", c.diagnoses),
                 ("lines", c.lines)]
    else:
        need += [("type_of_bill", c.type_of_bill), ("principal_dx", c.principal_dx),
                 ("admission_date", c.admission_date), ("discharge_status",
                                                        c.discharge_status),
                 ("lines", c.lines)]
    for name, value in need:
        if value in (None, "", []):
            out.append(ScrubEdit("required_field", cid, f"{name} is required and is empty",
                                 name))
    if isinstance(c, ProfessionalClaim):
        if len(c.diagnoses) > 12:
            out.append(ScrubEdit("malformed", cid, f"{len(c.diagnoses)} diagnoses: a CMS-1500 "
                                 "/ 837P claim holds 12 (A-L); the rest would be dropped",
                                 "diagnoses"))
        if len(c.lines) > 50:
            out.append(ScrubEdit("malformed", cid, f"{len(c.lines)} service lines: an 837P "
                                 "claim holds 50; split it into two claims", "lines"))
    if c.patient.sex and c.patient.sex not in ("M", "F", "U"):
        out.append(ScrubEdit("malformed", cid, f"patient sex {c.patient.sex!r} must be M, F "
                                               "or U", "patient.sex"))


def _dx_checks(c: Claim, day: dt.date | None, age: int | None, out: list[ScrubEdit]) -> None:
    cid = c.claim_id
    if isinstance(c, ProfessionalClaim):
        items = [(f"diagnoses[{'ABCDEFGHIJKL'[i]}]", code) for i, code in
                 enumerate(c.diagnoses[:12])]
    else:
        items = []
        if c.principal_dx:
            items.append(("principal_dx", c.principal_dx.code))
        items += [(f"other_dx[{i + 1}]", d.code) for i, d in enumerate(c.other_dx)]
    sex = c.patient.sex
    days = {ln.service_date for ln in c.lines} if isinstance(c, ProfessionalClaim) else set()
    days = sorted(d for d in days if d is not None) or [day]
    for fld, code in items:
        problem = next(filter(None, (_dx_problem(code, d) for d in days)), None)
        if problem:
            out.append(ScrubEdit("invalid_dx", cid, problem, fld, code=code))
            continue
        if day is not None and sex in ("M", "F"):
            need = _dx_sex(code, day)
            if need and need != sex:
                who = "female" if need == "F" else "male"
                out.append(ScrubEdit("sex_conflict", cid, f"{code} is a {who}-only "
                                     f"diagnosis but the patient's sex is {sex}", fld,
                                     code=code))
        if age is not None:
            problem = age_conflict(code, age)
            if problem:
                out.append(ScrubEdit("age_conflict", cid, problem, fld, code=code))
    if isinstance(c, InstitutionalClaim) and c.type_of_bill[:2] == "11":
        for fld, d in ([("principal_dx", c.principal_dx)] if c.principal_dx else []) + \
                [(f"other_dx[{i + 1}]", d) for i, d in enumerate(c.other_dx)]:
            if d.poa not in ("", "Y", "N", "U", "W"):
                out.append(ScrubEdit("poa_invalid", cid, f"POA {d.poa!r} for {d.code} is not "
                                     "Y, N, U or W (blank only for POA-exempt codes; 5010 "
                                     "has no '1')", fld, code=d.code))
            elif not d.poa and d.code[:1] not in "VWXYZ":
                # the exempt list is mostly Z codes and external causes; a disease code
                # (A-T) with a blank POA is almost always a missing indicator
                out.append(ScrubEdit("poa_missing", cid, f"{d.code} has no present-on-"
                                     "admission indicator: right only if the code is on "
                                     "CMS's POA-exempt list, otherwise report Y, N, U or W",
                                     fld, code=d.code))


def _professional_lines(c: ProfessionalClaim, tables: NcciTables, use_ncci: bool,
                        out: list[ScrubEdit]) -> None:
    cid = c.claim_id
    n_dx = len(c.diagnoses)
    by_day: dict[dt.date | None, list] = {}
    for ln in c.lines:
        day = ln.service_date
        if day is None:
            out.append(ScrubEdit("required_field", cid, "date of service is required",
                                 "service_date", ln.number))
        if not ln.code:
            out.append(ScrubEdit("required_field", cid, "procedure code is required",
                                 "code", ln.number))
            continue
        found = _proc_problem(ln.code, day)
        if found:
            out.append(ScrubEdit(found[0], cid, found[1], "code", ln.number, ln.code))
        if not ln.dx_pointers:
            out.append(ScrubEdit("dx_pointer", cid, "the line points at no diagnosis (box "
                                 "24E is empty)", "dx_pointers", ln.number, ln.code))
        for p in ln.dx_pointers:
            if not 1 <= p <= n_dx:
                letter = "ABCDEFGHIJKL"[p - 1] if 1 <= p <= 12 else str(p)
                out.append(ScrubEdit("dx_pointer", cid, f"pointer {letter} points at no "
                                     f"diagnosis (the claim has {n_dx})", "dx_pointers",
                                     ln.number, ln.code))
        if ln.charge <= 0:
            out.append(ScrubEdit("required_field", cid, "line charge must be more than 0",
                                 "charge", ln.number, ln.code))
        if ln.units <= 0:
            out.append(ScrubEdit("malformed", cid, f"units must be more than 0, got "
                                 f"{ln.units:g}", "units", ln.number, ln.code))
        if ln.modifiers:
            for msg in _modifier_problems(tuple(ln.modifiers)):
                out.append(ScrubEdit("modifier_conflict", cid, msg, "modifiers", ln.number,
                                     ln.code))
        pos = ln.place_of_service or c.place_of_service
        if pos:
            msg = pos_problem(ln.code, pos)
            if msg:
                out.append(ScrubEdit("pos_mismatch", cid, f"{ln.code} with place of service "
                                     f"{pos}: {msg}", "place_of_service", ln.number, ln.code))
        by_day.setdefault(day, []).append(ln)
    if not use_ncci:
        return
    for day, lines in by_day.items():
        units: Counter[str] = Counter()
        for ln in lines:
            units[ln.code] += ln.units
            mue = tables.mue.get(ln.code)
            if mue is not None and mue.mai == "1" and ln.units > mue.mue:
                out.append(ScrubEdit("mue_units", cid, f"{ln.units:g} units of {ln.code} on "
                                     f"one line; the MUE allows {mue.mue} ({mue.rationale})",
                                     "units", ln.number, ln.code))
        for code, total in units.items():
            mue = tables.mue.get(code)
            if mue is not None and mue.mai in ("2", "3") and total > mue.mue:
                first = next(ln.number for ln in lines if ln.code == code)
                out.append(ScrubEdit("mue_units", cid, f"{total:g} units of {code} on "
                                     f"{day}; the MUE allows {mue.mue} per day "
                                     f"({mue.rationale})", "units", first, code))
        if len(lines) < 2 or day is None:
            continue
        seen: set[tuple[str, int]] = set()
        for a in lines:
            col2s = tables.ptp.get(a.code)
            if not col2s:
                continue
            for b in lines:
                if b is a or (a.code, b.number) in seen:
                    continue
                seen.add((a.code, b.number))
                edit = col2s.get(b.code)
                if edit is None or not edit.active_on(day):
                    continue
                bypass = (set(b.modifiers) | set(a.modifiers)) & _PTP_MODS
                if edit.modifier_indicator == "1" and bypass:
                    out.append(ScrubEdit("ptp_modifier", cid, f"{b.code} is bundled into "
                                         f"{a.code} unless distinct; -{sorted(bypass)[0]} "
                                         "bypasses the edit only if the record shows a "
                                         "separate site, session or encounter", "modifiers",
                                         b.number, b.code))
                    continue
                how = ("never payable together" if edit.modifier_indicator == "0" else
                       "a modifier (e.g. -59 or -XS) may apply only if the record supports a "
                       "distinct service")
                out.append(ScrubEdit("ptp_bundle", cid, f"{b.code} is column 2 to {a.code} "
                                     f"(NCCI PTP, {edit.rationale.lower()}): {how}", "code",
                                     b.number, b.code))


def _institutional_lines(c: InstitutionalClaim, out: list[ScrubEdit]) -> None:
    cid = c.claim_id
    day = c.discharge_date or c.admission_date
    if not re.fullmatch(r"[0-9]{3}", c.type_of_bill or ""):
        out.append(ScrubEdit("malformed", cid, f"type of bill {c.type_of_bill!r} must be 3 "
                             "digits (facility, care type, frequency)", "type_of_bill"))
    if c.discharge_status and c.discharge_status not in VALID_DISCHARGE_STATUSES:
        out.append(ScrubEdit("malformed", cid, f"discharge status {c.discharge_status!r} is not "
                             "a UB-04 patient status code the grouper accepts",
                             "discharge_status"))
    for fld, hour in (("admission_hour", c.admission_hour),
                      ("discharge_hour", c.discharge_hour)):
        if hour and not (len(hour) == 4 and hour.isdigit() and hour < "2400"
                         and hour[2:] < "60"):
            out.append(ScrubEdit("malformed", cid, f"{fld.replace('_', ' ')} {hour!r} is not "
                                 "HHMM (0000-2359)", fld))
    if c.admission_date and c.discharge_date and c.discharge_date < c.admission_date:
        out.append(ScrubEdit("malformed", cid, "discharge date is before admission date",
                             "discharge_date"))
    for i, p in enumerate(c.procedures, start=1):
        problem = _pcs_problem(p.code, day)
        if problem:
            out.append(ScrubEdit("invalid_code", cid, problem, f"procedures[{i}]",
                                 code=p.code))
    for ln in c.lines:
        if not re.fullmatch(r"[0-9]{4}", ln.revenue_code or ""):
            out.append(ScrubEdit("malformed", cid, f"revenue code {ln.revenue_code!r} must be "
                                 "4 digits", "revenue_code", ln.number))
        if ln.code:
            found = _proc_problem(ln.code, ln.service_date or day)
            if found:
                out.append(ScrubEdit(found[0], cid, found[1], "code", ln.number, ln.code))
        if ln.charge < 0:
            out.append(ScrubEdit("malformed", cid, "line charge is negative", "charge",
                                 ln.number))


def scrub_claim(c: Claim, tables: NcciTables | None = None,
                today: dt.date | None = None) -> list[ScrubEdit]:
    """Every front-end edit for one claim (empty list = a clean claim)."""
    tables = tables or teaching_tables()
    out: list[ScrubEdit] = []
    cid = c.claim_id or "(no claim id)"
    _required(c, out)
    use_ncci = True
    pay = None
    if c.payer_id:
        try:
            pay = payer(c.payer_id)
            use_ncci = pay.ncci
        except UnknownPayer as err:
            out.append(ScrubEdit("unknown_payer", cid, str(err), "payer_id"))
    for role, prov in (("billing", c.billing),
                       ("rendering", getattr(c, "rendering", None)),
                       ("attending", getattr(c, "attending", None))):
        if prov is None or (role == "billing" and not prov.npi):
            continue
        found = _npi(prov.npi)
        if found:
            out.append(ScrubEdit(found[0], cid, f"{role} NPI {found[1]}", f"{role}.npi"))
    if (pay is not None and pay.requires_rendering_npi and isinstance(c, ProfessionalClaim)
            and c.rendering is None):
        out.append(ScrubEdit("required_field", cid, f"{pay.name} requires the rendering "
                             "provider (loop 2310B) on every claim", "rendering.npi"))
    day = c.service_date
    age = c.patient.age_on(day) if day else None
    if age is not None and age < 0:
        out.append(ScrubEdit("malformed", cid, "birth date is after the date of service",
                             "patient.birth_date"))
        age = None
    _dx_checks(c, day, age, out)
    if isinstance(c, ProfessionalClaim):
        _professional_lines(c, tables, use_ncci, out)
    else:
        _institutional_lines(c, out)
    sent = c.submitted or today
    if pay is not None and day is not None and sent is not None:
        late = (sent - day).days - pay.timely_filing_days
        if late > 0:
            out.append(ScrubEdit("timely_filing", cid, f"{pay.name} allows "
                                 f"{pay.timely_filing_days} days from the date of service; "
                                 f"this claim goes out {late} days late", "submitted"))
    return out


def scrub(claims: Iterable[Claim], tables: NcciTables | None = None,
          today: dt.date | None = None) -> list[ScrubEdit]:
    """Scrub many claims; edits in claim order."""
    tables = tables or teaching_tables()
    out: list[ScrubEdit] = []
    for c in claims:
        out += scrub_claim(c, tables, today)
    return out


def iter_scrub(claims: Iterable[Claim], tables: NcciTables | None = None
               ) -> Iterator[tuple[Claim, list[ScrubEdit]]]:
    """Each claim with its edits, for work queues."""
    tables = tables or teaching_tables()
    for c in claims:
        yield c, scrub_claim(c, tables)


def edits_frame(edits: Iterable[ScrubEdit]) -> pd.DataFrame:
    """Edits as a DataFrame (one row per edit)."""
    cols = ["claim_id", "line", "field", "id", "severity", "queue", "code", "message", "row"]
    return pd.DataFrame([e.to_dict() for e in edits], columns=cols)


def clean_claim_rate(claims: Iterable[Claim], edits: Iterable[ScrubEdit]) -> float:
    """Share of claims with no error-level edit (warnings do not count against it)."""
    ids = [c.claim_id for c in claims]
    dirty = {e.claim_id for e in edits if e.severity == "error"}
    return 0.0 if not ids else sum(1 for i in ids if i not in dirty) / len(ids)
