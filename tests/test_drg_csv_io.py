"""``coderlib group --csv``: read by the strict reader, written by the one export path."""

from __future__ import annotations

import csv
import errno
import json
import os

import pytest
from typer.testing import CliRunner

from coderlib.cli import app

runner = CliRunner()
HEADER = "id,pdx,sdx\n"


def _group(tmp_path, text: str | bytes, *extra: str):
    src = tmp_path / "in.csv"
    if isinstance(text, bytes):
        src.write_bytes(text)
    else:
        src.write_text(text, newline="")
    out = tmp_path / "out.csv"
    res = runner.invoke(app, ["group", "--csv", str(src), "--out", str(out), *extra])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return res, out


def test_trailing_comma_is_refused_not_shifted(tmp_path):
    # main: pandas took the extra field as an index, J18.9 grouped to 641, exit 0
    res, out = _group(tmp_path, HEADER + "1,J18.9,E87.1,\n2,I50.22,J96.01,\n")
    assert res.exit_code == 2
    assert "row 2" in res.output and "4 fields where the header has 3" in res.output
    assert not out.exists()


def test_without_the_trailing_comma_it_groups(tmp_path):
    res, out = _group(tmp_path, HEADER + "1,J18.9,E87.1\n2,I50.22,J96.01\n", "--json")
    assert res.exit_code == 0, res.output
    with open(out, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["id"], r["drg"]) for r in rows] == [("1", "194"), ("2", "291")]


@pytest.mark.parametrize("text, words", [
    ("", "empty"),
    (HEADER, None),
    ("id,pdx,pdx\n1,J18.9,I10\n", "appears twice"),
    (HEADER + "1,J18.9,\n1,I10,\n", "duplicate id"),
    ("id,pdx,sdxx\n1,J18.9,E87.1\n", "'sdx'"),
    ((HEADER + "1,J18.9,caf\u00e9\n").encode("latin-1"), "UTF-8"),
])
def test_bad_files_get_a_message(tmp_path, text, words):
    res, out = _group(tmp_path, text)
    if words is None:  # header only: nothing to group, an empty result
        assert res.exit_code == 0 and out.read_text().startswith("id,drg")
        return
    assert res.exit_code == 2 and words in res.output, res.output
    assert not out.exists()


def test_garbage_date_is_a_row_error_not_a_date(tmp_path):
    res, out = _group(tmp_path, "id,pdx,discharge_date\n1,J18.9,2026-02-10garbage\n"
                      "2,J18.9,2026-02-10\n", "--json")
    assert res.exit_code != 0
    with open(out, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[0]["drg"] == "" and "discharge_date" in rows[0]["error"]
    assert rows[1]["drg"] == "195" and rows[1]["error"] == ""


def test_formula_like_ids_are_escaped_in_the_output(tmp_path):
    ids = ['=HYPERLINK("http://x")', "+cmd", "-2+3", "@SUM(1)"]
    text = HEADER + "".join(f'"{i.replace(chr(34), chr(34) * 2)}",J18.9,\n' for i in ids)
    res, out = _group(tmp_path, text)
    assert res.exit_code == 0, res.output
    with open(out, newline="") as fh:
        first = [r[0] for r in csv.reader(fh)][1:]
    assert first == ["'" + i for i in ids]


def test_disk_full_leaves_the_previous_output(tmp_path, monkeypatch):
    out = tmp_path / "out.csv"
    out.write_text("previous\n")

    def full(_fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    res, out = _group(tmp_path, HEADER + "1,J18.9,E87.1\n")
    assert res.exit_code != 0 and "disk is full" in res.output and str(out) in res.output
    assert out.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]


def test_json_error_is_json(tmp_path):
    res, _ = _group(tmp_path, HEADER + "1,J18.9,E87.1,\n", "--json")
    assert res.exit_code == 2 and "row 2" in json.loads(res.output)["error"]
