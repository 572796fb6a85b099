"""One door from the exercises package to the code-set modules (lookups on a date of service).

Diagnoses go to ``coderlib.codes.icd10cm``, procedures to ``coderlib.codes.icd10pcs`` and
service lines to ``coderlib.codes.hcpcs`` (a letter first: HCPCS Level II) or
``coderlib.codes.cpt`` (five digits, or four digits and a letter).

>>> line_system("J1885"), line_system("99214"), line_system("0001U")
('hcpcs', 'cpt', 'cpt')
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import Any

from coderlib.codes.errors import CodeError
from coderlib.codes.normalize import normalize_code

SYSTEM_LABELS = {"icd10cm": "ICD-10-CM", "icd10pcs": "ICD-10-PCS", "hcpcs": "HCPCS",
                 "cpt": "CPT"}

_FORMS = {
    "icd10cm": re.compile(r"^[A-Z][0-9][0-9A-Z]([0-9A-Z]{1,4})?$"),
    "icd10pcs": re.compile(r"^[0-9A-HJ-NP-Z]{7}$"),
    "hcpcs": re.compile(r"^[A-V][0-9]{4}$"),
    "cpt": re.compile(r"^[0-9]{4}[0-9FTU]$"),
}


class CodeSetUnavailable(RuntimeError):
    """A code-set module the exercises package needs is not installed in this tree."""


def line_system(code: str) -> str:
    """``hcpcs`` for HCPCS Level II codes (letter first), ``cpt`` otherwise."""
    code = normalize_code(code)
    return "hcpcs" if code[:1].isalpha() else "cpt"


def well_formed(system: str, code: str) -> bool:
    """True when ``code`` has the shape of a ``system`` code (no lookup).

    >>> well_formed("icd10cm", "A4151"), well_formed("icd10cm", "4151"), well_formed("cpt", "9921")
    (True, False, False)
    """
    return bool(_FORMS[system].match(normalize_code(code)))


def module(system: str) -> ModuleType:
    """The code-set module for ``system`` (``icd10cm``, ``icd10pcs``, ``hcpcs``, ``cpt``)."""
    if system not in SYSTEM_LABELS:
        raise ValueError(f"unknown code system {system!r}; expected one of "
                         f"{sorted(SYSTEM_LABELS)}")
    try:
        return importlib.import_module(f"coderlib.codes.{system}")
    except ModuleNotFoundError as exc:
        if exc.name == f"coderlib.codes.{system}":
            raise CodeSetUnavailable(f"coderlib.codes.{system} is not available") from None
        raise


@cache
def _takes_date(func: Callable[..., Any]) -> bool:
    """True when a code-set lookup takes a date of service (CPT has no dates to check)."""
    params = list(inspect.signature(func).parameters)
    return len(params) > 1 and params[1] == "on"


@dataclass(frozen=True)
class CodeInfo:
    """What grading and validation need to know about one valid code."""

    system: str
    code: str
    description: str
    billable: bool
    record: Any


def lookup(system: str, code: str, on: dt.date | None = None) -> CodeInfo:
    """Look ``code`` up in ``system``; raises :class:`CodeError` when it cannot be used.

    ``on`` is the date of service; a code not valid on that date raises ``CodeError`` with
    reason ``not_valid_on_date``.
    """
    mod = module(system)
    code = normalize_code(code)
    record = mod.get(code, on) if on is not None and _takes_date(mod.get) else mod.get(code)
    description = str(getattr(record, "description", "") or "")
    billable = bool(getattr(record, "billable", True))
    return CodeInfo(system, code, description, billable, record)


def require_billable(system: str, code: str, on: dt.date | None = None) -> CodeInfo:
    """Like :func:`lookup` but a non-billable (header) code raises ``CodeError('header')``.

    Uses the module's own ``validate`` when it has one (its messages list the billable
    children or the missing 7th character).
    """
    mod = module(system)
    validator = getattr(mod, "validate", None)
    if callable(validator):
        record = validator(normalize_code(code), on) if on is not None and \
            _takes_date(validator) else validator(normalize_code(code))
        return CodeInfo(system, normalize_code(code),
                        str(getattr(record, "description", "") or ""), True, record)
    info = lookup(system, code, on)
    if not info.billable:
        raise CodeError(code, "header", f"{SYSTEM_LABELS[system]} {code} is a header, not "
                                         "billable: code to the highest specificity")
    return info
