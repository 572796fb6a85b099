"""NPI check: ten digits whose last digit is a Luhn check digit computed with the 80840 prefix.

CMS's NPI standard prefixes the first nine digits with the card-issuer number 80840 and runs
the ordinary Luhn (mod 10) algorithm; the tenth digit is the result.

>>> npi_problem("1234567893") is None
True
>>> npi_problem("1234567890")
'check digit is 0, expected 3 (Luhn with the 80840 prefix)'
"""

from __future__ import annotations

import re

_DIGITS = re.compile(r"^[12][0-9]{9}$")


def npi_check_digit(first_nine: str) -> int:
    """The tenth digit of an NPI whose first nine digits are ``first_nine``.

    >>> npi_check_digit("123456789")
    3
    """
    total = 24  # the 80840 prefix contributes a constant 24 to the Luhn sum
    for i, ch in enumerate(reversed(first_nine)):
        d = ord(ch) - 48
        if i % 2 == 0:  # every other digit from the right, starting with the rightmost
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


def make_npi(first_nine: str) -> str:
    """A valid NPI from nine digits (demo data): appends the check digit.

    >>> make_npi("123456789")
    '1234567893'
    """
    return first_nine + str(npi_check_digit(first_nine))


def npi_problem(npi: str | None) -> str | None:
    """What is wrong with an NPI, in plain words, or None when it is well formed.

    >>> npi_problem("12345")
    'must be 10 digits starting with 1 or 2, got 12345'
    """
    text = (npi or "").strip()
    if not text:
        return "is missing"
    if not _DIGITS.match(text):
        return f"must be 10 digits starting with 1 or 2, got {text}"
    want = npi_check_digit(text[:9])
    if int(text[9]) != want:
        return f"check digit is {text[9]}, expected {want} (Luhn with the 80840 prefix)"
    return None


def is_valid_npi(npi: str | None) -> bool:
    """True for a well-formed NPI with the right check digit.

    >>> is_valid_npi("1234567893"), is_valid_npi("1234567894")
    (True, False)
    """
    return npi_problem(npi) is None
