"""Drills: item checks, generated/case items, sessions, FSRS transitions, hand-outs, coverage."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from coderlib.drills import handout, mastery, schedule
from coderlib.drills.bank import ItemFileError, load_file, load_items
from coderlib.drills.check import check_item, find_codes, validate_bank
from coderlib.drills.coverage import coverage
from coderlib.drills.generate import GENERATORS, generate
from coderlib.drills.model import Item
from coderlib.drills.records import connect
from coderlib.drills.session import DrillSession, NotEnoughItems, assemble_exam, draw, load_pool
from coderlib.paths import REPO_ROOT

FIX = REPO_ROOT / "tests/fixtures/drills"
T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone.utc)


def _item(**kw) -> Item:
    base = {"id": "t-001", "area": "icd10cm", "topic": "t", "difficulty": "easy",
            "type": "icd10cm", "stem": "Essential hypertension, nothing else.", "answer": "I10",
            "distractors": {"I11.9": "a", "I12.9": "b", "I15.9": "c"},
            "rationale": "OCG I.C.9.a: I10 when nothing else is documented."}
    return Item.model_validate({**base, **kw})


# ----------------------------------------------------------------- item verdicts
def test_good_items_pass_and_key_letter_is_derived() -> None:
    items = load_items(FIX / "good")
    assert [i.id for i in items] == ["fx-cm-001", "fx-cpt-001"]
    assert all(check_item(i).ok for i in items)
    assert items[0].options["A"] == "I10" and items[0].key == "A"


@pytest.mark.parametrize(("item_id", "needle"), [
    ("bad-unknown-code", "does not exist"),
    ("bad-header-key", "header, not billable"),
    ("bad-cpt-outside-subset", "not in coderlib's teaching subset"),
    ("bad-no-why", "needs a note on why"),
    ("bad-area", "in no exam blueprint"),
])
def test_each_bad_item_is_refused_with_its_reason(item_id: str, needle: str) -> None:
    report = validate_bank(FIX / "bad")
    rep = {r.item_id: r for r in report.reports}[item_id]
    assert not rep.ok
    assert any(needle in f.message for f in rep.findings), rep.findings
    assert report.items == []


def test_malformed_file_names_file_and_field() -> None:
    with pytest.raises(ItemFileError) as err:
        load_file(FIX / "malformed.yaml")
    assert "malformed.yaml" in str(err.value)
    assert "items[0] (mal-001).difficulty" in str(err.value)


def test_exactly_one_correct_option() -> None:
    with pytest.raises(ValueError, match="exactly one option may be correct"):
        _item(distractors={"I10": "same as key", "I12.9": "b", "I15.9": "c"})
    with pytest.raises(ValueError, match="exactly 3 distractors"):
        _item(distractors={"I12.9": "b", "I15.9": "c"})


def test_unknown_code_in_stem_is_refused() -> None:
    rep = check_item(_item(stem="The patient also has E11.99 documented somewhere."))
    assert not rep.ok and rep.findings[0].field == "stem"


def test_find_codes_recognises_each_system() -> None:
    got = find_codes("A41.9 with 0DTJ4ZZ, CPT 99214-25, J1885 and MS-DRG 872")
    assert ("icd10cm", "A41.9") in got and ("icd10pcs", "0DTJ4ZZ") in got
    assert ("modifier", "25") in got and ("hcpcs", "J1885") in got and ("drg", "872") in got


def test_shipped_bank_is_clean() -> None:
    report = validate_bank()
    assert report.ok, report.render()
    assert len(report.items) >= 100


# ----------------------------------------------------------------- generated and case items
@pytest.mark.parametrize("kind", ["describes", "seventh", "excludes1", "root_operation",
                                  "modifier"])
def test_generated_items_are_seeded_checked_and_unique(kind: str) -> None:
    exam = "CCS" if kind == "root_operation" else "CPC"
    a = generate(kind, 3, seed=5, exam=exam)
    b = generate(kind, 3, seed=5, exam=exam)
    assert [i.stem for i in a] == [i.stem for i in b] and len(a) == 3
    assert all(check_item(i).ok for i in a)
    assert all(len(set(i.options.values())) == 4 for i in a)


def test_generated_excludes1_key_is_the_only_conflict() -> None:
    from coderlib.codes.icd10cm import excludes1_conflicts

    for item in generate("excludes1", 3, seed=2, exam="CPC"):
        code = item.stem.split(" ")[0]
        hits = [o for o in item.options.values() if excludes1_conflicts([code, o])]
        assert hits == [item.options[item.key]]


def test_generated_msdrg_key_is_what_the_grouper_says() -> None:
    import re

    from coderlib.drg import Encounter, group
    from coderlib.exercises.loader import find_chart

    for item in generate("msdrg", 2, seed=4):
        chart = find_chart(item.source)
        sdx = re.findall(r"([A-Z][0-9A-Z.]+) \(POA (\w)\)", item.stem)
        res = group(Encounter(pdx=chart.key.principal_dx.code, sdx=sdx,
                              procedures=[p.code for p in chart.key.procedures],
                              age=chart.patient.age, sex=chart.patient.sex,
                              discharge_date=chart.date_of_service,
                              discharge_status=chart.discharge_status or "01"))
        assert item.options[item.key] == res.drg
        assert len(set(item.options.values())) == 4
        assert check_item(item).ok


def test_generated_cc_mcc_answer_is_the_groupers_verdict() -> None:
    import re

    from coderlib.drg import Encounter, group

    for item in generate("cc_mcc", 3, seed=8):
        pdx, sdx = re.findall(r"(?:diagnosis) ([A-Z][0-9A-Z.]+)", item.stem)[:2]
        v = group(Encounter(pdx=pdx, sdx=[(sdx, "Y")], discharge_date=item.date)) \
            .explanation.secondaries[0]
        want = {"counted": v.verdict, "pdx_exclusion": "EXCLUDED", "not_cc": "NEITHER"}[v.reason]
        assert item.options[item.key].startswith({"MCC": "An MCC", "CC": "A CC (",
                                                  "NEITHER": "Neither",
                                                  "EXCLUDED": "A CC/MCC on"}[want])
        assert check_item(item).ok


def test_generators_are_registered() -> None:
    assert set(GENERATORS) == {"describes", "seventh", "root_operation", "excludes1",
                               "cc_mcc", "msdrg", "modifier"}


def test_case_scenario_is_graded_by_the_chart_grader() -> None:
    from coderlib.drills.cases import case_items

    scen = [i for i in case_items() if i.chart == "ip-sepsis-001"][0]
    con = connect(":memory:")
    s = DrillSession(con, 1, [scen], learner="ana", mode="practice", exam="CCS",
                     minutes=None, pass_mark=0.7, started=T0)
    con.execute("INSERT INTO drill_sessions (id, learner, mode, seed, started_at) "
                "VALUES (1, 'ana', 'practice', 0, 'x')")
    fb = s.answer(scen.id, answer_text="PDX: A41.9:Y; SDX: N10:Y; E11.9:Y; Z79.84:1; I10:Y",
                  at=T0)
    assert fb.correct and fb.grade.score == 100.0


# ----------------------------------------------------------------- sessions
@pytest.fixture(scope="module")
def pool() -> list[Item]:
    return load_pool(generated_per_kind=0, include_cases=True)


def test_answer_is_saved_before_it_is_scored(pool: list[Item]) -> None:
    con = connect(":memory:")
    s = DrillSession.start(con, pool, learner="ana", n=2, seed=3, area="em", at=T0)
    item = s.items[0]
    with pytest.raises(ValueError, match="not one of"):
        s.answer(item.id, "Z", at=T0)
    row = con.execute("SELECT choice, correct, error FROM drill_answers").fetchone()
    assert row["choice"] == "Z" and row["correct"] is None and "not one of" in row["error"]
    wrong = next(x for x in item.options if x != item.key)
    fb = s.answer(item.id, wrong, seconds=30, at=T0)
    assert not fb.correct and fb.why_wrong == item.why[wrong] and fb.rationale


def test_exam_mode_hides_feedback_keeps_time_and_scores(pool: list[Item]) -> None:
    from coderlib.drills.blueprint import Area, Exam

    small = {"CPC": Exam("CPC", "t", 10, 0.7, (Area("em", "E/M", 3),))}
    con = connect(":memory:")
    items = assemble_exam(pool, "CPC", 1, small)
    assert len(items) == 3
    s = DrillSession(con, 1, items, learner="ana", mode="exam", exam="CPC", minutes=10,
                     pass_mark=0.7, started=T0)
    con.execute("INSERT INTO drill_sessions (id, learner, mode, seed, started_at) "
                "VALUES (1, 'ana', 'exam', 1, 'x')")
    assert s.answer(items[0].id, items[0].key, at=T0) is None
    assert s.answer(items[1].id, items[1].key, at=T0 + dt.timedelta(minutes=5)) is None
    assert s.remaining(T0 + dt.timedelta(minutes=4)) == 360
    with pytest.raises(TimeoutError):
        s.answer(items[2].id, items[2].key, at=T0 + dt.timedelta(minutes=11))
    res = s.finish(at=T0 + dt.timedelta(minutes=11))
    assert res.answered == 2 and res.score == pytest.approx(2 / 3) and res.passed is False


def test_request_the_bank_cannot_satisfy_says_how_many_exist(pool: list[Item]) -> None:
    n = len([i for i in pool if i.area == "em" and i.type != "chart"])
    with pytest.raises(NotEnoughItems, match=f"only {n} that match"):
        draw(pool, n + 1, 1, area="em")
    with pytest.raises(NotEnoughItems, match="needs"):
        assemble_exam([], "CPC", 1)


# ----------------------------------------------------------------- FSRS transitions
def test_scheduler_state_transitions() -> None:
    con = connect(":memory:")
    c = schedule.review(con, "ana", "em-001", correct=True, at=T0)
    assert c.state.name == "Learning"
    c = schedule.review(con, "ana", "em-001", correct=True, at=T0 + dt.timedelta(minutes=10))
    assert c.state.name == "Review" and c.due > T0 + dt.timedelta(hours=12)
    t1 = T0 + dt.timedelta(days=5)
    c = schedule.review(con, "ana", "em-001", correct=False, at=t1)
    assert c.state.name == "Relearning" and c.due <= t1 + dt.timedelta(minutes=10)
    rows = con.execute("SELECT state_before, state_after FROM drill_reviews ORDER BY id")
    assert [tuple(r) for r in rows] == [(1, 1), (1, 2), (2, 3)]
    assert con.execute("SELECT lapses FROM drill_cards").fetchone()[0] == 1
    due = schedule.due_cards(con, "ana", t1 + dt.timedelta(minutes=11))
    assert due.to_dict("records") == [{"item_id": "em-001", "due": due["due"][0],
                                       "state": "Relearning", "lapses": 1, "reviews": 3}]
    assert schedule.due_cards(con, "ana", t1).empty


def test_wrong_answers_come_back_first(pool: list[Item]) -> None:
    con = connect(":memory:")
    em = [i for i in pool if i.area == "em" and i.kind == "authored"]
    schedule.review(con, "ana", em[3].id, correct=False, at=T0)
    for i in em[:3]:
        schedule.review(con, "ana", i.id, correct=True, at=T0)
    later = T0 + dt.timedelta(minutes=30)
    first = draw(pool, 1, 9, learner="ana", con=con, at=later, area="em")
    assert first[0].id == em[3].id


# ----------------------------------------------------------------- hand-outs
def test_bundle_grade_and_refusals(tmp_path: Path, pool: list[Item]) -> None:
    items = draw(pool, 5, 2, area="em")
    info = handout.write_bundle(items, tmp_path / "b", title="t", seed=2)
    public = json.loads((tmp_path / "b/bundle.json").read_text())
    assert "key" not in json.dumps(public["items"]) and "rationale" not in json.dumps(public)
    answers = tmp_path / "a.txt"
    lines = [f"bundle: {info['bundle']}"] + [f"{i.id}: {i.key}" for i in items[:4]]
    answers.write_text("\n".join(lines) + "\n")
    g = handout.grade_bundle(tmp_path / "b", answers)
    assert (g.right, g.total) == (4, 5)
    other = handout.write_bundle(draw(pool, 5, 3, area="em"), tmp_path / "c", title="u", seed=3)
    assert other["bundle"] != info["bundle"]
    with pytest.raises(handout.AnswerFileError, match="answers bundle"):
        handout.grade_bundle(tmp_path / "c", answers)
    answers.write_text(f"bundle: {info['bundle']}\n{items[0].id}: A\nthis is not an answer\n")
    with pytest.raises(handout.AnswerFileError, match="line 3"):
        handout.grade_bundle(tmp_path / "b", answers)


def test_anki_deck_opens_and_counts(tmp_path: Path, pool: list[Item]) -> None:
    items = draw(pool, 6, 2, area="icd10cm")
    info = handout.write_anki(items, tmp_path / "deck.apkg", title="t")
    with zipfile.ZipFile(tmp_path / "deck.apkg") as z:
        z.extract("collection.anki2", tmp_path)
    con = sqlite3.connect(tmp_path / "collection.anki2")
    assert con.execute("SELECT COUNT(*) FROM notes").fetchone()[0] == info["notes"] == 6
    assert con.execute("SELECT COUNT(*) FROM cards").fetchone()[0] == 6


def test_cli_bundle_and_grade(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from coderlib.cli import app

    r = CliRunner().invoke(app, ["drills", "bundle", "--set", "em", "--n", "3", "--seed", "4",
                                 "--out", str(tmp_path), "--generated", "0", "--json"])
    assert r.exit_code == 0, r.output
    bid = json.loads(r.output)["bundle"]
    (tmp_path / "mine.txt").write_text(f"bundle: {bid}\n")
    r = CliRunner().invoke(app, ["drills", "grade", str(tmp_path), str(tmp_path / "mine.txt"),
                                 "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["right"] == 0
    (tmp_path / "bad.txt").write_text("bundle: 000000000000\n")
    r = CliRunner().invoke(app, ["drills", "grade", str(tmp_path), str(tmp_path / "bad.txt")])
    assert r.exit_code == 2 and "answers bundle '000000000000'" in r.output


# ----------------------------------------------------------------- mastery
def test_mastery_tables_and_readiness(tmp_path: Path) -> None:
    path = mastery.demo_store(str(tmp_path / "s.sqlite"), items_each=12)
    con = connect(path)
    table = mastery.area_accuracy(con, learner="chloe")
    assert (table["ci_low"] <= table["accuracy"]).all()
    assert (table["accuracy"] <= table["ci_high"]).all()
    ready = mastery.readiness(con, "CPC", learner="chloe")
    assert 0 <= ready["p_pass"] <= 1 and ready["method"].startswith("Beta")
    assert set(mastery.class_table(con)["learner"]) == {"ana", "ben", "chloe"}
    missed = mastery.most_missed(con)
    assert (missed["top_choice"] != missed["key"]).all()


# ----------------------------------------------------------------- the bar
@pytest.fixture(scope="module")
def full_pool() -> list[Item]:
    return load_pool(generated_per_kind=10, seed=0)


def test_bank_covers_both_blueprints_on_the_real_files(full_pool: list[Item]) -> None:
    items = full_pool
    df = coverage(items)
    assert df["short"].sum() == 0, df[df["short"] > 0].to_string()
    authored = [i for i in items if i.kind == "authored"]
    assert len(authored) >= 200
    cpc = df[df["exam"] == "CPC"]
    assert (cpc["authored"] >= 3).all(), cpc.to_string()


def test_module_doctests() -> None:
    """The examples in the drills modules' docstrings run."""
    import doctest
    import importlib

    for name in ("model", "bank", "blueprint", "check", "generate", "cases", "records",
                 "schedule", "session", "mastery", "handout", "coverage", "commands"):
        module = importlib.import_module(f"coderlib.drills.{name}")
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, name
    result = doctest.testmod(importlib.import_module("coderlib.ui.drills_widgets"))
    assert result.failed == 0


def test_cli_take_practice_saves_every_answer(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from coderlib.cli import app

    store = tmp_path / "s.sqlite"
    r = CliRunner().invoke(app, ["drills", "take", "--learner", "ana", "--n", "2", "--seed", "5",
                                 "--area", "anesthesia", "--store", str(store), "--json"],
                           input="A\nB\n")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output[r.output.index("{"):])["seed"] == 5
    con = connect(store)
    assert con.execute("SELECT COUNT(*) FROM drill_answers WHERE correct IS NOT NULL") \
        .fetchone()[0] == 2
    assert con.execute("SELECT COUNT(*) FROM drill_reviews").fetchone()[0] == 2
    r = CliRunner().invoke(app, ["drills", "take", "--learner", "ana", "--n", "99",
                                 "--area", "anesthesia", "--store", str(store)])
    assert r.exit_code == 2 and "only 10 that match" in r.output


def test_validate_cli_exit_codes() -> None:
    from typer.testing import CliRunner

    from coderlib.cli import app

    r = CliRunner().invoke(app, ["drills", "validate", str(FIX / "bad"), "--json"])
    assert r.exit_code == 1 and json.loads(r.output)["items_refused"] == 5
    r = CliRunner().invoke(app, ["drills", "validate", str(FIX / "good")])
    assert r.exit_code == 0 and "2 accepted" in r.output


def test_reports_run_the_notebook_once_per_learner(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from coderlib.cli import app

    store = tmp_path / "class.sqlite"
    con = connect(store)
    pool = load_pool("CPC", generated_per_kind=0, include_cases=False)
    s = DrillSession.start(con, pool, learner="dana", n=3, seed=1, area="anatomy",
                           class_name="c1", at=T0)
    for it in s.items:
        s.answer(it.id, it.key, seconds=20, at=T0)
    r = CliRunner().invoke(app, ["drills", "reports", "--class", "c1", "--store", str(store),
                                 "--out", str(tmp_path / "out"), "--json"])
    assert r.exit_code == 0, r.output
    runs = json.loads(r.output)
    assert [x["learner"] for x in runs] == ["dana"] and runs[0]["ok"]
    html = Path(runs[0]["html"]).read_text()
    assert "anatomy" in html and "dana" in html


def test_full_exam_forms_assemble_from_the_real_bank(full_pool: list[Item]) -> None:
    pool = full_pool
    cpc = assemble_exam(pool, "CPC", 3)
    ccs = assemble_exam(pool, "CCS", 3)
    assert len(cpc) == 100 and len({i.id for i in cpc}) == 100
    assert sum(i.type == "chart" for i in ccs) == 8 and len(ccs) == 97 + 8
    assert assemble_exam(pool, "CPC", 3) == cpc  # same seed, same form


def test_exam_app_shows_clock_and_no_feedback(pool: list[Item]) -> None:
    from coderlib.ui.drills_widgets import DrillApp

    con = connect(":memory:")
    con.execute("INSERT INTO drill_sessions (id, learner, mode, seed, started_at) "
                "VALUES (1, 'ana', 'exam', 1, 'x')")
    items = draw(pool, 2, 1, area="em")
    s = DrillSession(con, 1, items, learner="ana", mode="exam", exam="CPC", minutes=240,
                     pass_mark=0.7, started=dt.datetime.now(dt.timezone.utc))
    app = DrillApp(s, tick_seconds=0.05)
    assert "Time left: 3:59" in app.clock.value or "Time left: 4:00" in app.clock.value
    app.choice.value = app.choice.options[0]
    app.on_submit()
    assert "Answer saved" in app.out.value and items[0].rationale not in app.out.value
    res = app.on_finish()
    assert res.answered == 1 and "pass mark 70%" in app.out.value
    import html

    assert html.escape(items[0].rationale)[:40] in app.out.value  # feedback shown at the end


def test_malformed_blueprint_names_the_field(tmp_path: Path) -> None:
    from coderlib.drills.blueprint import load_blueprint

    bad = tmp_path / "bp.yaml"
    bad.write_text("exams:\n  CPC: {title: x, minutes: 240, pass_mark: 70, areas: {em: "
                   "{title: E/M, items: 9}}}\n")
    with pytest.raises(ItemFileError, match="exams.CPC.pass_mark"):
        load_blueprint(bad)


def test_cli_anki_and_nbgrader_formats(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from coderlib.cli import app

    r = CliRunner().invoke(app, ["drills", "bundle", "--set", "anatomy", "--n", "4", "--out",
                                 str(tmp_path), "--format", "anki", "--generated", "0",
                                 "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["notes"] == 4
    r = CliRunner().invoke(app, ["drills", "bundle", "--set", "anatomy", "--n", "4", "--out",
                                 str(tmp_path / "course"), "--format", "nbgrader",
                                 "--generated", "0", "--json"])
    assert r.exit_code == 0, r.output
    nb = json.loads(Path(json.loads(r.output)["out"]).read_text())
    assert sum(c["metadata"].get("nbgrader", {}).get("grade", False) for c in nb["cells"]) == 4
    assert (tmp_path / "course/keys/key.json").exists()


def test_case_items_have_one_right_answer_per_chart() -> None:
    from coderlib.drills.cases import case_items
    from coderlib.exercises.loader import load_all

    charts = {c.id: c for c in load_all()}
    items = case_items()
    for item in items:
        chart = charts[item.source]
        wrong = [o for k, o in item.options.items() if k != item.key]
        if item.topic == "PCS code":
            assert not set(wrong) & {p.code for p in chart.key.procedures}, item.id
        if item.topic in ("principal diagnosis", "first-listed diagnosis"):
            assert item.options[item.key].replace(".", "") == chart.key.principal_dx.code
        if item.topic == "MS-DRG assignment":
            assert item.options[item.key] == chart.key.drg and chart.key.drg not in wrong
        if item.topic == "modifier choice":
            line = next(ln for ln in chart.key.lines if item.id.endswith(ln.code.lower()))
            assert line.modifiers == [item.options[item.key]]
    assert {i.topic for i in items} >= {"PCS code", "MS-DRG assignment", "E/M level",
                                        "principal diagnosis", "inpatient coding scenario",
                                        "modifier choice"}


def test_drills_import_only_lower_floors() -> None:
    import re

    for path in (REPO_ROOT / "coderlib/drills").glob("*.py"):
        text = path.read_text()
        found = set(re.findall(r"^\s*(?:from|import) coderlib\.(\w+)", text, re.M))
        assert found <= {"codes", "drg", "exercises", "store", "paths", "drills", "notebooks",
                         "intervals", "cli_output"}, \
            (path.name, found)


def test_duplicate_ids_and_missing_scenario_chart_are_refused(tmp_path: Path) -> None:
    good = (FIX / "good/items.yaml").read_text()
    (tmp_path / "a.yaml").write_text(good)
    (tmp_path / "b.yaml").write_text(good.replace("fx-cpt-001", "fx-cpt-002"))
    (tmp_path / "c.yaml").write_text(
        "items:\n  - {id: sc-001, area: scenario, topic: t, difficulty: easy, type: chart,\n"
        "     chart: no-such-chart, stem: Code this stay in full please.,\n"
        "     rationale: Graded by the chart grader.}\n")
    report = validate_bank(tmp_path)
    msgs = {(r.item_id, f.message) for r in report.refused for f in r.findings}
    assert any(i == "fx-cm-001" and "also used in" in m for i, m in msgs)
    assert any(i == "sc-001" and "no exercise chart with id 'no-such-chart'" in m
               for i, m in msgs)
    assert [i.id for i in report.items] == ["fx-cm-001", "fx-cpt-001", "fx-cpt-002"]
    with pytest.raises(ItemFileError, match="also used in"):
        load_items(tmp_path)


def test_case_item_stems_never_carry_the_chart_title() -> None:
    """A chart's own title names its answer ("Sepsis due to ..."): stems use the neutral one."""
    from coderlib.drills.cases import case_items
    from coderlib.exercises.loader import load_all

    charts = {c.id: c for c in load_all()}
    items = case_items(list(charts.values()))
    assert items
    for item in items:
        chart = charts[item.source]
        assert chart.title not in item.stem, item.id
        assert item.stem.startswith(chart.neutral_title), item.id
