"""`make reports`: one accuracy report per coder, each with an HTML copy that reads offline."""

from __future__ import annotations

import re

from coderlib.audit.demo import TRUTH_COLUMNS, load_demo, truth_as_findings
from coderlib.audit.findings import create_audit
from coderlib.audit.sampling import draw_sample
from coderlib.ui.reports import run_reports


def test_one_report_per_coder_offline_html(tmp_path) -> None:
    frame = load_demo()
    frame = frame[frame["coder"].isin(["Fay"])]
    sample = draw_sample(frame, "srs", 4, seed=1)
    session = create_audit(sample.drop(columns=list(TRUTH_COLUMNS)), audit_id="t1",
                           path=tmp_path / "s.db")
    for t in truth_as_findings(sample).to_dict("records"):
        session.record(t["encounter_id"], audit_dx=t["audit_dx"], audit_px=t["audit_px"],
                       audit_lines=t["audit_lines"], audit_drg=t["audit_drg"])
    files = run_reports("t1", tmp_path / "s.db", tmp_path / "out")
    assert [f.name for f in files] == ["04_accuracy_report_Fay.html"]
    page = files[0].read_text()
    assert "Fay" in page and "Code accuracy" in page and "Traceback" not in page
    assert not re.findall(r"<script[^>]*src=\"https?://", page)
    assert (tmp_path / "out" / "t1_Fay.xlsx").exists()
