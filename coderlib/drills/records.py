"""The drills' tables in the SQLite store: sessions, their items, answers, cards and reviews.

An answer row is written (and committed) before it is scored, so a crash between typing and
scoring loses nothing; the score is filled in by a second write.

>>> con = connect(":memory:")
>>> sorted(r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'"
...        " AND name LIKE 'drill%'"))
['drill_answers', 'drill_cards', 'drill_reviews', 'drill_session_items', 'drill_sessions']
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

from coderlib.drills.model import Item
from coderlib.store import ensure_schema, open_store, transaction

SCHEMA = """
CREATE TABLE IF NOT EXISTS drill_sessions (
    id INTEGER PRIMARY KEY, learner TEXT NOT NULL, class_name TEXT, exam TEXT,
    mode TEXT NOT NULL, seed INTEGER NOT NULL, filters TEXT, minutes INTEGER,
    pass_mark REAL, started_at TEXT NOT NULL, finished_at TEXT);
CREATE TABLE IF NOT EXISTS drill_session_items (
    session_id INTEGER NOT NULL REFERENCES drill_sessions(id), position INTEGER NOT NULL,
    item_id TEXT NOT NULL, area TEXT NOT NULL, item_json TEXT NOT NULL,
    PRIMARY KEY (session_id, position));
CREATE TABLE IF NOT EXISTS drill_answers (
    id INTEGER PRIMARY KEY, session_id INTEGER NOT NULL REFERENCES drill_sessions(id),
    item_id TEXT NOT NULL, learner TEXT NOT NULL, choice TEXT, answer_text TEXT,
    answered_at TEXT NOT NULL, seconds REAL, correct INTEGER, credit REAL, scored_at TEXT,
    error TEXT);
CREATE INDEX IF NOT EXISTS drill_answers_learner ON drill_answers(learner, item_id);
CREATE TABLE IF NOT EXISTS drill_cards (
    learner TEXT NOT NULL, item_id TEXT NOT NULL, card_json TEXT NOT NULL, due TEXT NOT NULL,
    lapses INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (learner, item_id));
CREATE TABLE IF NOT EXISTS drill_reviews (
    id INTEGER PRIMARY KEY, learner TEXT NOT NULL, item_id TEXT NOT NULL,
    rating INTEGER NOT NULL, reviewed_at TEXT NOT NULL, state_before INTEGER,
    state_after INTEGER, due_after TEXT NOT NULL);
"""


def connect(path: str | Path | None = None) -> sqlite3.Connection:
    """Open the store (default: the user's) with the drills' tables in place."""
    con = open_store(path)
    ensure_schema(con, SCHEMA)
    return con


def iso(moment: dt.datetime) -> str:
    """UTC ISO text for a timestamp (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def now_utc() -> dt.datetime:
    """The current time, timezone-aware UTC."""
    return dt.datetime.now(dt.timezone.utc)


def save_session(con: sqlite3.Connection, *, learner: str, class_name: str | None,
                 exam: str | None, mode: str, seed: int, filters: dict, minutes: int | None,
                 pass_mark: float | None, items: list[Item], started: dt.datetime) -> int:
    """Write a session and its item snapshot in one transaction; return its id."""
    with transaction(con):
        cur = con.execute(
            "INSERT INTO drill_sessions (learner, class_name, exam, mode, seed, filters, "
            "minutes, pass_mark, started_at) VALUES (?,?,?,?,?,?,?,?,?)",
            (learner, class_name, exam, mode, seed, json.dumps(filters, sort_keys=True),
             minutes, pass_mark, iso(started)))
        sid = int(cur.lastrowid)
        con.executemany("INSERT INTO drill_session_items VALUES (?,?,?,?,?)",
                        [(sid, k, it.id, it.area, it.model_dump_json())
                         for k, it in enumerate(items)])
    return sid


def save_answer(con: sqlite3.Connection, session_id: int, item_id: str, learner: str,
                choice: str | None, answer_text: str | None, seconds: float | None,
                at: dt.datetime) -> int:
    """Persist an answer before it is scored; return the answer row id."""
    with transaction(con):
        cur = con.execute(
            "INSERT INTO drill_answers (session_id, item_id, learner, choice, answer_text, "
            "answered_at, seconds) VALUES (?,?,?,?,?,?,?)",
            (session_id, item_id, learner, choice, answer_text, iso(at), seconds))
    return int(cur.lastrowid)


def record_score(con: sqlite3.Connection, answer_id: int, correct: bool, credit: float,
                 at: dt.datetime) -> None:
    """Fill in the score of a saved answer."""
    with transaction(con):
        con.execute("UPDATE drill_answers SET correct=?, credit=?, scored_at=? WHERE id=?",
                    (int(correct), credit, iso(at), answer_id))


def record_error(con: sqlite3.Connection, answer_id: int, error: str) -> None:
    """Keep why a saved answer could not be scored."""
    with transaction(con):
        con.execute("UPDATE drill_answers SET error=? WHERE id=?", (error, answer_id))


def finish_session(con: sqlite3.Connection, session_id: int, at: dt.datetime) -> None:
    """Stamp the session as finished."""
    with transaction(con):
        con.execute("UPDATE drill_sessions SET finished_at=? WHERE id=?", (iso(at), session_id))


def session_items(con: sqlite3.Connection, session_id: int) -> list[Item]:
    """The items of a stored session, in order (snapshots: generated items included)."""
    rows = con.execute("SELECT item_json FROM drill_session_items WHERE session_id=? "
                       "ORDER BY position", (session_id,)).fetchall()
    return [Item.model_validate_json(r[0]) for r in rows]
