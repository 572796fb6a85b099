"""Mastery reports per learner and class: per-area accuracy with Clopper-Pearson intervals,
a readiness estimate against the pass mark, most-missed items with the distractor chosen,
and time per item.

Readiness: each blueprint area's accuracy is estimated with a Beta(1 + right, 1 + wrong)
posterior (areas never answered start at Beta(1, 1)); 4,000 simulated exams draw each
area's items from its posterior and count how often the score reaches the pass mark. It is
a study signal built on the bank's items, not a forecast of the real exam.

>>> from coderlib.drills.records import connect
>>> con = connect(":memory:")
>>> area_accuracy(con, learner="nobody").empty
True
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any

import numpy as np
import pandas as pd

from coderlib.drills.blueprint import load_blueprint
from coderlib.intervals import clopper_pearson

CONFIDENCE = 0.95


def period_bounds(period: str | None) -> dict[str, str]:
    """``since``/``until`` filters for a period ``YYYY-MM`` (or ``{}`` for all time).

    >>> period_bounds("2026-11")
    {'since': '2026-11-01', 'until': '2026-11-30'}
    """
    if not period:
        return {}
    try:
        start = dt.date.fromisoformat(f"{period}-01")
    except ValueError:
        raise ValueError(f"period {period!r}: expected YYYY-MM") from None
    nxt = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return {"since": start.isoformat(), "until": (nxt - dt.timedelta(days=1)).isoformat()}


def answers(con: sqlite3.Connection, *, learner: str | None = None,
            class_name: str | None = None, since: dt.date | str | None = None,
            until: dt.date | str | None = None) -> pd.DataFrame:
    """Scored answers joined to their session and item snapshot (one row per answer)."""
    sql = ("SELECT a.id, a.learner, s.class_name, s.exam, s.mode, a.item_id, i.area, "
           "a.choice, a.correct, a.credit, a.seconds, a.answered_at, i.item_json "
           "FROM drill_answers a JOIN drill_sessions s ON s.id = a.session_id "
           "JOIN drill_session_items i ON i.session_id = a.session_id AND i.item_id = a.item_id "
           "WHERE a.correct IS NOT NULL")
    args: list[Any] = []
    for col, val in (("a.learner", learner), ("s.class_name", class_name)):
        if val:
            sql += f" AND {col} = ?"
            args.append(val)
    if since:
        sql += " AND a.answered_at >= ?"
        args.append(str(since))
    if until:
        sql += " AND a.answered_at < ?"
        args.append(str(until) + "T99")
    return pd.read_sql_query(sql + " ORDER BY a.id", con, params=args)


def _rates(df: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per ``by``: answered, right, accuracy with its 95% Clopper-Pearson interval, seconds."""
    cols = [by, "answered", "right", "accuracy", "ci_low", "ci_high", "sec_per_item"]
    if df.empty:
        return pd.DataFrame(columns=cols)
    g = df.groupby(by).agg(answered=("correct", "size"), right=("correct", "sum"),
                           sec_per_item=("seconds", "mean")).reset_index()
    g["accuracy"] = g["right"] / g["answered"]
    g["ci_low"], g["ci_high"] = clopper_pearson(g["right"], g["answered"], CONFIDENCE)
    return g[cols]


def area_accuracy(con: sqlite3.Connection, **filters: Any) -> pd.DataFrame:
    """Per area: answered, right, accuracy, 95% Clopper-Pearson low/high, seconds per item."""
    return _rates(answers(con, **filters), "area").sort_values("accuracy") \
        .reset_index(drop=True)


def readiness(con: sqlite3.Connection, exam: str, *, sims: int = 4000, seed: int = 0,
              **filters: Any) -> dict[str, Any]:
    """Estimated chance of reaching ``exam``'s pass mark (see the module docstring)."""
    bp = load_blueprint()[exam]
    acc = area_accuracy(con, **filters).set_index("area")
    rng = np.random.default_rng(seed)
    scores = np.zeros(sims)
    for area in bp.areas:
        right = int(acc.loc[area.id, "right"]) if area.id in acc.index else 0
        wrong = int(acc.loc[area.id, "answered"]) - right if area.id in acc.index else 0
        p = rng.beta(1 + right, 1 + wrong, size=sims)
        scores += rng.binomial(area.items, p)
    frac = scores / bp.total
    return {"exam": exam, "pass_mark": bp.pass_mark, "p_pass": float((frac >= bp.pass_mark)
                                                                      .mean()),
            "expected_score": float(frac.mean()), "sims": sims, "seed": seed,
            "areas_unseen": [a.id for a in bp.areas if a.id not in acc.index],
            "method": "Beta(1+right, 1+wrong) per blueprint area; simulated exams by the "
                      "blueprint's counts; share reaching the pass mark"}


def most_missed(con: sqlite3.Connection, top: int = 10, **filters: Any) -> pd.DataFrame:
    """Items missed most often, with the distractor chosen most often and its text."""
    import json

    df = answers(con, **filters)
    cols = ["item_id", "area", "answered", "missed", "top_choice", "top_choice_text", "key"]
    if df.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for iid, g in df.groupby("item_id"):
        wrong = g[g["correct"] == 0]
        if wrong.empty:
            continue
        item = json.loads(g["item_json"].iloc[-1])
        choice = wrong["choice"].mode().iloc[0] if wrong["choice"].notna().any() else None
        rows.append({"item_id": iid, "area": g["area"].iloc[0], "answered": len(g),
                     "missed": len(wrong), "top_choice": choice,
                     "top_choice_text": item.get("options", {}).get(choice, ""),
                     "key": item.get("key", "")})
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["missed", "item_id"], ascending=[False, True]).head(top) \
        .reset_index(drop=True)


def class_table(con: sqlite3.Connection, **filters: Any) -> pd.DataFrame:
    """One row per learner: answered, accuracy with its interval, seconds per item."""
    return _rates(answers(con, **filters), "learner")


def learners(con: sqlite3.Connection, class_name: str | None = None) -> list[str]:
    """Learners with scored answers (in one class when ``class_name`` is given), sorted."""
    return sorted(answers(con, class_name=class_name)["learner"].unique().tolist())


def plot_areas(table: pd.DataFrame, pass_mark: float | None = None, title: str = ""):  # noqa: ANN201
    """Horizontal bars of per-area accuracy with interval whiskers (matplotlib figure)."""
    import matplotlib

    matplotlib.use("Agg") if matplotlib.get_backend() == "" else None
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 0.35 * max(len(table), 3) + 1))
    if not table.empty:
        y = range(len(table))
        acc = table["accuracy"].astype(float)
        err = [acc - table["ci_low"].astype(float), table["ci_high"].astype(float) - acc]
        ax.barh(list(y), acc, xerr=err, color="#4c78a8", ecolor="#333", capsize=3)
        ax.set_yticks(list(y), [f"{a} (n={n})" for a, n in zip(table["area"],
                                                                table["answered"], strict=True)])
    if pass_mark is not None:
        ax.axvline(pass_mark, color="#d62728", linestyle="--", label=f"pass {pass_mark:.0%}")
        ax.legend(loc="lower right")
    ax.set_xlim(0, 1)
    ax.set_xlabel("accuracy (95% Clopper-Pearson)")
    ax.set_title(title or "Accuracy by area")
    fig.tight_layout()
    return fig


def demo_store(path: str, learners: tuple[str, ...] = ("ana", "ben", "chloe"),
               seed: int = 11, items_each: int = 40) -> str:
    """A store of simulated practice answers for the report notebook's defaults.

    Learners answer drawn CPC items right with a fixed per-learner probability; dates are
    fixed so the report is reproducible. A store built from another version of the bank is
    rebuilt (its signature is kept in ``drill_demo``). Returns ``path``.
    """
    import hashlib
    import random

    from coderlib.drills.records import connect
    from coderlib.drills.session import DrillSession, load_pool
    from coderlib.store import transaction

    pool = load_pool(exam="CPC", generated_per_kind=3, seed=seed)
    sign = hashlib.sha256(repr((sorted(i.model_dump_json() for i in pool), learners, seed,
                                items_each)).encode()).hexdigest()[:16]
    con = connect(path)
    con.execute("CREATE TABLE IF NOT EXISTS drill_demo (signature TEXT)")
    row = con.execute("SELECT signature FROM drill_demo").fetchone()
    if row and row[0] == sign:
        return path
    with transaction(con):  # the bank changed since the demo was built: rebuild it
        for table in ("drill_answers", "drill_session_items", "drill_reviews", "drill_cards",
                      "drill_sessions", "drill_demo"):
            con.execute(f"DELETE FROM {table}")
        con.execute("INSERT INTO drill_demo VALUES (?)", (sign,))
    rng = random.Random(seed)
    t0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.timezone.utc)
    for k, learner in enumerate(learners):
        skill = 0.55 + 0.12 * k
        s = DrillSession.start(con, pool, learner=learner, n=items_each, seed=seed + k,
                               exam="CPC", class_name="demo-class", at=t0)
        for j, item in enumerate(s.items):
            wrong = [x for x in item.options if x != item.key]
            choice = item.key if rng.random() < skill else rng.choice(wrong)
            s.answer(item.id, choice, seconds=float(rng.randint(40, 200)),
                     at=t0 + dt.timedelta(minutes=2 * j))
        s.finish(at=t0 + dt.timedelta(minutes=2 * len(s.items)))
    return path
