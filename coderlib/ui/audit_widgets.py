"""The chart-audit app: walk the sample, see the coder's codes beside the documentation,
enter findings, watch running accuracy.

Every callback calls the library: :meth:`coderlib.audit.findings.AuditSession.record` stores a
finding (validated, one transaction) *before* anything else happens,
:func:`coderlib.audit.findings.audit_drg_for` groups the auditor's codes and
:func:`coderlib.audit.scoring.summarize` gives the running accuracy. The HTML renderers are
plain functions so notebooks can show the same views without widgets.

>>> from coderlib.audit.findings import create_audit
>>> from coderlib.audit.sampling import draw_sample
>>> import pandas as pd
>>> frame = pd.DataFrame({"encounter_id": ["E1", "E2"], "coder": ["Ann", "Bo"],
...     "setting": ["office"] * 2, "payer": ["Medicare"] * 2,
...     "service_date": ["2025-10-02"] * 2, "dx": ["I10", "E11.9"]})
>>> app = AuditApp(create_audit(draw_sample(frame, "srs", 2, seed=1), path=":memory:"), charts=[])
>>> app.encounter_id in {"E1", "E2"}
True
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import ipywidgets as W
import pandas as pd

from coderlib.audit.differences import CATEGORIES, Difference
from coderlib.audit.findings import AuditSession, FindingError, audit_drg_for
from coderlib.audit.population import PopulationError, parse_dx, parse_lines, parse_px
from coderlib.audit.scoring import score_encounters, summarize
from coderlib.codes.normalize import dotted_icd10cm
from coderlib.ui.practice import _STYLE, chart_html, frame_html


def _e(text: object) -> str:
    return html.escape(str(text if text is not None else ""))


def _codes_table(row: dict[str, object] | pd.Series) -> str:
    setting = str(row.get("setting", ""))
    rows = []
    for i, (code, poa) in enumerate(parse_dx(row.get("dx", ""))):
        role = "principal" if i == 0 and setting == "inpatient" else (
            "first-listed" if i == 0 else "secondary")
        rows.append(f"<tr><td>{role} dx</td><td><code>{_e(dotted_icd10cm(code))}</code></td>"
                    f"<td>{_e(poa)}</td></tr>")
    for code in parse_px(row.get("px", "")):
        rows.append(f"<tr><td>procedure</td><td><code>{_e(code)}</code></td><td></td></tr>")
    for code, mods, units in parse_lines(row.get("lines", "")):
        extra = ("-" + "-".join(mods) if mods else "") + (f" x{units}" if units != 1 else "")
        rows.append(f"<tr><td>line</td><td><code>{_e(code)}{_e(extra)}</code></td><td></td></tr>")
    drg = str(row.get("billed_drg") or "")
    if drg:
        rows.append(f"<tr><td>billed MS-DRG</td><td><code>{_e(drg)}</code></td><td></td></tr>")
    return ("<table class='cl-table'><tr><th>role</th><th>code</th><th>POA</th></tr>"
            + "".join(rows) + "</table>")


def encounter_html(row: dict[str, object] | pd.Series, chart: object | None = None) -> str:
    """The sampled encounter: the coder's codes (left) beside the documentation (right)."""
    row = dict(row)
    meta = (f"<b>{_e(row.get('encounter_id'))}</b> · coder <b>{_e(row.get('coder'))}</b> · "
            f"{_e(row.get('setting'))} · {_e(row.get('payer'))} · "
            f"{_e(str(row.get('service_date', ''))[:10])} · selection #"
            f"{_e(row.get('selection_order'))}")
    docs = chart_html(chart) if chart is not None else (
        "<p><i>No documentation on file for this encounter "
        f"(chart {_e(row.get('chart_id') or 'n/a')}).</i></p>")
    return (f"{_STYLE}<div class='cl-chart'><div class='cl-meta'>{meta}</div>"
            "<div style='display:flex;gap:1.5em;align-items:flex-start'>"
            f"<div style='flex:0 0 22em'><h4>Coder's codes</h4>{_codes_table(row)}</div>"
            f"<div style='flex:1'>{docs}</div></div></div>")


def differences_html(diffs: Sequence[Difference]) -> str:
    """The classified differences of one finding."""
    if not diffs:
        return f"{_STYLE}<p class='cl-score'>No differences: the coder's codes are correct.</p>"
    df = pd.DataFrame([{"category": CATEGORIES[d.category], "coder": d.coder_item,
                        "auditor": d.auditor_item, "note": d.note} for d in diffs])
    return frame_html(df)


def running_accuracy(session: AuditSession, threshold: float | None = None) -> pd.DataFrame:
    """Accuracy so far, per coder, with exact CIs (rounded for display)."""
    audited = session.audited()
    if audited.empty:
        return pd.DataFrame()
    th = float(session.meta.get("threshold") or 0.95) if threshold is None else threshold
    s = summarize(score_encounters(audited), "coder", threshold=th)
    out = pd.DataFrame({
        "coder": s["coder"], "audited": s["encounters"],
        "code accuracy": (s["code_accuracy"] * 100).round(1),
        "95% CI": [f"{lo * 100:.1f}-{hi * 100:.1f}" for lo, hi in
                   zip(s["code_accuracy_lower"], s["code_accuracy_upper"], strict=True)],
        "record accuracy": (s["record_accuracy"] * 100).round(1),
        "DRG changes": [("" if pd.isna(r) else f"{r * 100:.0f}%") for r in s["drg_change_rate"]],
        "verdict": ["pass" if p else "fail" for p in s["passed"]],
    })
    return out


class AuditApp:
    """ipywidgets front end over an :class:`AuditSession` (display ``app.widget``)."""

    def __init__(self, session: AuditSession, charts: Sequence[object] | None = None) -> None:
        if charts is None:
            from coderlib.exercises.loader import load_lenient

            charts = load_lenient()[0]
        self.session = session
        self.charts = {c.id: c for c in charts}  # type: ignore[attr-defined]
        self.sample = session.sample
        self.order = self.sample["encounter_id"].tolist()
        pending = session.pending()
        self.pos = self.order.index(pending[0]) if pending else 0
        lay = W.Layout(width="34em")
        self.header = W.HTML()
        self.view = W.HTML()
        self.dx = W.Textarea(description="dx", layout=W.Layout(width="34em", height="4em"),
                             placeholder="A41.9:Y|N10:Y  (first = principal)")
        self.px = W.Text(description="PCS", layout=lay, placeholder="0T9B70Z|...")
        self.lines = W.Text(description="lines", layout=lay, placeholder="99214-25|93000")
        self.drg = W.Text(description="MS-DRG", layout=W.Layout(width="14em"))
        self.comment = W.Textarea(description="comment", layout=W.Layout(width="34em"))
        self.query = W.Checkbox(description="physician query needed", indent=False)
        self.group_btn = W.Button(description="Group auditor codes", icon="calculator")
        self.save_btn = W.Button(description="Save finding", button_style="primary",
                                 icon="save")
        self.prev_btn = W.Button(description="Previous", icon="arrow-left")
        self.next_btn = W.Button(description="Next", icon="arrow-right")
        self.result = W.HTML()
        self.accuracy = W.HTML()
        self.group_btn.on_click(lambda _: self.group())
        self.save_btn.on_click(lambda _: self.save())
        self.prev_btn.on_click(lambda _: self.go(self.pos - 1))
        self.next_btn.on_click(lambda _: self.go(self.pos + 1))
        form = W.VBox([self.dx, self.px, self.lines, W.HBox([self.drg, self.group_btn]),
                       self.comment, self.query,
                       W.HBox([self.prev_btn, self.save_btn, self.next_btn])])
        self.widget = W.VBox([self.header, self.view, W.HTML("<h4>Auditor's codes</h4>"), form,
                              self.result, W.HTML("<h4>Running accuracy</h4>"), self.accuracy])
        self.go(self.pos)
        self.refresh_accuracy()

    @property
    def encounter_id(self) -> str:
        """The encounter on screen."""
        return self.order[self.pos]

    @property
    def row(self) -> dict[str, object]:
        """The sampled row on screen."""
        return self.sample.iloc[self.pos].to_dict()

    def go(self, pos: int) -> None:
        """Show sampled encounter number ``pos`` (0-based, clamped), prefilled for editing."""
        self.pos = max(0, min(pos, len(self.order) - 1))
        row = self.row
        chart = self.charts.get(str(row.get("chart_id") or ""))
        self.view.value = encounter_html(row, chart)
        found = self.session.findings()
        done = found[found["encounter_id"] == self.encounter_id]
        src = done.iloc[0] if len(done) else None
        self.dx.value = str(src["audit_dx"] if src is not None else row.get("dx") or "")
        self.px.value = str(src["audit_px"] if src is not None else row.get("px") or "")
        self.lines.value = str(src["audit_lines"] if src is not None else row.get("lines") or "")
        self.drg.value = str(src["audit_drg"] if src is not None else row.get("billed_drg") or "")
        self.comment.value = str(src["comment"]) if src is not None else ""
        self.query.value = bool(src["query_needed"]) if src is not None else False
        n_done, total = self.session.progress()
        status = "already audited (saving revises it)" if src is not None else "not yet audited"
        self.header.value = (f"{_STYLE}<div class='cl-meta'>Audit <b>{_e(self.session.audit_id)}"
                             f"</b> · encounter {self.pos + 1} of {total} · {n_done} audited · "
                             f"{status}</div>")
        self.result.value = ""

    def group(self) -> None:
        """Fill the MS-DRG box by grouping the auditor's codes (inpatient only)."""
        if self.row.get("setting") != "inpatient":
            self.result.value = f"{_STYLE}<p>Only inpatient stays are grouped.</p>"
            return
        try:
            self.drg.value = audit_drg_for(self.row, self.dx.value, self.px.value)
        except (FindingError, PopulationError, ValueError) as exc:
            self.result.value = f"{_STYLE}<p class='cl-err'>{_e(exc)}</p>"

    def save(self) -> list[Difference] | None:
        """Store the finding (validated first); then show its differences and move on."""
        try:
            diffs = self.session.record(self.encounter_id, audit_dx=self.dx.value,
                                        audit_px=self.px.value, audit_lines=self.lines.value,
                                        audit_drg=self.drg.value, comment=self.comment.value,
                                        query_needed=self.query.value)
        except (FindingError, PopulationError, ValueError) as exc:
            self.result.value = (f"{_STYLE}<p class='cl-err'>Not saved: {_e(exc)}</p>"
                                 "<p>Your entries are still in the boxes; correct and save.</p>")
            return None
        saved = self.encounter_id
        self.refresh_accuracy()
        pending = self.session.pending()
        if pending:
            self.go(self.order.index(pending[0]))
        self.result.value = (f"{_STYLE}<p>Saved finding for <b>{_e(saved)}</b>.</p>"
                             + differences_html(diffs))
        return diffs

    def refresh_accuracy(self) -> None:
        """Recompute the running accuracy table from the store."""
        self.accuracy.value = frame_html(running_accuracy(self.session),
                                         empty="no findings yet")
