"""Drill sessions: draw items with a seed, take answers (saved before scoring), score them.

*Practice* mode answers each item at once with the key, the rationale and why the chosen
distractor is wrong. *Exam* mode follows the blueprint (items per area, time limit), gives
no feedback until :meth:`DrillSession.finish`, then scores against the pass mark.

>>> from coderlib.drills.records import connect
>>> import datetime as dt
>>> con = connect(":memory:")
>>> pool = load_pool(exam="CPC", generated_per_kind=0, include_cases=False)
>>> t0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone.utc)
>>> s = DrillSession.start(con, pool, learner="ana", n=3, seed=7, area="em", at=t0)
>>> fb = s.answer(s.items[0].id, s.items[0].key, seconds=40, at=t0)
>>> fb.correct, fb.key == s.items[0].key
(True, True)
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from coderlib.drills import records, schedule
from coderlib.drills.blueprint import Exam, exam_of_area, load_blueprint
from coderlib.drills.model import Item

MODES = ("practice", "exam")
#: a scenario counts as right when the chart grader gives at least this score
SCENARIO_PASS = 80.0


class NotEnoughItems(LookupError):
    """The bank cannot satisfy a drill request; says how many items exist."""


def load_pool(exam: str | None = None, *, generated_per_kind: int = 10, seed: int = 0,
              include_cases: bool = True) -> list[Item]:
    """The item pool: authored items that pass every check, case items and generated items.

    Generated items are drawn with ``seed`` (``generated_per_kind`` from each generator of
    the exam). ``exam`` keeps only items of that exam's areas (scenarios go with CCS).
    """
    from coderlib.drills.cases import SCENARIO_AREA, case_items
    from coderlib.drills.check import validate_bank
    from coderlib.drills.generate import generate_for_exam

    bp = load_blueprint()
    items = list(validate_bank(blueprint=bp).items)
    if include_cases:
        items += case_items()
    exams = [exam] if exam else list(bp)
    if generated_per_kind:
        for e in exams:
            items += generate_for_exam(e, generated_per_kind, seed)
    if exam:
        areas = {a.id for a in bp[exam].areas} | ({SCENARIO_AREA} if bp[exam].scenarios
                                                   else set())
        items = [i for i in items if i.area in areas]
    seen: set[str] = set()
    out = []
    for i in items:
        if i.id not in seen:
            seen.add(i.id)
            out.append(i)
    return out


def filter_items(pool: Sequence[Item], *, exam: str | None = None, area: str | None = None,
                 difficulty: str | None = None, kind: str | None = None,
                 blueprint: dict[str, Exam] | None = None) -> list[Item]:
    """Items matching every filter given."""
    bp = load_blueprint() if blueprint is None else blueprint
    if exam is not None and exam not in bp:
        raise KeyError(f"unknown exam {exam!r}; blueprints: {', '.join(bp)}")
    areas = {a.id for a in bp[exam].areas} if exam else None
    return [i for i in pool
            if (areas is None or i.area in areas) and (area is None or i.area == area)
            and (difficulty is None or i.difficulty == difficulty)
            and (kind is None or i.kind == kind)]


def draw(pool: Sequence[Item], n: int, seed: int, *, learner: str | None = None,
         con: sqlite3.Connection | None = None, at: dt.datetime | None = None,
         **filters: Any) -> list[Item]:
    """``n`` multiple-choice items matching ``filters``; due and weak items first for a learner.

    Raises :class:`NotEnoughItems` (with the count that exists) when fewer than ``n`` match.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    cands = [i for i in filter_items(pool, **filters) if i.type != "chart"]
    if len(cands) < n:
        shown = ", ".join(f"{k}={v}" for k, v in filters.items() if v is not None) or "no filter"
        raise NotEnoughItems(f"asked for {n} items ({shown}) but the bank has only "
                             f"{len(cands)} that match")
    rng = random.Random(seed)
    order = sorted(cands, key=lambda i: i.id)
    rng.shuffle(order)
    if learner and con is not None:
        pri = schedule.priorities(con, learner, [i.id for i in order], at)
        order.sort(key=lambda i: (pri[i.id].group, pri[i.id].due or ""))
    return order[:n]


def assemble_exam(pool: Sequence[Item], exam: str, seed: int,
                  blueprint: dict[str, Exam] | None = None) -> list[Item]:
    """One exam form per the blueprint: each area's count, then the scenarios, in order.

    Raises :class:`NotEnoughItems` naming every area the bank cannot fill.
    """
    bp = load_blueprint() if blueprint is None else blueprint
    if exam not in bp:
        raise KeyError(f"unknown exam {exam!r}; blueprints: {', '.join(bp)}")
    spec = bp[exam]
    rng = random.Random(seed)
    form: list[Item] = []
    short = []
    for area in spec.areas:
        cands = sorted((i for i in pool if i.area == area.id and i.type != "chart"),
                       key=lambda i: i.id)
        if len(cands) < area.items:
            short.append(f"{area.id} needs {area.items}, the bank has {len(cands)}")
            continue
        form += rng.sample(cands, area.items)
    scen = sorted((i for i in pool if i.type == "chart"), key=lambda i: i.id)
    if spec.scenarios:
        if len(scen) < spec.scenarios:
            short.append(f"scenarios need {spec.scenarios}, the bank has {len(scen)}")
        else:
            form += rng.sample(scen, spec.scenarios)
    if short:
        raise NotEnoughItems(f"the bank cannot fill a {exam} exam: " + "; ".join(short))
    return form


@dataclass
class Feedback:
    """What the learner is told after an answer (practice) or at the end (exam)."""

    item_id: str
    choice: str | None
    correct: bool
    credit: float
    key: str = ""
    key_text: str = ""
    rationale: str = ""
    why_wrong: str = ""
    grade: Any = None


@dataclass
class SessionResult:
    """A finished session: score, pass/fail against the mark, per-area table."""

    session_id: int
    mode: str
    exam: str | None
    answered: int
    total: int
    score: float
    pass_mark: float | None
    passed: bool | None
    minutes_used: float
    by_area: pd.DataFrame
    feedback: list[Feedback] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the learner."""
        text = (f"session {self.session_id}: {self.score:.0%} on {self.total} items "
                f"({self.answered} answered) in {self.minutes_used:.0f} min")
        if self.pass_mark is not None:
            text += f"; pass mark {self.pass_mark:.0%}: " + ("PASS" if self.passed else "FAIL")
        return text


def score_item(item: Item, choice: str | None, answer_text: str | None = None) -> Feedback:
    """Score one answer: a letter for multiple choice, coded text for a chart scenario."""
    if item.type == "chart":
        from coderlib.exercises.grade import grade
        from coderlib.exercises.loader import find_chart

        result = grade(find_chart(item.chart or ""), answer_text or "")
        return Feedback(item.id, None, result.score >= SCENARIO_PASS, result.score / 100.0,
                        rationale=item.rationale, grade=result)
    letter = (choice or "").strip().upper() or None
    if letter is not None and letter not in item.options:
        raise ValueError(f"{item.id}: answer {choice!r} is not one of "
                         f"{', '.join(item.options)}")
    ok = letter == item.key
    return Feedback(item.id, letter, ok, 1.0 if ok else 0.0, item.key, item.options[item.key],
                    item.rationale, "" if ok or letter is None else item.why.get(letter, ""))


class DrillSession:
    """One sitting: its items, the answers so far, the clock (exam) and the store."""

    def __init__(self, con: sqlite3.Connection, session_id: int, items: list[Item], *,
                 learner: str, mode: str, exam: str | None, minutes: int | None,
                 pass_mark: float | None, started: dt.datetime) -> None:
        self.con, self.id, self.items = con, session_id, items
        self.learner, self.mode, self.exam = learner, mode, exam
        self.minutes, self.pass_mark, self.started = minutes, pass_mark, started
        self.answers: dict[str, Feedback] = {}
        self._by_id = {i.id: i for i in items}

    @classmethod
    def start(cls, con: sqlite3.Connection, pool: Sequence[Item], *, learner: str,
              n: int | None = None, seed: int, mode: str = "practice",
              exam: str | None = None, area: str | None = None,
              difficulty: str | None = None, class_name: str | None = None,
              at: dt.datetime | None = None) -> DrillSession:
        """Draw the items (exam mode: by the blueprint) and store the session."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        if not learner or not str(learner).strip():
            raise ValueError("a learner name is needed to keep answers and cards")
        at = at or records.now_utc()
        bp = load_blueprint()
        minutes = pass_mark = None
        if mode == "exam":
            if exam is None:
                raise ValueError("exam mode needs an exam (one of "
                                 f"{', '.join(bp)})")
            items = assemble_exam(pool, exam, seed, bp)
            minutes, pass_mark = bp[exam].minutes, bp[exam].pass_mark
        else:
            items = draw(pool, n or 10, seed, learner=learner, con=con, at=at, exam=exam,
                         area=area, difficulty=difficulty)
            if exam is None and area is not None:
                exam = exam_of_area(area, bp)
            if exam:
                pass_mark = bp[exam].pass_mark
        filters = {"n": n, "exam": exam, "area": area, "difficulty": difficulty}
        sid = records.save_session(con, learner=learner, class_name=class_name, exam=exam,
                                   mode=mode, seed=seed, filters=filters, minutes=minutes,
                                   pass_mark=pass_mark, items=items, started=at)
        return cls(con, sid, items, learner=learner, mode=mode, exam=exam, minutes=minutes,
                   pass_mark=pass_mark, started=at)

    def remaining(self, at: dt.datetime | None = None) -> float | None:
        """Seconds left on the exam clock (None in practice mode)."""
        if self.minutes is None:
            return None
        at = at or records.now_utc()
        return self.minutes * 60 - (at - self.started).total_seconds()

    def answer(self, item_id: str, choice: str | None = None, *, answer_text: str | None = None,
               seconds: float | None = None, at: dt.datetime | None = None) -> Feedback | None:
        """Save then score one answer. Practice returns the feedback; exam returns None.

        The answer row is committed before scoring; an answer after the exam time is up is
        refused (``TimeoutError``) and saved nowhere.
        """
        if item_id not in self._by_id:
            raise KeyError(f"item {item_id!r} is not in session {self.id}")
        at = at or records.now_utc()
        left = self.remaining(at)
        if left is not None and left < 0:
            raise TimeoutError(f"the {self.minutes}-minute exam time is over; finish the "
                               "session to see the score")
        item = self._by_id[item_id]
        aid = records.save_answer(self.con, self.id, item_id, self.learner, choice,
                                  answer_text, seconds, at)
        try:
            fb = score_item(item, choice, answer_text)
        except (ValueError, KeyError) as exc:
            records.record_error(self.con, aid, str(exc))
            raise
        records.record_score(self.con, aid, fb.correct, fb.credit, at)
        schedule.review(self.con, self.learner, item_id, fb.correct, at, seconds)
        self.answers[item_id] = fb
        return fb if self.mode == "practice" else None

    def finish(self, at: dt.datetime | None = None) -> SessionResult:
        """Close the session and score it (unanswered items count as wrong)."""
        at = at or records.now_utc()
        records.finish_session(self.con, self.id, at)
        rows = []
        for it in self.items:
            fb = self.answers.get(it.id)
            rows.append({"area": it.area, "credit": fb.credit if fb else 0.0,
                         "answered": fb is not None})
        df = pd.DataFrame(rows, columns=["area", "credit", "answered"])
        by_area = (df.groupby("area").agg(items=("credit", "size"), score=("credit", "sum"),
                                          answered=("answered", "sum"))
                   .reset_index())
        total = len(self.items)
        score = float(df["credit"].sum()) / total if total else 0.0
        passed = None if self.pass_mark is None else score >= self.pass_mark
        fbs = [self.answers[i.id] for i in self.items if i.id in self.answers]
        return SessionResult(self.id, self.mode, self.exam, len(self.answers), total, score,
                             self.pass_mark, passed, (at - self.started).total_seconds() / 60,
                             by_area, fbs)
