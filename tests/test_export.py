"""The one export path: formula-safe cells, CR/LF quoted, atomic files under faults."""

from __future__ import annotations

import csv
import errno
import os
import subprocess
import sys
import textwrap

import openpyxl
import pandas as pd
import pytest

from coderlib.atomic import OutputError, atomic_write
from coderlib.export import escape_cell, export_tables, write_csv, write_excel

ATTACKS = ['=HYPERLINK("http://x")', "+cmd", "-2+3", "@SUM(1)", "\t=1", "\r=1", " =1",
           "   @SUM(1)", "\uff1d1+1", "\uff0bcmd", "\uff0d2", "\uff20SUM(1)"]


@pytest.mark.parametrize("cell", ATTACKS)
def test_every_formula_prefix_is_escaped(cell):
    assert escape_cell(cell) == "'" + cell


def test_csv_quotes_a_bare_cr_so_no_row_splits(tmp_path):
    df = pd.DataFrame({"id": ["E1", "E2"], "chart_id": ["note\r@SUM(1+1)*cmd", "ok\nnext"]})
    path = write_csv(df, tmp_path / "s.csv")
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert len(rows) == 3
    assert all(not r[0].startswith(("=", "+", "-", "@")) for r in rows)
    assert rows[1][1] == "note\r@SUM(1+1)*cmd"


def test_xlsx_has_no_formula_cells(tmp_path):
    df = pd.DataFrame({"id": ATTACKS})
    path = write_excel({"t": df}, tmp_path / "r.xlsx")
    ws = openpyxl.load_workbook(path)["t"]
    cells = [c.value for row in ws.iter_rows(min_row=2) for c in row]
    assert all(isinstance(v, str) and v.startswith("'") for v in cells)
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_status_codes_stay_text_in_exports(tmp_path):
    df = pd.DataFrame({"discharge_status": ["07", "01", ""]})
    text = write_csv(df, tmp_path / "s.csv").read_text()
    assert text == 'discharge_status\n07\n01\n""\n'


def _no_space(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_disk_full_leaves_the_previous_file_and_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "out.csv"
    target.write_text("previous\n")
    big = pd.DataFrame({"x": ["a" * 100] * 1000})
    monkeypatch.setattr(os, "fsync", _no_space)
    with pytest.raises(OutputError) as err:
        write_csv(big, target)
    assert str(target) in str(err.value) and "disk is full" in str(err.value)
    assert target.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_a_bug_while_writing_leaves_the_previous_file(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("previous")
    with pytest.raises(ZeroDivisionError), atomic_write(target) as fh:
        fh.write("half")
        1 / 0  # noqa: B018
    assert target.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores permissions")
def test_permission_denied_names_path_and_cause(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(OutputError, match="permission denied"):
            write_csv(pd.DataFrame({"x": [1]}), folder / "o.csv")
    finally:
        folder.chmod(0o700)


def test_a_folder_as_target_is_a_clear_error(tmp_path):
    with pytest.raises(OutputError, match="it is a folder"):
        write_csv(pd.DataFrame({"x": [1]}), tmp_path)


_FSIZE_SCRIPT = textwrap.dedent("""
    import resource, sys
    import pandas as pd
    from coderlib.export import export_tables
    resource.setrlimit(resource.RLIMIT_FSIZE, (32768, 32768))
    df = pd.DataFrame({"id": [f"E{i}" for i in range(20000)], "dx": ["E11.9|I10"] * 20000})
    try:
        export_tables({"sample": df}, sys.argv[1])
    except OSError as exc:
        print("ERROR", exc)
        sys.exit(3)
""")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_file_size_limit_leaves_the_previous_file_whole(tmp_path, suffix):
    """Disk full for real: ``ulimit -f`` in a child process (EFBIG, like ENOSPC)."""
    target = tmp_path / f"out{suffix}"
    export_tables({"sample": pd.DataFrame({"id": ["E1"], "dx": ["I10"]})}, target)
    before = target.read_bytes()
    proc = subprocess.run([sys.executable, "-c", _FSIZE_SCRIPT, str(target)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3, proc.stderr
    assert str(target) in proc.stdout and "file-size limit" in proc.stdout
    assert "Traceback" not in proc.stderr
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_multi_table_csv_export(tmp_path):
    t = pd.DataFrame({"a": ["=1"]})
    paths = export_tables({"x": t, "y": t}, tmp_path / "r.csv")
    assert [p.name for p in paths] == ["r_x.csv", "r_y.csv"]
    assert paths[0].read_text() == "a\n'=1\n"
