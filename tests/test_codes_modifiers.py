"""Modifiers: meanings, pricing vs informational, combination rules."""

from __future__ import annotations

import pytest

from coderlib.codes import modifiers as mods
from coderlib.codes.errors import CodeError

REQUIRED = ["25", "59", "XE", "XS", "XP", "XU", "26", "TC", "LT", "RT", "50", "51", "76",
            "77", "91", "24", "57", "58", "78", "79", "22", "52", "53", "GA", "GY", "GZ",
            "KX", "Q5", "Q6", "FA", *(f"F{i}" for i in range(1, 10)), "TA",
            *(f"T{i}" for i in range(1, 10)), "E1", "E2", "E3", "E4", "RC", "LC", "LD", "RI",
            "80", "82", "AS", "GC", "95", "93"]


def test_required_modifiers_present_with_plain_meanings() -> None:
    for code in REQUIRED:
        m = mods.get(code)
        assert m.meaning and m.usage and m.kind in ("pricing", "informational"), code
    assert mods.get("-25").display == "-25"
    assert mods.get(" lt ").code == "LT"


def test_pricing_vs_informational() -> None:
    assert {mods.get(c).kind for c in ("26", "TC", "50", "51", "22", "52", "80")} == {"pricing"}
    assert {mods.get(c).kind for c in ("25", "59", "LT", "GA", "KX", "95")} == {"informational"}
    assert mods.order(["LT", "59", "26"]) == ["26", "LT", "59"]


@pytest.mark.parametrize("pair", [("59", "XS"), ("XE", "XU"), ("26", "TC"), ("50", "LT"),
                                  ("LT", "RT"), ("GA", "GZ"), ("Q5", "Q6"), ("80", "AS"),
                                  ("52", "53"), ("76", "77"), ("78", "79")])
def test_mutually_exclusive_pairs(pair: tuple[str, str]) -> None:
    conflicts = mods.check(pair)
    assert [c.rule for c in conflicts] == ["mutually_exclusive"]
    assert set(conflicts[0].modifiers) == set(pair)
    # exclusivity is symmetric
    assert pair[0] in mods.get(pair[1]).exclusive_with


def test_clean_and_other_rules() -> None:
    assert mods.check(["26", "LT"]) == []
    assert mods.check(["25"]) == []
    assert [c.rule for c in mods.check(["F1", "F2"])] == ["digit_conflict"]
    assert [c.rule for c in mods.check(["LT", "LT"])] == ["duplicate"]
    assert [c.rule for c in mods.check(["LT", "26"])] == ["pricing_order"]
    assert mods.get("59").ncci and mods.get("XS").ncci and not mods.get("26").ncci


def test_errors() -> None:
    with pytest.raises(CodeError) as err:
        mods.get("ABC")
    assert err.value.reason == "malformed"
    with pytest.raises(CodeError) as err:
        mods.get("ZZ")
    assert err.value.reason == "unknown" and err.value.suggestions


def test_search_rows_split_by_level() -> None:
    rows = list(mods.iter_search_rows())
    systems = {r.code: r.system for r in rows}
    assert systems["25"] == "cpt" and systems["LT"] == "hcpcs"
    assert all(not r.billable for r in rows)
