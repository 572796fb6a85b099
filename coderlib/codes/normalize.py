"""Shared code normalisation: accept dots, any case, spaces; store undotted upper-case.

>>> normalize_code(" e11.9 ")
'E119'
"""

from __future__ import annotations

import datetime as dt
import re

_STRIP = re.compile(r"[\s.]")


def normalize_code(code: str) -> str:
    """Return ``code`` undotted, upper-case, without spaces or dots.

    >>> normalize_code("s72.001a")
    'S72001A'
    """
    if not isinstance(code, str):
        raise TypeError(f"code must be a string, got {type(code).__name__}: {code!r}")
    return _STRIP.sub("", code).upper()


def dotted_icd10cm(code: str) -> str:
    """Show an ICD-10-CM code dotted after the third character.

    >>> dotted_icd10cm("S72001A")
    'S72.001A'
    """
    code = normalize_code(code)
    return code if len(code) <= 3 else f"{code[:3]}.{code[3:]}"


def date_of_service(on: dt.date | str | None) -> dt.date | None:
    """A date of service as a ``date`` (ISO text accepted); ``None`` stays ``None``.

    >>> date_of_service("2026-02-03")
    datetime.date(2026, 2, 3)
    """
    if on is None or isinstance(on, dt.date):
        return on
    try:
        return dt.date.fromisoformat(str(on))
    except ValueError as exc:
        raise ValueError(f"date of service {on!r} is not YYYY-MM-DD") from exc
