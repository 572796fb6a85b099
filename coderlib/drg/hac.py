"""Hospital-acquired conditions (HACs): CC/MCC codes that do not count when not POA.

Under the CMS HAC POA payment provision a secondary diagnosis in a HAC category reported
with POA = N (not present) or U (documentation insufficient) is grouped as if it were not a
CC/MCC; Y, W (clinically undetermined) and exempt (1/blank) keep it. Some categories apply
only when a named procedure was performed (DVT after hip/knee replacement, mediastinitis
after CABG, ...).

drgpy's tables carry no HAC categories, so they are written here as rules over code
patterns, following the CMS HAC categories (MS-DRG Definitions Manual, HAC list). Patterns
match undotted ICD-10-CM / ICD-10-PCS codes. Only codes that are themselves CC/MCC matter.

>>> hac_category("T83511A", [])
('06', 'Catheter-associated urinary tract infection')
>>> hac_category("I2699", []) is None   # PE counts as a HAC only after hip/knee replacement
True
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class HacCategory:
    """One HAC category: diagnosis pattern, and (when needed) the procedures it follows."""

    number: str
    name: str
    dx: re.Pattern[str]
    procedures: re.Pattern[str] | None = None
    pdx: re.Pattern[str] | None = None


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("^(?:" + "|".join(alternatives) + ")$")


_INITIAL = "[AB]"  # 7th character: initial encounter (B = open fracture, initial)
_SSI = r"T814\w*A"  # infection following a procedure, initial encounter

HAC_CATEGORIES: tuple[HacCategory, ...] = (
    HacCategory("01", "Foreign object retained after surgery", _rx(r"T81[56]\w*A")),
    HacCategory("02", "Air embolism", _rx("T800XXA")),
    HacCategory("03", "Blood incompatibility", _rx(r"T803\w*A", r"T80A\w*A")),
    HacCategory("04", "Pressure ulcer stage III or IV", _rx(r"L89\d{1,3}[34]")),
    HacCategory(
        "05", "Falls and trauma (fracture, dislocation, intracranial injury, crushing "
              "injury, burn, electric shock)",
        _rx(
            # fractures
            r"S(02|12|22|32|42|52|62|72|82|92)\w*" + _INITIAL,
            r"S(49[01]|59[012]|79[01]|89[0123]|99[012])\w*" + _INITIAL,
            # dislocations
            r"S(03[01]|13[12]|23[12]|33[123]|43[0123]|53[01]|63[01]|73[0]|83[01]|93[013])\w*"
            + _INITIAL,
            # intracranial injury, crushing injuries
            r"S06\w*A", r"S(07|17|280|38[01]|47|57|67|77|87|97)\w*A",
            # burns, electric shock
            r"T(2[0-9]|3[0-2])\w*A", r"T754\w*A",
        ),
    ),
    HacCategory("06", "Catheter-associated urinary tract infection",
                _rx("T83510A", "T83511A", "T83512A", "T83518A")),
    HacCategory("07", "Vascular catheter-associated infection",
                _rx("T80211A", "T80212A", "T80218A", "T80219A")),
    HacCategory("08", "Surgical site infection, mediastinitis, following coronary artery "
                      "bypass graft", _rx("J9851"), procedures=_rx(r"021[0-3]\w{3}")),
    HacCategory("09", "Manifestations of poor glycemic control",
                _rx(r"E(08|09|13)0[01]", r"E(08|09|10|11|13)1[01]", r"E(08|09|10|11|13)641",
                    "E1100", "E1101", "E15")),
    HacCategory("10", "Deep vein thrombosis / pulmonary embolism with total knee or hip "
                      "replacement", _rx(r"I26\w+", r"I824\w+"),
                procedures=_rx(r"0SR[9ABCDERS]\w{3}")),
    HacCategory("11", "Surgical site infection following bariatric surgery for obesity",
                _rx("K6811", "K9501", "K9581", _SSI),
                procedures=_rx(r"0D16\w{3}", r"0DB6\w{3}", r"0DV6\w{3}"),
                pdx=_rx("E6601", "E662")),
    HacCategory("12", "Surgical site infection following certain orthopedic procedures",
                _rx(_SSI, r"T846\w*A", "T847XXA"),
                procedures=_rx(r"0RG\w{4}", r"0SG[0-3]\w{3}", r"0RR[JKLM]\w{3}")),
    HacCategory("13", "Surgical site infection following cardiac implantable electronic "
                      "device procedures",
                _rx(_SSI, "T826XXA", "T827XXA"),
                procedures=_rx(r"0JH[68]0\w{2}", r"02H[46KL][03]J\w", r"0JWT0PZ")),
    HacCategory("14", "Iatrogenic pneumothorax with venous catheterization",
                _rx("J95811"), procedures=_rx("02HV33Z", "05HY33Z", "06HY33Z")),
)


@lru_cache(maxsize=65536)
def _dx_categories(code: str) -> tuple[HacCategory, ...]:
    return tuple(cat for cat in HAC_CATEGORIES if cat.dx.match(code))


def hac_category(code: str, procedures: Sequence[str], pdx: str = "") -> tuple[str, str] | None:
    """``(number, name)`` of the HAC category a secondary falls in for this stay, or None.

    >>> hac_category("I2699", ["0SRB0J9"])[0]
    '10'
    """
    for cat in _dx_categories(code):
        if cat.procedures is not None and not any(cat.procedures.match(p) for p in procedures):
            continue
        if cat.pdx is not None and not cat.pdx.match(pdx):
            continue
        return cat.number, cat.name
    return None


def poa_triggers_hac(poa: str) -> bool:
    """True for the POA values that make a HAC code lose its CC/MCC (N and U)."""
    return poa in ("N", "U")
