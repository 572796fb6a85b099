"""The coding-practice app: pick a chart, read it, search codes, submit, see the graded result.

Every callback calls the library: :func:`coderlib.exercises.drills.pick_chart` to draw a
chart, :func:`coderlib.exercises.attempts.submit` to save the answer *before* grading it,
:func:`coderlib.codes.search.search` for the code search, and
:func:`coderlib.exercises.attempts.history` / ``topic_accuracy`` for the trainee's record.
The HTML renderers (:func:`chart_html`, :func:`result_html`, :func:`frame_html`) are plain
functions, so notebooks can show the same views without widgets.

>>> from coderlib.paths import REPO_ROOT
>>> from coderlib.exercises.loader import load_all
>>> app = PracticeApp(load_all(REPO_ROOT / "tests/fixtures/exercises/good"),
...                   store_path=":memory:", seed=3)
>>> app.chart.id in {c.id for c in app.charts}
True
"""

from __future__ import annotations

import html
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import ipywidgets as W
import pandas as pd

from coderlib.exercises import attempts
from coderlib.exercises.drills import chart_by_id, filter_charts, pick_chart
from coderlib.exercises.grade import GradeResult
from coderlib.exercises.loader import load_lenient
from coderlib.exercises.model import Chart
from coderlib.exercises.titles import picker_label
from coderlib.paths import REPO_ROOT
from coderlib.ui.kit import (
    CodeEntry,
    app_box,
    banner,
    busy,
    chart_view_html,
    entry_problem,
    on_enter,
    primary,
)

ANY = "(any)"

_STYLE = """
<style>
.cl-chart {font-family: system-ui, sans-serif; line-height: 1.45; max-width: 60em;}
.cl-chart h3 {margin: 0.2em 0;}
.cl-meta {color: #444; margin-bottom: 0.6em;}
.cl-sec {border-left: 3px solid #4a78b5; padding: 0.2em 0.8em; margin: 0.6em 0;
         background: #f6f8fb;}
.cl-sec b {display: block; color: #24466e; margin-bottom: 0.2em;}
.cl-sec pre {white-space: pre-wrap; font-family: inherit; margin: 0;}
.cl-table {border-collapse: collapse; font-family: system-ui, sans-serif; font-size: 0.92em;}
.cl-table th {background: #24466e; color: white; padding: 4px 8px; text-align: left;}
.cl-table td {border-bottom: 1px solid #ddd; padding: 4px 8px; vertical-align: top;}
.cl-ok {background: #e6f4ea;} .cl-part {background: #fff6df;} .cl-bad {background: #fde8e8;}
.cl-score {font-size: 1.3em; font-weight: 600; margin: 0.3em 0;}
.cl-err {color: #a31515; font-weight: 600;}
.cl-table td, .cl-table th {overflow-wrap: break-word; word-break: normal; text-align: left;
  max-width: 36em;}
.cl-table {max-width: 100%; table-layout: auto;}
</style>
"""

_ROW_CLASS = {"exact": "cl-ok", "query_ok": "cl-ok", "missing": "cl-bad", "extra": "cl-bad",
              "malformed": "cl-bad", "query_expected": "cl-bad", "unneeded_query": "cl-bad"}


def _e(text: object) -> str:
    return html.escape(str(text if text is not None else ""))


def _desc(text: str) -> str:
    return f"<br><small style='color:#555'>{_e(text)}</small>" if text else ""


def chart_html(chart: Chart, *, reveal: bool = True) -> str:
    """The chart as the coder sees it, with section links (no key); ``reveal=False`` hides
    the answer-bearing title, id and topics (see :func:`coderlib.ui.kit.chart_view_html`)."""
    return chart_view_html(chart, reveal=reveal)


def frame_html(df: pd.DataFrame, empty: str = "nothing yet") -> str:
    """A DataFrame as a plain styled HTML table (escaped)."""
    if df.empty:
        return f"{_STYLE}<p><i>{_e(empty)}</i></p>"
    head = "".join(f"<th>{_e(c)}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>"
                   for row in df.itertuples(index=False))
    return f"{_STYLE}<table class='cl-table'><tr>{head}</tr>{body}</table>"


def result_html(result: GradeResult) -> str:
    """Score, DRG comparison and one row per code with verdict, message and rationale."""
    parts = [_STYLE, f"<div class='cl-score'>Score {result.score:.1f}% "
                     f"<span style='font-weight:400;font-size:0.8em'>({result.earned:g} "
                     f"earned − {result.penalties:g} penalties, of {result.possible:g} "
                     f"points)</span></div>"]
    if result.key_drg is not None:
        mine = result.answer_drg or "n/a"
        desc = f" — {_e(result.answer_drg_description)}" if result.answer_drg_description else ""
        mark = "✔" if result.drg_match else "✘"
        parts.append(f"<p>{mark} Key MS-DRG <b>{_e(result.key_drg)}</b>; your codes group to "
                     f"<b>{_e(mine)}</b>{desc}"
                     + (f"<br><i>{_e(result.drg_note)}</i>" if result.drg_note else "")
                     + "</p>")
    for note in result.notes:
        parts.append(f"<p><i>Note: {_e(note)}</i></p>")
    rows = []
    for r in result.rows:
        cls = _ROW_CLASS.get(r.verdict, "cl-part")
        rows.append(f"<tr class='{cls}'><td>{_e(r.kind.replace('_', ' '))}</td>"
                    f"<td>{_e(r.key)}{_desc(r.key_description)}</td>"
                    f"<td>{_e(r.answer)}{_desc(r.answer_description)}</td>"
                    f"<td><b>{_e(r.verdict.replace('_', ' '))}</b></td>"
                    f"<td>{r.credit:g} / {r.points:g}</td><td>{_e(r.message)}</td>"
                    f"<td>{_e(r.rationale)}</td></tr>")
    parts.append("<table class='cl-table'><tr><th>kind</th><th>key</th><th>your answer</th>"
                 "<th>verdict</th><th>credit</th><th>feedback</th><th>rationale (key)</th>"
                 f"</tr>{''.join(rows)}</table>")
    return "".join(parts)


def resolve_store(path: str | Path | None) -> Path | str | None:
    """A notebook's ``store_path`` parameter: relative paths are under the repository root
    (so ``build/practice.sqlite`` is the same file whatever the kernel's working directory);
    ``None`` or ``""`` means the user's own store; ``":memory:"`` stays as is.

    >>> resolve_store("build/practice.sqlite").parts[-2:]
    ('build', 'practice.sqlite')
    """
    if path is None or str(path) == "":
        return None
    if str(path) == ":memory:":
        return ":memory:"
    p = Path(path).expanduser()
    return p if p.is_absolute() else REPO_ROOT / p


def serving_app() -> bool:
    """True inside a Voilà app kernel (``make app``), False in Jupyter and headless runs."""
    return "VOILA_KERNEL_ID" in os.environ or "VOILA_BASE_URL" in os.environ


def practice_store(store_path: str | Path | None) -> Path | str | None:
    """The store a practice notebook writes to.

    Served as the trainee app (Voilà) the trainee's own store is used, so their attempts
    outlive ``make clean``; in Jupyter and headless runs, ``store_path`` (see
    :func:`resolve_store`), so test and demo runs never touch the user's store.
    """
    return None if serving_app() else resolve_store(store_path)


def history_frame(con: sqlite3.Connection, limit: int = 10) -> pd.DataFrame:
    """The latest attempts, trimmed to what a trainee wants to see."""
    df = attempts.history(con).head(limit)
    cols = ["id", "created_at", "chart_id", "score", "key_drg", "answer_drg", "answer_text"]
    df = df[cols].copy()
    df["answer_text"] = df["answer_text"].map(
        lambda t: t if len(str(t)) <= 160 else f"{str(t)[:157]}…")
    return df.rename(columns={"id": "attempt", "created_at": "when (UTC)", "chart_id": "chart",
                              "key_drg": "key MS-DRG", "answer_drg": "your MS-DRG",
                              "answer_text": "your codes"})


class PracticeApp:
    """The ipywidgets practice app. ``app.widget`` is the box to display.

    ``store_path`` is the SQLite store attempts go to (default: the user's store). Until an
    answer is submitted the chart shows a neutral title (no id, no topics). Submitting is
    idempotent: the same codes for the same chart, not edited since they were graded, are
    not saved again (a double click or a click queued while grading is one attempt).
    """

    def __init__(self, charts: Sequence[Chart] | None = None, *,
                 store_path: str | Path | None = None, seed: int = 0,
                 chart_id: str | None = None) -> None:
        self.charts = list(load_lenient()[0] if charts is None else charts)
        if not self.charts:
            raise ValueError("no exercise charts found; add YAML charts under exercises/")
        self.store_path = resolve_store(store_path)
        self.con = attempts.connect(self.store_path)
        self.last_result: GradeResult | None = None
        self.last_attempt_id: int | None = None
        self._graded: tuple[str, str] | None = None  # (chart id, text) last graded
        self.numbers = {c.id: i + 1 for i, c in enumerate(self.charts)}
        self.seed = seed
        self.chart = chart_by_id(self.charts, chart_id) if chart_id else \
            pick_chart(self.charts, seed).chart
        self._build()
        self._refilter()
        self._show_chart(self.chart)
        self._refresh_history()

    # ------------------------------------------------------------------ widgets
    def _build(self) -> None:
        sets = sorted({c.set or "" for c in self.charts})
        settings = sorted({c.setting for c in self.charts})
        diffs = [d for d in ("easy", "medium", "hard")
                 if any(c.metadata.difficulty == d for c in self.charts)]
        lay = W.Layout(width="auto")
        style = {"description_width": "initial"}
        self.w_set = W.Dropdown(options=[ANY, *sets], description="Set", layout=lay,
                                style=style)
        self.w_setting = W.Dropdown(options=[ANY, *settings], description="Setting",
                                    layout=lay, style=style)
        self.w_diff = W.Dropdown(options=[ANY, *diffs], description="Difficulty", layout=lay,
                                 style=style)
        self.w_topic = W.Text(placeholder="e.g. sepsis", description="Topic", layout=lay,
                              style=style)
        self.w_seed = W.IntText(value=self.seed, description="Seed", layout=W.Layout(
            width="9em"), style=style)
        self.w_random = W.Button(description="Random chart", icon="random")
        self.w_chart = W.Dropdown(description="Chart", layout=W.Layout(
            width="30em", max_width="100%"), style=style)
        self.w_info = W.HTML()
        self.w_doc = W.HTML()
        self.entry = CodeEntry(label="Your codes")
        self.w_answer = self.entry.box
        self.w_query, self.w_system, self.w_hits = (self.entry.finder, self.entry.system,
                                                    self.entry.message)
        self.w_submit = primary(W.Button(description="Submit for grading", icon="check",
                                         layout=W.Layout(width="auto",
                                                         align_self="flex-start")))
        self.w_result = W.HTML()
        self.w_history = W.HTML()
        self.w_topics = W.HTML()

        for w in (self.w_set, self.w_setting, self.w_diff):
            w.observe(lambda _c: self._refilter(), names="value")
        self.w_topic.observe(lambda _c: self._refilter(), names="value")
        self.w_chart.observe(self._on_chart, names="value")
        self.w_random.on_click(lambda _b: self.random_chart())
        on_enter(self.w_topic, lambda: self.random_chart())
        self.w_submit.on_click(lambda _b: self.submit())
        self.w_answer.observe(lambda _c: setattr(self, "_graded", None), names="value")

        self.widget = app_box([
            W.HBox([self.w_set, self.w_setting, self.w_diff, self.w_topic]),
            W.HBox([self.w_chart, self.w_seed, self.w_random]),
            self.w_info,
            self.w_doc,
            W.HTML("<h2>Your codes</h2>"),
            self.entry.widget, self.w_submit,
            self.w_result,
            W.HTML("<h2>Your history</h2>"), self.w_history,
            W.HTML("<h2>Accuracy by topic</h2>"), self.w_topics,
        ], "Coding practice")

    # ------------------------------------------------------------------ actions
    def _filters(self) -> dict[str, str | None]:
        def val(w: W.Dropdown) -> str | None:
            return None if w.value == ANY else w.value

        return {"set": val(self.w_set), "setting": val(self.w_setting),
                "difficulty": val(self.w_diff), "topic": self.w_topic.value.strip() or None}

    def _refilter(self) -> None:
        pool = filter_charts(self.charts, **self._filters())
        options = [(picker_label(c, self.numbers[c.id]), c.id) for c in pool]
        current = self.chart.id if any(c.id == self.chart.id for c in pool) else None
        self.w_chart.unobserve(self._on_chart, names="value")
        self.w_chart.options = options
        self.w_chart.value = current
        self.w_chart.observe(self._on_chart, names="value")
        self.w_info.value = f"<small>{len(pool)} of {len(self.charts)} charts match.</small>"

    def _on_chart(self, change: dict) -> None:
        if change.get("new"):
            self.select(change["new"])

    def select(self, chart_id: str) -> Chart:
        """Show the chart ``chart_id``."""
        chart = next((c for c in self.charts if c.id == chart_id), None)
        if chart is None:
            self._error(f"no chart with id {chart_id!r}")
            raise KeyError(chart_id)
        self.chart = chart
        self._show_chart(chart)
        return chart

    def random_chart(self) -> Chart | None:
        """Draw a chart matching the filters with the seed box (the seed then advances)."""
        try:
            pick = pick_chart(self.charts, int(self.w_seed.value), **self._filters())
        except (LookupError, ValueError) as exc:
            self._error(str(exc))
            return None
        self.seed = pick.seed
        self.w_seed.value = pick.seed + 1
        self.chart = pick.chart
        self._refilter()
        self._show_chart(pick.chart, note=f"drawn with seed {pick.seed} from {pick.pool} "
                                           f"matching chart(s)")
        return pick.chart

    def _show_chart(self, chart: Chart, note: str = "", *, reveal: bool = False) -> None:
        extra = f"<p><small>{html.escape(note)}</small></p>" if note else ""
        self.w_doc.value = extra + chart_html(chart, reveal=reveal)
        if not reveal:
            self.w_result.value = ""
            self.w_answer.value = ""
            self._graded = None

    def search(self, text: str | None = None) -> pd.DataFrame:
        """Search the code sets (``coderlib.codes.search``): the suggestions under the box."""
        hits = self.entry.find(self.w_query.value if text is None else text)
        return pd.DataFrame([{"system": h.system, "code": h.dotted, "description":
                              h.description, "billable": "yes" if h.billable else "header"}
                             for h in hits], columns=["system", "code", "description",
                                                      "billable"])

    def submit(self, answer: str | None = None) -> GradeResult | None:
        """Save the answer to the store, grade it, show the result and the history.

        The Submit button is disabled (and says so) until the result is on screen; the same
        codes for the same chart are graded once (a repeat shows the earlier result).
        """
        if answer is not None:
            self.w_answer.value = answer
        text = self.w_answer.value
        if self._graded == (self.chart.id, text) and self.last_result is not None:
            self.w_info.value = banner(f"already graded as attempt {self.last_attempt_id}; "
                                       "change your codes to submit again", "info")
            return self.last_result
        problem = entry_problem(text)
        if problem:
            self._error(problem)
            return None
        self._graded = (self.chart.id, text)
        return busy(self.w_submit, self.w_result, "Grading your codes…",  # type: ignore[return-value]
                    lambda: self._grade(text))

    def _grade(self, text: str) -> GradeResult | None:
        try:
            done = attempts.submit(self.con, self.chart, text, seed=self.seed,
                                   source="practice-app")
        except Exception as exc:  # the attempt is saved; show why grading failed
            self._error(f"your answer was saved, but grading failed: {exc}")
            self._refresh_history()
            return None
        self.last_result, self.last_attempt_id = done.result, done.attempt_id
        self._show_chart(self.chart, reveal=True)
        self.w_result.value = (f"<section aria-label='Graded result'>{result_html(done.result)}"
                               f"<p><small>attempt {done.attempt_id} saved</small></p>"
                               "</section>")
        self._refresh_history()
        return done.result

    def _error(self, message: str) -> None:
        self.w_result.value = banner(message)

    def _refresh_history(self) -> None:
        self.w_history.value = frame_html(history_frame(self.con), "no attempts yet")
        self.w_topics.value = frame_html(attempts.topic_accuracy(self.con),
                                         "no graded attempts yet")

    def close(self) -> None:
        """Close the store connection."""
        self.con.close()


def warm_up(charts: Sequence[Chart]) -> int:
    """Grade one inpatient key per MS-DRG version into a throw-away store, so the grouper
    and code sets are loaded before the trainee's first submit (a pre-heated Voilà kernel
    runs this ahead of time). Returns the number of charts graded."""
    try:
        from coderlib.drg.engine import version_for_date
    except ImportError:  # another engine: one chart warms it
        def version_for_date(_d: object) -> str:
            return ""
    firsts: dict[str, Chart] = {}
    for chart in charts:
        if chart.key.drg and chart.dates.discharge:
            try:
                firsts.setdefault(str(version_for_date(chart.dates.discharge)), chart)
            except Exception:  # noqa: BLE001 - a date outside every version: not needed
                continue
    con = attempts.connect(":memory:")
    try:
        for chart in firsts.values():
            key = chart.key
            text = "PDX: " + key.principal_dx.code + "".join(
                f"; SDX: {d.code}" for d in key.secondary_dx[:1])
            try:
                attempts.submit(con, chart, text, source="warm-up")
            except Exception:  # noqa: BLE001 - warming up must never break the page
                continue
    finally:
        con.close()
    return len(firsts)
