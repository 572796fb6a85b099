"""Property-based tests (hypothesis) over the readers, grouping, grading and sampling.

Each property holds for every generated input; a failure prints the smallest input that
breaks it. Example counts are kept small so ``make test`` stays fast; raise them locally with
``HYPOTHESIS_PROFILE=long``.
"""

from __future__ import annotations

import os
import string
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coderlib.audit.sampling import SamplingError, draw_sample
from coderlib.export import escape_cell, needs_escape, unescape_cell, write_csv, write_excel
from coderlib.tabular import Column, TableError, read_table

settings.register_profile("fast", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                 HealthCheck.too_slow])
settings.register_profile("long", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                 HealthCheck.too_slow])
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "fast")
settings.load_profile(PROFILE)
LONG = PROFILE == "long"

# Any text a user could type, without NUL (refused by the reader on purpose) or lone
# surrogates (not encodable as UTF-8 at all).
TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
               max_size=12)
FORMULA_TEXT = st.builds(lambda p, s, t: s + p + t,
                         st.sampled_from(["=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff20"]),
                         st.sampled_from(["", " ", "  ", "'", "''"]), TEXT)
CELL = st.one_of(TEXT, FORMULA_TEXT)


# ----------------------------------------------------------------------------- export/reader
@given(CELL)
def test_escape_never_leaves_a_formula_and_unescape_restores(value):
    escaped = escape_cell(value)
    assert not needs_escape(escaped)
    assert unescape_cell(escaped) == value


@st.composite
def tables(draw):
    columns = draw(st.lists(st.sampled_from(["id", "pdx", "sdx", "note", "coder", "x y"]),
                            min_size=1, max_size=4, unique=True))
    n = draw(st.integers(0, 6))
    data = {c: draw(st.lists(CELL, min_size=n, max_size=n)) for c in columns}
    return pd.DataFrame(data, columns=columns, dtype=object)


def _expected(df: pd.DataFrame) -> list[list[str]]:
    rows = [[str(v).strip() for v in r] for r in df.itertuples(index=False, name=None)]
    while rows and not any(rows[-1]):
        rows.pop()
    return rows


@given(tables(), st.sampled_from([".csv", ".xlsx"]))
def test_whatever_we_write_reads_back_the_same(tmp_path_factory, df, suffix):
    path = tmp_path_factory.mktemp("rt") / f"t{suffix}"
    if suffix == ".csv":
        write_csv(df, path)
    else:
        if any("\r" in str(v) or _illegal_xml(str(v)) for v in df.to_numpy().ravel()):
            return  # XML cannot hold these characters; openpyxl refuses them
        write_excel({"t": df}, path)
    back = read_table(path)
    assert back.columns.tolist() == df.columns.tolist()
    got = [list(r) for r in back.itertuples(index=False, name=None)]
    assert got[: len(_expected(df))] == _expected(df)
    assert all(not any(r) for r in got[len(_expected(df)):])


def _illegal_xml(text: str) -> bool:
    return any(ord(c) < 32 and c not in "\t\n\r" or 0xFFFE <= ord(c) <= 0xFFFF for c in text)


@given(st.binary(max_size=300))
def test_any_bytes_are_a_table_or_a_table_error(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("bytes") / "t.csv"
    path.write_bytes(data)
    try:
        df = read_table(path, [Column("id"), Column("d", kind="date"),
                               Column("s", kind="status")], key=None)
    except TableError as err:
        assert str(path) in str(err)
        return
    assert all(isinstance(v, str) for v in df.to_numpy().ravel())


@given(st.lists(st.sampled_from(["1", "2", "3", "E1", "J18.9", "", "x", ",", '"']),
                min_size=1, max_size=5),
       st.integers(1, 4))
def test_rows_with_another_field_count_are_refused_by_row(tmp_path_factory, fields, width):
    path = tmp_path_factory.mktemp("ragged") / "t.csv"
    header = ",".join(f"c{i}" for i in range(width))
    line = ",".join(f if f not in (",", '"') else '"' + f.replace('"', '""') + '"'
                    for f in fields)
    path.write_text(f"{header}\n{'1' + ',1' * (width - 1)}\n{line}\n")
    if not any(f.strip() for f in fields):
        assert len(read_table(path)) == 1  # empty last rows (",,," or blank) are dropped
    elif len(fields) == width:
        assert len(read_table(path)) == 2
    else:
        with pytest.raises(TableError) as err:
            read_table(path)
        assert err.value.row == 3


@given(st.text(max_size=14))
def test_dates_are_whole_or_refused(value):
    col = Column("d", kind="date")
    try:
        out = col.check(value)
    except ValueError:
        return
    assert out == "" or (len(out) == 10 and pd.Timestamp(out).strftime("%Y-%m-%d") == out)


# ----------------------------------------------------------------------------- sampling
@given(st.integers(1, 60), st.data(), st.integers(0, 2**63 - 1))
def test_srs_samples_are_reproducible_distinct_and_from_the_frame(n_frame, data, seed):
    frame = pd.DataFrame({"encounter_id": [f"E{i}" for i in range(n_frame)],
                          "coder": [f"C{i % 3}" for i in range(n_frame)]})
    size = data.draw(st.integers(1, n_frame))
    a = draw_sample(frame, "srs", size, seed=seed)
    b = draw_sample(frame, "srs", size, seed=seed)
    assert a.equals(b)
    assert len(a) == size and a["encounter_id"].is_unique
    assert set(a["encounter_id"]) <= set(frame["encounter_id"])
    assert a["selection_order"].tolist() == list(range(1, size + 1))
    assert (frame["encounter_id"].iloc[a["frame_row"] - 1].to_numpy()
            == a["encounter_id"].to_numpy()).all()


@given(st.lists(st.sampled_from("ABCD"), min_size=1, max_size=40), st.integers(1, 10),
       st.integers(0, 10**6))
def test_stratified_weights_add_up_to_the_frame(coders, size, seed):
    frame = pd.DataFrame({"encounter_id": [f"E{i}" for i in range(len(coders))],
                          "coder": coders})
    try:
        s = draw_sample(frame, "stratified", size, seed=seed, strata="coder")
    except SamplingError:
        assert size > len(coders)
        return
    assert np.isclose(s.groupby("stratum")["weight"].sum().sum(),
                      sum(frame["coder"].value_counts()[k] for k in s["stratum"].unique()))
    assert len(s) == size


@given(st.integers(min_value=2**63))
def test_seeds_the_store_cannot_hold_are_refused(seed):
    with pytest.raises(SamplingError, match="at most"):
        draw_sample(pd.DataFrame({"encounter_id": ["E1"]}), "srs", 1, seed=seed)


# ----------------------------------------------------------------------------- grading
ANSWER_PARTS = st.sampled_from(["PDX:", "DX:", "SDX:", "PCS:", "CPT:", "QUERY", ";", ",", " ",
                                "A41.51:Y", "N39.0", "M17.11", "E11.9", "20610-LT", "99213-25",
                                "0DTJ4ZZ", "Z99.99", "ZZZ", ":N", "*2", "\u00e9", "\n"])


@pytest.fixture(scope="module")
def chart():
    from coderlib.exercises.loader import find_chart
    from coderlib.paths import REPO_ROOT

    return find_chart("fx-op-knee-001", root=Path(REPO_ROOT) / "tests/fixtures/exercises/good")


@given(st.one_of(TEXT, st.lists(ANSWER_PARTS, max_size=12).map("".join)))
def test_grading_never_raises_and_scores_within_0_100(chart, answer):
    from coderlib.exercises.grade import grade

    result = grade(chart, answer)
    assert 0.0 <= result.score <= 100.0


# ----------------------------------------------------------------------------- grouping
CODES = st.sampled_from(["J18.9", "I50.22", "J96.01", "E87.1", "N40", "A41.9", "K80.10",
                         "Z99.99", "", " ", "j189", "E11.9:N", "0DTJ4ZZ"])
ROW = st.fixed_dictionaries({
    "pdx": CODES, "sdx": st.lists(CODES, max_size=3).map(";".join),
    "age": st.one_of(st.integers(-5, 130).map(str), st.sampled_from(["", "65.0", "old"])),
    "sex": st.sampled_from(["M", "F", "U", "", "MF", "x", "female"]),
    "discharge_status": st.sampled_from(["01", "1", "20", "07", "", "7.0", "99", "ab"]),
    "discharge_date": st.sampled_from(["2025-11-01", "2026-02-10garbage", "", "2026-13-01",
                                       "2026-05-01", "2024-01-01"]),
})


@settings(max_examples=500 if LONG else 25)
@given(st.lists(ROW, min_size=1, max_size=4))
def test_grouping_a_batch_never_raises_and_rows_are_independent(rows):
    from coderlib.drg.batch import group_frame

    df = pd.DataFrame(rows, dtype=object)
    df.insert(0, "id", [str(i) for i in range(len(df))])
    out = group_frame(df, on_error="record")
    assert len(out) == len(df)
    for i in range(len(df)):
        drg, error = out.loc[i, "drg"], out.loc[i, "error"]
        assert (isinstance(drg, str) and len(drg) == 3) or error, (rows[i], drg, error)
        alone = group_frame(df.iloc[[i]].reset_index(drop=True), on_error="record")
        assert alone.loc[0, "drg"] == drg or (pd.isna(alone.loc[0, "drg"]) and pd.isna(drg))


@settings(max_examples=300 if LONG else 15)
@given(st.lists(ROW, min_size=1, max_size=3), st.sampled_from(["", ",", ",,"]))
def test_grouping_input_with_extra_fields_is_refused_never_shifted(tmp_path_factory, rows,
                                                                    tail):
    from coderlib.drg.commands import CSV_INPUT

    path = tmp_path_factory.mktemp("g") / "in.csv"
    df = pd.DataFrame(rows, dtype=object)
    df.insert(0, "id", [str(i) for i in range(len(df))])
    text = write_csv(df, path).read_text()
    header, *body = text.splitlines(keepends=True)
    path.write_text(header + "".join(line.rstrip("\n") + tail + "\n" for line in body))
    if not tail:
        assert read_table(path, CSV_INPUT, key="id")["pdx"].tolist() == [
            r["pdx"].strip() for r in rows]
    else:
        with pytest.raises(TableError, match="fields where the header has"):
            read_table(path, CSV_INPUT, key="id")


def test_profile_is_small_enough_for_make_test():
    assert settings().max_examples <= 2000
    assert set(string.digits) <= set(string.printable)
