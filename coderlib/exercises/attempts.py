"""Practice attempts in the SQLite store: saved *before* grading, so nothing typed is lost.

Table ``exercise_attempts`` (owned here): one row per submitted answer. The answer text is
written first in its own transaction; the grade is added to the same row afterwards. An
attempt whose grading failed keeps its text and an ``error``.

>>> from coderlib.store import open_store
>>> con = open_store(":memory:")
>>> attempt_id = save_attempt(con, "ip-demo-001", "PDX: A41.51:Y", chart_set="inpatient",
...                           topics=["sepsis sequencing"], source="doctest")
>>> history(con)[["chart_id", "answer_text", "score"]].to_dict("records")
[{'chart_id': 'ip-demo-001', 'answer_text': 'PDX: A41.51:Y', 'score': None}]
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from coderlib.exercises.grade import GradeResult, grade
from coderlib.exercises.model import Chart
from coderlib.store import ensure_schema, open_store, transaction

TABLE = "exercise_attempts"

DDL = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    chart_id    TEXT NOT NULL,
    chart_set   TEXT,
    setting     TEXT,
    difficulty  TEXT,
    topics      TEXT NOT NULL DEFAULT '[]',
    answer_text TEXT NOT NULL,
    seed        INTEGER,
    source      TEXT NOT NULL DEFAULT 'library',
    created_at  TEXT NOT NULL,
    graded_at   TEXT,
    score       REAL,
    earned      REAL,
    possible    REAL,
    key_drg     TEXT,
    answer_drg  TEXT,
    result_json TEXT,
    error       TEXT
);
CREATE INDEX IF NOT EXISTS {TABLE}_chart ON {TABLE}(chart_id);
"""

HISTORY_COLUMNS = ["id", "chart_id", "chart_set", "setting", "difficulty", "topics",
                   "answer_text", "seed", "source", "created_at", "graded_at", "score",
                   "earned", "possible", "key_drg", "answer_drg", "error"]


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def connect(path: str | Path | None = None) -> sqlite3.Connection:
    """Open the store (default: the user's store) with the attempts table ready."""
    con = open_store(path)
    ensure_schema(con, DDL)
    return con


def save_attempt(con: sqlite3.Connection, chart_id: str, answer_text: str, *,
                 chart_set: str | None = None, setting: str | None = None,
                 difficulty: str | None = None, topics: list[str] | None = None,
                 seed: int | None = None, source: str = "library") -> int:
    """Write the raw answer text (one committed transaction) and return the attempt id."""
    if not isinstance(answer_text, str):
        raise TypeError(f"answer_text must be text, got {type(answer_text).__name__}")
    ensure_schema(con, DDL)
    with transaction(con):
        cur = con.execute(
            f"INSERT INTO {TABLE} (chart_id, chart_set, setting, difficulty, topics, "
            "answer_text, seed, source, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
            (chart_id, chart_set, setting, difficulty, json.dumps(list(topics or [])),
             answer_text, seed, source, _now()))
        return int(cur.lastrowid)


def record_grade(con: sqlite3.Connection, attempt_id: int, result: GradeResult) -> None:
    """Add the grade to a saved attempt."""
    with transaction(con):
        cur = con.execute(
            f"UPDATE {TABLE} SET graded_at=?, score=?, earned=?, possible=?, key_drg=?, "
            "answer_drg=?, result_json=?, error=NULL WHERE id=?",
            (_now(), result.score, result.earned - result.penalties, result.possible,
             result.key_drg, result.answer_drg, json.dumps(result.to_dict(), default=str),
             attempt_id))
        if cur.rowcount != 1:
            raise KeyError(f"no attempt with id {attempt_id} in {TABLE}")


def record_error(con: sqlite3.Connection, attempt_id: int, error: str) -> None:
    """Note why grading a saved attempt failed (the answer text stays)."""
    with transaction(con):
        con.execute(f"UPDATE {TABLE} SET error=? WHERE id=?", (error, attempt_id))


@dataclass
class Attempt:
    """A saved and graded attempt."""

    attempt_id: int
    result: GradeResult


def submit(con: sqlite3.Connection, chart: Chart, answer_text: str, *, seed: int | None = None,
           source: str = "library",
           grader: Callable[[Chart, str], GradeResult] = grade) -> Attempt:
    """Save the answer, then grade it, then store the grade; returns both.

    If grading raises, the attempt stays saved with the error recorded, and the error is
    re-raised.
    """
    attempt_id = save_attempt(con, chart.id, answer_text, chart_set=chart.set,
                              setting=chart.setting, difficulty=chart.metadata.difficulty,
                              topics=chart.metadata.topics, seed=seed, source=source)
    try:
        result = grader(chart, answer_text)
    except Exception as exc:
        record_error(con, attempt_id, f"{type(exc).__name__}: {exc}")
        raise
    record_grade(con, attempt_id, result)
    return Attempt(attempt_id, result)


def history(con: sqlite3.Connection, chart_id: str | None = None) -> pd.DataFrame:
    """Every attempt, newest first (optionally for one chart); topics as lists."""
    ensure_schema(con, DDL)
    sql = f"SELECT {', '.join(HISTORY_COLUMNS)} FROM {TABLE}"
    params: tuple[str, ...] = ()
    if chart_id is not None:
        sql += " WHERE chart_id = ?"
        params = (chart_id,)
    rows = [dict(r) for r in con.execute(sql + " ORDER BY id DESC", params)]
    df = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
    df["topics"] = [json.loads(t) for t in df["topics"]]
    df = df.astype(object)
    return df.where(df.notna(), None)


def result_of(con: sqlite3.Connection, attempt_id: int) -> GradeResult | None:
    """The stored grade of an attempt (None when it was not graded)."""
    row = con.execute(f"SELECT result_json FROM {TABLE} WHERE id=?", (attempt_id,)).fetchone()
    if row is None:
        raise KeyError(f"no attempt with id {attempt_id} in {TABLE}")
    if row[0] is None:
        return None
    from coderlib.exercises.grade import CodeVerdict

    data = json.loads(row[0])
    rows = [CodeVerdict(**r) for r in data.pop("rows")]
    data.pop("drg_match", None)
    return GradeResult(rows=rows, **data)


def topic_accuracy(con: sqlite3.Connection) -> pd.DataFrame:
    """Per-topic mastery over graded attempts: attempts, charts, mean and best score.

    A chart with several topics counts toward each. Sorted weakest topic first.
    """
    df = history(con)
    df = df[df["score"].notna()]
    cols = ["topic", "attempts", "charts", "mean_score", "best_score", "last_attempt"]
    if df.empty:
        return pd.DataFrame(columns=cols)
    long = df.explode("topics").rename(columns={"topics": "topic"})
    long = long[long["topic"].notna()]
    long["score"] = long["score"].astype(float)
    out = long.groupby("topic").agg(attempts=("id", "count"), charts=("chart_id", "nunique"),
                                    mean_score=("score", "mean"), best_score=("score", "max"),
                                    last_attempt=("created_at", "max")).reset_index()
    out["mean_score"] = out["mean_score"].round(1)
    return out.sort_values(["mean_score", "topic"]).reset_index(drop=True)[cols]
