"""The inpatient encounter the grouper reads, and the result it gives back.

>>> enc = Encounter(pdx="I50.22", sdx=[("J96.01", "Y")], age=70, sex="M")
>>> enc.pdx, enc.sdx
('I5022', [('J9601', 'Y')])
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import lru_cache

from coderlib.codes.normalize import normalize_code

_DELETE = str.maketrans("", "", ". \t\n\r\f\v")


@lru_cache(maxsize=262144)
def _norm(code: str) -> str:
    """Fast path of :func:`normalize_code` for plain ASCII codes (same result)."""
    if code.isascii():
        return code.translate(_DELETE).upper()
    return normalize_code(code)

#: POA values the CMS grouper knows. N and U drop a HAC code's CC/MCC; Y and W keep it;
#: 1 (exempt from POA reporting) on a HAC code makes the stay ungroupable (999), as in the
#: CMS grouper for a hospital that reports POA; blank is sent as Y.
POA_VALUES = ("Y", "N", "U", "W", "1", "")

#: Discharge statuses that mean the patient died (20 expired). The hospice "expired"
#: statuses 40-42 are not valid for the inpatient grouper (see coderlib.drg.engine).
DIED_STATUSES = frozenset({"20"})

#: Default discharge date: the first day of MS-DRG v43 (FY2026).
DEFAULT_DISCHARGE_DATE = date(2025, 10, 1)


class EncounterError(ValueError):
    """An encounter field that cannot be used, naming the field and the reason.

    >>> str(EncounterError("sex", "must be M, F or U, got 'X'"))
    "sex: must be M, F or U, got 'X'"
    """

    def __init__(self, field_name: str, reason: str) -> None:
        self.field = field_name
        self.reason = reason
        super().__init__(f"{field_name}: {reason}")


@lru_cache(maxsize=262144)
def _parse_sdx_text(item: str) -> tuple[str, str] | None:
    """Cached parse of a ``"CODE"`` / ``"CODE:POA"`` string; None when it is not valid."""
    code, sep, poa = item.partition(":")
    poa = poa.strip().upper() if sep else "Y"
    if poa not in POA_VALUES or not code.strip():
        return None
    return _norm(code), poa


def _parse_sdx_item(item: object, index: int) -> tuple[str, str]:
    """One secondary diagnosis as ``(code, poa)``; accepts ``"J96.01"``, ``"J9601:N"``, tuples."""
    if type(item) is str:
        hit = _parse_sdx_text(item)
        if hit is not None:
            return hit
    if isinstance(item, str):
        code, _, poa = item.partition(":")
        poa = poa if _ else "Y"
    elif isinstance(item, (tuple, list)) and len(item) in (1, 2):
        code = item[0]
        poa = item[1] if len(item) == 2 else "Y"
    else:
        raise EncounterError(f"sdx[{index}]", f"expected 'CODE', 'CODE:POA' or (code, poa), "
                                              f"got {item!r}")
    if not isinstance(code, str) or not code.strip():
        raise EncounterError(f"sdx[{index}]", f"empty or non-text code {code!r}")
    poa = "" if poa is None else str(poa).strip().upper()
    if poa not in POA_VALUES:
        raise EncounterError(f"sdx[{index}]", f"POA for {code.strip()} must be one of "
                                              f"Y, N, U, W, 1 or blank, got {poa!r}")
    return _norm(code), poa


@dataclass
class Encounter:
    """An inpatient stay as the grouper sees it.

    ``sdx`` holds ``(code, poa)`` pairs (strings ``"CODE:N"`` are accepted and parsed);
    codes are stored undotted upper-case. ``sex`` is ``M``, ``F`` or ``U``;
    ``discharge_status`` is the two-digit UB-04 patient status (``01`` home, ``20`` expired).

    >>> Encounter(pdx="j18.9", sdx=["A41.9:N"], sex="f").sdx
    [('A419', 'N')]
    """

    pdx: str
    sdx: list[tuple[str, str]] = field(default_factory=list)
    procedures: list[str] = field(default_factory=list)
    age: int = 65
    sex: str = "M"
    discharge_status: str = "01"
    discharge_date: date = DEFAULT_DISCHARGE_DATE

    def __post_init__(self) -> None:
        if not isinstance(self.pdx, str) or not self.pdx.strip():
            raise EncounterError("pdx", f"a principal diagnosis code is required, got {self.pdx!r}")
        self.pdx = _norm(self.pdx)
        if isinstance(self.sdx, str):
            raise EncounterError("sdx", "give a list of codes, not one string")
        self.sdx = [_parse_sdx_item(item, i) for i, item in enumerate(self.sdx or [])]
        if isinstance(self.procedures, str):
            raise EncounterError("procedures", "give a list of codes, not one string")
        procs = []
        for i, code in enumerate(self.procedures or []):
            if not isinstance(code, str) or not code.strip():
                raise EncounterError(f"procedures[{i}]", f"empty or non-text code {code!r}")
            procs.append(_norm(code))
        self.procedures = procs
        if type(self.age) is not int or not 0 <= self.age <= 124:
            self.age = _parse_age(self.age)
        if self.sex not in ("M", "F", "U"):
            self.sex = _parse_sex(self.sex)
        status = self.discharge_status
        if not (type(status) is str and len(status) == 2 and status.isdigit()):
            self.discharge_status = _parse_status(status)
        self.discharge_date = _parse_date(self.discharge_date)

    @property
    def died(self) -> bool:
        """True when the discharge status says the patient expired."""
        return self.discharge_status in DIED_STATUSES

    @property
    def sdx_codes(self) -> list[str]:
        """Secondary diagnosis codes without POA."""
        return [code for code, _ in self.sdx]

    def with_changes(self, **changes: object) -> Encounter:
        """A copy with some fields replaced (re-validated).

        >>> Encounter(pdx="I5022").with_changes(pdx="J189").pdx
        'J189'
        """
        return replace(self, **changes)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"pdx": self.pdx, "sdx": [[c, p] for c, p in self.sdx],
                "procedures": list(self.procedures), "age": self.age, "sex": self.sex,
                "discharge_status": self.discharge_status,
                "discharge_date": self.discharge_date.isoformat()}


def _parse_age(value: object) -> int:
    try:
        age = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise EncounterError("age", f"must be a whole number of years, got {value!r}") from None
    if not 0 <= age <= 124:
        raise EncounterError("age", f"must be between 0 and 124, got {age}")
    return age


_SEX_WORDS = {"M": "M", "MALE": "M", "1": "M", "F": "F", "FEMALE": "F", "2": "F",
              "U": "U", "UNKNOWN": "U", "0": "U", "": "U"}


def _parse_sex(value: object) -> str:
    """The whole value as M/F/U (``MF`` or ``Mx`` are refused, not cut to their first letter)."""
    sex = _SEX_WORDS.get(str(value).strip().upper() if value is not None else "")
    if sex is None:
        raise EncounterError("sex", f"must be M, F or U, got {value!r}")
    return sex


def _parse_status(value: object) -> str:
    status = str(value).strip()
    if status.isdigit() and len(status) == 1:
        status = "0" + status
    if not (status.isdigit() and len(status) == 2):
        raise EncounterError("discharge_status",
                             "must be a two-digit patient status code such as 01 or 20, "
                             f"got {value!r}")
    return status


def _parse_date(value: object) -> date:
    if isinstance(value, str):
        return _parse_date_text(value)
    if isinstance(value, date):
        return value if type(value) is date else date(value.year, value.month, value.day)
    if hasattr(value, "date") and callable(value.date):  # pandas Timestamp
        return value.date()
    raise EncounterError("discharge_date", f"must be a date like 2025-10-15, got {value!r}")


@lru_cache(maxsize=4096)
def _parse_date_text(value: str) -> date:
    """The whole text as a date (``2025-10-15``, or a timestamp on that day); trailing text
    is refused, not cut off."""
    text = value.strip()
    try:
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text).date()
    except ValueError:
        raise EncounterError("discharge_date",
                             f"must be a date like 2025-10-15, got {value!r}") from None


def parse_code_list(text: str | Iterable[str] | None) -> list[str]:
    """Split a ``;``-separated cell (or pass a list through), dropping blanks.

    >>> parse_code_list("I10; E11.9:N;")
    ['I10', 'E11.9:N']
    """
    if text is None:
        return []
    if isinstance(text, float):  # pandas NaN
        return []
    if isinstance(text, str):
        return [part.strip() for part in text.split(";") if part.strip()]
    return [str(part).strip() for part in text if str(part).strip()]
