"""The answer text format: every documented form parses; bad entries are flagged, not fatal."""

from __future__ import annotations

import pytest

from coderlib.exercises.answer import Answer, parse_answer


def test_documented_example() -> None:
    a = parse_answer("PDX: A41.51 POA:Y; SDX: N39.0:Y, N17.9:Y; PCS: 0T9B70Z; "
                     "CPT: 99214-25, 20610-RT x2; QUERY")
    assert a.principal_dx.code == "A4151" and a.principal_dx.poa == "Y"
    assert [(d.code, d.poa) for d in a.secondary_dx] == [("N390", "Y"), ("N179", "Y")]
    assert [p.code for p in a.procedures] == ["0T9B70Z"]
    assert [(ln.code, ln.modifiers, ln.units) for ln in a.lines] == [
        ("99214", ["25"], 1), ("20610", ["RT"], 2)]
    assert a.query and not a.notes
    assert parse_answer(a.to_text()).model_dump(exclude={"text"}) == \
        a.model_dump(exclude={"text"})


@pytest.mark.parametrize("text", ["PDX: A41.51:Y", "PDX: A41.51 POA:Y", "PDX: A41.51 POA=Y",
                                  "PDX: a4151 (y)", "principal: A41.51 poa y", "PDX A41.51:Y",
                                  "A41.51:Y"])
def test_poa_forms(text: str) -> None:
    a = parse_answer(text)
    assert (a.principal_dx.code, a.principal_dx.poa, a.principal_dx.problem) == \
        ("A4151", "Y", None)


@pytest.mark.parametrize("text,units", [("CPT: 20610-RT x2", 2), ("CPT: 20610-RT x 3", 3),
                                        ("CPT: 20610-RT *4", 4), ("CPT: 20610-RT units 5", 5),
                                        ("CPT: 20610 -RT", 1)])
def test_units_forms(text: str, units: int) -> None:
    ln = parse_answer(text).lines[0]
    assert (ln.code, ln.modifiers, ln.units, ln.problem) == ("20610", ["RT"], units, None)


def test_dx_list_first_is_principal_and_newlines_separate() -> None:
    a = parse_answer("DX: J06.9 R50.9\nCPT: 99213\n")
    assert a.principal_dx.code == "J069" and [d.code for d in a.secondary_dx] == ["R509"]
    assert a.lines[0].code == "99213"


def test_pdx_plus_dx_and_two_principals() -> None:
    a = parse_answer("PDX: I50.22:Y; DX: I10:Y")
    assert a.principal_dx.code == "I5022" and a.secondary_dx[0].code == "I10"
    a = parse_answer("PDX: I50.22, I10")
    assert a.principal_dx.code == "I5022" and a.secondary_dx[0].code == "I10"
    assert "more than one principal" in a.notes[0]


def test_unlabelled_sections_read_by_shape() -> None:
    a = parse_answer("S61.412A W26.0XXA; 12001, 99283-25; 0HQ9XZZ")
    assert [d.code for d in a.all_dx] == ["S61412A", "W260XXA"]
    assert [ln.code for ln in a.lines] == ["12001", "99283"]
    assert [p.code for p in a.procedures] == ["0HQ9XZZ"]


def test_hcpcs_line() -> None:
    ln = parse_answer("HCPCS: J1885 x4").lines[0]
    assert (ln.code, ln.units, ln.problem) == ("J1885", 4, None)


def test_malformed_entries_flagged_not_rejected() -> None:
    a = parse_answer("PDX: 12345; SDX: N39.0:Q; PCS: 0T9B70; CPT: 9921, 99213-2")
    assert "not an ICD-10-CM code" in a.principal_dx.problem
    assert a.secondary_dx[0].code == "N390" and "POA 'Q'" in a.secondary_dx[0].problem
    assert "not an ICD-10-PCS code" in a.procedures[0].problem
    assert "not a CPT" in a.lines[0].problem
    assert "2 characters" in a.lines[1].problem


def test_unknown_label_noted() -> None:
    a = parse_answer("codes: E11.9")
    assert a.principal_dx.code == "E119" and "unknown section label" in a.notes[0]


def test_query_with_reason_and_empty_answer() -> None:
    a = parse_answer("QUERY: clarify heart failure type")
    assert a.query and a.query_reason == "clarify heart failure type" and not a.all_dx
    assert parse_answer("  ").empty and isinstance(parse_answer(""), Answer)


def test_secondary_only_noted() -> None:
    a = parse_answer("SDX: I10")
    assert a.principal_dx is None and "no principal" in a.notes[0]


def test_non_text_rejected() -> None:
    with pytest.raises(TypeError, match="answer must be text"):
        parse_answer(None)  # type: ignore[arg-type]
