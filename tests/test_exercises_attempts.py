"""Attempts are saved before grading, history and per-topic accuracy; drills; the CLI."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coderlib.cli import app
from coderlib.exercises import attempts
from coderlib.exercises.drills import catalogue, drill, filter_charts, pick_chart, topics
from coderlib.exercises.loader import find_chart, load_all

GOOD = Path(__file__).parent / "fixtures" / "exercises" / "good"


@pytest.fixture()
def con(tmp_path: Path) -> sqlite3.Connection:
    c = attempts.connect(tmp_path / "store.sqlite")
    yield c
    c.close()


def test_submit_saves_then_grades(con, tmp_path: Path) -> None:
    chart = find_chart("fx-op-knee-001", GOOD)
    done = attempts.submit(con, chart, "DX: M17.11, E11.9; CPT: 99213-25, 20610-LT", seed=5)
    assert done.result.score == 90.0
    # a second connection sees the committed row
    other = attempts.connect(tmp_path / "store.sqlite")
    h = attempts.history(other)
    other.close()
    row = h.iloc[0]
    assert row["chart_id"] == "fx-op-knee-001" and row["score"] == 90.0 and row["seed"] == 5
    assert row["topics"] == ["modifier 25", "laterality", "diabetes"]
    stored = attempts.result_of(con, done.attempt_id)
    assert stored.score == 90.0 and stored.rows[3].verdict == "wrong_laterality"


def test_attempt_kept_when_grading_fails(con) -> None:
    chart = find_chart("fx-op-knee-001", GOOD)

    def broken_grader(_chart, _text):
        raise RuntimeError("grader crashed")

    with pytest.raises(RuntimeError):
        attempts.submit(con, chart, "DX: M17.11", grader=broken_grader)
    row = attempts.history(con).iloc[0]
    assert row["answer_text"] == "DX: M17.11" and row["score"] is None
    assert "grader crashed" in row["error"]
    assert attempts.result_of(con, int(row["id"])) is None


def test_topic_accuracy(con) -> None:
    knee = find_chart("fx-op-knee-001", GOOD)
    hand = find_chart("fx-inj-hand-001", GOOD)
    attempts.submit(con, knee, "DX: M17.11, E11.9; CPT: 99213-25, 20610-RT")     # 100
    attempts.submit(con, knee, "DX: M17.11, E11.9; CPT: 99213-25, 20610-LT")     # 90
    attempts.submit(con, hand, "DX: S61.412A; CPT: 12001")                        # 60
    acc = attempts.topic_accuracy(con).set_index("topic")
    assert acc.loc["laterality", "attempts"] == 2
    assert acc.loc["laterality", "mean_score"] == 95.0
    assert acc.loc["injury", "best_score"] == 60.0
    assert acc.index[0] in ("injury", "7th character", "external cause")  # weakest first
    assert attempts.topic_accuracy(attempts.connect(":memory:")).empty


def test_history_filter_and_missing_attempt(con) -> None:
    chart = find_chart("fx-q-cough-001", GOOD)
    attempts.submit(con, chart, "QUERY")
    assert len(attempts.history(con, "fx-q-cough-001")) == 1
    assert attempts.history(con, "other").empty
    with pytest.raises(KeyError):
        attempts.result_of(con, 999)


def test_filters_and_seeded_pick() -> None:
    charts = load_all(GOOD)
    assert [c.id for c in filter_charts(charts, setting="emergency")] == \
        ["fx-inj-hand-001", "fx-q-cough-001"]
    assert [c.id for c in filter_charts(charts, topic="SEPSIS")] == ["fx-ip-sepsis-001"]
    assert filter_charts(charts, difficulty="hard") == []
    picks = {pick_chart(charts, seed=s).chart.id for s in range(20)}
    assert len(picks) > 1
    assert pick_chart(charts, seed=11).chart.id == pick_chart(charts, seed=11).chart.id
    with pytest.raises(LookupError, match="no chart matches difficulty='hard'"):
        pick_chart(charts, seed=1, difficulty="hard")
    with pytest.raises(ValueError, match="setting 'ward'"):
        filter_charts(charts, setting="ward")
    assert sorted(c.id for c in drill(charts, 10, seed=3)) == sorted(c.id for c in charts)
    assert "sepsis sequencing" in topics(charts)
    assert "key" not in catalogue(charts).columns
    assert catalogue(charts)["neutral_title"].str.contains(r"-year-old").all()


def test_cli_grade_saves_and_reports(tmp_path: Path) -> None:
    store = tmp_path / "cli.sqlite"
    runner = CliRunner()
    res = runner.invoke(app, ["exercises", "grade", "fx-ip-sepsis-001", "--root", str(GOOD),
                              "--answer", "PDX: A41.51:Y; SDX: N39.0:Y; PCS: 0T9B70Z",
                              "--store", str(store), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["attempt_id"] == 1 and data["key_drg"] == "872"
    assert [r["verdict"] for r in data["rows"]] == ["exact", "exact", "missing", "exact"]
    text = runner.invoke(app, ["exercises", "grade", str(GOOD / "query" / "fx-q-cough-001.yaml"),
                               "-a", "DX: R05.9", "--no-save"])
    assert text.exit_code == 0 and "query_expected" in text.output
    assert "Rationale" in text.output
    hist = runner.invoke(app, ["exercises", "history", "--store", str(store), "--json"])
    assert json.loads(hist.output)["rows"][0]["chart_id"] == "fx-ip-sepsis-001"
    bad = runner.invoke(app, ["exercises", "grade", "nope", "--root", str(GOOD), "-a", "x"])
    assert bad.exit_code == 2 and "no chart with id 'nope'" in bad.output


def test_cli_list_and_pick() -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["exercises", "list", "--root", str(GOOD), "--json",
                              "--setting", "emergency"])
    assert res.exit_code == 0
    assert [c["id"] for c in json.loads(res.output)["charts"]] == ["fx-inj-hand-001",
                                                                   "fx-q-cough-001"]
    res = runner.invoke(app, ["exercises", "pick", "--root", str(GOOD), "--seed", "4",
                              "--set", "injury", "--json"])
    data = json.loads(res.output)
    assert data["chart_id"] == "fx-inj-hand-001" and data["seed"] == 4
    assert "key" not in data
    assert data["neutral_title"] == "Emergency department visit, 35-year-old woman"
    text = runner.invoke(app, ["exercises", "pick", "--root", str(GOOD), "--seed", "4",
                               "--set", "injury"]).output
    assert data["neutral_title"] in text and data["title"] not in text
    res = runner.invoke(app, ["exercises", "pick", "--root", str(GOOD), "--seed", "4",
                              "--difficulty", "hard"])
    assert res.exit_code == 2
