"""Shared code normalisation: accept dots, any case, spaces; store undotted upper-case.

>>> normalize_code(" e11.9 ")
'E119'
"""

from __future__ import annotations

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
