"""Loading exercise charts: the schema, normalisation, and errors naming file/field/problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from coderlib.exercises.loader import ChartFileError, find_chart, load_all, load_chart, load_set
from coderlib.exercises.model import Chart

FIX = Path(__file__).parent / "fixtures" / "exercises"
GOOD = FIX / "good"
BROKEN = FIX / "broken"


def test_load_all_good_fixtures() -> None:
    charts = load_all(GOOD)
    assert [c.id for c in charts] == ["fx-inj-hand-001", "fx-ip-sepsis-001", "fx-op-knee-001",
                                      "fx-q-cough-001"]
    assert {c.id: c.set for c in charts}["fx-q-cough-001"] == "query"


def test_codes_normalised_and_yaml_numbers_kept_as_codes() -> None:
    chart = load_chart(GOOD / "inpatient" / "fx-ip-sepsis-001.yaml")
    assert chart.key.principal_dx.code == "A4151"
    assert [d.code for d in chart.key.secondary_dx] == ["N390", "N179"]
    assert chart.key.drg == "872" and chart.discharge_status == "01"
    assert chart.inpatient and chart.length_of_stay == 4
    assert chart.date_of_service.isoformat() == "2026-01-14"
    op = load_chart(GOOD / "outpatient" / "fx-op-knee-001.yaml")
    assert op.key.lines[0].code == "99213" and op.key.lines[0].modifiers == ["25"]
    assert op.date_of_service.isoformat() == "2026-02-03"


def test_integer_codes_from_yaml(tmp_path: Path) -> None:
    text = (GOOD / "outpatient" / "fx-op-knee-001.yaml").read_text()
    text = text.replace('code: "99213"', "code: 99213").replace('modifiers: ["25"]',
                                                                "modifiers: [25]")
    folder = tmp_path / "outpatient"
    folder.mkdir()
    (folder / "fx-op-knee-001.yaml").write_text(text)
    chart = load_chart(folder / "fx-op-knee-001.yaml")
    assert chart.key.lines[0].code == "99213" and chart.key.lines[0].modifiers == ["25"]


def test_yaml_syntax_error_names_file_and_line() -> None:
    path = BROKEN / "inpatient" / "bad-yaml-001.yaml"
    with pytest.raises(ChartFileError) as info:
        load_chart(path)
    err = info.value
    assert err.file == str(path)
    assert err.field.startswith("line 6")
    assert "YAML syntax error" in err.problem
    assert str(path) in str(err)


def test_schema_errors_name_every_field() -> None:
    with pytest.raises(ChartFileError) as info:
        load_chart(BROKEN / "inpatient" / "bad-fields-001.yaml")
    fields = dict(info.value.problems)
    assert set(fields) == {"patient.sex", "key.principal_dx.poa", "key.drg", "metadata.colour"}
    assert "'X'" in fields["patient.sex"]
    assert "3 digits" in fields["key.drg"]
    assert "unknown field" in fields["metadata.colour"]


def test_missing_required_field(tmp_path: Path) -> None:
    src = (GOOD / "injury" / "fx-inj-hand-001.yaml").read_text()
    folder = tmp_path / "injury"
    folder.mkdir()
    path = folder / "fx-inj-hand-001.yaml"
    path.write_text(src.replace("  minutes: 6\n", ""))
    with pytest.raises(ChartFileError) as info:
        load_chart(path)
    assert info.value.field == "metadata.minutes"
    assert info.value.problem == "required field is missing"


def test_set_field_must_match_folder_and_id_the_file(tmp_path: Path) -> None:
    src = (GOOD / "injury" / "fx-inj-hand-001.yaml").read_text()
    folder = tmp_path / "injury"
    folder.mkdir()
    (folder / "fx-inj-hand-001.yaml").write_text("set: outpatient\n" + src)
    with pytest.raises(ChartFileError, match="does not match the folder") as info:
        load_chart(folder / "fx-inj-hand-001.yaml")
    assert info.value.field == "set"
    (folder / "other-name.yaml").write_text(src)
    with pytest.raises(ChartFileError, match="does not match the file name"):
        load_chart(folder / "other-name.yaml")


def test_empty_and_non_mapping_files(tmp_path: Path) -> None:
    (tmp_path / "e.yaml").write_text("")
    with pytest.raises(ChartFileError, match="empty"):
        load_chart(tmp_path / "e.yaml")
    (tmp_path / "l.yaml").write_text("- a\n- b\n")
    with pytest.raises(ChartFileError, match="got list"):
        load_chart(tmp_path / "l.yaml")
    with pytest.raises(ChartFileError, match="file not found"):
        load_chart(tmp_path / "missing.yaml")


def test_dates_rules() -> None:
    base = load_chart(GOOD / "inpatient" / "fx-ip-sepsis-001.yaml").model_dump()
    base["dates"] = {"admission": "2026-01-14", "discharge": "2026-01-10"}
    with pytest.raises(ValueError, match="before admission"):
        Chart.model_validate(base)
    base["dates"] = {"admission": "2026-01-14"}
    with pytest.raises(ValueError, match="either service"):
        Chart.model_validate(base)


def test_find_chart_by_id_and_path_and_load_set() -> None:
    assert find_chart("fx-op-knee-001", GOOD).setting == "office"
    path = GOOD / "query" / "fx-q-cough-001.yaml"
    assert find_chart(str(path)).key.query is not None
    with pytest.raises(KeyError, match="no chart with id"):
        find_chart("nope-001", GOOD)
    assert [c.id for c in load_set(GOOD / "inpatient")] == ["fx-ip-sepsis-001"]


def test_real_exercise_tree_loads() -> None:
    for chart in load_all():
        assert chart.set in ("inpatient", "outpatient", "injury", "query")


def test_module_doctests() -> None:
    """The examples in the exercises modules' docstrings run."""
    import doctest
    import importlib
    import sys

    import coderlib.exercises  # noqa: F401

    for name in ("model", "loader", "answer", "grade", "drills", "attempts", "codesets",
                 "validate", "commands", "key_rules"):
        module = sys.modules.get(f"coderlib.exercises.{name}") or \
            importlib.import_module(f"coderlib.exercises.{name}")
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, name
