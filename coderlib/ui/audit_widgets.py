"""The chart-audit app: choose a population and draw a sample, walk it with the coder's
codes beside the documentation, enter findings, watch running accuracy, resume later.

Every callback calls the library: :func:`coderlib.audit.workspace.start_audit` draws the
sample and stores it under a new audit id (never the demo's), :meth:`AuditSession.record`
stores a finding (validated, one transaction) *before* anything else happens,
:func:`coderlib.audit.findings.audit_drg_for` groups the auditor's codes and
:func:`coderlib.audit.scoring.summarize` gives the running accuracy. Codes are typed in the
practice app's syntax with the same code-entry widget (:class:`coderlib.ui.kit.CodeEntry`).

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
import re
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import ipywidgets as W
import pandas as pd

from coderlib.audit.differences import CATEGORIES, Difference
from coderlib.audit.findings import AuditSession, FindingError, audit_drg_for, open_audit
from coderlib.audit.population import PopulationError, parse_dx, parse_lines, parse_px
from coderlib.audit.sampling import SamplingError
from coderlib.audit.scoring import score_encounters, summarize
from coderlib.audit.workspace import resume_label, start_audit, user_audits
from coderlib.codes.normalize import dotted_icd10cm
from coderlib.store import open_store
from coderlib.ui.kit import (
    CodeEntry,
    StatusBar,
    app_box,
    audit_fields,
    banner,
    chart_view_html,
    entry_from_columns,
    entry_problem,
    primary,
)
from coderlib.ui.practice import _STYLE, frame_html


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
    """The sampled encounter: the coder's codes (left) beside the documentation (right);
    the columns stack on a narrow screen. The chart's answer-bearing title is not shown."""
    row = dict(row)
    meta = (f"<b>{_e(row.get('encounter_id'))}</b> · coder <b>{_e(row.get('coder'))}</b> · "
            f"{_e(row.get('setting'))} · {_e(row.get('payer'))} · "
            f"{_e(str(row.get('service_date', ''))[:10])} · selection #"
            f"{_e(row.get('selection_order'))}")
    docs = chart_view_html(chart, reveal=False) if chart is not None else (
        "<p><i>No documentation on file for this encounter "
        f"(chart {_e(row.get('chart_id') or 'n/a')}).</i></p>")
    return (f"{_STYLE}<div class='cl-chart'><div class='cl-meta'>{meta}</div>"
            "<div style='display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start'>"
            f"<div style='flex:0 1 20em;min-width:14em'><h3>Coder's codes</h3>"
            f"{_codes_table(row)}</div>"
            f"<div style='flex:1 1 28em;min-width:0'>{docs}</div></div></div>")


_CM = re.compile(r"^([A-Z]\d[0-9A-Z]{1,5})((?::[A-Z0-9]*)?)$")
_NOT_DX = {"wrong_pcs", "wrong_modifier", "wrong_em_level", "missed_code"}


def dotted_item(category: str, item: str) -> str:
    """A difference's item as a coder reads it: ICD-10-CM codes dotted (POA kept).

    >>> dotted_item("missed_secondary_dx", "T451X5A:Y"), dotted_item("wrong_pcs", "0DTJ4ZZ")
    ('T45.1X5A:Y', '0DTJ4ZZ')
    """
    m = _CM.match(item or "")
    if category in _NOT_DX or not m:
        return item
    return dotted_icd10cm(m.group(1)) + m.group(2)


def differences_html(diffs: Sequence[Difference]) -> str:
    """The classified differences of one finding (dotted codes)."""
    if not diffs:
        return f"{_STYLE}<p class='cl-score'>No differences: the coder's codes are correct.</p>"
    df = pd.DataFrame([{"category": CATEGORIES[d.category],
                        "coder": dotted_item(d.category, d.coder_item),
                        "auditor": dotted_item(d.category, d.auditor_item), "note": d.note}
                       for d in diffs])
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
        "code accuracy %": (s["code_accuracy"] * 100).round(1),
        "95% CI": [f"{lo * 100:.1f}–{hi * 100:.1f}%" for lo, hi in
                   zip(s["code_accuracy_lower"], s["code_accuracy_upper"], strict=True)],
        "record accuracy %": (s["record_accuracy"] * 100).round(1),
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
        style = {"description_width": "initial"}
        self.status = StatusBar("Audited")
        self.header = W.HTML()
        self.view = W.HTML()
        self.codes = CodeEntry(label="Auditor's codes")
        self.drg = W.Text(description="Auditor's MS-DRG", layout=W.Layout(width="16em"),
                          style=style)
        self.comment = W.Textarea(description="Comment", layout=W.Layout(
            width="100%", max_width="52em"), style=style)
        self.query = W.Checkbox(description="physician query needed", indent=False)
        self.group_btn = W.Button(description="Group auditor's codes", icon="calculator",
                                  layout=W.Layout(width="auto"))
        self.save_btn = primary(W.Button(description="Save finding", icon="save",
                                         layout=W.Layout(width="auto")))
        self.prev_btn = W.Button(description="Previous", icon="arrow-left")
        self.next_btn = W.Button(description="Next", icon="arrow-right")
        self.result = W.HTML()
        self.accuracy = W.HTML()
        self.group_btn.on_click(lambda _: self.group())
        self.save_btn.on_click(lambda _: self.save())
        self.prev_btn.on_click(lambda _: self.go(self.pos - 1))
        self.next_btn.on_click(lambda _: self.go(self.pos + 1))
        form = W.VBox([self.codes.widget, W.HBox([self.drg, self.group_btn]),
                       self.comment, self.query,
                       W.HBox([self.prev_btn, self.save_btn, self.next_btn])])
        self.widget = W.VBox([self.status.widget, self.header, self.view,
                              W.HTML("<h2>Auditor's codes</h2>"), form, self.result,
                              W.HTML("<h2>Running accuracy</h2>"), self.accuracy])
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
        if src is not None:
            self.codes.value = entry_from_columns(src["audit_dx"], src["audit_px"],
                                                  src["audit_lines"])
        else:
            self.codes.value = entry_from_columns(row.get("dx"), row.get("px"),
                                                  row.get("lines"))
        self.drg.value = str(src["audit_drg"] if src is not None else row.get("billed_drg") or "")
        self.comment.value = str(src["comment"]) if src is not None else ""
        self.query.value = bool(src["query_needed"]) if src is not None else False
        n_done, total = self.session.progress()
        status = "already audited (saving revises it)" if src is not None else "not yet audited"
        self.status.update(n_done, total, f"{n_done} of {total} audited")
        self.header.value = (f"{_STYLE}<div class='cl-meta'>Audit <b>{_e(self.session.audit_id)}"
                             f"</b> · encounter {self.pos + 1} of {total} · {status}</div>")
        self.result.value = ""

    def group(self) -> str | None:
        """Fill the MS-DRG box by grouping the auditor's codes (inpatient only)."""
        if self.row.get("setting") != "inpatient":
            self.result.value = banner("Only inpatient stays are grouped.", "info")
            return None
        fields = audit_fields(self.codes.value)
        try:
            drg = audit_drg_for(self.row, fields["audit_dx"], fields["audit_px"])
        except (FindingError, PopulationError, ValueError) as exc:
            self.result.value = banner(str(exc))
            return None
        self.drg.value = drg
        note = " (ungroupable: check the principal diagnosis)" if drg in ("998", "999") else ""
        self.result.value = banner(f"The auditor's codes group to MS-DRG {drg}{note}.",
                                   "error" if note else "ok")
        return drg

    def save(self) -> list[Difference] | None:
        """Store the finding (validated first); then show its differences and move on."""
        problem = entry_problem(self.codes.value)
        if problem:
            self.result.value = banner(f"Not saved: {problem}. Your entries are still in the "
                                       "boxes.")
            return None
        fields = audit_fields(self.codes.value)
        try:
            diffs = self.session.record(self.encounter_id, audit_dx=fields["audit_dx"],
                                        audit_px=fields["audit_px"],
                                        audit_lines=fields["audit_lines"],
                                        audit_drg=self.drg.value, comment=self.comment.value,
                                        query_needed=self.query.value or
                                        bool(fields["query_needed"]))
        except (FindingError, PopulationError, ValueError) as exc:
            self.result.value = banner(f"Not saved: {exc}. Your entries are still in the "
                                       "boxes; correct and save.")
            return None
        saved = self.encounter_id
        self.refresh_accuracy()
        pending = self.session.pending()
        if pending:
            self.go(self.order.index(pending[0]))
        else:
            self.go(self.pos)
        self.result.value = (banner(f"Saved finding for {saved}.", "ok")
                             + differences_html(diffs))
        return diffs

    def refresh_accuracy(self) -> None:
        """Recompute the running accuracy table from the store."""
        self.accuracy.value = frame_html(running_accuracy(self.session),
                                         empty="no findings yet")


DEMO = "demo"
METHODS = (("simple random (SRS)", "srs"), ("stratified", "stratified"),
           ("probe (a few per coder)", "probe"))
STRATA = (("(none / coder for probe)", ""), ("coder", "coder"), ("setting", "setting"),
          ("payer", "payer"))


class AuditWorkbench:
    """The whole audit app: start an audit (population, method, size, strata, seed), resume
    one from a list, and work through it with :class:`AuditApp`.

    Everything goes to the store at ``store_path`` (default: the user's own store), each new
    audit under a new id; the demo audit the accuracy report reads is never touched.

    >>> wb = AuditWorkbench(store_path=":memory:", charts=[])
    >>> wb.size.value = 4; wb.method.value = "srs"; wb.seed.value = 3
    >>> wb.draw().audit_id
    'srs-4-seed3-1'
    >>> [v for _, v in wb.resume.options], wb.resume.value
    (['srs-4-seed3-1'], 'srs-4-seed3-1')
    """

    def __init__(self, *, store_path: str | Path | None = None,
                 charts: Sequence[object] | None = None) -> None:
        if charts is None:
            from coderlib.exercises.loader import load_lenient

            charts = load_lenient()[0]
        self.charts = list(charts)
        self.con: sqlite3.Connection = open_store(store_path)
        self.app: AuditApp | None = None
        style = {"description_width": "initial"}
        self.population = W.Dropdown(description="Population", options=[
            ("demo population (2,000 encounters, 8 coders)", DEMO), ("my file (path below)",
                                                                      "file")],
            style=style, layout=W.Layout(width="auto"))
        self.path = W.Text(description="File (.csv or .xlsx)", style=style,
                           placeholder="/path/to/encounters.csv",
                           layout=W.Layout(width="30em", max_width="100%"))
        self.method = W.Dropdown(description="Method", options=METHODS, value="srs",
                                 style=style, layout=W.Layout(width="auto"))
        self.size = W.BoundedIntText(description="Size", value=30, min=1, max=100_000,
                                     style=style, layout=W.Layout(width="9em"))
        self.strata = W.Dropdown(description="Strata", options=STRATA, style=style,
                                 layout=W.Layout(width="auto"))
        self.seed = W.BoundedIntText(description="Seed", value=2026, min=0, max=2**31 - 1,
                                     style=style, layout=W.Layout(width="10em"))
        self.draw_btn = primary(W.Button(description="Draw sample", icon="random"))
        self.resume = W.Dropdown(description="Your audits", options=[], style=style,
                                 layout=W.Layout(width="30em", max_width="100%"))
        self.open_btn = W.Button(description="Resume", icon="folder-open")
        self.message = W.HTML()
        self.work = W.VBox()
        self.draw_btn.on_click(lambda _b: self.draw())
        self.open_btn.on_click(lambda _b: self.open(self.resume.value))
        self.widget = app_box([
            W.HTML("<h2>Start an audit</h2>"),
            W.HBox([self.population, self.path]),
            W.HBox([self.method, self.size, self.strata, self.seed, self.draw_btn]),
            W.HTML("<h2>Resume an audit</h2>"),
            W.HBox([self.resume, self.open_btn]),
            self.message, self.work], "Chart audit")
        self.refresh_list()

    def refresh_list(self) -> None:
        """Fill the resume list with the user's audits, newest first."""
        df = user_audits(con=self.con)
        current = self.resume.value
        self.resume.options = [(resume_label(r), r["audit_id"]) for r in df.to_dict("records")]
        ids = df["audit_id"].tolist()
        self.resume.value = current if current in ids else (ids[0] if ids else None)
        self.open_btn.disabled = df.empty

    def _frame(self) -> tuple[pd.DataFrame, str]:
        if self.population.value == DEMO:
            from coderlib.audit.demo import load_demo

            return load_demo(), "data/demo_population.csv"
        from coderlib.audit.population import load_population

        path = self.path.value.strip()
        if not path:
            raise PopulationError("population", "type the path of your .csv or .xlsx file")
        return load_population(Path(path).expanduser()).frame, path

    def draw(self) -> AuditSession | None:
        """Draw the sample with the chosen settings, store it as a new audit and open it."""
        try:
            frame, source = self._frame()
            session = start_audit(frame, self.method.value, self.size.value,
                                  seed=self.seed.value, strata=self.strata.value or None,
                                  con=self.con, population=source)
        except (PopulationError, SamplingError, FindingError, ValueError) as exc:
            self.message.value = banner(f"No sample drawn: {exc}")
            return None
        self.refresh_list()
        self.resume.value = session.audit_id
        self._show(session)
        self.message.value = banner(f"Drew {session.progress()[1]} encounters into the new "
                                    f"audit {session.audit_id}.", "ok")
        return session

    def open(self, audit_id: str | None) -> AuditSession | None:
        """Resume ``audit_id`` at its first pending encounter."""
        if not audit_id:
            self.message.value = banner("no audit chosen", "info")
            return None
        try:
            session = open_audit(audit_id, con=self.con)
        except FindingError as exc:
            self.message.value = banner(str(exc))
            return None
        self._show(session)
        done, total = session.progress()
        self.message.value = banner(f"Resumed {audit_id}: {done} of {total} audited.", "ok")
        return session

    def _show(self, session: AuditSession) -> None:
        self.app = AuditApp(session, self.charts)
        self.app.save_btn.on_click(lambda _b: self.refresh_list())
        self.work.children = (self.app.widget,)
