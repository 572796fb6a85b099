"""The audit app: callbacks go through the library and never lose or half-write a finding."""

from __future__ import annotations

import pytest

from coderlib.audit.demo import TRUTH_COLUMNS, ensure_demo_audit, load_demo, truth_as_findings
from coderlib.audit.findings import FindingError, create_audit, open_or_create_audit
from coderlib.audit.sampling import draw_sample
from coderlib.audit.workspace import user_audits
from coderlib.ui.audit_widgets import AuditApp, AuditWorkbench, encounter_html, running_accuracy
from coderlib.ui.kit import entry_from_columns


@pytest.fixture()
def app(tmp_path):
    sample = draw_sample(load_demo(), "probe", 2, seed=5)
    session = create_audit(sample.drop(columns=list(TRUTH_COLUMNS)), path=tmp_path / "s.db",
                           audit_id="w")
    app = AuditApp(session)
    app.truth = truth_as_findings(sample).set_index("encounter_id")
    return app


def test_walk_save_and_resume(app, tmp_path):
    first = app.encounter_id
    coder = app.row["coder"]
    row = app.row
    assert "Coder's codes" in app.view.value
    assert app.codes.value == entry_from_columns(row["dx"], row.get("px"), row.get("lines"))
    t = app.truth.loc[first]
    app.codes.value = entry_from_columns(t.audit_dx, t.audit_px, t.audit_lines)
    app.drg.value = t.audit_drg
    app.save()
    assert "Saved finding" in app.result.value and app.encounter_id != first
    assert app.session.progress()[0] == 1
    assert f"<td>{coder}</td>" in app.accuracy.value
    again = AuditApp(app.session)  # resume: opens at the first pending encounter
    assert again.encounter_id == app.session.pending()[0]
    again.go(again.order.index(first))
    assert again.codes.value == entry_from_columns(t.audit_dx, t.audit_px, t.audit_lines)
    assert "already audited" in again.header.value


def test_bad_entry_is_kept_and_nothing_written(app):
    app.codes.value = "PDX: E11.9; SDX: NOPE"
    assert app.save() is None
    assert "Not saved" in app.result.value and app.codes.value == "PDX: E11.9; SDX: NOPE"
    app.codes.value = "DX: E11.9:Y" + ", E11.9:Y" * 1999
    assert app.save() is None and "characters long" in app.result.value
    app.codes.value = "DX: E11.9:Y, I10:Y, e119:Y"
    assert app.save() is None and "E11.9 is listed twice" in app.result.value
    assert app.session.progress()[0] == 0


def test_group_button_fills_the_auditor_drg(app):
    ip = [i for i, r in enumerate(app.sample.to_dict("records")) if r["setting"] == "inpatient"]
    app.go(ip[0])
    eid = app.encounter_id
    app.codes.value = entry_from_columns(app.truth.loc[eid, "audit_dx"],
                                         app.truth.loc[eid, "audit_px"])
    app.drg.value = ""
    app.group()
    assert app.drg.value == app.truth.loc[eid, "audit_drg"]
    assert f"group to MS-DRG {app.drg.value}" in app.result.value


def test_demo_audit_is_resumable_and_guards_its_sample(tmp_path):
    path = tmp_path / "demo.db"
    s = ensure_demo_audit(path, size=3, seed=1)
    assert s.progress() == (24, 24)
    s2 = ensure_demo_audit(path, size=3, seed=1)
    assert s2.progress() == (24, 24) and s2.history().empty
    assert len(running_accuracy(s2)) == 8
    other = draw_sample(load_demo(), "srs", 5, seed=9).drop(columns=list(TRUTH_COLUMNS))
    with pytest.raises(FindingError, match="different sample"):
        open_or_create_audit(other, path=path, audit_id=s.audit_id)
    assert "No documentation" in encounter_html({"encounter_id": "X", "dx": "I10"})


def test_resume_refuses_a_sample_from_a_changed_population(tmp_path):
    """Same encounter ids drawn from an edited population: a resumed audit must notice."""
    path = tmp_path / "frame.db"
    frame = load_demo()
    sample = draw_sample(frame, "srs", 5, seed=3).drop(columns=list(TRUTH_COLUMNS))
    session = open_or_create_audit(sample, path=path, audit_id="a1")
    session.record(sample["encounter_id"].iloc[0], audit_dx="I10:Y")
    edited = frame.copy()
    first = edited.index[edited["encounter_id"] == sample["encounter_id"].iloc[1]][0]
    edited.loc[first, "dx"] = "E11.9:Y"  # a sampled encounter was recoded in the source
    redrawn = draw_sample(edited, "srs", 5, seed=3).drop(columns=list(TRUTH_COLUMNS))
    assert redrawn["encounter_id"].tolist() == sample["encounter_id"].tolist()
    with pytest.raises(FindingError, match="now has other dx"):
        open_or_create_audit(redrawn, path=path, audit_id="a1")
    assert open_or_create_audit(sample, path=path, audit_id="a1").progress()[0] == 1
    fresh = open_or_create_audit(redrawn, path=path, audit_id="a1", replace_if_stale=True)
    assert fresh.progress() == (0, 5)


def test_differences_show_dotted_codes(app):
    eid = app.encounter_id
    t = app.truth.loc[eid]
    app.codes.value = entry_from_columns(t.audit_dx, t.audit_px, t.audit_lines) + \
        "; SDX: T45.1X5A:Y"
    if app.row["setting"] != "inpatient":
        app.codes.value = entry_from_columns(t.audit_dx, t.audit_px, t.audit_lines)
        app.codes.value = app.codes.value.replace("PDX: ", "DX: ", 1) + ", T45.1X5A"
    app.save()
    assert "T45.1X5A" in app.result.value and "T451X5A" not in app.result.value


def test_workbench_draws_into_the_users_store_under_a_new_id(tmp_path):
    store = tmp_path / "user.db"
    demo = ensure_demo_audit(tmp_path / "demo.db", size=2, seed=1)
    before = demo.findings().to_dict("records")
    wb = AuditWorkbench(store_path=store)
    wb.method.value, wb.size.value, wb.seed.value = "probe", 1, 11
    first = wb.draw()
    assert first.audit_id == "probe-1-seed11-1" and first.progress() == (0, 8)
    assert not any(c.startswith("true_") for c in first.sample.columns)
    second = wb.draw()
    assert second.audit_id == "probe-1-seed11-2"
    wb.app.codes.value = entry_from_columns(wb.app.row["dx"], wb.app.row.get("px"),
                                            wb.app.row.get("lines"))
    assert wb.app.save() is not None
    assert list(user_audits(path=store)["audit_id"]) == ["probe-1-seed11-2", "probe-1-seed11-1"]
    again = AuditWorkbench(store_path=store)  # a reload: resume from the list
    assert "1 of 8 audited" in again.resume.options[0][0]
    assert again.resume.value == again.resume.options[0][1]
    session = again.open(again.resume.value)
    assert session.progress() == (1, 8) and "Resumed" in again.message.value
    assert demo.findings().to_dict("records") == before  # the demo audit is untouched


def test_workbench_bad_population_is_a_message(tmp_path):
    wb = AuditWorkbench(store_path=tmp_path / "u.db", charts=[])
    wb.population.value = "file"
    wb.path.value = str(tmp_path / "missing.csv")
    assert wb.draw() is None and "file not found" in wb.message.value
    wb.population.value = "demo"
    wb.size.value = 50_000
    assert wb.draw() is None and "No sample drawn" in wb.message.value
