"""Audit reports: tables, figures, formula-safe Excel/CSV export, and the CLI."""

from __future__ import annotations

import json

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from coderlib.audit.demo import demo_population_path, load_demo, truth_as_findings
from coderlib.audit.findings import create_audit
from coderlib.audit.reports import build_report, by_category, escape_formulas, export_tables
from coderlib.audit.sampling import draw_sample
from coderlib.cli import app

TRUTH = ["true_dx", "true_px", "true_lines", "true_drg", "injected_errors"]


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    demo = load_demo()
    sample = draw_sample(demo, "probe", 20, seed=77)
    s = create_audit(sample.drop(columns=TRUTH), path=tmp_path_factory.mktemp("st") / "s.db",
                     audit_id="rep")
    s.import_findings(truth_as_findings(sample))
    return s


def test_escape_formulas_every_prefix():
    df = pd.DataFrame({"a": ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx", "ok", None],
                       "=col": [1, 2, 3, 4, 5, 6, 7, 8]})
    out = escape_formulas(df)
    assert out["a"].tolist()[:6] == ["'=1+1", "'+SUM(A1)", "'-2+3", "'@cmd", "'\tx", "'\rx"]
    assert out["a"].tolist()[6] == "ok" and pd.isna(out["a"].iloc[7])
    assert list(out.columns) == ["a", "'=col"] and out["'=col"].tolist()[0] == 1


def test_export_xlsx_holds_no_formulas(tmp_path):
    t = pd.DataFrame({"comment": ["=HYPERLINK(\"http://x\",\"y\")", "-1", "fine"],
                      "n": [-1.5, 2.0, 3.0]})
    [path] = export_tables({"findings": t}, tmp_path / "r.xlsx")
    ws = openpyxl.load_workbook(path)["findings"]
    cells = [c for row in ws.iter_rows() for c in row]
    assert not any(c.data_type == "f" for c in cells)
    assert ws["A2"].value.startswith("'=") and ws["B2"].value == -1.5
    paths = export_tables({"a": t, "b": t}, tmp_path / "r.csv")
    assert [p.name for p in paths] == ["r_a.csv", "r_b.csv"]
    assert "'=HYPERLINK" in paths[0].read_text()


def test_report_tables_and_figures(session):
    r = build_report(session.audited(), session.differences())
    assert set(r.tables) >= {"overall", "by_coder", "by_period", "by_category", "drg_shift",
                             "dollar_impact"}
    coders = r.tables["by_coder"]
    assert len(coders) == 8 and (coders["encounters"] == 20).all()
    assert (coders["code_accuracy_lower"] <= coders["code_accuracy"]).all()
    assert (coders["code_accuracy"] <= coders["code_accuracy_upper"]).all()
    cats = r.tables["by_category"]
    assert cats["count"].is_monotonic_decreasing and cats["cumulative_share"].iloc[-1] == 1.0
    assert cats["count"].sum() == len(session.differences())
    assert set(r.figures) == {"accuracy_by_coder", "error_pareto", "drg_shift", "dollar_impact"}
    ax = r.figures["accuracy_by_coder"].axes[0]
    assert any(abs(line.get_ydata()[0] - 95) < 1e-9 for line in ax.get_lines())


def test_report_for_one_coder_and_period(session):
    r = build_report(session.audited(), session.differences(), coder="Ben")
    assert r.tables["by_coder"]["coder"].tolist() == ["Ben"]
    assert "coder Ben" in r.title
    month = r.tables["by_period"]["period"].iloc[0]
    r2 = build_report(session.audited(), session.differences(), coder="Ben", period=month)
    assert r2.tables["overall"]["encounters"].iloc[0] <= 20
    with pytest.raises(ValueError, match="coder 'Zed' is not in this audit"):
        build_report(session.audited(), coder="Zed")


def test_by_category_empty():
    assert by_category(pd.DataFrame(columns=["category"])).empty


# ----------------------------------------------------------------------------- CLI
def test_cli_sample_is_reproducible(tmp_path):
    runner = CliRunner()
    outs = []
    for name in ("a.csv", "b.csv"):
        res = runner.invoke(app, ["audit", "sample", str(demo_population_path()), "--method",
                                  "stratified", "--strata", "coder", "--allocation", "fixed",
                                  "--size", "5", "--seed", "9", "--out", str(tmp_path / name),
                                  "--json"])
        assert res.exit_code == 0, res.output
        outs.append(json.loads(res.output))
    assert outs[0]["selection_order"] == outs[1]["selection_order"]
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    s = pd.read_csv(tmp_path / "a.csv")
    assert len(s) == 40 and s["sample_seed"].eq(9).all() and s["frame_size"].eq(2000).all()


def test_cli_bad_population_names_row_and_column(tmp_path):
    demo = pd.read_csv(demo_population_path(), dtype=str, keep_default_na=False)
    demo.loc[4, "dx"] = "E11.9|NOTACODE"
    demo.to_csv(tmp_path / "p.csv", index=False)
    res = CliRunner().invoke(app, ["audit", "sample", str(tmp_path / "p.csv"), "--size", "5",
                                   "--seed", "1", "--out", str(tmp_path / "s.csv"), "--json"])
    assert res.exit_code == 2
    detail = json.loads(res.output)["detail"]
    assert (detail["row"], detail["column"]) == (6, "dx")
    assert not (tmp_path / "s.csv").exists()


def test_cli_sample_size_score_report(tmp_path):
    runner = CliRunner()
    res = runner.invoke(app, ["audit", "sample-size", "--expected-error", "0.05",
                              "--confidence", "0.90", "--precision", "0.05", "--json"])
    assert res.exit_code == 0 and json.loads(res.output)["sample_size"] > 50
    sample = draw_sample(load_demo(), "srs", 60, seed=2)
    sample.to_csv(tmp_path / "s.csv", index=False)
    truth_as_findings(sample).to_csv(tmp_path / "f.csv", index=False)
    store = str(tmp_path / "store.db")
    assert runner.invoke(app, ["audit", "start", str(tmp_path / "s.csv"), "--audit-id", "x",
                               "--store", store]).exit_code == 0
    res = runner.invoke(app, ["audit", "findings", "x", str(tmp_path / "f.csv"), "--store",
                              store, "--json"])
    assert json.loads(res.output)["recorded"] == 60
    res = runner.invoke(app, ["audit", "score", "--audit-id", "x", "--store", store, "--json"])
    from_store = json.loads(res.output)["overall"]
    res = runner.invoke(app, ["audit", "score", str(tmp_path / "s.csv"), "--findings",
                              str(tmp_path / "f.csv"), "--json"])
    from_files = json.loads(res.output)["overall"]
    assert from_store["code_accuracy"] == pytest.approx(from_files["code_accuracy"])
    res = runner.invoke(app, ["audit", "report", "--audit-id", "x", "--store", store, "--out",
                              str(tmp_path / "r.xlsx"), "--figures", str(tmp_path / "fig"),
                              "--json"])
    assert res.exit_code == 0, res.output
    assert len(json.loads(res.output)["figures"]) == 4 and (tmp_path / "r.xlsx").exists()
