"""The practice app: callbacks call the library, attempts are saved, errors are shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from coderlib.exercises import attempts
from coderlib.exercises.loader import load_all
from coderlib.ui.practice import PracticeApp, chart_html, result_html

GOOD = Path(__file__).parent / "fixtures" / "exercises" / "good"


@pytest.fixture()
def app(tmp_path: Path):
    a = PracticeApp(load_all(GOOD), store_path=tmp_path / "p.sqlite", seed=3,
                    chart_id="fx-op-knee-001")
    yield a
    a.close()


def test_submit_saves_grades_and_shows(app, tmp_path: Path) -> None:
    result = app.submit("DX: M17.11, E11.9; CPT: 99213-25, 20610-LT")
    assert result.score == 90.0
    assert "wrong laterality" in app.w_result.value and "Score 90.0%" in app.w_result.value
    assert "fx-op-knee-001" in app.w_history.value and "laterality" in app.w_topics.value
    con = attempts.connect(tmp_path / "p.sqlite")
    assert attempts.history(con).iloc[0]["answer_text"].endswith("20610-LT")
    con.close()


def test_empty_answer_is_an_error_not_an_attempt(app) -> None:
    assert app.submit("   ") is None
    assert "type your codes" in app.w_result.value
    assert attempts.history(app.con).empty


def test_filters_and_random_pick(app) -> None:
    app.w_setting.value = "emergency"
    assert [v for _, v in app.w_chart.options] == ["fx-inj-hand-001", "fx-q-cough-001"]
    app.w_seed.value = 7
    chart = app.random_chart()
    assert chart.setting == "emergency" and app.seed == 7 and app.w_seed.value == 8
    assert chart.title not in app.w_doc.value and "seed 7" in app.w_doc.value
    assert "Emergency department visit" in app.w_doc.value
    app.w_topic.value = "no such topic"
    assert app.random_chart() is None and "no chart matches" in app.w_result.value


def test_select_by_dropdown(app) -> None:
    app.w_chart.value = "fx-q-cough-001"
    assert app.chart.id == "fx-q-cough-001" and "discharged with supportive" in \
        app.w_doc.value.lower()


def test_search_uses_code_sets(app) -> None:
    app.w_query.value = "osteoarthritis right knee"
    app.w_system.value = "icd10cm"
    df = app.search()
    labels = [label for label, _ in app.entry.suggestions.options]
    assert "M17.11" in list(df["code"]) and any(x.startswith("M17.11 ") for x in labels)


def test_chart_html_hides_key_and_escapes() -> None:
    chart = load_all(GOOD)[1]
    page = chart_html(chart)
    assert chart.documentation[0].text.split()[0] in page
    assert all(dx.rationale not in page for dx in chart.key.all_dx)


def test_result_html_shows_drg(app) -> None:
    app.select("fx-ip-sepsis-001")
    res = app.submit("PDX: A41.51:Y; SDX: N39.0:Y, N17.9:Y; PCS: 0T9B70Z")
    page = result_html(res)
    assert "Key MS-DRG <b>872</b>" in page and "group to <b>872</b>" in page


def test_unknown_chart_id() -> None:
    with pytest.raises(KeyError, match="no chart with id 'nope'"):
        PracticeApp(load_all(GOOD), store_path=":memory:", chart_id="nope")


def test_picker_and_chart_hide_the_answer_until_submitted(app) -> None:
    labels = [label for label, _ in app.w_chart.options]
    assert all(label.startswith("Chart ") for label in labels)
    for chart in app.charts:
        assert all(chart.title not in label and chart.id not in label for label in labels)
    topics = ", ".join(app.chart.metadata.topics)
    assert app.chart.title not in app.w_doc.value and topics not in app.w_doc.value
    assert app.chart.id not in app.w_doc.value.replace("id='cl", "")
    app.submit("DX: M17.11, E11.9; CPT: 99213-25, 20610-RT")
    assert app.chart.title in app.w_doc.value and topics in app.w_doc.value


def test_double_submit_is_one_attempt(app) -> None:
    text = "DX: M17.11, E11.9; CPT: 99213-25, 20610-LT"
    first = app.submit(text)
    again = app.submit()  # the queued second click: same chart, codes not edited
    assert again is first and len(attempts.history(app.con)) == 1
    assert "already graded" in app.w_info.value
    assert not app.w_submit.disabled and app.w_submit.description == "Submit for grading"
    app.w_answer.value = text + ", 99070"
    app.submit()
    assert len(attempts.history(app.con)) == 2


def test_long_and_duplicate_answers_are_refused(app) -> None:
    assert app.submit("x" * 100_000) is None
    assert "100,000 characters" in app.w_result.value and "limit" in app.w_result.value
    assert app.submit("DX: M17.11, m1711") is None
    assert "M17.11 is listed twice" in app.w_result.value
    assert attempts.history(app.con).empty


def test_history_trims_long_answers(app) -> None:
    app.submit("DX: M17.11, E11.9; CPT: " + ", ".join(f"9921{i % 5}-{i:02d}"
                                                      for i in range(40)))
    assert "…" in app.w_history.value and len(app.w_history.value) < 6000


def test_suggestion_added_to_answer(app) -> None:
    app.w_system.value = "icd10cm"
    app.w_query.value = "osteoarthritis right knee"
    codes = [label.split()[0] for label, _ in app.entry.suggestions.options]
    app.entry.suggestions.value = codes.index("M17.11")
    assert app.entry.add_selected() == "M17.11"
    assert app.w_answer.value == "PDX: M17.11"
    assert app.entry.add_selected() is None and "already in the box" in app.w_hits.value
