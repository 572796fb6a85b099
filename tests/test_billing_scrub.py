"""Billing: the claim scrubber, NCCI loaders on CMS-layout fixtures, CSV and file input."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coderlib.billing.batch import scrub_file
from coderlib.billing.claims import Diagnosis, ProfessionalClaim, ServiceLine
from coderlib.billing.edi837 import write_837
from coderlib.billing.ncci import (
    NcciTables,
    load_mue_file,
    load_ptp_file,
    teaching_tables,
    use_file,
)
from coderlib.billing.scrub import EDITS, scrub_claim
from coderlib.cli import app
from tests.test_billing_x12 import DAY, institutional, professional

FIX = Path(__file__).parent / "fixtures" / "billing"
runner = CliRunner()


def ids(claim, **kw) -> set[str]:  # noqa: ANN001
    return {e.id for e in scrub_claim(claim, **kw) if e.severity == "error"}


def clean() -> ProfessionalClaim:
    c = copy.deepcopy(professional()[0])
    c.submitted = DAY + dt.timedelta(days=2)
    return c


def test_a_clean_claim_has_no_errors() -> None:
    assert ids(clean()) == set()
    assert ids(institutional()) == set()


def test_every_edit_has_severity_queue_and_location() -> None:
    c = clean()
    c.lines[0].modifiers = ["26", "TC"]
    c.lines[1].dx_pointers = [7]
    edits = scrub_claim(c)
    for e in edits:
        assert e.severity in ("error", "warning") and e.queue in ("rejection", "denial")
        assert e.claim_id == "PCN1" and e.line in (1, 2) and e.field and e.message
        assert e.to_dict()["severity"] == EDITS[e.id][0]


@pytest.mark.parametrize(("change", "edit", "words"), [
    (lambda c: setattr(c.patient, "member_id", ""), "required_field", "member_id"),
    (lambda c: c.diagnoses.__setitem__(0, "E11"), "invalid_dx", "not billable"),
    (lambda c: c.diagnoses.__setitem__(0, "E1199"), "invalid_dx", "E11.99"),
    (lambda c: setattr(c.lines[1], "dx_pointers", [3]), "dx_pointer", "pointer C"),
    (lambda c: setattr(c.lines[1], "dx_pointers", []), "dx_pointer", "no diagnosis"),
    (lambda c: setattr(c.billing, "npi", "1234567890"), "npi_check_digit", "expected 3"),
    (lambda c: setattr(c.rendering, "npi", "12345"), "npi_format", "10 digits"),
    (lambda c: setattr(c.lines[1], "modifiers", ["26", "TC"]), "modifier_conflict", "-TC"),
    (lambda c: setattr(c.lines[1], "modifiers", ["LT", "RT"]), "modifier_conflict", "-50"),
    (lambda c: setattr(c.lines[1], "modifiers", ["59", "XU"]), "modifier_conflict", "X{EPSU}"),
    (lambda c: c.lines.append(ServiceLine(3, "93010", [], 1, 20.0, [1], DAY)), "ptp_bundle",
     "column 2 to 93000"),
    (lambda c: setattr(c.lines[0], "units", 2), "mue_units", "MUE allows 1"),
    (lambda c: setattr(c, "place_of_service", "23"), "pos_mismatch", "place of service 23"),
    (lambda c: setattr(c, "submitted", DAY + dt.timedelta(days=400)), "timely_filing",
     "35 days late"),
    (lambda c: setattr(c, "payer_id", "NOPE1"), "unknown_payer", "unknown payer 'NOPE1'"),
    (lambda c: c.diagnoses.append("N400"), "sex_conflict", "male-only"),
    (lambda c: c.diagnoses.append("O80"), "age_conflict", "maternity"),
    (lambda c: (setattr(c.lines[0], "service_date", dt.date(2026, 11, 2)),
                c.diagnoses.append("I420")), "invalid_dx", "deleted for FY2027"),
    (lambda c: c.diagnoses.extend(["I10"] * 11), "malformed", "holds 12 (A-L)"),
])
def test_each_edit_fires(change, edit: str, words: str) -> None:  # noqa: ANN001
    c = clean()
    change(c)
    found = [e for e in scrub_claim(c) if e.id == edit]
    assert found, [str(e) for e in scrub_claim(c)]
    assert any(words in e.message for e in found), [e.message for e in found]


def test_ptp_modifier_bypass_and_payer_without_ncci() -> None:
    c = clean()
    c.lines.append(ServiceLine(3, "93010", ["59"], 1, 20.0, [1], DAY))
    edits = {e.id for e in scrub_claim(c)}
    assert "ptp_bundle" in edits  # indicator 0: no modifier bypasses it
    c = clean()
    c.lines = [ServiceLine(1, "96413", [], 1, 300.0, [1], DAY),
               ServiceLine(2, "96372", ["XS"], 1, 40.0, [1], DAY)]
    edits = {e.id: e for e in scrub_claim(c)}
    assert "ptp_bundle" not in edits and edits["ptp_modifier"].severity == "warning"
    c.lines[1].modifiers = []
    assert "ptp_bundle" in ids(c)
    c.payer_id = "ACM01"  # this payer applies no NCCI edits (and wants a rendering NPI)
    assert "ptp_bundle" not in ids(c)


def test_institutional_edits() -> None:
    c = institutional()
    c.other_dx[0] = Diagnosis("N179", "X")
    c.procedures[0].code = "5A1955"
    c.type_of_bill = "11"
    c.discharge_status, c.admission_hour = "09", "2460"
    found = ids(c)
    assert {"poa_invalid", "invalid_code", "malformed"} <= found
    fields = {e.field for e in scrub_claim(c) if e.id == "malformed"}
    assert fields == {"type_of_bill", "discharge_status", "admission_hour"}
    c = institutional()
    c.other_dx[0].poa = ""
    warn = [e for e in scrub_claim(c) if e.id == "poa_missing"]
    assert [e.code for e in warn] == ["N179"]  # blank POA on Z79.84 (exempt-style) is quiet


# ---------------------------------------------------------------- NCCI files (CMS layout)


def test_ptp_loader_reads_the_cms_layout_and_reports_bad_rows() -> None:
    edits, problems = load_ptp_file(FIX / "ccipra_v321r0_f1.txt")
    pairs = {(e.column1, e.column2): e for e in edits}
    assert len(edits) == 5
    e = pairs[("93000", "93010")]
    assert e.pre_1996 and e.deletion is None and e.modifier_indicator == "0"
    assert e.rationale == "CPT Manual or CMS manual coding instructions"
    deleted = pairs[("29880", "29881")]
    assert deleted.active_on(dt.date(2012, 6, 1)) and not deleted.active_on(DAY)
    assert not pairs[("99213", "36415")].active_on(DAY)  # indicator 9
    assert problems == ["ccipra_v321r0_f1.txt: row 12: effective date '2011010' is not "
                        "YYYYMMDD",
                        "ccipra_v321r0_f1.txt: row 13: codes '11042' / 'XYZ' are not "
                        "5-character HCPCS/CPT codes"]


def test_mue_loader_reads_the_cms_layout() -> None:
    edits, problems = load_mue_file(FIX / "mue_practitioner.csv")
    by = {e.code: e for e in edits}
    assert by["96372"].mue == 4 and by["96372"].mai == "3"
    assert by["20610"].mai == "1" and by["20610"].rationale == "Anatomic Consideration"
    assert problems == ["mue_practitioner.csv: row 9: MUE value 'one' is not a whole number"]
    assert load_mue_file(FIX / "ccipra_v321r0_f1.txt")[1][0].endswith("not a CMS MUE table")


def test_loaded_files_drive_the_scrub() -> None:
    tables = copy.deepcopy(teaching_tables())
    use_file(tables, FIX / "mue_practitioner.csv")
    c = clean()
    c.lines.append(ServiceLine(3, "20610", [], 3, 90.0, [1], DAY))  # MAI 1: a line edit
    assert "mue_units" in ids(c, tables=tables)
    assert "mue_units" not in ids(c, tables=NcciTables())


# ------------------------------------------------------------------------- file input


def test_scrub_837_file_with_broken_envelope_still_scrubs_every_claim(tmp_path: Path) -> None:
    claims = professional()
    claims[1].lines[0].modifiers = ["LT", "RT"]
    text = write_837(claims).replace("GE*1*1", "GE*4*1")
    path = tmp_path / "batch.837"
    path.write_text(text)
    result = scrub_file(path)
    assert [c.claim_id for c in result.claims] == ["PCN1", "PCN2"]
    env = [e for e in result.edits if e.id == "file_envelope"]
    assert env and "GE01 says 4" in env[0].message and env[0].field == "GE"
    assert any(e.id == "modifier_conflict" and e.claim_id == "PCN2" for e in result.edits)


def test_scrub_csv_reports_bad_rows_and_keeps_going(tmp_path: Path) -> None:
    path = tmp_path / "claims.csv"
    path.write_text(
        "claim_id,payer_id,patient_last,patient_first,member_id,birth_date,sex,"
        "place_of_service,diagnoses,billing_npi,tax_id,code,modifiers,units,charge,"
        "dx_pointers,service_date,submitted\n"
        "C1,MCR01,DOE,JANE,1EG4,1950-02-01,F,11,E11.9 I10,1234567893,123456789,99214,25,1,"
        "240,A B,2026-01-05,2026-01-06\n"
        "C1,MCR01,DOE,JANE,1EG4,1950-02-01,F,11,E11.9 I10,1234567893,123456789,93000,,1,"
        "45,B,2026-01-05,2026-01-06\n"
        "C2,MCR01,ROE,RAY,1EG5,1960-01-01,M,11,I10,1234567893,123456789,99213,,one,"
        "165,1,2026-02-30,2026-01-06\n"
        "C3,MCR01,POE,PAM,1EG6,1970-01-01,F,11,E11.9,1234567893,123456789,99213,,1,"
        "165,1,2026-01-05,2026-01-06\n")
    result = scrub_file(path)
    assert [c.claim_id for c in result.claims] == ["C1", "C2", "C3"]
    assert result.claims[0].lines[0].dx_pointers == [1, 2]
    bad = [(e.row, e.field) for e in result.edits if e.id == "malformed"]
    assert bad == [(4, "units"), (4, "service_date")]
    errors = {e.claim_id for e in result.edits if e.severity == "error"}
    assert errors == {"C2"} and result.clean_claim_rate == pytest.approx(2 / 3)
    assert {e.row for e in result.edits if e.claim_id == "C2"} == {4}  # C2's one CSV row


def test_edits_name_the_file_row_or_segment(tmp_path: Path) -> None:
    claims = professional()
    claims[0].lines[1].modifiers = ["26", "TC"]
    claims[1].payer_id = "NOPE1"
    path = tmp_path / "b.837"
    path.write_text(write_837(claims))
    lines = path.read_text().splitlines()
    edits = {e.id: e for e in scrub_file(path).edits}
    mod, payer = edits["modifier_conflict"], edits["unknown_payer"]
    assert lines[mod.row - 1].startswith("SV1*HC:93000:26:TC")
    assert lines[payer.row - 1].startswith("CLM*PCN2")
    assert f"segment {payer.row}" in str(payer)


def test_an_835_is_not_scrubbed_as_claims(tmp_path: Path) -> None:
    from coderlib.billing.edi835 import write_835
    from tests.test_billing_x12 import payment

    path = tmp_path / "r.835"
    path.write_text(write_835([payment()], "MCR01", "MEDICARE DEMO", DAY))
    result = scrub_file(path)
    assert result.claims == []
    assert any("not an 837" in e.message for e in result.edits)


def test_cli_scrub_json_and_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "batch.837"
    path.write_text(write_837(professional()))
    res = runner.invoke(app, ["billing", "scrub", str(path), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["kind"] == "837P" and data["claims"] == 2
    assert data["ncci_sources"] == ["coderlib teaching subset"]
    junk = tmp_path / "junk.837"
    junk.write_text("this is not a claim file\n")
    res = runner.invoke(app, ["billing", "scrub", str(junk), "--json"])
    assert res.exit_code == 2 and "not an X12 file" in json.loads(res.output)["error"]
    res = runner.invoke(app, ["billing", "scrub", str(tmp_path / "missing.837")])
    assert res.exit_code == 2 and "file not found" in res.output
    res = runner.invoke(app, ["billing", "scrub", str(path), "--mue",
                              str(FIX / "mue_practitioner.csv"), "--json"])
    data = json.loads(res.output)
    assert "mue_practitioner.csv" in data["ncci_sources"] and data["ncci_problems"]


def test_cli_validate_uses_pyx12(tmp_path: Path) -> None:
    from coderlib.billing.validate import pyx12_available

    if not pyx12_available():
        pytest.skip("pyx12 needs Python 3.11+")
    good, bad = tmp_path / "good.837", tmp_path / "bad.837"
    good.write_text(write_837(professional()))
    bad.write_text(write_837(professional()).replace("N4*SPRINGFIELD*IL*62701~", "", 1))
    res = runner.invoke(app, ["billing", "validate", str(good), "--json"])
    assert res.exit_code == 0 and json.loads(res.output)["ok"] is True
    res = runner.invoke(app, ["billing", "validate", str(bad)])
    assert res.exit_code == 1 and "NOT valid" in res.output and "line " in res.output


def test_cli_scrub_csv_with_a_shifted_row_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "claims.csv"
    path.write_text("claim_id,payer_id,code,charge\nC1,MCR01,99213,100\nC2,MCR01,99213,1,00\n")
    res = runner.invoke(app, ["billing", "scrub", str(path), "--json"])
    assert res.exit_code == 2
    error = json.loads(res.output)["error"]
    assert "claims.csv" in error and "row 3" in error


def test_docs_list_every_edit_as_the_code_defines_it() -> None:
    text = (Path(__file__).parents[1] / "docs" / "billing.md").read_text()
    for edit_id, (severity, queue, what) in EDITS.items():
        assert f"| `{edit_id}` | {severity} | {queue} | {what} |" in text, edit_id
    res = runner.invoke(app, ["billing", "edits", "--json"])
    assert [r["id"] for r in json.loads(res.output)] == list(EDITS)
