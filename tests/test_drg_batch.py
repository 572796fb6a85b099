"""MS-DRG weights, payment, what-if, opportunities, group_frame and the `coderlib group` CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from coderlib.cli import app
from coderlib.drg import (
    DEFAULT_BASE_RATE,
    Encounter,
    EncounterError,
    group_frame,
    los_of,
    opportunities,
    payment,
    weight_of,
    what_if,
)
from coderlib.drg.batch import RowError
from coderlib.drg.weights import weights_table
from coderlib.drg.whatif import sdx_impact_table


def test_weights_table_from_table_5() -> None:
    table = weights_table()
    assert len(table) >= 760 and table.index.is_unique
    assert list(table.columns) == ["title", "mdc", "type", "weight", "gmlos", "amlos"]
    assert weight_of("291") == pytest.approx(1.2838)
    assert weight_of(291) == weight_of("291")
    assert los_of("291") == (3.8, 5.0)
    assert table.loc["470", "type"] == "SURG" and table.loc["001", "mdc"] == "PRE"
    assert weight_of("999") is None and payment("999") is None
    with pytest.raises(ValueError, match="drg"):
        weight_of("29x")


def test_payment_is_weight_times_base_rate() -> None:
    assert DEFAULT_BASE_RATE == pytest.approx(6752.61)
    assert payment("291") == pytest.approx(round(1.2838 * DEFAULT_BASE_RATE, 2))
    assert payment("291", base_rate=10000) == pytest.approx(12838.0)
    with pytest.raises(ValueError, match="base_rate"):
        payment("291", base_rate=-1)


def test_what_if_add_remove_poa_and_swap() -> None:
    enc = Encounter(pdx="I5022", sdx=[("I4820", "Y")])
    add = what_if(enc, add_sdx=["J9601"])
    assert (add.before.drg, add.after.drg) == ("292", "291")
    assert add.weight_delta == pytest.approx(weight_of("291") - weight_of("292"), abs=1e-4)
    assert add.payment_delta == pytest.approx(payment("291") - payment("292"), abs=0.01)
    removed = what_if(enc, remove_sdx=["I48.20"])
    assert removed.after.drg == "293" and removed.payment_delta < 0
    # POA=N on a HAC code drops the CC
    hac = what_if(Encounter(pdx="J189", sdx=["T83511A"]), set_poa={"T83511A": "N"})
    assert (hac.before.drg, hac.after.drg) == ("194", "195")
    swap = what_if(Encounter(pdx="I5022", sdx=["N179"]), pdx="N179")
    assert swap.after.drg.startswith("68") and swap.encounter.sdx == [("I5022", "Y")]
    surg = what_if(Encounter(pdx="K8010"), add_procedures=["0FT44ZZ"])
    assert surg.after.partition == "SURGICAL" and surg.drg_changed
    with pytest.raises(EncounterError, match="set_poa"):
        what_if(enc, set_poa={"E119": "N"})


def test_opportunities_rank_drg_changers_first() -> None:
    table = opportunities(Encounter(pdx="J189"), ["E11.9", "I48.20", "J96.01", "J44.1"])
    assert table["candidate"].tolist()[:2] == ["J96.01", "I48.20"]
    first = table.iloc[0]
    assert first["changes_drg"] and first["drg_after"] == "193" and first["verdict"] == "MCC"
    assert not table.set_index("candidate").loc["E11.9", "changes_drg"]
    # J44.1 changes the DRG exactly when it counts as a CC with this principal
    row = table.set_index("candidate").loc["J44.1"]
    assert row["changes_drg"] == (row["verdict"] == "CC")


def test_sdx_impact_table() -> None:
    t = sdx_impact_table(Encounter(pdx="I5022", sdx=["J9601", "I4820"]))
    assert t["drg_if_removed"].tolist() == ["292", "291"]
    assert t.loc[0, "payment_delta_if_removed"] < 0


def test_group_frame_rows_and_errors() -> None:
    df = pd.DataFrame({
        "id": ["a", "b", "c"],
        "pdx": ["I50.22", "J189", "N40"],
        "sdx": ["J96.01;E11.9:N", "", None],
        "proc": ["", "", ""],
        "age": [70, 80, 60],
        "sex": ["F", "M", "M"],
        "discharge_status": ["01", "20", "01"],
        "discharge_date": ["2025-11-01", "2026-05-01", "2026-01-01"],
    })
    out = group_frame(df, explain=True)
    assert out["drg"].tolist() == ["291", "195", "999"]
    assert out["version"].tolist() == ["v43", "v43.1", "v43"]
    assert "header" in out.loc[2, "warnings"]
    assert out.loc[2, "error"].startswith("row 3 (id=c): pdx: ") and "N40" in out.loc[2, "error"]
    assert out.loc[0, "error"] == "" and out.loc[1, "error"] == ""
    ex = json.loads(out.loc[0, "explanation"])
    assert ex["deciding_sdx"] == ["J9601"]
    bad = df.assign(age=[70, "old", 60])
    with pytest.raises(RowError, match=r"row 2 \(id=b\), column age"):
        group_frame(bad)
    recorded = group_frame(bad, on_error="record")
    assert recorded.loc[1, "error"].startswith("row 2 (id=b), column age")
    assert recorded.loc[0, "drg"] == "291"
    wrong_date = df.assign(discharge_date=["2025-11-01", "2024-01-01", "x"])
    rec = group_frame(wrong_date, on_error="record")
    assert "column discharge_date" in rec.loc[1, "error"]
    assert "column discharge_date" in rec.loc[2, "error"]


runner = CliRunner()


def test_cli_group_single_json() -> None:
    res = runner.invoke(app, ["group", "--pdx", "I50.22", "--sdx", "J96.01;E11.9:N",
                              "--sex", "F", "--discharge-date", "2025-12-01", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["drg"] == "291" and data["payment"] == payment("291")
    assert data["explanation"]["secondaries"][0]["verdict"] == "MCC"
    text = runner.invoke(app, ["group", "--pdx", "I50.22", "--sdx", "J96.01"])
    assert text.exit_code == 0 and "MS-DRG 291" in text.output
    bad = runner.invoke(app, ["group", "--pdx", "I50.22", "--sex", "Q", "--json"])
    assert bad.exit_code == 2 and "sex" in json.loads(bad.output)["error"]
    old = runner.invoke(app, ["group", "--pdx", "I50.22", "--discharge-date", "2024-06-01",
                              "--json"])
    assert old.exit_code == 2 and "--allow-older" in json.loads(old.output)["error"]
    older = runner.invoke(app, ["group", "--pdx", "I50.22", "--discharge-date", "2024-06-01",
                                "--allow-older", "--json"])
    assert older.exit_code == 0 and json.loads(older.output)["version"] == "v41.1"


def test_cli_group_csv(tmp_path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("id,pdx,sdx,proc,age,sex,discharge_status,discharge_date\n"
                   "1,I5022,J9601;D62:N,,70,F,01,2025-11-01\n"
                   "2,K8010,,0FT44ZZ,50,F,01,2026-05-01\n"
                   "3,J189,,,abc,M,01,2025-11-01\n")
    out = tmp_path / "out.csv"
    res = runner.invoke(app, ["group", "--csv", str(src), "--out", str(out), "--json"])
    assert res.exit_code == 3  # completed with row errors
    summary = json.loads(res.output)
    assert summary["grouped"] == 2 and summary["exit_code"] == 3
    assert summary["error_messages"] == [
        "row 3 (id=3), column age: must be a whole number of years, got 'abc'"]
    got = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(got.columns)[:6] == ["id", "drg", "mdc", "severity", "weight", "explanation"]
    assert got["drg"].tolist() == ["291", "419", ""]
    assert json.loads(got.loc[1, "explanation"])["deciding_procedures"] == ["0FT44ZZ"]


def test_cli_exit_codes(tmp_path) -> None:
    ok = runner.invoke(app, ["group", "--pdx", "J189", "--json"])
    assert ok.exit_code == 0 and json.loads(ok.output)["error"] == ""
    ungroupable = runner.invoke(app, ["group", "--pdx", "N40", "--json"])
    assert ungroupable.exit_code == 1
    data = json.loads(ungroupable.output)
    assert data["drg"] == "999" and "header" in data["error"]
    dropped = runner.invoke(app, ["group", "--pdx", "K8010", "--proc", "0FT44ZZ",
                                  "--proc", "0ZZZZZZ"])
    assert dropped.exit_code == 1 and "procedures[1]" in dropped.output
    assert runner.invoke(app, ["group", "--pdx", "J189", "--sex", "MF"]).exit_code == 2
    bad_date = runner.invoke(app, ["group", "--pdx", "J189", "--discharge-date",
                                   "2026-02-10garbage", "--json"])
    assert bad_date.exit_code == 2 and "discharge_date" in json.loads(bad_date.output)["error"]
    late = runner.invoke(app, ["group", "--pdx", "J189", "--discharge-date", "2027-04-01",
                               "--json"])
    assert late.exit_code == 2 and "2027-03-31" in json.loads(late.output)["error"]
    assert "Exit codes" in runner.invoke(app, ["group", "--help"]).output
    # batch: a 999 row and a dropped procedure are row errors; the others are grouped
    src = tmp_path / "in.csv"
    src.write_text("id,pdx,sdx,proc,age,sex,discharge_status,discharge_date\n"
                   "1,N40,,,70,M,01,2025-11-01\n"
                   "2,K8010,,0FT44ZZ;0ZZZZZZ,50,F,01,2025-11-01\n"
                   "3,J189,,,60,M,01,2025-11-01\n"
                   "4,I214,,,60,M,41,2025-11-01\n")
    out = tmp_path / "out.csv"
    res = runner.invoke(app, ["group", "--csv", str(src), "--out", str(out), "--json"])
    assert res.exit_code == 3
    got = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert got["drg"].tolist() == ["999", "419", "195", "999"]
    assert got.loc[0, "error"].startswith("row 1 (id=1)")
    assert "procedures[1]" in got.loc[1, "error"] and got.loc[2, "error"] == ""
    assert "discharge_status" in got.loc[3, "error"]
    # a trailing comma on data rows is not taken as an index column
    src.write_text("id,pdx,sdx\n1,J189,,\n")
    res = runner.invoke(app, ["group", "--csv", str(src), "--out", str(out), "--json"])
    assert res.exit_code == 2 and "line 2 has 4 fields" in json.loads(res.output)["error"]
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    res = runner.invoke(app, ["group", "--csv", str(empty), "--out", str(out), "--json"])
    assert res.exit_code == 2 and "empty" in json.loads(res.output)["error"]


def test_group_frame_two_processes_same_as_one() -> None:
    from coderlib.drg.synthetic import synthetic_frame

    df = synthetic_frame(5000, seed=7).drop(columns=["case_type"])
    one = group_frame(df, processes=1, on_error="record", progress=False)
    two = group_frame(df, processes=2, on_error="record", progress=False)
    pd.testing.assert_frame_equal(one, two)
    bad = df.astype({"age": object})
    bad.loc[4321, "age"] = "old"
    with pytest.raises(RowError, match=r"row 4322 \(id=4322\), column age"):
        group_frame(bad, processes=2, progress=False)


def test_table5_import_for_fy2027(tmp_path, monkeypatch) -> None:
    from coderlib.drg import group
    from coderlib.drg.weights import import_table5, weight_for_version

    monkeypatch.setenv("CODERLIB_STORE", str(tmp_path / "store" / "coderlib.sqlite"))
    enc = Encounter(pdx="K8010", procedures=["0FT44ZZ"], discharge_date="2026-11-01")
    before = group(enc)
    assert before.weight is None and weight_for_version("419", "v44") is None
    src = Path(__file__).parent / "fixtures" / "table5_fy2027_sample.txt"
    res = runner.invoke(app, ["drg-weights", "import", str(src), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["drgs"] == 6
    try:
        after = group(enc)
        assert after.weight == pytest.approx(1.8712)
        assert not [w for w in after.warnings if w.edit == "weight_not_loaded"]
        assert weight_for_version("291", "v43") == weight_of("291")  # FY2026 untouched
        assert weight_for_version("449", "v44") == pytest.approx(3.1001)
        assert what_if(enc, remove_procedures=["0FT44ZZ"]).payment_after == pytest.approx(
            round(0.9101 * DEFAULT_BASE_RATE, 2))
    finally:
        import_table5.__globals__["_imported"].cache_clear()
    bad = tmp_path / "bad.txt"
    bad.write_text("not a table\n")
    res = runner.invoke(app, ["drg-weights", "import", str(bad), "--json"])
    assert res.exit_code == 2 and "MS-DRG" in json.loads(res.output)["error"]
