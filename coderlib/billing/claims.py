"""Claims as typed models: the professional claim (CMS-1500 / 837P) and the institutional
claim (UB-04 / 837I), with the fields a biller works with.

Dataclasses (not pydantic) because the scrubber walks a hundred thousand lines a second;
the models take whatever a file held and the scrubber says what is wrong with it, field by
field, instead of refusing to build the claim.

>>> claim = ProfessionalClaim(claim_id="C1", payer_id="MCR01", place_of_service="11",
...     diagnoses=["E119"], lines=[ServiceLine(1, "99213", charge=120.0, dx_pointers=[1])])
>>> claim.total_charge, claim.kind, claim.lines[0].dx_codes(claim)
(120.0, 'professional', ['E119'])
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Literal

DX_LETTERS = "ABCDEFGHIJKL"  # CMS-1500 box 21 holds up to 12 diagnoses, A through L


@dataclass(slots=True)
class Person:
    """A patient or subscriber: name, member id, birth date, sex (M/F/U), address."""

    last_name: str = ""
    first_name: str = ""
    member_id: str = ""
    birth_date: dt.date | None = None
    sex: str = ""
    address: str = ""
    city: str = ""
    state: str = ""
    zip_code: str = ""

    def age_on(self, day: dt.date) -> int | None:
        """Age in whole years on ``day`` (None when the birth date is unknown).

        >>> Person(birth_date=dt.date(2000, 6, 2)).age_on(dt.date(2026, 6, 1))
        25
        """
        if self.birth_date is None:
            return None
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


@dataclass(slots=True)
class Provider:
    """A billing, rendering or attending provider: name, NPI, tax id, taxonomy."""

    name: str = ""
    npi: str = ""
    tax_id: str = ""
    taxonomy: str = ""
    address: str = "100 MAIN ST"
    city: str = "SPRINGFIELD"
    state: str = "IL"
    zip_code: str = "627010000"


@dataclass(slots=True)
class ServiceLine:
    """One professional service line (CMS-1500 box 24 / 837P loop 2400).

    ``dx_pointers`` are 1-based positions into the claim's diagnoses (box 24E letters A-L).
    """

    number: int
    code: str
    modifiers: list[str] = field(default_factory=list)
    units: float = 1
    charge: float = 0.0
    dx_pointers: list[int] = field(default_factory=list)
    service_date: dt.date | None = None
    place_of_service: str = ""

    def dx_codes(self, claim: ProfessionalClaim) -> list[str]:
        """The diagnosis codes this line points at (pointers to nothing are skipped)."""
        return [claim.diagnoses[p - 1] for p in self.dx_pointers
                if 1 <= p <= len(claim.diagnoses)]


@dataclass(slots=True)
class InstitutionalLine:
    """One UB-04 revenue line (form locators 42-47 / 837I loop 2400)."""

    number: int
    revenue_code: str
    code: str = ""  # HCPCS/CPT, when the revenue code needs one (outpatient)
    modifiers: list[str] = field(default_factory=list)
    units: float = 1
    charge: float = 0.0
    service_date: dt.date | None = None


@dataclass(slots=True)
class Diagnosis:
    """An institutional diagnosis with its present-on-admission indicator."""

    code: str
    poa: str = ""


@dataclass(slots=True)
class Procedure:
    """An ICD-10-PCS procedure with its date (UB-04 FL 74)."""

    code: str
    date: dt.date | None = None


@dataclass(slots=True)
class _ClaimBase:
    claim_id: str
    payer_id: str = ""
    payer_name: str = ""
    patient: Person = field(default_factory=Person)
    subscriber: Person | None = None  # None: the patient is the subscriber
    relationship: str = "18"  # 18 self, 01 spouse, 19 child, G8 other
    billing: Provider = field(default_factory=Provider)
    frequency: str = "1"  # claim frequency: 1 original, 7 replacement, 8 void
    original_ref: str = ""  # payer claim number being replaced (frequency 7/8)
    submitted: dt.date | None = None
    chart_id: str = ""
    coder: str = ""


@dataclass(slots=True)
class ProfessionalClaim(_ClaimBase):
    """A CMS-1500 / 837P claim: diagnoses A-L, place of service and service lines."""

    place_of_service: str = ""
    diagnoses: list[str] = field(default_factory=list)
    rendering: Provider | None = None
    lines: list[ServiceLine] = field(default_factory=list)

    kind: Literal["professional"] = "professional"

    @property
    def total_charge(self) -> float:
        """Sum of the line charges (CLM02 must equal it)."""
        return round(sum(ln.charge for ln in self.lines), 2)

    @property
    def service_date(self) -> dt.date | None:
        """The first line's date of service."""
        dates = [ln.service_date for ln in self.lines if ln.service_date]
        return min(dates) if dates else None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return _jsonable(asdict(self))


@dataclass(slots=True)
class InstitutionalClaim(_ClaimBase):
    """A UB-04 / 837I claim: type of bill, stay dates, diagnoses with POA, PCS, MS-DRG."""

    type_of_bill: str = "111"  # facility 11 = hospital inpatient, frequency 1 = admit-discharge
    admission_date: dt.date | None = None
    admission_hour: str = ""
    discharge_date: dt.date | None = None
    discharge_hour: str = ""
    admission_type: str = "1"  # 1 emergency, 2 urgent, 3 elective, 4 newborn
    admission_source: str = "1"
    discharge_status: str = "01"
    principal_dx: Diagnosis | None = None
    admitting_dx: str = ""
    other_dx: list[Diagnosis] = field(default_factory=list)
    procedures: list[Procedure] = field(default_factory=list)
    drg: str = ""
    value_codes: list[tuple[str, float]] = field(default_factory=list)
    occurrence_codes: list[tuple[str, dt.date]] = field(default_factory=list)
    attending: Provider | None = None
    lines: list[InstitutionalLine] = field(default_factory=list)

    kind: Literal["institutional"] = "institutional"

    @property
    def total_charge(self) -> float:
        """Sum of the revenue-line charges (CLM02 and revenue code 0001)."""
        return round(sum(ln.charge for ln in self.lines), 2)

    @property
    def service_date(self) -> dt.date | None:
        """The through date of the stay (codes must be valid on the discharge date)."""
        return self.discharge_date or self.admission_date

    @property
    def diagnoses(self) -> list[str]:
        """Principal then other diagnosis codes."""
        head = [self.principal_dx.code] if self.principal_dx else []
        return head + [d.code for d in self.other_dx]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return _jsonable(asdict(self))


Claim = ProfessionalClaim | InstitutionalClaim


def _jsonable(obj: object) -> object:
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, dt.date):
        return obj.isoformat()
    return obj
