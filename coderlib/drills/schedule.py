"""Spaced repetition with FSRS (the scheduler Anki uses): one card per learner and item.

A right answer is rated Good, a wrong one Again: FSRS puts a wrong card into (re)learning
with a due time minutes away, so it comes back in the next drill. Cards and every review are
stored; :func:`priorities` orders a pool so due and weak items come first.

>>> import datetime as dt
>>> from coderlib.drills.records import connect
>>> con = connect(":memory:")
>>> t0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone.utc)
>>> c = review(con, "ana", "em-001", correct=False, at=t0)
>>> c.state.name, (c.due - t0).total_seconds() <= 600
('Learning', True)
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass

from fsrs import Card, Rating, Scheduler

from coderlib.drills.records import iso, now_utc
from coderlib.store import transaction

#: no fuzzing: the same answers always give the same due dates (tests, reproducible drills)
SCHEDULER = Scheduler(enable_fuzzing=False)


def _card_id(learner: str, item_id: str) -> int:
    import hashlib

    return int(hashlib.sha256(f"{learner}\0{item_id}".encode()).hexdigest()[:12], 16)


def load_card(con: sqlite3.Connection, learner: str, item_id: str) -> Card | None:
    """The stored card of a learner for an item, or None when never reviewed."""
    row = con.execute("SELECT card_json FROM drill_cards WHERE learner=? AND item_id=?",
                      (learner, item_id)).fetchone()
    return Card.from_dict(json.loads(row[0])) if row else None


def review(con: sqlite3.Connection, learner: str, item_id: str, correct: bool,
           at: dt.datetime | None = None, duration_s: float | None = None) -> Card:
    """Rate one answer (Good when right, Again when wrong), store card and review log."""
    at = at or now_utc()
    card = load_card(con, learner, item_id) or Card(card_id=_card_id(learner, item_id), due=at)
    before = int(card.state)
    rating = Rating.Good if correct else Rating.Again
    new, _log = SCHEDULER.review_card(card, rating, review_datetime=at,
                                      review_duration=None if duration_s is None
                                      else int(duration_s * 1000))
    with transaction(con):
        con.execute(
            "INSERT INTO drill_cards (learner, item_id, card_json, due, lapses) "
            "VALUES (?,?,?,?,?) ON CONFLICT(learner, item_id) DO UPDATE SET "
            "card_json=excluded.card_json, due=excluded.due, "
            "lapses=drill_cards.lapses + excluded.lapses",
            (learner, item_id, json.dumps(new.to_dict()), iso(new.due), int(not correct)))
        con.execute("INSERT INTO drill_reviews (learner, item_id, rating, reviewed_at, "
                    "state_before, state_after, due_after) VALUES (?,?,?,?,?,?,?)",
                    (learner, item_id, int(rating), iso(at), before, int(new.state),
                     iso(new.due)))
    return new


@dataclass(frozen=True)
class Priority:
    """Why an item is drawn early: ``group`` 0 due, 1 weak (lapsed), 2 new, 3 not yet due."""

    item_id: str
    group: int
    due: str | None
    retrievability: float | None


def priorities(con: sqlite3.Connection, learner: str, item_ids: list[str],
               at: dt.datetime | None = None) -> dict[str, Priority]:
    """How urgently each item should come back for ``learner`` at ``at``."""
    at = at or now_utc()
    rows = {r[0]: (r[1], r[2], r[3]) for r in con.execute(
        "SELECT item_id, card_json, due, lapses FROM drill_cards WHERE learner=?", (learner,))}
    out = {}
    for iid in item_ids:
        if iid not in rows:
            out[iid] = Priority(iid, 2, None, None)
            continue
        card_json, due, lapses = rows[iid]
        card = Card.from_dict(json.loads(card_json))
        r = SCHEDULER.get_card_retrievability(card, at)
        group = 0 if due <= iso(at) else (1 if lapses else 3)
        out[iid] = Priority(iid, group, due, r)
    return out


def due_cards(con: sqlite3.Connection, learner: str, at: dt.datetime | None = None):  # noqa: ANN201
    """A learner's cards due at ``at`` (default now): item, due, state, lapses, reviews.

    >>> from coderlib.drills.records import connect
    >>> due_cards(connect(":memory:"), "nobody").empty
    True
    """
    import pandas as pd

    at = at or now_utc()
    rows = con.execute(
        "SELECT c.item_id, c.due, c.card_json, c.lapses, "
        "(SELECT COUNT(*) FROM drill_reviews r WHERE r.learner = c.learner "
        " AND r.item_id = c.item_id) AS reviews "
        "FROM drill_cards c WHERE c.learner = ? AND c.due <= ? ORDER BY c.due, c.item_id",
        (learner, iso(at))).fetchall()
    out = [{"item_id": r[0], "due": r[1], "state": Card.from_dict(json.loads(r[2])).state.name,
            "lapses": r[3], "reviews": r[4]} for r in rows]
    return pd.DataFrame(out, columns=["item_id", "due", "state", "lapses", "reviews"])
