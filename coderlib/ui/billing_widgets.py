"""Billing desks: work the morning scrub claim by claim, and work the denial queue.

The widgets only call the library: :class:`coderlib.billing.workday.ScrubSession` applies a
fix and re-scrubs; :func:`coderlib.billing.queues.save_choice` stores a chosen action in the
SQLite store *before* it is graded against the truth.

>>> from coderlib.billing.demo import make_demo
>>> from coderlib.billing.workday import ScrubSession
>>> desk = ScrubDesk(ScrubSession(make_demo(seed=7, practice=40, hospital=0).claims))
>>> desk.claim_id in desk.session.dirty
True
"""

from __future__ import annotations

import html
import sqlite3
from collections.abc import Mapping, Sequence

import ipywidgets as W

from coderlib.billing.queues import WorkItem, grade_choices, save_choice, standard_fix
from coderlib.billing.reference import ACTIONS
from coderlib.billing.workday import ScrubSession


def _e(text: object) -> str:
    return html.escape(str(text if text is not None else ""))


def claim_edits_html(session: ScrubSession, claim_id: str) -> str:
    """A claim's lines and its current edits as an HTML table."""
    c = session.claim(claim_id)
    lines = "".join(
        f"<tr><td>{ln.number}</td><td><code>{_e(getattr(ln, 'code', '') or ln.revenue_code)}"
        f"</code> {_e(' '.join('-' + m for m in getattr(ln, 'modifiers', [])))}</td>"
        f"<td>{ln.units:g}</td><td>{ln.charge:,.2f}</td></tr>" for ln in c.lines)
    edits = "".join(f"<li><b>{_e(e.id)}</b> ({_e(e.severity)}, {_e(e.queue)}) "
                    f"{_e(('line ' + str(e.line) + ' ') if e.line else '')}{_e(e.field)}: "
                    f"{_e(e.message)}</li>" for e in session.edits[claim_id]) or "<li>clean</li>"
    return (f"<h4>{_e(claim_id)} &middot; payer {_e(c.payer_id)} &middot; "
            f"${c.total_charge:,.2f}</h4><table><tr><th>#</th><th>code</th><th>units</th>"
            f"<th>charge</th></tr>{lines}</table><ul>{edits}</ul>")


class ScrubDesk:
    """Pick a claim with errors, apply the standard fix or hold it; the rate updates."""

    def __init__(self, session: ScrubSession) -> None:
        self.session = session
        self.picker = W.Dropdown(description="claim", options=session.dirty or ["(none)"])
        self.view = W.HTML()
        self.rate = W.HTML()
        self.fix_button = W.Button(description="Apply standard fix", button_style="success")
        self.hold_button = W.Button(description="Hold for a person")
        self.note = W.Text(placeholder="why it waits (e.g. need the insurance card)")
        self.status = W.HTML()
        self.picker.observe(lambda _: self._show(), names="value")
        self.fix_button.on_click(lambda _: self.fix())
        self.hold_button.on_click(lambda _: self.hold())
        self.widget = W.VBox([self.rate, self.picker, self.view,
                              W.HBox([self.fix_button, self.hold_button, self.note]),
                              self.status])
        self._show()

    @property
    def claim_id(self) -> str:
        """The claim on screen."""
        return str(self.picker.value)

    def _show(self) -> None:
        s = self.session
        self.rate.value = (f"<b>clean-claim rate {s.clean_claim_rate:.1%}</b> "
                           f"({len(s.dirty)} claims with errors, {len(s.held)} held)")
        if self.claim_id in s.edits:
            self.view.value = claim_edits_html(s, self.claim_id)

    def fix(self) -> str | None:
        """Apply the first fixable edit's standard fix to the claim on screen."""
        cid = self.claim_id
        edit = next((e for e in self.session.errors(cid)
                     if standard_fix(self.session.claim(cid), e) is not None), None)
        done = self.session.fix(cid, edit) if edit is not None else None
        self.status.value = _e(done or "no standard fix: this one needs a person (hold it)")
        self._refresh_options()
        return done

    def hold(self) -> None:
        """Hold the claim on screen with the note typed."""
        self.session.hold(self.claim_id, self.note.value or "held by the biller")
        self.status.value = f"held {_e(self.claim_id)}"
        self._show()

    def _refresh_options(self) -> None:
        current = self.claim_id
        self.picker.options = self.session.dirty or ["(none)"]
        if current in self.session.dirty:
            self.picker.value = current
        self._show()


class DenialDesk:
    """Choose an action for each work item; each choice is saved, then graded."""

    def __init__(self, items: Sequence[WorkItem], truth: Mapping[str, str],
                 con: sqlite3.Connection, session: str) -> None:
        self.items, self.truth, self.con, self.session = list(items), truth, con, session
        self.choices: dict[str, str] = {}
        self.picker = W.Dropdown(description="claim", options=[i.claim_id for i in self.items])
        self.view = W.HTML()
        self.action = W.ToggleButtons(options=list(ACTIONS))
        self.save = W.Button(description="Save and grade", button_style="primary")
        self.result = W.HTML()
        self.picker.observe(lambda _: self._show(), names="value")
        self.save.on_click(lambda _: self.choose(str(self.action.value)))
        self.widget = W.VBox([self.picker, self.view, self.action, self.save, self.result])
        self._show()

    def _item(self) -> WorkItem:
        return next(i for i in self.items if i.claim_id == self.picker.value)

    def _show(self) -> None:
        if not self.items:
            self.view.value = "the queue is empty"
            return
        i = self._item()
        reasons = "".join(f"<li><b>{_e(c)}</b>: {_e(m)}</li>" for c, m in i.reasons)
        self.view.value = (f"<h4>{_e(i.claim_id)} &middot; {_e(i.payer_id)} &middot; "
                           f"${i.amount:,.2f}</h4><ul>{reasons}</ul>")

    def choose(self, action: str) -> bool:
        """Save the action for the item on screen, then grade it; True when right."""
        item = self._item()
        save_choice(self.con, self.session, item, action)
        self.choices[item.claim_id] = action
        row = grade_choices([item], self.choices, self.truth).iloc[0]
        verdict = "right" if row.correct else f"not quite: {row.expected} ({row.why})"
        self.result.value = f"{_e(item.claim_id)}: {_e(action)} &rarr; {_e(verdict)}"
        return bool(row.correct)
