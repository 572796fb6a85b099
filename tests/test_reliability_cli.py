"""The reliability review's tracebacks and wrong answers, each now a clear message (issue 10)."""

from __future__ import annotations

import csv
import socket

import pandas as pd
import pytest
from typer.testing import CliRunner

from coderlib.cli import app
from coderlib.paths import notebooks_dir

POP = ("encounter_id,coder,setting,payer,service_date,dx,chart_id,discharge_status\n"
       "E1,Ann,inpatient,Medicare,2025-11-03,E11.9,c1,07\n"
       "E2,Bob,office,Medicare,2025-11-04,I10,c2,\n"
       "E3,Ann,office,Medicaid,2025-11-05,J18.9,c3,20\n")


def _run(*args: str):
    res = CliRunner().invoke(app, list(args))
    assert not isinstance(res.exception, Exception) or isinstance(res.exception, SystemExit), (
        res.output, res.exception)
    return res


def _pop(tmp_path, text: str | bytes = POP, name: str = "pop.csv"):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, newline="")
    return path


def test_seed_of_2_to_the_63_is_refused_at_sampling(tmp_path):
    res = _run("audit", "sample", str(_pop(tmp_path)), "--size", "2", "--seed",
               str(2**63), "--out", str(tmp_path / "s.csv"))
    assert res.exit_code == 2 and "--seed must be at most" in res.output
    assert not (tmp_path / "s.csv").exists()


def test_a_sample_file_with_a_huge_seed_cannot_crash_audit_start(tmp_path):
    out = tmp_path / "s.csv"
    assert _run("audit", "sample", str(_pop(tmp_path)), "--size", "2", "--seed", "5",
                "--out", str(out)).exit_code == 0
    df = pd.read_csv(out, dtype=str, keep_default_na=False)
    df["sample_seed"] = str(2**64)
    df.to_csv(out, index=False)
    res = _run("audit", "start", str(out), "--audit-id", "b", "--store",
               str(tmp_path / "st.sqlite"))
    assert res.exit_code == 2 and "sample_seed" in res.output and "2^63" in res.output


def test_report_before_any_finding_is_a_message(tmp_path):
    out = tmp_path / "s.csv"
    store = str(tmp_path / "st.sqlite")
    _run("audit", "sample", str(_pop(tmp_path)), "--size", "2", "--seed", "5", "--out", str(out))
    assert _run("audit", "start", str(out), "--audit-id", "E", "--store", store).exit_code == 0
    res = _run("audit", "report", "--audit-id", "E", "--out", str(tmp_path / "r.xlsx"),
               "--store", store)
    assert res.exit_code == 2 and "no audited encounters yet" in res.output
    assert not (tmp_path / "r.xlsx").exists()


def test_discharge_status_stays_two_digits_through_the_sample(tmp_path):
    out = tmp_path / "s.csv"
    assert _run("audit", "sample", str(_pop(tmp_path)), "--size", "3", "--seed", "1",
                "--out", str(out)).exit_code == 0
    with open(out, newline="") as fh:
        statuses = {r["encounter_id"]: r["discharge_status"] for r in csv.DictReader(fh)}
    assert statuses == {"E1": "07", "E2": "", "E3": "20"}


def test_a_bare_cr_in_a_cell_survives_sample_and_start(tmp_path):
    pop = _pop(tmp_path, POP.replace("c1", '"note\r@SUM(1+1)*cmd"').replace("c2", "-2+3"))
    out = tmp_path / "s.csv"
    assert _run("audit", "sample", str(pop), "--size", "3", "--seed", "1", "--out",
                str(out)).exit_code == 0
    with open(out, newline="") as fh:
        rows = list(csv.reader(fh))
    assert len(rows) == 4 and all(not r[0].startswith(("=", "+", "-", "@")) for r in rows)
    store = str(tmp_path / "st.sqlite")
    res = _run("audit", "start", str(out), "--audit-id", "cr2", "--store", store, "--json")
    assert res.exit_code == 0, res.output
    from coderlib.audit.findings import open_audit

    chart_ids = {r["encounter_id"]: r.get("chart_id") for r in
                 open_audit("cr2", path=store).sample.to_dict("records")}
    assert chart_ids["E1"] == "note\r@SUM(1+1)*cmd" and chart_ids["E2"] == "-2+3"


def test_latin1_population_names_the_row_and_the_encoding(tmp_path):
    data = POP.encode() + "E4,Zo\u00e9,office,Medicare,2025-11-06,I10,c4,\n".encode("latin-1")
    res = _run("audit", "sample", str(_pop(tmp_path, data)), "--size", "2", "--seed", "1",
               "--out", str(tmp_path / "s.csv"))
    assert res.exit_code == 2
    assert "row 5" in res.output and "0xe9" in res.output and "UTF-8" in res.output


def test_trailing_commas_in_a_population_name_the_row_not_a_wrong_column(tmp_path):
    header, *rows = POP.splitlines()
    text = header + "\n" + "".join(r + ",\n" for r in rows)  # data rows only, as in the review
    res = _run("audit", "sample", str(_pop(tmp_path, text)), "--size", "2", "--seed", "1",
               "--out", str(tmp_path / "s.csv"))
    assert res.exit_code == 2
    assert "row 2" in res.output and "9 fields where the header has 8" in res.output
    assert "payer" not in res.output


@pytest.mark.parametrize("make", ["missing", "folder", "not_json", "text"])
def test_notebooks_params_on_a_bad_path(tmp_path, make):
    path = {"missing": tmp_path / "nope.ipynb", "folder": tmp_path,
            "not_json": tmp_path / "README.md", "text": tmp_path / "x.ipynb"}[make]
    if make == "not_json":
        path.write_text("# readme\n")
    if make == "text":
        path.write_bytes(b"\xff\xfe\x00garbage")
    res = _run("notebooks", "params", str(path))
    assert res.exit_code == 2 and str(path) in res.output


def test_notebook_run_without_loopback_fails_fast_with_advice(monkeypatch):
    def refuse(self, address):
        raise OSError(99, "Cannot assign requested address")

    monkeypatch.setattr(socket.socket, "bind", refuse)
    res = _run("notebooks", "run", str(notebooks_dir() / "00_welcome.ipynb"))
    assert res.exit_code == 2
    assert "127.0.0.1" in res.output and "ip link set lo up" in res.output
