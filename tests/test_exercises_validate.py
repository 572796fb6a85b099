"""Key validation: every check fails on a broken fixture and the shipped sets pass."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from coderlib.cli import app
from coderlib.exercises.validate import ERROR, SKIPPED, validate_path
from coderlib.paths import exercises_dir

FIX = Path(__file__).parent / "fixtures" / "exercises"
GOOD = FIX / "good"
BROKEN = FIX / "broken"


def findings(report, chart_file: str) -> list[tuple[str, str, str]]:
    rep = next(c for c in report.charts if c.file.endswith(chart_file))
    return [(f.check, f.field, f.message) for f in rep.findings if f.severity == ERROR]


@pytest.fixture(scope="module")
def broken():
    return validate_path(BROKEN)


def test_good_fixtures_pass_every_check() -> None:
    report = validate_path(GOOD)
    assert report.ok, report.render()
    assert len(report.charts) == 4


def test_real_exercises_pass_with_zero_failures() -> None:
    """CI gate: the shipped exercise sets (whatever is there) must all validate."""
    root = exercises_dir()
    if not any(root.rglob("*.yaml")):
        pytest.skip("no exercise charts yet")
    report = validate_path(root)
    assert report.ok, report.render()


def test_no_check_is_skipped() -> None:
    """Every code set, the MCE edits and the grouper are wired in (nothing silently skipped)."""
    report = validate_path(GOOD)
    skipped = [f.message for c in report.charts for f in c.findings if f.severity == SKIPPED]
    assert not skipped


def test_broken_yaml_reported_not_raised(broken) -> None:
    errs = findings(broken, "bad-yaml-001.yaml")
    assert errs[0][0] == "load" and "YAML syntax error" in errs[0][2]


def test_schema_problems_reported(broken) -> None:
    fields = {f for _, f, _ in findings(broken, "bad-fields-001.yaml")}
    assert {"patient.sex", "key.principal_dx.poa", "key.drg", "metadata.colour"} <= fields


def test_key_errors(broken) -> None:
    errs = findings(broken, "bad-key-001.yaml")
    checks = {(c, f) for c, f, _ in errs}
    assert ("required", "key.secondary_dx[1].poa") in checks      # inpatient POA missing
    assert ("codes", "key.secondary_dx[0]") in checks              # A41 header
    assert ("sex_age", "key.principal_dx") in checks               # O80 for a man
    assert ("drg", "key.drg") in checks                            # stored DRG is wrong
    header = next(m for c, f, m in errs if c == "codes")
    assert "not billable" in header and "A41.51" in header         # names billable children


def test_duplicate_ids(broken) -> None:
    for name in ("outpatient/dup-001.yaml", "injury/dup-001.yaml"):
        assert any(c == "ids" for c, _, _ in findings(broken, name))


def test_unknown_modifier(broken) -> None:
    errs = findings(broken, "outpatient/dup-001.yaml")
    assert any(c == "modifiers" and "ZZ" in m for c, _, m in errs)


def _variant(tmp_path: Path, src: Path, set_name: str, edit) -> Path:
    data = yaml.safe_load(src.read_text())
    edit(data)
    folder = tmp_path / set_name
    folder.mkdir(exist_ok=True)
    path = folder / f"{data['id']}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_excludes1_conflict_in_key(tmp_path: Path) -> None:
    def edit(d):
        d["key"]["secondary_dx"].append({"code": "E10.9", "rationale": "wrong on purpose"})
    path = _variant(tmp_path, GOOD / "outpatient" / "fx-op-knee-001.yaml", "outpatient", edit)
    errs = [f for c in validate_path(path).charts for f in c.findings if f.severity == ERROR]
    assert any(f.check == "excludes1" and "E10.9" in f.message for f in errs), errs


def test_age_conflict_newborn_code(tmp_path: Path) -> None:
    def edit(d):
        d["key"]["secondary_dx"].append({"code": "P07.30", "rationale": "wrong on purpose"})
    path = _variant(tmp_path, GOOD / "outpatient" / "fx-op-knee-001.yaml", "outpatient", edit)
    errs = [f for c in validate_path(path).charts for f in c.findings if f.severity == ERROR]
    assert any(f.check == "sex_age" and "P07.30" in f.message for f in errs), errs


def test_male_only_code_for_female(tmp_path: Path) -> None:
    def edit(d):
        d["key"]["secondary_dx"].append({"code": "N40.0", "poa": "Y", "rationale": "wrong"})
    path = _variant(tmp_path, GOOD / "inpatient" / "fx-ip-sepsis-001.yaml", "inpatient", edit)
    errs = [f for c in validate_path(path).charts for f in c.findings if f.severity == ERROR]
    assert any(f.check == "sex_age" and "N40.0" in f.message for f in errs), errs


def test_unacceptable_principal(tmp_path: Path) -> None:
    def edit(d):
        d["key"]["principal_dx"]["code"] = "W26.0XXA"
    path = _variant(tmp_path, GOOD / "injury" / "fx-inj-hand-001.yaml", "injury", edit)
    errs = [f for c in validate_path(path).charts for f in c.findings if f.severity == ERROR]
    assert any(f.check == "principal" for f in errs), errs


def test_code_not_valid_on_date_of_service(tmp_path: Path) -> None:
    def edit(d):
        d["dates"]["service"] = "2015-06-03"  # before ICD-10 (FY2024 dates are valid now)
    path = _variant(tmp_path, GOOD / "outpatient" / "fx-op-knee-001.yaml", "outpatient", edit)
    errs = [f for c in validate_path(path).charts for f in c.findings if f.severity == ERROR]
    assert any(f.check == "codes" and "not valid on 2015-06-03" in f.message for f in errs), errs


def test_setting_rules_and_query_set(tmp_path: Path) -> None:
    def no_drg(d):
        d["key"].pop("drg")
        d["key"]["lines"] = [{"code": "99223", "rationale": "pro-fee line in a facility key"}]
    path = _variant(tmp_path, GOOD / "inpatient" / "fx-ip-sepsis-001.yaml", "inpatient", no_drg)
    fields = {f.field for c in validate_path(path).charts for f in c.findings
              if f.severity == ERROR}
    assert {"key.drg", "key.lines[0]"} <= fields

    def no_query(d):
        d["key"].pop("query")
    path = _variant(tmp_path, GOOD / "query" / "fx-q-cough-001.yaml", "query", no_query)
    fields = {f.field for c in validate_path(path).charts for f in c.findings
              if f.severity == ERROR}
    assert "key.query" in fields


def test_unknown_set_folder(tmp_path: Path) -> None:
    folder = tmp_path / "misc"
    folder.mkdir()
    shutil.copy(GOOD / "injury" / "fx-inj-hand-001.yaml", folder)
    report = validate_path(folder)
    assert not report.ok and report.charts[0].findings[0].check == "set"


def test_cli_validate_exit_codes_and_json() -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["exercises", "validate", str(GOOD)])
    assert ok.exit_code == 0, ok.output
    assert "4 chart(s) checked, 0 failed" in ok.output
    bad = runner.invoke(app, ["exercises", "validate", str(BROKEN), "--json"])
    assert bad.exit_code == 1
    data = json.loads(bad.output)
    assert data["ok"] is False and data["charts_failed"] == 12
    assert runner.invoke(app, ["exercises", "validate", "/no/such/dir"]).exit_code == 1


def test_poa_exempt_list(broken) -> None:
    errs = findings(broken, "bad-poa-exempt-001.yaml")
    fields = {f for c, f, _ in errs if c == "poa_exempt"}
    assert fields == {"key.secondary_dx[0].poa", "key.secondary_dx[2].poa"}  # I10 1, Z79.01 Y
    msg = next(m for c, f, m in errs if f == "key.secondary_dx[2].poa")
    assert "Appendix I" in msg and "Long term" in msg


def test_poa_exempt_list_names_its_source() -> None:
    from coderlib.exercises.key_rules import is_poa_exempt, poa_exempt_list
    from coderlib.paths import data_dir

    data = yaml.safe_load((data_dir() / "poa_exempt.yaml").read_text())
    assert "Appendix I" in data["source"] and "FY2026" in data["source"]
    assert len(poa_exempt_list()) > 100
    assert is_poa_exempt("Y92.511") and is_poa_exempt("Z38.00") and is_poa_exempt("I25.2")
    assert not is_poa_exempt("V00.811A")  # V00.81- is excepted from V00-V09
    assert not is_poa_exempt("I25.10") and not is_poa_exempt("J18.9")


def test_external_cause_seventh_matches_injury(broken) -> None:
    errs = findings(broken, "bad-ext-cause-001.yaml")
    assert [(c, f) for c, f, _ in errs] == [("external_cause", "key.secondary_dx[0]")]


def test_em_beside_global_procedure(broken) -> None:
    major = findings(broken, "bad-em-global-001.yaml")
    assert any(c == "em_global" and "57" in m for c, _, m in major)
    minor = findings(broken, "bad-em-minor-57-001.yaml")
    assert any(c == "em_global" and "use 25" in m for c, _, m in minor)


def test_em_global_satisfied_by_modifier_or_no_separate_em(tmp_path: Path) -> None:
    def with_57(d):
        d["key"]["lines"][0]["modifiers"] = ["57"]
    path = _variant(tmp_path, BROKEN / "outpatient" / "bad-em-global-001.yaml", "outpatient",
                    with_57)
    assert not [f for c in validate_path(path).charts for f in c.findings
                if f.check == "em_global"]

    def no_em(d):
        d["key"]["lines"].pop(0)
    path = _variant(tmp_path, BROKEN / "outpatient" / "bad-em-global-001.yaml", "outpatient",
                    no_em)
    warn = [f for c in validate_path(path).charts for f in c.findings if f.check == "em_global"]
    assert [f.severity for f in warn] == ["warning"]


def test_underdosing_needs_its_noncompliance_code(broken, tmp_path: Path) -> None:
    errs = findings(broken, "bad-underdosing-001.yaml")
    assert [(c, f) for c, f, _ in errs if c == "underdosing"] == \
        [("underdosing", "key.secondary_dx[0]")]

    def add_z(d):
        d["key"]["secondary_dx"].append({"code": "Z91.128", "poa": "1", "rationale": "r"})
    path = _variant(tmp_path, BROKEN / "inpatient" / "bad-underdosing-001.yaml", "inpatient",
                    add_z)
    assert not [f for c in validate_path(path).charts for f in c.findings
                if f.check == "underdosing"]


def test_giveaway_phrases_in_documentation(broken) -> None:
    errs = findings(broken, "bad-giveaway-001.yaml")
    found = " ".join(m for c, _, m in errs if c == "giveaway")
    for phrase in ("Moderate complexity", "prescription drug management", "Billing note"):
        assert phrase in found


def test_giveaway_phrases_spare_clinical_risk_words() -> None:
    from coderlib.exercises.key_rules import find_giveaways

    assert find_giveaways("HEART score 2, low risk for MACE. Wells low risk-score.") == []
    assert find_giveaways("Risk: moderate.")
    assert find_giveaways("Coder note: no separate E/M")


def test_seventh_character_and_placeholder(broken) -> None:
    errs = findings(broken, "bad-seventh-001.yaml")
    assert {(c, f) for c, f, _ in errs} == {("seventh", "key.principal_dx"),
                                           ("seventh", "key.secondary_dx[0]")}
    assert any("placeholder X" in m for _, _, m in errs)


def test_cpt_outside_teaching_subset_is_a_softer_finding(broken) -> None:
    from coderlib.codes.cpt import known_codes

    assert "61885" not in known_codes()  # the fixture's code must stay outside the subset
    rep = next(c for c in broken.charts if c.file.endswith("warn-cpt-unverified-001.yaml"))
    assert rep.ok
    [f] = [f for f in rep.findings if f.check == "cpt_unverified"]
    assert f.severity == "warning" and "cannot be verified without a licensed CPT file" in \
        f.message and "does not exist" not in f.message


def test_alternates_are_validated(tmp_path: Path) -> None:
    def bad_alt(d):
        d["key"]["principal_dx"]["accept"] = [{"code": "M17.1", "note": "header on purpose"}]
    path = _variant(tmp_path, GOOD / "outpatient" / "fx-op-knee-001.yaml", "outpatient",
                    bad_alt)
    errs = [f for c in validate_path(path).charts for f in c.findings if f.severity == ERROR]
    assert any(f.field == "key.principal_dx.accept[0]" for f in errs), errs


def test_exempt_code_may_leave_poa_blank(tmp_path: Path) -> None:
    def blank(d):
        d["key"]["secondary_dx"][2]["poa"] = None   # Z79.01: exempt, blank is fine
        d["key"]["secondary_dx"][0]["poa"] = "Y"    # I10 fixed
    path = _variant(tmp_path, BROKEN / "inpatient" / "bad-poa-exempt-001.yaml", "inpatient",
                    blank)
    errs = [f for c in validate_path(path).charts for f in c.findings if f.severity == ERROR]
    assert not [f for f in errs if f.check in ("poa_exempt", "required")], errs


def test_place_code_at_a_subsequent_encounter_is_flagged(tmp_path: Path) -> None:
    def add_place(d):
        d["key"]["secondary_dx"][0]["code"] = "W00.0XXD"
        d["key"]["secondary_dx"].append({"code": "Y92.480", "rationale": "wrong on purpose"})
    path = _variant(tmp_path, BROKEN / "injury" / "bad-ext-cause-001.yaml", "injury", add_place)
    found = [f for c in validate_path(path).charts for f in c.findings
             if f.check == "external_cause"]
    assert [(f.field, f.severity) for f in found] == [("key.secondary_dx[1]", "warning")]


def test_note_that_reads_like_underdosing_without_a_code_warns(tmp_path: Path) -> None:
    def no_underdosing(d):
        d["key"]["secondary_dx"] = []
    path = _variant(tmp_path, BROKEN / "inpatient" / "bad-underdosing-001.yaml", "inpatient",
                    no_underdosing)
    # "stopped lithium on her own": the key now has no underdosing code at all
    rep = validate_path(path).charts[0]
    warn = [f for f in rep.findings if f.check == "underdosing"]
    assert [f.severity for f in warn] == ["warning"] and "lithium" in warn[0].message
