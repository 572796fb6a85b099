"""Grading: one test per verdict, the score arithmetic, DRG feedback, docs agree with code."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import coderlib.exercises  # noqa: F401  (binds the grade module in sys.modules)
from coderlib.exercises import grade
from coderlib.exercises.answer import parse_answer
from coderlib.exercises.grade import DEDUCTIONS, MATCH_CREDIT, VERDICTS, GradeResult
from coderlib.exercises.loader import find_chart

GOOD = Path(__file__).parent / "fixtures" / "exercises" / "good"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def knee():
    return find_chart("fx-op-knee-001", GOOD)


@pytest.fixture(scope="module")
def sepsis():
    return find_chart("fx-ip-sepsis-001", GOOD)


@pytest.fixture(scope="module")
def hand():
    return find_chart("fx-inj-hand-001", GOOD)


@pytest.fixture(scope="module")
def cough():
    return find_chart("fx-q-cough-001", GOOD)


def row(result: GradeResult, key_prefix: str = "", answer_prefix: str = ""):
    for r in result.rows:
        if (not key_prefix or r.key.startswith(key_prefix)) and \
                (not answer_prefix or r.answer.startswith(answer_prefix)):
            return r
    raise AssertionError(f"no row for key {key_prefix!r} answer {answer_prefix!r}: "
                         f"{[(r.key, r.answer) for r in result.rows]}")


def test_perfect_answer_scores_100(sepsis) -> None:
    res = grade(sepsis, "PDX: A41.51 POA:Y; SDX: N39.0:Y, N17.9:Y; PCS: 0T9B70Z")
    assert res.score == 100.0
    assert [r.verdict for r in res.rows] == ["exact"] * 4
    assert res.possible == 5.0 and res.penalties == 0
    assert all(r.rationale for r in res.rows)
    assert res.key_drg == "872" and res.answer_drg == "872" and res.drg_match is True


def test_exact_ignores_dots_case_and_modifier_order(knee) -> None:
    res = grade(knee, "dx: m1711 e119; cpt: 99213-25, 20610-rt")
    assert res.score == 100.0


def test_specificity_partial_credit(sepsis) -> None:
    res = grade(sepsis, "PDX: A41.9:Y; SDX: N39.0:Y, N17.9:Y; PCS: 0T9B70Z")
    r = row(res, "A41.51")
    assert r.verdict == "specificity" and r.credit == 2 * MATCH_CREDIT["specificity"]
    assert res.score == pytest.approx(100 * (5 - 1) / 5)


def test_specificity_for_pcs_and_cpt(sepsis, knee) -> None:
    res = grade(sepsis, "PDX: A41.51:Y; SDX: N39.0:Y, N17.9:Y; PCS: 0T9B7ZZ")
    assert row(res, "0T9B70Z").verdict == "specificity"
    res = grade(knee, "DX: M17.11, E11.9; CPT: 99214-25, 20610-RT")
    r = row(res, "99213")
    assert r.verdict == "specificity" and r.credit == 0.5


def test_wrong_7th_character(hand) -> None:
    res = grade(hand, "DX: S61.412D, W26.0XXA, Y93.G1; CPT: 12001")
    r = row(res, "S61.412A")
    assert r.verdict == "wrong_7th" and r.credit == 1.0
    res = grade(hand, "DX: S61.412A, W26.0, Y93.G1; CPT: 12001")  # 7th and placeholders off
    r = row(res, "W26.0XXA")
    assert r.verdict == "wrong_7th" and "7th character" in r.message
    res = grade(hand, "DX: S61.412A, W26.0A, Y93.G1; CPT: 12001")  # placeholder X missing
    assert row(res, "W26.0XXA").verdict == "wrong_7th"


def test_wrong_laterality_icd_and_modifier(knee) -> None:
    res = grade(knee, "DX: M17.12, E11.9; CPT: 99213-25, 20610-RT")
    r = row(res, "M17.11")
    assert r.verdict == "wrong_laterality" and r.credit == 1.0
    res = grade(knee, "DX: M17.11, E11.9; CPT: 99213-25, 20610-LT")
    r = row(res, "20610")
    assert r.verdict == "wrong_laterality" and r.credit == 0.5
    assert "LT for RT" in r.message


def test_unspecified_side_counts_as_laterality(knee) -> None:
    res = grade(knee, "DX: M17.10, E11.9; CPT: 99213-25, 20610-RT")
    assert row(res, "M17.11").verdict == "wrong_laterality"


def test_missing_and_extra(knee) -> None:
    res = grade(knee, "DX: M17.11, Z79.84; CPT: 99213-25, 20610-RT")
    assert row(res, "E11.9").verdict == "missing" and row(res, "E11.9").credit == 0
    extra = row(res, answer_prefix="Z79.84")
    assert extra.verdict == "extra" and extra.key == ""
    assert res.penalties == 0.5
    assert res.score == pytest.approx(100 * (4 - 0.5) / 5)


def test_wrong_sequencing_of_principal(knee) -> None:
    res = grade(knee, "DX: E11.9, M17.11; CPT: 99213-25, 20610-RT")
    r = row(res, "M17.11")
    assert r.verdict == "wrong_sequencing" and r.credit == 2 * (1 - DEDUCTIONS["wrong_sequencing"])
    assert row(res, "E11.9").verdict == "exact"
    # SDX only: no principal given at all
    res = grade(knee, "SDX: M17.11, E11.9; CPT: 99213-25, 20610-RT")
    assert row(res, "M17.11").verdict == "wrong_sequencing"


def test_wrong_poa(sepsis) -> None:
    res = grade(sepsis, "PDX: A41.51:Y; SDX: N39.0:Y, N17.9:N; PCS: 0T9B70Z")
    r = row(res, "N17.9")
    assert r.verdict == "wrong_poa" and r.credit == 1 - DEDUCTIONS["wrong_poa"]
    assert "POA should be Y, you gave N" in r.message
    res = grade(sepsis, "PDX: A41.51; SDX: N39.0:Y, N17.9:Y; PCS: 0T9B70Z")  # POA missing
    assert row(res, "A41.51").verdict == "wrong_poa"


def test_poa_not_graded_outpatient(knee) -> None:
    assert grade(knee, "DX: M17.11:N, E11.9; CPT: 99213-25, 20610-RT").score == 100.0


def test_wrong_and_missing_modifier(knee) -> None:
    res = grade(knee, "DX: M17.11, E11.9; CPT: 99213, 20610-RT")
    r = row(res, "99213")
    assert r.verdict == "missing_modifier" and r.credit == 0.5 and "25 missing" in r.message
    res = grade(knee, "DX: M17.11, E11.9; CPT: 99213-59, 20610-RT")
    r = row(res, "99213")
    assert r.verdict == "wrong_modifier" and "59 not supported; expected 25" in r.message


def test_wrong_units(knee) -> None:
    res = grade(knee, "DX: M17.11, E11.9; CPT: 99213-25, 20610-RT x2")
    r = row(res, "20610")
    assert r.verdict == "wrong_units" and r.credit == 0.75
    assert "units should be 1, you gave 2" in r.message


def test_deductions_stack_and_floor_at_zero(knee) -> None:
    res = grade(knee, "DX: M17.11, E11.9; CPT: 99214, 20610-RT")  # level and modifier wrong
    r = row(res, "99213")
    assert r.issues == ["specificity", "missing_modifier"] and r.credit == 0.0


def test_query_expected_and_ok(cough) -> None:
    res = grade(cough, "DX: R05.9; CPT: 99283")
    q = row(res, "QUERY")
    assert q.verdict == "query_expected" and q.credit == 0 and q.rationale
    assert res.score == pytest.approx(100 * 3 / 4)
    res = grade(cough, "DX: R05.9; CPT: 99283; QUERY: bronchitis or pneumonia?")
    q = row(res, "QUERY")
    assert q.verdict == "query_ok" and res.score == 100.0
    assert "bronchitis or pneumonia" in q.answer


def test_unneeded_query_penalised(knee) -> None:
    res = grade(knee, "DX: M17.11, E11.9; CPT: 99213-25, 20610-RT; QUERY")
    assert row(res, answer_prefix="QUERY").verdict == "unneeded_query"
    assert res.score == pytest.approx(100 * 4.5 / 5)


def test_malformed_codes_flagged_not_rejected(knee) -> None:
    res = grade(knee, "DX: M17.11, E11.9, 12345; CPT: 99213-25, 20610-RT, 9921")
    bad = [r for r in res.rows if r.verdict == "malformed"]
    assert {r.answer for r in bad} == {"12345", "9921"}
    assert all("not" in r.message for r in bad)
    assert res.score == pytest.approx(100 * (5 - 1) / 5)


def test_unknown_code_is_flagged_in_message(knee) -> None:
    res = grade(knee, "DX: M17.11, E11.99; CPT: 99213-25, 20610-RT")
    r = row(res, "E11.9")
    assert r.verdict == "specificity"
    assert "E11.99" in r.message and "exist" in r.message


def test_empty_answer_scores_zero(sepsis) -> None:
    res = grade(sepsis, "")
    assert res.score == 0.0 and {r.verdict for r in res.rows} == {"missing"}
    assert res.answer_drg is None and "no principal" in res.drg_note


def test_inpatient_drg_of_trainee_codes(sepsis) -> None:
    res = grade(sepsis, "PDX: N39.0:Y; SDX: A41.51:Y, N17.9:Y; PCS: 0T9B70Z")
    assert res.key_drg == "872"
    assert res.answer_drg is not None and res.answer_drg != "872"
    assert res.drg_match is False
    res = grade(sepsis, "PDX: A41.51:Y; SDX: N39.0:Y, N17.9:Y, J96.01:Y, XYZ")
    assert res.answer_drg == "871"  # the MCC moves the case up
    assert "XYZ" in res.drg_note


def test_outpatient_has_no_drg(knee) -> None:
    res = grade(knee, "DX: M17.11")
    assert res.key_drg is None and res.answer_drg is None and res.drg_match is None


def test_structured_answer_accepted(knee) -> None:
    ans = parse_answer("DX: M17.11, E11.9; CPT: 99213-25, 20610-RT")
    assert grade(knee, ans).score == 100.0


def test_every_verdict_is_exercised_and_documented() -> None:
    doc = (REPO / "docs" / "scoring.md").read_text()
    for v in VERDICTS:
        assert f"`{v}`" in doc, v
    tests = Path(__file__).read_text()
    for v in VERDICTS:
        assert f'"{v}"' in tests, f"no test asserts verdict {v}"


def test_docs_and_docstring_agree() -> None:
    module_doc = sys.modules["coderlib.exercises.grade"].__doc__
    rules = module_doc[module_doc.index("**Points possible.**"):module_doc.index(">>>")].strip()
    doc = (REPO / "docs" / "scoring.md").read_text()
    assert rules in doc
    for name, credit in MATCH_CREDIT.items():
        assert f"`{name}` {credit:g}" in rules.replace(".0:", ":").replace(" 1.0", " 1") or \
            f"`{name}` {credit}" in rules
    for name, ded in DEDUCTIONS.items():
        assert f"`{name}` −{ded:g}" in rules


def test_result_frame_and_dict(knee) -> None:
    res = grade(knee, "DX: M17.11, E11.9; CPT: 99213-25, 20610-LT")
    df = res.to_frame()
    assert list(df["verdict"]) == ["exact", "exact", "exact", "wrong_laterality"]
    d = res.to_dict()
    assert d["score"] == 90.0 and len(d["rows"]) == 4


def _alt_chart(key: dict, setting: str = "office") -> grade.Chart:
    from coderlib.exercises.model import Chart

    dates = ({"admission": "2026-02-01", "discharge": "2026-02-04"} if setting == "inpatient"
             else {"service": "2026-02-03"})
    return Chart.model_validate({
        "id": "t-alt-001", "title": "t", "setting": setting, "patient": {"age": 70, "sex": "F"},
        "dates": dates, "documentation": [{"section": "Note", "text": "x"}], "key": key,
        "metadata": {"difficulty": "easy", "topics": ["t"], "minutes": 5}})


def test_alternate_earns_its_credit_and_teaches_the_difference() -> None:
    chart = _alt_chart({
        "principal_dx": {"code": "Z00.00", "rationale": "UTI was a separate visit.",
                         "accept": [{"code": "Z00.01", "credit": 1.0,
                                     "note": "Also in use when the UTI counts as a finding."}]},
        "lines": [{"code": "99203", "rationale": "Low.",
                   "accept": [{"code": "99204", "credit": 0.5, "note": "Only if complicated."}]}]})
    res = grade(chart, "DX: Z00.01; CPT: 99204")
    dx, line = res.rows
    assert (dx.verdict, dx.credit) == ("alternate", 2.0)
    assert "Also in use" in dx.message and "full credit" in dx.message
    assert (line.verdict, line.credit) == ("alternate", 0.5)
    assert "50% credit" in line.message and "Only if complicated" in line.message
    assert res.score == 83.3
    # the key's own code is still exact
    exact = grade(chart, "DX: Z00.00; CPT: 99203")
    assert [r.verdict for r in exact.rows] == ["exact", "exact"]


def test_alternate_line_keeps_modifier_rules() -> None:
    chart = _alt_chart({
        "principal_dx": {"code": "S52.501A", "rationale": "r"},
        "lines": [{"code": "25600", "modifiers": ["RT"], "rationale": "r",
                   "accept": [{"code": "25605", "credit": 0.5, "note": "n"}]}]})
    res = grade(chart, "DX: S52.501A; CPT: 25605-LT")
    line = res.rows[1]
    assert line.verdict == "wrong_laterality" and line.credit == 0.25


def test_two_equal_diagnoses_either_first() -> None:
    chart = _alt_chart({
        "principal_dx": {"code": "I50.23", "poa": "Y", "rationale": "Both treated.",
                         "accept": [{"code": "J44.1", "note": "II.C: either may be first."}]},
        "secondary_dx": [{"code": "J44.1", "poa": "Y", "rationale": "Equal."}],
        "drg": "291"}, setting="inpatient")
    res = grade(chart, "PDX: J44.1:Y; SDX: I50.23:Y")
    assert [r.verdict for r in res.rows] == ["alternate", "exact"]
    assert res.rows[0].key.startswith("J44.1") and res.score == 100.0
    assert "II.C" in res.rows[0].message
    plain = grade(chart, "PDX: I50.23:Y; SDX: J44.1:Y")
    assert [r.verdict for r in plain.rows] == ["exact", "exact"]


def test_optional_item_left_out_costs_nothing() -> None:
    chart = _alt_chart({
        "principal_dx": {"code": "F32.1", "rationale": "r"},
        "secondary_dx": [{"code": "Z63.5", "optional": True, "rationale": "SDOH optional."}],
        "lines": [{"code": "99214", "rationale": "r"}]})
    res = grade(chart, "DX: F32.1; CPT: 99214")
    assert [r.verdict for r in res.rows] == ["exact", "optional_omitted", "exact"]
    assert res.possible == 3.0 and res.score == 100.0
    given = grade(chart, "DX: F32.1, Z63.5; CPT: 99214")
    assert [r.verdict for r in given.rows] == ["exact", "exact", "exact"]
    assert given.possible == 4.0 and given.score == 100.0


def test_same_code_alternate_with_other_modifiers() -> None:
    chart = _alt_chart({
        "principal_dx": {"code": "S93.401A", "rationale": "r"},
        "lines": [{"code": "L1906", "modifiers": ["RT"], "rationale": "r",
                   "accept": [{"code": "L1906", "modifiers": ["NU", "RT"], "credit": 1.0,
                               "note": "Some payers want NU on purchased orthoses."}]}]})
    res = grade(chart, "DX: S93.401A; HCPCS: L1906-NU-RT")
    assert res.rows[1].verdict == "alternate" and res.rows[1].credit == 1.0
    wrong = grade(chart, "DX: S93.401A; HCPCS: L1906-RR-RT")
    assert wrong.rows[1].verdict == "wrong_modifier"
