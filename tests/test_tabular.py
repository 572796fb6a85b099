"""The strict tabular reader: nothing a file gets wrong turns into a wrong answer."""

from __future__ import annotations

import pandas as pd
import pytest

from coderlib.export import write_csv, write_excel
from coderlib.tabular import Column, TableError, read_table

GROUP = [Column("id", required=True), Column("pdx", required=True), Column("sdx"),
         Column("sex", kind="enum", choices=("M", "F", "U")),
         Column("discharge_status", kind="status"), Column("discharge_date", kind="date")]


def _csv(tmp_path, text: str | bytes, name: str = "t.csv"):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def _error(path, *args, **kwargs) -> TableError:
    with pytest.raises(TableError) as err:
        read_table(path, *args, **kwargs)
    return err.value


def test_trailing_comma_on_data_rows_is_refused_by_row(tmp_path):
    # pandas took the extra field as an index and shifted every column (J18.9 -> DRG 641)
    err = _error(_csv(tmp_path, "id,pdx,sdx\n1,J18.9,E87.1,\n2,I50.22,J96.01,\n"), GROUP)
    assert err.row == 2 and "4 fields where the header has 3" in str(err)
    assert "trailing comma" in str(err)


def test_two_extra_fields_name_the_row_not_a_wrong_column(tmp_path):
    err = _error(_csv(tmp_path, "id,pdx,sdx\n1,J18.9,E87.1;N17.9:N,x,\n"), GROUP)
    assert (err.row, err.column) == (2, None)


def test_short_row_is_refused(tmp_path):
    err = _error(_csv(tmp_path, "id,pdx,sdx\n1,J18.9,E87.1\n2,I10\n"), GROUP)
    assert err.row == 3 and "2 fields" in err.reason


def test_duplicate_header_is_refused(tmp_path):
    err = _error(_csv(tmp_path, "id,pdx,pdx\n1,J18.9,I10\n"), GROUP)
    assert err.column == "pdx" and "appears twice" in err.reason


def test_duplicate_and_empty_ids_are_refused(tmp_path):
    err = _error(_csv(tmp_path, "id,pdx\n1,J18.9\n2,I10\n1,N39.0\n"), GROUP, key="id")
    assert (err.row, err.column) == (4, "id") and "first seen at row 2" in err.reason
    err = _error(_csv(tmp_path, "id,pdx\n1,J18.9\n,I10\n"), GROUP, key="id")
    assert err.row == 3 and "empty id" in err.reason


def test_latin1_names_the_row_and_suggests_utf8(tmp_path):
    rows = "".join(f"{i},I10,x\n" for i in range(1, 5))
    data = ("id,pdx,sdx\n" + rows).encode() + "5,I10,caf\u00e9\n".encode("latin-1")
    err = _error(_csv(tmp_path, data), GROUP)
    assert err.row == 6 and "0xe9" in err.reason and "UTF-8" in err.reason


def test_bom_crlf_and_utf16_are_read(tmp_path):
    text = "id,pdx,sdx\r\n1,J18.9,E87.1\r\n"
    for data in (b"\xef\xbb\xbf" + text.encode(), text.encode("utf-16")):
        df = read_table(_csv(tmp_path, data), GROUP)
        assert df.columns.tolist() == ["id", "pdx", "sdx"]
        assert df.iloc[0].tolist() == ["1", "J18.9", "E87.1"]


def test_empty_header_only_nul_and_quoted_newline(tmp_path):
    assert "empty" in _error(_csv(tmp_path, ""), GROUP).reason
    assert read_table(_csv(tmp_path, "id,pdx\n"), GROUP).empty
    assert "NUL" in _error(_csv(tmp_path, b"id,pdx\n1,I1\x000\n"), GROUP).reason
    df = read_table(_csv(tmp_path, 'id,pdx,sdx\n1,I10,"a\nb"\n2,J18.9,\n'), GROUP)
    assert df["id"].tolist() == ["1", "2"]


def test_missing_and_unknown_columns(tmp_path):
    err = _error(_csv(tmp_path, "id,pdxx\n1,I10\n"), GROUP)
    assert err.column == "pdx" and "misnamed" in err.reason
    err = _error(_csv(tmp_path, "id,pdx,sdxx\n1,I10,E11.9\n"), GROUP, unknown="refuse")
    assert err.column == "sdxx" and "'sdx'" in err.reason


def test_codes_and_statuses_stay_text(tmp_path):
    df = read_table(_csv(tmp_path, "id,pdx,discharge_status\n007,E11.90,07\n2,I10,7\n"), GROUP)
    assert df["id"].tolist() == ["007", "2"]
    assert df["pdx"].tolist() == ["E11.90", "I10"]
    assert df["discharge_status"].tolist() == ["07", "07"]


@pytest.mark.parametrize("value", ["2026-02-10garbage", "2026-02-10T99:99", "2026-02-30",
                                   "20260210", "2026-W06-2", "10/02/2026"])
def test_dates_are_parsed_whole(tmp_path, value):
    err = _error(_csv(tmp_path, f"id,pdx,discharge_date\n1,I10,{value}\n"), GROUP)
    assert (err.row, err.column) == (2, "discharge_date")


@pytest.mark.parametrize("value", ["MF", "Mxyz", "male", "X"])
def test_enumerations_are_validated_whole(tmp_path, value):
    err = _error(_csv(tmp_path, f"id,pdx,sex\n1,I10,{value}\n"), GROUP)
    assert (err.row, err.column) == (2, "sex")


def test_unnamed_column_only_when_empty(tmp_path):
    df = read_table(_csv(tmp_path, "id,pdx,\n1,I10,\n"), GROUP)
    assert df.columns.tolist() == ["id", "pdx"]
    err = _error(_csv(tmp_path, "id,pdx,\n1,I10,x\n"), GROUP)
    assert err.row == 2 and "no column name" in err.reason


def test_excel_keeps_text_and_pads(tmp_path):
    path = tmp_path / "t.xlsx"
    write_excel({"s": pd.DataFrame({"id": ["1", "2"], "pdx": ["I10", "J18.9"],
                                    "discharge_status": [7, "20"]})}, path)
    df = read_table(path, GROUP)
    assert df["discharge_status"].tolist() == ["07", "20"]
    assert df["id"].tolist() == ["1", "2"]


def test_our_escape_is_removed_on_re_import(tmp_path):
    cells = ["=HYPERLINK(\"http://x\")", "+cmd", "-2+3", "@SUM(1)", " =1", "\uff1d1",
             "note\r@SUM(1+1)*cmd", "'plain", "O'Brien"]
    df = pd.DataFrame({"id": [str(i) for i in range(len(cells))], "pdx": ["I10"] * len(cells),
                       "sdx": cells})
    for name in ("r.csv", "r.xlsx"):
        path = tmp_path / name
        (write_csv if name.endswith("csv") else lambda d, p: write_excel({"t": d}, p))(df, path)
        back = read_table(path, GROUP, key="id")
        expected = [c.strip() for c in cells]
        if name.endswith("xlsx"):  # XML stores a bare CR as LF
            expected = [c.replace("\r", "\n") for c in expected]
        assert back["sdx"].tolist() == expected, name


def test_module_doctests() -> None:
    """The examples in the reader, export, atomic-write and store docstrings run."""
    import doctest
    import importlib

    for name in ("tabular", "export", "atomic", "store", "store_commands", "notebooks"):
        module = importlib.import_module(f"coderlib.{name}")
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0 and result.attempted > 0, name
