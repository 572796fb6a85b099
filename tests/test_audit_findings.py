"""Audit findings: one transaction each, validation before writing, resume, crash safety."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pandas as pd
import pytest

from coderlib.audit.demo import load_demo, truth_as_findings
from coderlib.audit.differences import Difference
from coderlib.audit.findings import FindingError, create_audit, list_audits, open_audit
from coderlib.audit.sampling import draw_sample

TRUTH = ["true_dx", "true_px", "true_lines", "true_drg", "injected_errors"]


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return draw_sample(load_demo(), "probe", 3, seed=21)


@pytest.fixture()
def store(tmp_path):
    return tmp_path / "store.sqlite"


def _count(session) -> int:
    return int(session.con.execute("SELECT COUNT(*) FROM audit_finding").fetchone()[0])


def test_record_resume_and_revise(sample, store):
    s = create_audit(sample.drop(columns=TRUTH), path=store, audit_id="a1")
    truth = truth_as_findings(sample).set_index("encounter_id")
    first = s.pending()[:3]
    assert first == sample["encounter_id"].tolist()[:3]  # selection order
    for eid in first:
        t = truth.loc[eid]
        s.record(eid, audit_dx=t.audit_dx, audit_px=t.audit_px, audit_lines=t.audit_lines,
                 audit_drg=t.audit_drg, comment="checked", auditor="QA")
    s.con.close()
    again = open_audit("a1", path=store)  # a new connection: everything is on disk
    assert again.progress() == (3, len(sample))
    assert again.pending()[0] == sample["encounter_id"].iloc[3]
    eid = first[0]
    again.record(eid, audit_dx="R69", comment="revised", query_needed=True)
    f = again.findings().set_index("encounter_id")
    assert f.loc[eid, "revision"] == 2 and f.loc[eid, "query_needed"] == 1
    hist = again.history()
    assert hist["encounter_id"].tolist() == [eid] and '"checked"' in hist["finding_json"].iloc[0]
    assert list_audits(path=store)["audited"].tolist() == [3]


def test_differences_are_classified_and_stored(sample, store):
    s = create_audit(sample.drop(columns=TRUTH), path=store, audit_id="a2")
    row = sample[sample["injected_errors"] != ""].iloc[0]
    diffs = s.record(row["encounter_id"], audit_dx=row["true_dx"], audit_px=row["true_px"],
                     audit_lines=row["true_lines"], audit_drg=row["true_drg"])
    stored = s.differences()
    assert sorted(stored["category"]) == sorted(d.category for d in diffs)
    assert sorted(stored["category"]) == sorted(row["injected_errors"].split(";"))
    own = [Difference("wrong_specificity", "E11.9", "E11.65", "auditor's call")]
    s.record(row["encounter_id"], audit_dx="E11.65", differences=own)
    assert s.differences()["note"].tolist() == ["auditor's call"]


@pytest.mark.parametrize("change, column, needle", [
    ({"encounter_id": "ENC-999999"}, "encounter_id", "not in the sample"),
    ({"coder": "Zed"}, "coder", "unknown coder 'Zed'"),
    ({"audit_dx": "E11.9|12345"}, "audit_dx", "not an ICD-10-CM code"),
    ({"audit_dx": "E11|I10"}, "audit_dx", "not billable"),
    ({"audit_px": "0T9B70A"}, "audit_px", "not a valid ICD-10-PCS code"),
    ({"audit_lines": "99214-XYZ"}, "audit_lines", "modifier 'XYZ'"),
    ({"audit_drg": "000"}, "audit_drg", "not an FY2026 MS-DRG"),
    ({"audit_dx": ""}, "audit_dx", "empty"),
])
def test_bad_findings_name_row_and_column_and_write_nothing(sample, store, change, column,
                                                            needle):
    s = create_audit(sample.drop(columns=TRUTH), path=store, audit_id="a3")
    f = truth_as_findings(sample).head(6)
    f["coder"] = sample["coder"].head(6).to_numpy()
    for k, v in change.items():
        f.loc[4, k] = v
    with pytest.raises(FindingError) as err:
        s.import_findings(f, source="findings.csv")
    assert (err.value.row, err.value.column) == (6, column)
    assert needle in str(err.value) and "findings.csv" in str(err.value)
    assert _count(s) == 0  # rows 2-5 were valid, but nothing is half-written


def test_wrong_coder_for_encounter_and_duplicates(sample, store):
    s = create_audit(sample.drop(columns=TRUTH), path=store, audit_id="a4")
    f = truth_as_findings(sample).head(3)
    other = next(c for c in sample["coder"] if c != sample["coder"].iloc[0])
    f["coder"] = [other] + sample["coder"].iloc[1:3].tolist()
    with pytest.raises(FindingError, match="does not match the sampled encounter's coder"):
        s.import_findings(f)
    dup = pd.concat([truth_as_findings(sample).head(2)] * 2)
    with pytest.raises(FindingError, match="duplicate encounter id"):
        s.import_findings(dup)
    assert _count(s) == 0
    assert s.import_findings(truth_as_findings(sample)) == len(sample)


def test_existing_and_missing_audits(sample, store):
    create_audit(sample, path=store, audit_id="dup")
    with pytest.raises(FindingError, match="already exists"):
        create_audit(sample, path=store, audit_id="dup")
    with pytest.raises(FindingError, match="no audit 'missing'"):
        open_audit("missing", path=store)


def test_findings_survive_a_killed_process(sample, store):
    create_audit(sample.drop(columns=TRUTH), path=store, audit_id="crash")
    ids = sample["encounter_id"].tolist()[:5]
    code = textwrap.dedent(f"""
        import os
        from coderlib.audit.findings import open_audit
        s = open_audit("crash", path={str(store)!r})
        for eid in {ids!r}:
            s.record(eid, audit_dx="R69")
        os._exit(9)  # die without closing anything, like a killed kernel
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 9, proc.stderr
    s = open_audit("crash", path=store)
    assert s.findings()["encounter_id"].tolist() == ids
    assert s.con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
