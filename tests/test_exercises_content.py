"""The shipped exercise sets meet the content bar issue 5 sets (counted on the real files)."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from coderlib.codes import icd10cm
from coderlib.exercises.loader import load_all


@pytest.fixture(scope="module")
def charts():
    return load_all()


def _dx_codes(chart) -> list[str]:
    return [chart.key.principal_dx.code, *(d.code for d in chart.key.secondary_dx)]


def test_at_least_60_charts_over_15_chapters(charts) -> None:
    assert len(charts) >= 60
    chapters = {icd10cm.get(code).chapter.code for c in charts for code in _dx_codes(c)}
    assert len(chapters) >= 15, sorted(chapters)


def test_inpatient_charts_carry_pcs_and_drg(charts) -> None:
    inpatient = [c for c in charts if c.setting == "inpatient"]
    assert len(inpatient) >= 15
    assert all(c.key.drg for c in inpatient)
    assert sum(bool(c.key.procedures) for c in inpatient) >= 8


def test_outpatient_charts_carry_lines_and_modifiers(charts) -> None:
    outpatient = [c for c in charts if c.setting != "inpatient"]
    assert len(outpatient) >= 20
    assert all(c.key.lines for c in outpatient)
    modifiers = Counter(m for c in outpatient for line in c.key.lines for m in line.modifiers)
    for needed in ("25", "50", "59", "26", "TC"):
        assert any(m == needed or (needed == "59" and m.startswith("X")) for m in modifiers), needed
    assert modifiers["LT"] + modifiers["RT"] > 0
    em = {line.code for c in outpatient for line in c.key.lines
          if re.fullmatch(r"992\d\d", line.code)}
    assert len(em) >= 4, em


def test_injury_charts_use_seventh_characters(charts) -> None:
    injury = [c for c in charts if c.set == "injury"]
    assert len(injury) >= 10
    sevenths = {code[-1] for c in injury for code in _dx_codes(c)
                if code[0] in "ST" and len(code) == 7}
    assert {"A", "D"} <= sevenths and len(sevenths) >= 4


def test_some_charts_call_for_a_physician_query(charts) -> None:
    assert sum(c.key.query is not None for c in charts) >= 3
