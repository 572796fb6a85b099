"""Pick charts for practice: filter by set, setting, difficulty and topic; draw with a seed.

>>> from coderlib.paths import REPO_ROOT
>>> from coderlib.exercises.loader import load_all
>>> charts = load_all(REPO_ROOT / "tests/fixtures/exercises/good")
>>> [c.id for c in filter_charts(charts, topic="laterality")]
['fx-op-knee-001']
>>> pick = pick_chart(charts, seed=7, setting="emergency")
>>> pick.chart.id, pick.seed, pick.pool
('fx-q-cough-001', 7, 2)
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from rapidfuzz import process

from coderlib.exercises.model import DIFFICULTIES, SETS, SETTINGS, Chart


def _check(name: str, value: str | None, allowed: Sequence[str]) -> None:
    if value is not None and value not in allowed:
        raise ValueError(f"{name} {value!r} is not one of {', '.join(allowed)}")


def chart_by_id(charts: Sequence[Chart], chart_id: str) -> Chart:
    """The chart with ``chart_id``; a ``KeyError`` naming the closest ids otherwise.

    >>> from coderlib.paths import REPO_ROOT
    >>> from coderlib.exercises.loader import load_all
    >>> chart_by_id(load_all(REPO_ROOT / "tests/fixtures/exercises/good"), "fx-op-knee-01")
    Traceback (most recent call last):
    ...
    KeyError: "no chart with id 'fx-op-knee-01' among 4 charts; did you mean: fx-op-knee-001?"
    """
    for c in charts:
        if c.id == chart_id:
            return c
    close = [m[0] for m in process.extract(str(chart_id), [c.id for c in charts], limit=3,
                                           score_cutoff=80)]
    hint = f"; did you mean: {', '.join(close)}?" if close else ""
    raise KeyError(f"no chart with id {chart_id!r} among {len(charts)} charts{hint}")


def filter_charts(charts: Sequence[Chart], *, set: str | None = None,  # noqa: A002
                  setting: str | None = None, difficulty: str | None = None,
                  topic: str | None = None) -> list[Chart]:
    """Charts matching every filter given; ``topic`` matches any topic containing the text
    (case-insensitive), so ``"sepsis"`` finds ``"sepsis sequencing"``."""
    _check("set", set, SETS)
    _check("setting", setting, SETTINGS)
    _check("difficulty", difficulty, DIFFICULTIES)
    needle = topic.strip().lower() if topic else None
    out = []
    for c in charts:
        if set is not None and c.set != set:
            continue
        if setting is not None and c.setting != setting:
            continue
        if difficulty is not None and c.metadata.difficulty != difficulty:
            continue
        if needle and not any(needle in t.lower() for t in c.metadata.topics):
            continue
        out.append(c)
    return sorted(out, key=lambda c: c.id)


@dataclass(frozen=True)
class Pick:
    """A chart drawn at random, the seed that drew it and how many charts were eligible."""

    chart: Chart
    seed: int
    pool: int


def pick_chart(charts: Sequence[Chart], seed: int, **filters: str | None) -> Pick:
    """Draw one chart from those matching ``filters`` (see :func:`filter_charts`).

    The same seed and filters always give the same chart. Raises ``LookupError`` when no
    chart matches.
    """
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"seed must be an integer, got {seed!r}")
    pool = filter_charts(charts, **filters)
    if not pool:
        shown = ", ".join(f"{k}={v!r}" for k, v in filters.items() if v is not None)
        raise LookupError(f"no chart matches {shown or 'the filters'} "
                          f"(out of {len(charts)} charts)")
    chart = random.Random(seed).choice(pool)
    return Pick(chart, seed, len(pool))


def drill(charts: Sequence[Chart], n: int, seed: int, **filters: str | None) -> list[Chart]:
    """``n`` distinct charts drawn with ``seed`` (all of them, shuffled, when fewer match)."""
    pool = filter_charts(charts, **filters)
    rng = random.Random(seed)
    return rng.sample(pool, k=min(n, len(pool)))


def catalogue(charts: Sequence[Chart]) -> pd.DataFrame:
    """One row per chart (no key): id, set, setting, difficulty, topics, minutes, title.

    ``neutral_title`` is what a trainee may see before answering; ``title`` and ``topics``
    name the teaching point (for educators).
    """
    cols = ["id", "set", "setting", "difficulty", "topics", "minutes", "title", "neutral_title"]
    rows = [{"id": c.id, "set": c.set, "setting": c.setting,
             "difficulty": c.metadata.difficulty, "topics": ", ".join(c.metadata.topics),
             "minutes": c.metadata.minutes, "title": c.title,
             "neutral_title": c.neutral_title} for c in charts]
    return pd.DataFrame(rows, columns=cols).sort_values(["set", "id"]).reset_index(drop=True)


def topics(charts: Sequence[Chart]) -> list[str]:
    """Every topic used, sorted."""
    return sorted({t for c in charts for t in c.metadata.topics})
