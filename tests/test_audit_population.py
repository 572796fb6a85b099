"""Audit populations: loading, validation messages naming row and column, the demo data."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from coderlib.audit.demo import CODERS, DEMO_SEED, demo_population_path, load_demo
from coderlib.audit.population import (
    REQUIRED_COLUMNS,
    PopulationError,
    format_dx,
    format_lines,
    load_population,
    parse_dx,
    parse_lines,
)


def _good() -> pd.DataFrame:
    return pd.DataFrame({
        "encounter_id": ["E1", "E2", "E3"], "coder": ["Ann", "Bo", "Ann"],
        "setting": ["inpatient", "office", "emergency"],
        "payer": ["Medicare", "Commercial", "Self-pay"],
        "service_date": ["2025-10-05", "2026-01-11", "2026-09-30"],
        "dx": ["A41.9:Y|N10:Y", "E11.9|I10", "S52.501A"],
        "px": ["", "", ""], "lines": ["", "99214-25|93000", "99284-25|12002"],
        "billed_drg": ["872", "", ""],
    })


def _write(tmp_path, df: pd.DataFrame, name: str = "pop.csv"):
    path = tmp_path / name
    df.to_csv(path, index=False)
    return path


def test_round_trip_of_code_lists():
    assert parse_dx("A41.9:Y|N10:y") == [("A419", "Y"), ("N10", "Y")]
    assert format_dx(parse_dx("A41.9:Y|N10")) == "A419:Y|N10"
    assert parse_lines("27447-RT-59*2") == [("27447", ("RT", "59"), 2)]
    assert format_lines(parse_lines("27447-RT-59*2|99213")) == "27447-RT-59*2|99213"


def test_loads_csv_and_excel(tmp_path):
    pop = load_population(_write(tmp_path, _good()))
    assert pop.size == 3 and pop.frame["billed_drg"].tolist() == ["872", "", ""]
    assert str(pop.frame["service_date"].dtype).startswith("datetime64")
    xlsx = tmp_path / "pop.xlsx"
    _good().to_excel(xlsx, index=False)
    assert load_population(xlsx).frame["encounter_id"].tolist() == ["E1", "E2", "E3"]


def test_misnamed_column_is_named_with_the_likely_culprit(tmp_path):
    path = _write(tmp_path, _good().rename(columns={"coder": "coder_name"}))
    with pytest.raises(PopulationError) as err:
        load_population(path)
    assert err.value.column == "coder"
    assert "coder_name" in str(err.value) and "missing required column" in str(err.value)


@pytest.mark.parametrize("column", REQUIRED_COLUMNS)
def test_every_missing_required_column_is_reported(tmp_path, column):
    with pytest.raises(PopulationError, match=f"column {column}: missing"):
        load_population(_write(tmp_path, _good().drop(columns=[column])))


def test_duplicate_encounter_id_names_both_rows(tmp_path):
    df = _good()
    df.loc[2, "encounter_id"] = "E1"
    with pytest.raises(PopulationError) as err:
        load_population(_write(tmp_path, df))
    assert (err.value.row, err.value.column) == (4, "encounter_id")
    assert "first seen at row 2" in str(err.value)


@pytest.mark.parametrize("column, value, needle", [
    ("dx", "E11.9|XYZ", "'XYZ' is not an ICD-10-CM code"),
    ("dx", "E11.9:Q", "POA 'Q'"),
    ("lines", "99214-2", "modifier '2'"),
    ("lines", "9921", "not a CPT/HCPCS code"),
    ("px", "0T9B70", "not an ICD-10-PCS code"),
    ("payer", "Medicare Advantage", "unknown payer"),
    ("setting", "clinic", "unknown setting"),
    ("service_date", "31/12/2025", "not a date"),
    ("billed_drg", "87A", "not a 3-digit MS-DRG"),
    ("coder", "", "empty value"),
])
def test_bad_cells_name_row_and_column(tmp_path, column, value, needle):
    df = _good()
    df[column] = df[column].astype(object)
    df.loc[1, column] = value
    with pytest.raises(PopulationError) as err:
        load_population(_write(tmp_path, df))
    assert (err.value.row, err.value.column) == (3, column)
    assert needle in str(err.value)


def test_missing_file_and_unknown_type(tmp_path):
    with pytest.raises(PopulationError, match="file not found"):
        load_population(tmp_path / "nope.csv")
    (tmp_path / "pop.json").write_text("{}")
    with pytest.raises(PopulationError, match="unsupported file type"):
        load_population(tmp_path / "pop.json")


def test_demo_population_shape_and_seed():
    demo = load_demo()
    assert 1900 <= len(demo) <= 2100
    assert sorted(demo["coder"].unique()) == sorted(c.name for c in CODERS)
    assert set(demo["payer"]) == {"Medicare", "Medicaid", "Commercial", "Self-pay"}
    assert (demo["demo_seed"] == DEMO_SEED).all()
    months = pd.to_datetime(demo["service_date"]).dt.to_period("M").astype(str)
    assert months.nunique() == 12 and months.min() == "2025-10" and months.max() == "2026-09"
    ip = demo[demo["setting"] == "inpatient"]
    assert len(ip) > 100 and (ip["billed_drg"].str.len() == 3).all()
    assert (ip["true_drg"].str.len() == 3).all()
    meta = json.loads(demo_population_path().with_suffix(".csv.meta.json").read_text())
    assert meta["seed"] == DEMO_SEED and len(meta["coders"]) == 8
    assert set(demo["chart_id"]) <= set(meta["charts"])
