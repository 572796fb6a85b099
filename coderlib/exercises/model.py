"""Typed models for an exercise chart and its answer key (the YAML schema in pydantic).

One chart per YAML file under ``exercises/<set>/<id>.yaml``. Codes are accepted dotted or
not, any case, and stored undotted upper-case; numbers YAML reads as integers (``99214``,
``drg: 872``, ``discharge_status: 01``) are turned back into their code strings.

>>> chart = Chart.model_validate({
...     "id": "op-demo-001", "title": "Demo", "setting": "office",
...     "patient": {"age": 40, "sex": "F"}, "dates": {"service": "2026-02-03"},
...     "documentation": [{"section": "Office note", "text": "Cough for 3 days."}],
...     "key": {"principal_dx": {"code": "r05.1", "rationale": "Symptom only."},
...             "lines": [{"code": 99213, "rationale": "Low MDM."}]},
...     "metadata": {"difficulty": "easy", "topics": ["symptom codes"], "minutes": 5}})
>>> chart.key.principal_dx.code, chart.key.lines[0].code, chart.date_of_service.isoformat()
('R051', '99213', '2026-02-03')
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from coderlib.codes.normalize import normalize_code

SETS = ("inpatient", "outpatient", "injury", "query")
SETTINGS = ("inpatient", "outpatient_surgery", "emergency", "office", "radiology", "observation")
POA_VALUES = ("Y", "N", "U", "W", "1")
DIFFICULTIES = ("easy", "medium", "hard")

Setting = Literal["inpatient", "outpatient_surgery", "emergency", "office", "radiology",
                  "observation"]
Sex = Literal["M", "F"]
Poa = Literal["Y", "N", "U", "W", "1"]
Difficulty = Literal["easy", "medium", "hard"]

_SETTING_TITLES = {"inpatient": "Inpatient stay", "outpatient_surgery": "Outpatient surgery",
                   "emergency": "Emergency department visit", "office": "Office visit",
                   "radiology": "Imaging study", "observation": "Observation stay"}


def _person(age: int, sex: str, birth: bool = False) -> str:
    """``45-year-old woman``, ``8-year-old boy``; under 1 year ``infant girl``, or ``newborn
    boy`` for the birth episode itself (age in whole years).

    >>> _person(0, "M", birth=True), _person(0, "F"), _person(8, "F"), _person(45, "F")
    ('newborn boy', 'infant girl', '8-year-old girl', '45-year-old woman')
    """
    if age == 0:
        return ("newborn " if birth else "infant ") + ("boy" if sex == "M" else "girl")
    noun = ("man" if sex == "M" else "woman") if age >= 18 else ("boy" if sex == "M" else "girl")
    return f"{age}-year-old {noun}"


_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def check_id(value: str) -> str:
    """A chart or drill-item id: lower-case letters, digits and single dashes.

    >>> check_id("ip-sepsis-001")
    'ip-sepsis-001'
    """
    if not _ID_RE.match(value):
        raise ValueError(f"id {value!r} must be lower-case letters, digits and dashes")
    return value


def _code_text(value: Any) -> Any:
    """Turn a YAML scalar into a normalised code string (ints come back as digits)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        value = str(value)
    if isinstance(value, str):
        code = normalize_code(value)
        if not code:
            raise ValueError("code is empty")
        return code
    return value


def _poa_value(value: Any) -> Any:
    """A YAML POA scalar as its letter (a bare Y / N reads as a boolean in YAML 1.1)."""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, int):
        return str(value)
    return value.strip().upper() if isinstance(value, str) else value


CodeStr = Annotated[str, BeforeValidator(_code_text)]


class _Strict(BaseModel):
    """Base: unknown fields are errors, so a misspelt field is reported, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=False)


class Patient(_Strict):
    """Patient demographics a coder needs: age in whole years (0 for newborns) and sex."""

    age: int = Field(ge=0, le=124)
    sex: Sex

    @field_validator("sex", mode="before")
    @classmethod
    def _upper_sex(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value


class Dates(_Strict):
    """Admission/discharge (inpatient) or the date of service (everything else)."""

    admission: dt.date | None = None
    discharge: dt.date | None = None
    service: dt.date | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Dates:
        if self.service is None and (self.admission is None or self.discharge is None):
            raise ValueError("give either service, or both admission and discharge")
        if self.admission and self.discharge and self.discharge < self.admission:
            raise ValueError(
                f"discharge {self.discharge} is before admission {self.admission}")
        return self


class Doc(_Strict):
    """One section of the record as the coder sees it (H&P, op note, discharge summary...)."""

    section: str = Field(min_length=1)
    text: str = Field(min_length=1)


class Alternate(_Strict):
    """Another answer a careful coder could defend for one key item.

    ``credit`` is the share of the item's points it earns (1.0 = full credit, 0.5 = partial);
    ``note`` teaches the difference and is shown to the trainee who gave it. For a line,
    ``modifiers`` are the alternate's own modifiers (``None``: the key line's). For the
    principal diagnosis, an alternate that is also a secondary diagnosis of the key means
    "either may be sequenced first" (e.g. two diagnoses equally meeting the definition).

    >>> Alternate.model_validate({"code": "z00.00", "credit": 1, "note": "Both in use."}).code
    'Z0000'
    """

    code: CodeStr
    credit: float = Field(default=1.0, gt=0.0, le=1.0)
    note: str = Field(min_length=1)
    modifiers: list[str] | None = None
    poa: Poa | None = None

    @field_validator("modifiers", mode="before")
    @classmethod
    def _mods(cls, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, (str, int)):
            value = [value]
        if isinstance(value, list):
            return [str(m).strip().upper().lstrip("-") for m in value]
        return value

    @field_validator("poa", mode="before")
    @classmethod
    def _poa_text(cls, value: Any) -> Any:
        return _poa_value(value)


class DxCode(_Strict):
    """An ICD-10-CM diagnosis in the key, with POA (inpatient) and its rationale."""

    code: CodeStr
    poa: Poa | None = None
    rationale: str = Field(min_length=1)
    accept: list[Alternate] = Field(default_factory=list)
    #: reportable but not required (coders differ): no penalty when left out
    optional: bool = False

    @field_validator("poa", mode="before")
    @classmethod
    def _poa_text(cls, value: Any) -> Any:
        return _poa_value(value)


class ProcCode(_Strict):
    """An ICD-10-PCS procedure in the key (inpatient only)."""

    code: CodeStr
    rationale: str = Field(min_length=1)
    accept: list[Alternate] = Field(default_factory=list)


class Line(_Strict):
    """A CPT/HCPCS service line: code, modifiers (e.g. ``["25"]``), units."""

    code: CodeStr
    modifiers: list[str] = Field(default_factory=list)
    units: int = Field(default=1, ge=1)
    rationale: str = Field(min_length=1)
    accept: list[Alternate] = Field(default_factory=list)
    #: reportable but not required (payer or coder choice): no penalty when left out
    optional: bool = False

    @field_validator("modifiers", mode="before")
    @classmethod
    def _mods(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, (str, int)):
            value = [value]
        if isinstance(value, list):
            return [str(m).strip().upper().lstrip("-") for m in value]
        return value


class Query(_Strict):
    """A physician query the documentation calls for."""

    reason: str = Field(min_length=1)
    rationale: str = Field(min_length=1)


class Key(_Strict):
    """The answer key: principal/first-listed dx, secondary dx in order, PCS, lines, DRG."""

    principal_dx: DxCode
    secondary_dx: list[DxCode] = Field(default_factory=list)
    procedures: list[ProcCode] = Field(default_factory=list)
    lines: list[Line] = Field(default_factory=list)
    drg: str | None = None
    query: Query | None = None
    #: why an E/M on the same date as a procedure with a global period is not reported
    #: separately (the validator accepts this instead of modifier 25/57 on an E/M line)
    no_separate_em: str | None = None

    @field_validator("secondary_dx", "procedures", "lines", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value

    @field_validator("drg", mode="before")
    @classmethod
    def _drg_text(cls, value: Any) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return f"{value:03d}"
        if isinstance(value, str):
            value = value.strip()
            if value.isdigit() and len(value) <= 3:
                return value.zfill(3)
            raise ValueError(f"MS-DRG must be 3 digits, got {value!r}")
        return value

    @property
    def all_dx(self) -> list[DxCode]:
        """Principal then secondary diagnoses, in sequence."""
        return [self.principal_dx, *self.secondary_dx]


class Metadata(_Strict):
    """Difficulty, topics and estimated minutes for drills and mastery reports."""

    difficulty: Difficulty
    topics: list[str] = Field(min_length=1)
    minutes: int = Field(ge=1, le=240)


class Chart(_Strict):
    """A synthetic chart with its key. ``set`` is the folder the file lives in."""

    id: str
    title: str = Field(min_length=1)
    set: str | None = None
    setting: Setting
    patient: Patient
    dates: Dates
    discharge_status: str | None = None
    documentation: list[Doc] = Field(min_length=1)
    key: Key
    metadata: Metadata

    @field_validator("id")
    @classmethod
    def _id_form(cls, value: str) -> str:
        return check_id(value)

    @field_validator("discharge_status", mode="before")
    @classmethod
    def _status_text(cls, value: Any) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return f"{value:02d}"
        if isinstance(value, str):
            value = value.strip()
            if value.isdigit() and len(value) <= 2:
                return value.zfill(2)
            raise ValueError(f"discharge_status must be a two-digit UB-04 code, got {value!r}")
        return value

    @property
    def inpatient(self) -> bool:
        """True for inpatient facility charts (POA, PCS and MS-DRG apply)."""
        return self.setting == "inpatient"

    @property
    def date_of_service(self) -> dt.date:
        """The date codes must be valid on: discharge date (inpatient) or service date."""
        if self.dates.discharge is not None:
            return self.dates.discharge
        assert self.dates.service is not None  # guaranteed by Dates validation
        return self.dates.service

    @property
    def neutral_title(self) -> str:
        """A title that gives nothing away: setting, age, sex and (inpatient) days.

        The practice app shows this to trainees; ``title`` and ``metadata.topics`` are for
        educators and are shown only after the answer is submitted.

        >>> Chart.model_validate({
        ...     "id": "x", "title": "Sepsis due to UTI", "setting": "inpatient",
        ...     "patient": {"age": 77, "sex": "M"},
        ...     "dates": {"admission": "2026-01-02", "discharge": "2026-01-05"},
        ...     "documentation": [{"section": "H&P", "text": "Fever."}],
        ...     "key": {"principal_dx": {"code": "A41.9", "poa": "Y", "rationale": "r"}},
        ...     "metadata": {"difficulty": "easy", "topics": ["t"], "minutes": 5}}).neutral_title
        'Inpatient stay, 77-year-old man, 3 days'
        """
        kind = _SETTING_TITLES[self.setting]
        # the birth episode (Z38 principal) is a newborn; any later visit under 1 an infant
        who = _person(self.patient.age, self.patient.sex,
                      birth=self.key.principal_dx.code.startswith("Z38"))
        if self.inpatient and self.length_of_stay is not None:
            days = self.length_of_stay
            return f"{kind}, {who}, {days} day{'s' if days != 1 else ''}"
        return f"{kind}, {who}"

    @property
    def length_of_stay(self) -> int | None:
        """Inpatient days (discharge - admission), or None for outpatient charts."""
        if self.dates.admission and self.dates.discharge:
            return (self.dates.discharge - self.dates.admission).days
        return None

    def chart_text(self) -> str:
        """The documentation as one plain-text string, section by section."""
        return "\n\n".join(f"{d.section}\n{d.text.rstrip()}" for d in self.documentation)
