"""MS-DRG what-if widgets: toggle secondary diagnoses and POA, watch DRG, weight and payment.

Every callback calls the library: :func:`coderlib.drg.whatif.change` builds the changed
encounter, :func:`coderlib.drg.group` groups it and :func:`coderlib.drg.payment` prices it.
The HTML renderers are plain functions so notebooks can show the same view without widgets.

>>> from coderlib.drg import Encounter
>>> app = DrgWhatIfApp(Encounter(pdx="I5022", sdx=[("J9601", "Y"), ("I4820", "Y")]))
>>> app.current.drg
'291'
>>> app.toggles[0].value = False   # drop J96.01
>>> app.current.drg
'292'
"""

from __future__ import annotations

import html
import re

import ipywidgets as W

from coderlib.codes.normalize import dotted_icd10cm
from coderlib.drg.encounter import POA_VALUES, Encounter, EncounterError
from coderlib.drg.grouper import GroupResult, group
from coderlib.drg.weights import DEFAULT_BASE_RATE, payment
from coderlib.drg.whatif import change
from coderlib.ui.kit import CSS, on_enter

_STYLE = """<style>
.drg-box{font-family:sans-serif;font-size:13px}
.drg-box table{border-collapse:collapse;margin-top:.4em}
.drg-box td,.drg-box th{border:1px solid #ccc;padding:2px 6px;text-align:left}
.drg-up{color:#1a7f37}.drg-down{color:#b42318}.drg-warn{color:#9a6700}
</style>"""


def _e(text: object) -> str:
    return html.escape(str(text if text is not None else ""))


def _plain(message: object) -> str:
    """A message without the internal field prefix (``sdx[0]: ...``).

    >>> _plain("sdx[0]: 'ZZZ' is not a code")
    "'ZZZ' is not a code"
    """
    return re.sub(r"^(?:sdx|pdx|procedures)(?:\[\d+\])?:\s*", "", str(message))


def _or_label(is_or: bool | None) -> str:
    """A procedure's kind as the grouper sees it (None: a pre-MDC procedure, neither)."""
    return "pre-MDC" if is_or is None else "O.R." if is_or else "non-O.R."


def _money(value: float | None) -> str:
    return "n/a" if value is None else f"${value:,.2f}"


def result_html(result: GroupResult, base_rate: float = DEFAULT_BASE_RATE,
                baseline: GroupResult | None = None) -> str:
    """The grouping as HTML: DRG, weight, payment (and the change from ``baseline``),
    the reasons, one row per secondary with its verdict, and any edits."""
    pay = payment(result.drg, base_rate, version=result.version)
    head = (f"<b>MS-DRG {_e(result.drg)}</b> {_e(result.title)}<br>"
            f"MDC {_e(result.mdc)} &middot; {_e(result.partition)} &middot; severity "
            f"{_e(result.severity)} &middot; {_e(result.version)}<br>weight "
            f"{'n/a' if result.weight is None else f'{result.weight:.4f}'} &middot; payment "
            f"{_money(pay)} (base rate {_money(base_rate)})")
    if baseline is not None:
        delta = (pay or 0.0) - (payment(baseline.drg, base_rate, version=baseline.version) or 0.0)
        cls = "drg-up" if delta > 0 else "drg-down" if delta < 0 else ""
        head += (f"<br>compared with DRG {_e(baseline.drg)}: <span class='{cls}'>"
                 f"{'+' if delta >= 0 else '-'}{_money(abs(delta))}</span>")
    parts = [_STYLE, f"<div class='drg-box'>{head}"]
    ex = result.explanation
    if ex is not None:
        parts.append("<ul>" + "".join(f"<li>{_e(line)}</li>" for line in
                                      (ex.mdc_reason, ex.partition_reason, ex.severity_reason))
                     + "</ul>")
        if ex.secondaries:
            rows = "".join(
                f"<tr><td><code>{_e(dotted_icd10cm(s.code))}</code></td><td>{_e(s.poa)}</td>"
                f"<td>{_e(s.level)}</td><td><b>{_e(s.verdict)}</b>{' *' if s.deciding else ''}"
                f"</td><td>{_e(s.detail)}</td></tr>" for s in ex.secondaries)
            parts.append("<table><tr><th>secondary</th><th>POA</th><th>level</th>"
                         "<th>verdict</th><th>why</th></tr>" + rows + "</table>")
        if ex.procedures:
            rows = "".join(f"<tr><td><code>{_e(p.code)}</code></td><td>"
                           f"{_or_label(p.is_or)}</td><td>{_e(p.detail)}</td></tr>"
                           for p in ex.procedures)
            parts.append("<table><tr><th>procedure</th><th>kind</th><th>what it did</th></tr>"
                         + rows + "</table>")
    for w in result.warnings:
        parts.append(f"<div class='drg-warn'>{_e(w.level)}: {_e(w.message)}</div>")
    parts.append("</div>")
    return "".join(parts)


class DrgWhatIfApp:
    """One checkbox and one POA dropdown per secondary, a box to add a code; the result
    panel regroups on every change and shows the payment change from the original stay."""

    def __init__(self, encounter: Encounter, base_rate: float = DEFAULT_BASE_RATE) -> None:
        self.original = encounter
        self.base = encounter  # the stay with the principal, age, sex, procedures as edited
        self.base_rate = base_rate
        self.baseline = group(encounter)
        self.extra: list[tuple[str, str]] = []
        self.toggles: list[W.Checkbox] = []
        self.poas: list[W.Dropdown] = []
        self.rows = W.VBox()
        style = {"description_width": "initial"}
        self.pdx_box = W.Text(value=dotted_icd10cm(encounter.pdx), description="Principal dx",
                              continuous_update=False, style=style,
                              layout=W.Layout(width="14em"))
        self.age_box = W.BoundedIntText(value=encounter.age, min=0, max=124, description="Age",
                                        style=style, layout=W.Layout(width="8em"))
        self.sex_box = W.Dropdown(options=[("female", "F"), ("male", "M"), ("unknown", "U")],
                                  value=encounter.sex, description="Sex", style=style,
                                  layout=W.Layout(width="auto"))
        self.px_box = W.Text(value=", ".join(encounter.procedures), description="Procedures",
                             placeholder="ICD-10-PCS, e.g. 0FT44ZZ, 0DTJ4ZZ",
                             continuous_update=False, style=style,
                             layout=W.Layout(width="24em", max_width="100%"))
        for w in (self.pdx_box, self.age_box, self.sex_box, self.px_box):
            w.observe(lambda _c: self.edit_stay(), names="value")
        self.add_box = W.Text(placeholder="e.g. E87.1 or E87.1:N", description="Add a secondary",
                              style=style, layout=W.Layout(width="22em", max_width="100%"))
        self.add_button = W.Button(description="add", icon="plus")
        self.add_button.on_click(lambda _b: self.add_code(self.add_box.value))
        on_enter(self.add_box, lambda: self.add_code(self.add_box.value))
        self.message = W.HTML()
        self.panel = W.HTML()
        self._build_rows(encounter.sdx)
        self.current = self.baseline
        self.refresh()
        self.widget = W.VBox([W.HTML(f"{CSS}<h1>MS-DRG what-if</h1><h2>The stay</h2>"),
                              W.HBox([self.pdx_box, self.age_box, self.sex_box, self.px_box]),
                              W.HTML("<h2>Secondary diagnoses</h2><p>Untick to remove; set "
                                     "POA.</p>"),
                              self.rows, W.HBox([self.add_box, self.add_button]),
                              self.message, self.panel])
        self.widget.add_class("cl-app")

    def edit_stay(self) -> Encounter | None:
        """Regroup with the principal diagnosis, age, sex and procedures from the boxes;
        a bad entry is a message and the last good stay stays on screen."""
        procs = [p for p in re.split(r"[\s,;|]+", self.px_box.value.strip()) if p]
        try:
            base = self.original.with_changes(pdx=self.pdx_box.value.strip(),
                                              age=int(self.age_box.value),
                                              sex=self.sex_box.value, procedures=procs)
        except EncounterError as err:
            self.message.value = f"<span class='drg-warn' role='alert'>{_e(_plain(err))}</span>"
            return None
        trial = group(base.with_changes(sdx=[]), explain_result=False)
        problems = [w for w in trial.errors if w.code in {base.pdx, *base.procedures}]
        if problems:
            self.message.value = (f"<span class='drg-warn' role='alert'>"
                                  f"{_e(_plain(problems[0].message))}</span>")
            return None
        self.base = base
        self.message.value = ""
        self.refresh()
        return base

    def _build_rows(self, sdx: list[tuple[str, str]]) -> None:
        boxes = []
        for code, poa in sdx:
            toggle = W.Checkbox(value=True, description=dotted_icd10cm(code), indent=False,
                                layout=W.Layout(width="10em"))
            dropdown = W.Dropdown(options=[p for p in POA_VALUES if p], value=poa or "Y",
                                  description="POA", layout=W.Layout(width="8em"),
                                  style={"description_width": "initial"})
            toggle.observe(lambda _c: self.refresh(), names="value")
            dropdown.observe(lambda _c: self.refresh(), names="value")
            self.toggles.append(toggle)
            self.poas.append(dropdown)
            boxes.append(W.HBox([toggle, dropdown]))
        self.rows.children = tuple(self.rows.children) + tuple(boxes)

    def state(self) -> Encounter:
        """The encounter as the widgets describe it now."""
        codes = self.original.sdx + self.extra
        removed = [c for (c, _), t in zip(codes, self.toggles, strict=True) if not t.value]
        poas = {c: d.value for (c, _), d, t in zip(codes, self.poas, self.toggles, strict=True)
                if t.value}
        base = self.base.with_changes(sdx=self.original.sdx + self.extra)
        return change(base, remove_sdx=removed, set_poa=poas)

    def refresh(self) -> None:
        """Regroup the current state and redraw the result panel."""
        self.current = group(self.state())
        self.panel.value = result_html(self.current, self.base_rate, self.baseline)

    def add_code(self, text: str) -> None:
        """Add a secondary (``CODE`` or ``CODE:POA``) typed by the user."""
        text = (text or "").strip()
        if not text:
            return
        try:
            added = self.original.with_changes(sdx=[text]).sdx[0]
        except EncounterError as err:
            self.message.value = f"<span class='drg-warn' role='alert'>{_e(_plain(err))}</span>"
            return
        if added[0] in {c for c, _ in self.original.sdx + self.extra}:
            self.message.value = f"{_e(dotted_icd10cm(added[0]))} is already listed"
            return
        if added[0] == self.base.pdx:
            self.message.value = (f"{_e(dotted_icd10cm(added[0]))} is the principal diagnosis; "
                                  "a code is reported once")
            return
        trial = group(self.base.with_changes(sdx=[added]), explain_result=False)
        problems = [w for w in trial.errors if w.code == added[0]]
        if problems:
            self.message.value = (f"<span class='drg-warn' role='alert'>"
                                  f"{_e(_plain(problems[0].message))}</span>")
            return
        self.extra.append(added)
        self._build_rows([added])
        self.message.value = f"added {_e(dotted_icd10cm(added[0]))}"
        self.add_box.value = ""
        self.refresh()
