"""Billing reference tables: demo payers and their rules, CARC/RARC meanings in plain words,
place-of-service rules.

>>> payer("MCR01").timely_filing_days
365
>>> carc("97").action, rarc("N19")[:30]
('write_off', 'The procedure is incidental to')
>>> pos_problem("99283", "11")[:37]
'Emergency department visit codes are '
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import yaml

from coderlib.paths import data_dir

ACTIONS = ("correct_resubmit", "appeal", "write_off", "bill_patient")


@dataclass(frozen=True)
class Payer:
    """A demo payer and the rules it applies."""

    id: str
    name: str
    kind: str
    filing_code: str
    timely_filing_days: int
    allowed_pct: float
    coinsurance_pct: float
    copay: float
    days_to_pay: int
    denial_rate: float
    ncci: bool
    requires_rendering_npi: bool


@dataclass(frozen=True)
class Carc:
    """A claim adjustment reason code with our plain meaning and the usual next step."""

    code: str
    meaning: str
    group: str
    action: str
    kind: str  # patient | contractual | denial


def _yaml(name: str) -> object:
    return yaml.safe_load((data_dir() / "billing" / name).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def payers() -> dict[str, Payer]:
    """Every demo payer by id."""
    return {p["id"]: Payer(**p) for p in _yaml("payers.yaml")}  # type: ignore[union-attr]


class UnknownPayer(KeyError):
    """A payer id coderlib has no rules for."""

    def __str__(self) -> str:
        return (f"unknown payer {self.args[0]!r}: known payers are "
                f"{', '.join(sorted(payers()))}")


def payer(payer_id: str) -> Payer:
    """The payer with this id; :class:`UnknownPayer` otherwise."""
    try:
        return payers()[payer_id]
    except KeyError:
        raise UnknownPayer(payer_id) from None


@lru_cache(maxsize=1)
def _carc_rarc() -> dict:
    return _yaml("carc_rarc.yaml")  # type: ignore[return-value]


def carc(code: str) -> Carc:
    """A CARC from the teaching subset (``KeyError`` for codes outside it)."""
    row = _carc_rarc()["carc"][str(code)]
    return Carc(str(code), **row)


def carc_meaning(code: str) -> str:
    """Plain meaning of a CARC, or a note that it is outside the teaching subset."""
    try:
        return carc(code).meaning
    except KeyError:
        return f"CARC {code}: not in coderlib's teaching subset; look it up in the code list"


def rarc(code: str) -> str:
    """Plain meaning of a RARC (or a note that it is outside the teaching subset)."""
    return _carc_rarc()["rarc"].get(code, f"RARC {code}: not in coderlib's teaching subset")


def carc_table() -> list[Carc]:
    """Every CARC in the teaching subset."""
    return [carc(c) for c in _carc_rarc()["carc"]]


@lru_cache(maxsize=1)
def _pos() -> dict:
    return _yaml("pos_rules.yaml")  # type: ignore[return-value]


def place_name(pos: str) -> str | None:
    """Name of a place-of-service code (None when it is not in the teaching list)."""
    return _pos()["places"].get(pos)


def place_of_service_for(codes: list[str], preferred: str) -> str:
    """The place of service a claim's lines can all be billed with: ``preferred`` when it fits.

    A chart's setting gives the usual place (office 11, ED 23 ...); a line whose code belongs
    elsewhere (a nursing-facility visit seen from an office chart) moves the claim to the
    first place every line allows.

    >>> place_of_service_for(["99213"], "11"), place_of_service_for(["99316"], "11")
    ('11', '31')
    """
    if not any(pos_problem(c, preferred) for c in codes):
        return preferred
    for pos in _pos()["places"]:
        if not any(pos_problem(c, pos) for c in codes):
            return pos
    return preferred


@lru_cache(maxsize=4096)
def pos_problem(code: str, pos: str) -> str | None:
    """Why ``code`` does not belong with place of service ``pos`` (None when it does)."""
    for rule in _pos()["rules"]:
        if rule["first"] <= code <= rule["last"] and len(code) == len(rule["first"]):
            if pos not in rule["allowed"]:
                return rule["why"]
            return None
    return None
