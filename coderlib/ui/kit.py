"""The shared UI kit of the apps: code entry with suggestions, chart viewer with section
navigation, graded-result panel, status and progress bars, error banners.

Every app (practice, audit, encoder, what-if) builds on these pieces so they read, type and
behave alike: one code syntax (``PDX: A41.51:Y; SDX: N39.0:Y; PCS: 0T9B70Z; CPT: 99214-25``),
dotted codes on screen, duplicates and over-long entries refused with a message, labelled
controls (axe-core: no unlabelled select or text box), visible focus outlines, and rows that
wrap at 640 px. The text helpers are plain functions, unit-tested without a browser.

>>> add_code("PDX: A41.9:Y", "icd10cm", "N10")
'PDX: A41.9:Y; SDX: N10'
>>> entry_problem("PDX: E11.9; SDX: E11.9")
'E11.9 is listed twice: list each code once'
"""

from __future__ import annotations

import html
import re
import warnings
import zlib
from collections.abc import Callable, Sequence

import ipywidgets as W

from coderlib.codes.normalize import dotted_icd10cm, normalize_code
from coderlib.exercises.answer import Answer, AnswerDx, AnswerLine, AnswerProc, parse_answer

#: the longest code entry accepted (about 200 codes); longer text is refused with a message
MAX_ENTRY_CHARS = 2000

CSS = """<style>
.cl-app {font-family: system-ui, sans-serif; max-width: 70em;}
.cl-app .widget-hbox {flex-wrap: wrap; gap: 4px 8px;}
.cl-app input:focus, .cl-app select:focus, .cl-app textarea:focus,
.cl-app button:focus, .cl-app a:focus {outline: 3px solid #1a5fb4 !important;
  outline-offset: 1px;}
.cl-app .widget-label {color: #1f2328;}
.cl-app .jupyter-button.cl-primary {background: #1a5fb4; color: #fff;}
.cl-app .jupyter-button.cl-primary:disabled {background: #6b7f99; color: #fff;}
.cl-app table {max-width: 100%;}
.cl-app td, .cl-app th {overflow-wrap: break-word; word-break: normal; max-width: 36em;}
.cl-app h1 {font-size: 1.5em; margin: 0.2em 0;}
.cl-app h2 {font-size: 1.15em; margin: 0.6em 0 0.2em;}
.cl-app .lm-TabBar-tab {color: #1f2328; background: #e8eaed;}
.cl-app .lm-TabBar-tab.lm-mod-current {background: #fff;}
.cl-app .lm-TabBar-tabLabel {color: #1f2328;}
.cl-banner {padding: 0.4em 0.8em; border-radius: 4px; margin: 0.3em 0;}
.cl-banner-error {background: #fde8e8; color: #8a1010; border-left: 4px solid #b42318;}
.cl-banner-info {background: #eef4fb; color: #1f2328; border-left: 4px solid #1a5fb4;}
.cl-banner-ok {background: #e6f4ea; color: #14532d; border-left: 4px solid #1a7f37;}
.cl-busy {color: #1f2328; font-style: italic;}
.cl-nav a {margin-right: 0.8em; color: #1a5fb4;}
.cl-app .widget-inline-hbox {max-width: 100%; box-sizing: border-box;}
.cl-app .widget-inline-hbox select, .cl-app .widget-inline-hbox textarea {min-width: 0;}
@media (max-width: 700px) {.cl-app .widget-text, .cl-app .widget-dropdown,
  .cl-app .widget-textarea, .cl-app .widget-select {width: 100% !important;}}
</style>"""

_E = html.escape


def e(text: object) -> str:
    """HTML-escaped text (``None`` as empty).

    >>> e("<b>")
    '&lt;b&gt;'
    """
    return html.escape(str(text if text is not None else ""))


def banner(message: str, kind: str = "error") -> str:
    """A message box: ``error`` (role alert), ``info`` or ``ok`` (role status).

    >>> 'role="alert"' in banner("bad code")
    True
    """
    role = "alert" if kind == "error" else "status"
    return (f'<div class="cl-banner cl-banner-{kind}" role="{role}">{e(message)}</div>')


def primary(button: W.Button) -> W.Button:
    """Style ``button`` as the page's main action (dark blue, readable contrast)."""
    button.add_class("cl-primary")
    return button


def app_box(children: Sequence[W.Widget], title: str) -> W.VBox:
    """The app's outer box: the kit's CSS, an ``h1`` title, then ``children``."""
    box = W.VBox([W.HTML(f"{CSS}<h1>{e(title)}</h1>"), *children])
    box.add_class("cl-app")
    return box


# ----------------------------------------------------------------------- the code syntax
def _dx_text(d: AnswerDx) -> str:
    shown = dotted_icd10cm(d.code) if d.problem is None else d.raw
    return shown + (f":{d.poa}" if d.poa else "")


def duplicates(answer: Answer) -> list[str]:
    """Codes entered more than once (diagnoses, procedures, or lines with the same modifiers).

    >>> duplicates(parse_answer("DX: E11.9, I10, e119; PCS: 0DTJ4ZZ"))
    ['E11.9']
    """
    seen: set[tuple[str, ...]] = set()
    twice: list[str] = []
    items: list[tuple[tuple[str, ...], str]] = []
    items += [(("dx", d.code), _dx_text(d).split(":")[0]) for d in answer.all_dx]
    items += [(("pcs", p.code), p.code) for p in answer.procedures]
    items += [(("line", ln.code, *ln.modifiers), ln.code + "".join(f"-{m}" for m in ln.modifiers))
              for ln in answer.lines]
    for key, shown in items:
        if key in seen and shown not in twice:
            twice.append(shown)
        seen.add(key)
    return twice


def entry_problem(text: str, *, max_chars: int = MAX_ENTRY_CHARS) -> str | None:
    """Why a code entry cannot be taken (empty, too long, a code twice), or ``None``.

    >>> entry_problem("   ")
    'type your codes first (see the format below the box)'
    >>> entry_problem("x" * 5000)
    'that entry is 5,000 characters long; the limit is 2,000 (about 200 codes)'
    >>> entry_problem("PDX: A41.9:Y; SDX: N10:Y") is None
    True
    """
    if not text.strip():
        return "type your codes first (see the format below the box)"
    if len(text) > max_chars:
        return (f"that entry is {len(text):,} characters long; the limit is {max_chars:,} "
                f"(about {max_chars // 10} codes)")
    twice = duplicates(parse_answer(text))
    if twice:
        return (f"{', '.join(twice)} {'is' if len(twice) == 1 else 'are'} listed twice: list "
                "each code once")
    return None


def add_code(text: str, system: str, code: str) -> str:
    """``text`` with ``code`` added in the right section (a diagnosis goes to PDX when there
    is none yet, else SDX; PCS to PCS; CPT/HCPCS to CPT), in the canonical dotted form.

    >>> add_code("", "icd10cm", "E119")
    'PDX: E11.9'
    >>> add_code("PDX: E11.9", "icd10pcs", "0dtj4zz")
    'PDX: E11.9; PCS: 0DTJ4ZZ'
    >>> add_code("PDX: E11.9", "cpt", "99213")
    'PDX: E11.9; CPT: 99213'
    """
    ans = parse_answer(text or "")
    norm = normalize_code(code)
    if system == "icd10cm":
        item = AnswerDx(code=norm, raw=dotted_icd10cm(norm))
        if ans.principal_dx is None and not ans.secondary_dx:
            ans.principal_dx = item
        else:
            ans.secondary_dx.append(item)
    elif system == "icd10pcs":
        ans.procedures.append(AnswerProc(code=norm, raw=norm))
    else:
        ans.lines.append(AnswerLine(code=norm, raw=norm))
    return ans.to_text()


def tidy(text: str) -> str:
    """The entry in the canonical display form: dotted codes, one label per section.

    >>> tidy("dx: e1122:y, i10")
    'PDX: E11.22:Y; SDX: I10'
    """
    ans = parse_answer(text)
    return ans.to_text() if not ans.empty else text


def audit_fields(text: str) -> dict[str, str]:
    """The entry as an audit finding's columns (``audit_dx``/``audit_px``/``audit_lines``;
    ``query_needed`` when it says ``QUERY``).

    >>> audit_fields("PDX: D70.1:Y; SDX: R50.81:Y; PCS: 0DTJ4ZZ; CPT: 99214-25, 93000 x2")
    {'audit_dx': 'D701:Y|R5081:Y', 'audit_px': '0DTJ4ZZ', 'audit_lines': '99214-25|93000*2', \
'query_needed': False}
    """
    ans = parse_answer(text)
    dx = "|".join(d.code + (f":{d.poa}" if d.poa else "") for d in ans.all_dx)
    px = "|".join(p.code for p in ans.procedures)
    lines = "|".join(ln.code + "".join(f"-{m}" for m in ln.modifiers)
                     + (f"*{ln.units}" if ln.units != 1 else "") for ln in ans.lines)
    return {"audit_dx": dx, "audit_px": px, "audit_lines": lines, "query_needed": ans.query}


def entry_from_columns(dx: object = "", px: object = "", lines: object = "",
                       query: bool = False) -> str:
    """Audit columns (``A4151:Y|N390``, ``0T9B70Z``, ``99214-25|93000*2``) in the entry syntax.

    >>> entry_from_columns("A4151:Y|N390:Y", "0T9B70Z", "99214-25|93000*2")
    'PDX: A41.51:Y; SDX: N39.0:Y; PCS: 0T9B70Z; CPT: 99214-25, 93000 x2'
    """
    def items(v: object) -> list[str]:
        return [] if v is None or v != v else [p.strip() for p in str(v).split("|") if p.strip()]

    dxs = items(dx)
    parts = []
    if dxs:
        parts.append(f"PDX: {dxs[0]}")
    if dxs[1:]:
        parts.append("SDX: " + ", ".join(dxs[1:]))
    if items(px):
        parts.append("PCS: " + ", ".join(items(px)))
    if items(lines):
        parts.append("CPT: " + ", ".join(x.replace("*", " x") for x in items(lines)))
    if query:
        parts.append("QUERY")
    return tidy("; ".join(parts)) if parts else ""


FORMAT_HELP = ("<small>Format: <code>PDX: A41.51:Y; SDX: N39.0:Y, N17.9:Y; PCS: 0T9B70Z; "
               "CPT: 99214-25, 20610-RT x2; QUERY</code> — POA as <code>:Y</code>, units as "
               "<code>x2</code>, <code>QUERY</code> when the record needs a physician query. "
               "Find a code above and press <b>Add code</b> to put it in the box.</small>")


# ----------------------------------------------------------------------- widgets
class CodeEntry:
    """A labelled code box with search-as-you-type suggestions and an *Add code* button.

    ``.widget`` is the box; ``.value`` the text typed. Suggestions come from
    ``coderlib.codes.search``; choosing one and pressing Add puts it in the right section.

    >>> ce = CodeEntry(label="Your codes")
    >>> ce.find("diabetic neuropathy")[0].system
    'icd10cm'
    >>> added = ce.add_selected()
    >>> ce.value == f"PDX: {added}"
    True
    """

    def __init__(self, label: str = "Codes", value: str = "", *, limit: int = 8,
                 systems: Sequence[tuple[str, str]] | None = None) -> None:
        wide = W.Layout(width="100%", max_width="52em")
        self.box = W.Textarea(value=value, description=label, layout=W.Layout(
            width="100%", max_width="52em", height="5.5em"),
            placeholder="PDX: A41.51:Y; SDX: N39.0:Y, N17.9:Y; PCS: 0T9B70Z; CPT: 99214-25",
            style={"description_width": "initial"})
        self.finder = W.Text(description="Find a code", continuous_update=True,
                             placeholder="words or a code, e.g. 'sepsis e coli' or 'A41'",
                             layout=W.Layout(width="26em", max_width="100%"),
                             style={"description_width": "initial"})
        self.system = W.Dropdown(description="in", options=list(systems or (
            ("all code sets", ""), ("ICD-10-CM", "icd10cm"), ("ICD-10-PCS", "icd10pcs"),
            ("CPT", "cpt"), ("HCPCS", "hcpcs"))), layout=W.Layout(width="13em"),
            style={"description_width": "initial"})
        self.suggestions = W.Select(description="Suggestions", options=[], rows=6,
                                    layout=wide, style={"description_width": "initial"})
        self.add_btn = W.Button(description="Add code", icon="plus",
                                tooltip="add the chosen suggestion to the codes box")
        self.message = W.HTML()
        self.limit = limit
        self._hits: list = []
        self.finder.observe(lambda _c: self.find(), names="value")
        self.system.observe(lambda _c: self.find(), names="value")
        self.add_btn.on_click(lambda _b: self.add_selected())
        on_enter(self.finder, lambda: self.add_selected())
        self.widget = W.VBox([W.HBox([self.finder, self.system]), self.suggestions,
                              self.add_btn, self.message, self.box, W.HTML(FORMAT_HELP)])

    @property
    def value(self) -> str:
        """The codes typed."""
        return self.box.value

    @value.setter
    def value(self, text: str) -> None:
        self.box.value = text

    def find(self, text: str | None = None) -> list:
        """Search as you type: fill the suggestion list (empty text clears it)."""
        from coderlib.codes.errors import CodeError
        from coderlib.codes.search import search_with_index as search  # the Index leads

        if text is not None:
            self.finder.value = text  # observer runs find() again; cheap and idempotent
        query = self.finder.value.strip()
        if len(query) < 2:
            self._hits, self.suggestions.options = [], []
            self.message.value = ""
            return []
        try:
            hits = search(query, system=self.system.value or None, limit=self.limit)
        except CodeError as err:
            self.message.value = banner(str(getattr(err, "message", err)))
            return []
        self._hits = list(hits)
        self.suggestions.options = [
            (f"{h.dotted}  {h.description}{'' if h.billable else ' (header)'}  [{h.system}]", i)
            for i, h in enumerate(self._hits)]
        if self._hits:
            self.suggestions.value = 0
        self.message.value = "" if hits else banner(f"no codes found for {query!r}", "info")
        return self._hits

    def add_selected(self) -> str | None:
        """Put the chosen (or first) suggestion into the codes box; returns the code added."""
        if not self._hits:
            self.message.value = banner("find a code first, then choose it in the list",
                                        "info")
            return None
        hit = self._hits[self.suggestions.value or 0]
        if not hit.billable:
            self.message.value = banner(f"{hit.dotted} is a header, not a reportable code: "
                                        "choose one of the codes under it", "info")
            return None
        if hit.system == "icd10pcs" and len(hit.code) != 7:
            self.message.value = banner(f"{hit.code} is not a complete PCS code", "info")
            return None
        new = add_code(self.box.value, hit.system, hit.code)
        problem = entry_problem(new)
        if problem and "twice" in problem:
            self.message.value = banner(f"{hit.dotted} is already in the box", "info")
            return None
        self.box.value = new
        self.message.value = banner(f"added {hit.dotted}", "ok")
        return hit.dotted

    def problem(self) -> str | None:
        """Why the entry cannot be taken now (see :func:`entry_problem`)."""
        return entry_problem(self.box.value)


def on_enter(text: W.Text, callback: Callable[[], object]) -> None:
    """Call ``callback`` when Enter is pressed in ``text`` (keeps search-as-you-type)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text.on_submit(lambda _w: callback())


class StatusBar:
    """A progress bar with a line of status text (role status, read out by screen readers).

    >>> s = StatusBar(); s.update(3, 10, "3 of 10 audited"); s.bar.value
    3
    """

    def __init__(self, label: str = "Progress") -> None:
        self.bar = W.IntProgress(value=0, min=0, max=1, description=label,
                                 style={"description_width": "initial"})
        self.text = W.HTML()
        self.widget = W.HBox([self.bar, self.text])

    def update(self, done: int, total: int, text: str = "") -> None:
        """Show ``done`` of ``total`` and ``text``."""
        self.bar.max = max(total, 1)
        self.bar.value = min(done, self.bar.max)
        self.text.value = f'<span role="status">{e(text)}</span>'


def busy(button: W.Button, panel: W.HTML, message: str,
         work: Callable[[], object]) -> object:
    """Run ``work`` with ``button`` disabled and ``message`` shown in ``panel``; the button
    is enabled again when the result is on screen (also after an error)."""
    label = button.description
    button.disabled = True
    button.description = "Working…"
    panel.value = f'<p class="cl-busy" role="status">{e(message)}</p>'
    try:
        return work()
    finally:
        button.description = label
        button.disabled = False


# ----------------------------------------------------------------------- chart viewer
_BREAK_BEFORE = re.compile(r"^\s*(?:[A-Z][A-Za-z0-9 /()&'-]{0,30}:|\d+[.)]\s|[-*•]\s)")


def unwrap(text: str) -> list[str]:
    """Documentation as paragraphs: hard-wrapped lines are joined, while a line that opens a
    new item ("Labs:", "1.", "- ") or follows a blank line starts a new paragraph.

    >>> unwrap("Right flank pain,\\ndysuria and rigors.\\nLabs: WBC 19.8\\n\\nPlan: fluids")
    ['Right flank pain, dysuria and rigors.', 'Labs: WBC 19.8', 'Plan: fluids']
    """
    paras: list[str] = []
    new = True
    for line in text.splitlines():
        if not line.strip():
            new = True
            continue
        if new or not paras or _BREAK_BEFORE.match(line) or paras[-1].rstrip().endswith(":"):
            paras.append(line.strip())
        else:
            paras[-1] += " " + line.strip()
        new = False
    return paras


CHART_CSS = """<style>
.cl-chart {font-family: system-ui, sans-serif; line-height: 1.45; max-width: 52em;}
.cl-chart h2 {margin: 0.2em 0; font-size: 1.2em;}
.cl-meta {color: #3d434a; margin-bottom: 0.6em;}
.cl-sec {border-left: 3px solid #4a78b5; padding: 0.2em 0.8em; margin: 0.6em 0;
         background: #f6f8fb;}
.cl-sec h3 {color: #24466e; margin: 0.1em 0 0.2em; font-size: 1em;}
.cl-sec p {margin: 0 0 0.3em; white-space: normal; word-break: normal;
           overflow-wrap: break-word; text-align: left;}
.cl-nav {margin: 0.2em 0 0.4em;}
</style>"""


def chart_view_html(chart: object, *, reveal: bool = True) -> str:
    """A chart as the coder reads it, with links to each section (no answer key).

    ``reveal=False`` (before the answer is submitted) shows the neutral title and hides the
    chart id and its topics, which would give the answer away.
    """
    d = chart.dates  # type: ignore[attr-defined]
    when = (f"admitted {d.admission}, discharged {d.discharge}" if d.admission else
            f"date of service {d.service}")
    status = f" · discharge status {e(chart.discharge_status)}" \
        if chart.discharge_status else ""  # type: ignore[attr-defined]
    sex = {"M": "male", "F": "female"}.get(chart.patient.sex, chart.patient.sex)  # type: ignore[attr-defined]
    anchor = f"cl{zlib.crc32(chart.id.encode()):08x}"  # type: ignore[attr-defined]
    docs = chart.documentation  # type: ignore[attr-defined]
    nav = ""
    if len(docs) > 1:
        nav = ("<nav class='cl-nav' aria-label='Chart sections'>Sections: " + "".join(
            f"<a href='#{anchor}-{i}'>{e(doc.section)}</a>" for i, doc in enumerate(docs))
            + "</nav>")
    sections = "".join(
        f"<section class='cl-sec' id='{anchor}-{i}' aria-label='{e(doc.section)}'>"
        f"<h3>{e(doc.section)}</h3>" + "".join(f"<p>{e(p)}</p>" for p in unwrap(doc.text))
        + "</section>" for i, doc in enumerate(docs))
    meta = chart.metadata  # type: ignore[attr-defined]
    if reveal:
        title = e(chart.title)  # type: ignore[attr-defined]
        ident = f"<code>{e(chart.id)}</code> · {e(chart.setting)} · "  # type: ignore[attr-defined]
        topics = f" · topics: {e(', '.join(meta.topics))}"
    else:
        title, ident, topics = e(chart.neutral_title), "", ""  # type: ignore[arg-type]
    return (f"{CHART_CSS}<article class='cl-chart' aria-label='Chart'><h2>{title}</h2>"
            f"<div class='cl-meta'>{ident}"
            f"{chart.patient.age}-year-old {sex} · {when}{status} · "  # type: ignore[attr-defined]
            f"{e(meta.difficulty)}, about {meta.minutes} min{topics}</div>{nav}{sections}"
            "</article>")


def wait_for_page() -> None:
    """In a pre-heated Voilà kernel, wait here until a user opens the page (everything above
    runs ahead of time, everything below reads the store when the page is opened, so a
    pre-heated app never shows a stale history or audit list). Elsewhere: returns at once.

    >>> wait_for_page()  # not pre-heated: returns at once
    """
    import os

    if os.environ.get("VOILA_PREHEAT", "False") == "False":
        return
    from voila.utils import wait_for_request

    wait_for_request()
