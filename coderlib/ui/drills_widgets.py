"""The drill app: one item at a time, a live clock in exam mode, feedback in practice mode.

Every callback calls the library: :class:`coderlib.drills.session.DrillSession` saves the
answer to the store before scoring it; exam mode shows no feedback until *Finish*.

>>> import datetime as dt
>>> from coderlib.drills.records import connect
>>> from coderlib.drills.session import DrillSession, load_pool
>>> pool = load_pool(exam="CPC", generated_per_kind=0, include_cases=False)
>>> s = DrillSession.start(connect(":memory:"), pool, learner="ana", n=2, seed=1, area="em")
>>> app = DrillApp(s)
>>> app.position, len(app.choice.options)
(0, 4)
"""

from __future__ import annotations

import html
import threading
import time

import ipywidgets as W

from coderlib.drills.session import DrillSession, Feedback, SessionResult


def _e(text: object) -> str:
    return html.escape(str(text))


def item_html(session: DrillSession, k: int) -> str:
    """The stem of item ``k`` (no key), as HTML."""
    it = session.items[k]
    stem = _e(it.stem).replace("\n", "<br>")
    return (f"<div style='max-width:60em;font-family:system-ui,sans-serif'>"
            f"<b>Item {k + 1} of {len(session.items)}</b> · {_e(it.area)} · "
            f"{_e(it.difficulty)}<p>{stem}</p></div>")


def feedback_html(fb: Feedback) -> str:
    """Right/wrong, the key, why the chosen distractor is wrong, and the rationale."""
    if fb.grade is not None:
        return (f"<p><b>Chart grader score {fb.grade.score:.0f}%</b></p>"
                + fb.grade.to_frame()[["kind", "key", "answer", "verdict"]].to_html(index=False))
    head = "<b style='color:#1b7f3b'>Right.</b>" if fb.correct else \
        f"<b style='color:#a31515'>Not quite.</b> Key: {fb.key}. {_e(fb.key_text)}"
    why = f"<p><i>Your choice:</i> {_e(fb.why_wrong)}</p>" if fb.why_wrong else ""
    return f"<div style='max-width:60em'>{head}{why}<p>{_e(fb.rationale)}</p></div>"


def result_html(res: SessionResult) -> str:
    """The end-of-session score, pass/fail, per-area table, then each answer with its key and
    rationale (an exam's feedback, held back until the end)."""
    rows = "".join(
        f"<tr><td>{_e(f.item_id)}</td><td>{_e(f.choice or '')}</td><td>{_e(f.key)}</td>"
        f"<td>{'right' if f.correct else 'wrong'}</td><td>{_e(f.why_wrong)} "
        f"{_e(f.rationale)}</td></tr>" for f in res.feedback)
    review = ("<table><tr><th>item</th><th>yours</th><th>key</th><th></th><th>why</th></tr>"
              f"{rows}</table>") if rows else ""
    return f"<h4>{_e(res.summary())}</h4>" + res.by_area.to_html(index=False) + review


class DrillApp:
    """Widgets over one :class:`DrillSession`."""

    def __init__(self, session: DrillSession, tick_seconds: float = 1.0) -> None:
        self.session = session
        self.position = 0
        self.shown_at = time.monotonic()
        self.stem = W.HTML()
        self.choice = W.RadioButtons(options=[], layout=W.Layout(width="auto"))
        self.codes = W.Textarea(placeholder="PDX: ...; SDX: ...; PCS: ...",
                                layout=W.Layout(width="60em", height="4em"))
        self.submit = W.Button(description="Submit", button_style="primary")
        self.next = W.Button(description="Next")
        self.finish = W.Button(description="Finish", button_style="warning")
        self.clock = W.HTML()
        self.out = W.HTML()
        self.submit.on_click(lambda _b: self.on_submit())
        self.next.on_click(lambda _b: self.go(self.position + 1))
        self.finish.on_click(lambda _b: self.on_finish())
        self.box = W.VBox([self.clock, self.stem, self.choice, self.codes,
                           W.HBox([self.submit, self.next, self.finish]), self.out])
        self._stop = threading.Event()
        self.go(0)
        if session.minutes is not None:
            self._tick()
            threading.Thread(target=self._run_clock, args=(tick_seconds,), daemon=True).start()

    def _tick(self) -> None:
        left = self.session.remaining()
        if left is None:
            return
        m, s = divmod(max(0, int(left)), 60)
        self.clock.value = f"<b>Time left: {m // 60}:{m % 60:02d}:{s:02d}</b>" + \
            ("" if left > 0 else " - time is up, press Finish")

    def _run_clock(self, every: float) -> None:
        while not self._stop.wait(every):
            self._tick()

    def go(self, k: int) -> None:
        """Show item ``k`` (stays on the last item at the end)."""
        k = min(max(k, 0), len(self.session.items) - 1)
        self.position, self.shown_at = k, time.monotonic()
        it = self.session.items[k]
        self.stem.value = item_html(self.session, k)
        chart = it.type == "chart"
        self.choice.layout.display = "none" if chart else ""
        self.codes.layout.display = "" if chart else "none"
        self.choice.options = [f"{x}. {t}" for x, t in it.options.items()]
        self.choice.value = None
        self.codes.value = ""
        self.out.value = ""

    def on_submit(self) -> None:
        """Save and score the current answer; show feedback in practice mode."""
        it = self.session.items[self.position]
        secs = round(time.monotonic() - self.shown_at, 1)
        try:
            if it.type == "chart":
                fb = self.session.answer(it.id, answer_text=self.codes.value, seconds=secs)
            else:
                if self.choice.value is None:
                    self.out.value = "<b>Pick an option first.</b>"
                    return
                fb = self.session.answer(it.id, self.choice.value[0], seconds=secs)
        except (TimeoutError, ValueError, KeyError) as exc:
            self.out.value = f"<b style='color:#a31515'>{_e(exc)}</b>"
            return
        self.out.value = feedback_html(fb) if fb is not None else "<i>Answer saved.</i>"

    def on_finish(self) -> SessionResult:
        """Close the session and show the score."""
        self._stop.set()
        res = self.session.finish()
        self.out.value = result_html(res)
        return res

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.box)
