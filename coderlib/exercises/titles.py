"""Neutral chart titles: what a coder knows before reading a chart, never the answer.

A chart's own ``title`` names its diagnosis ("Sepsis due to acute pyelonephritis ...") and its
id often does too (``ip-sepsis-001``), so the practice app shows :func:`neutral_title` in the
chart picker and above the documentation until the answer is submitted: the kind of
encounter, the patient's age and sex, and (for a stay) its length.

>>> from coderlib.paths import REPO_ROOT
>>> from coderlib.exercises.loader import load_all
>>> chart = load_all(REPO_ROOT / "tests/fixtures/exercises/good")[0]
>>> neutral_title(chart)  # doctest: +ELLIPSIS
'...-year-old ...'
"""

from __future__ import annotations

from coderlib.exercises.model import Chart

SETTING_NAMES = {
    "inpatient": "Inpatient stay",
    "outpatient_surgery": "Outpatient surgery",
    "emergency": "Emergency department visit",
    "office": "Office visit",
    "radiology": "Radiology encounter",
    "observation": "Observation stay",
}


def _person(age: int, sex: str) -> str:
    """``'77-year-old man'``, ``'4-year-old girl'`` (adults from 18).

    >>> _person(45, "F"), _person(4, "M")
    ('45-year-old woman', '4-year-old boy')
    """
    adult = age >= 18
    word = {("M", True): "man", ("F", True): "woman", ("M", False): "boy",
            ("F", False): "girl"}.get((sex, adult), "patient")
    return f"{age}-year-old {word}"


def neutral_title(chart: Chart) -> str:
    """A title that gives nothing away: setting, age and sex, and days for a stay.

    e.g. ``'Inpatient stay, 77-year-old man, 3 days'`` or ``'Office visit, 45-year-old woman'``.
    """
    kind = SETTING_NAMES.get(chart.setting, chart.setting.replace("_", " ").capitalize())
    parts = [kind, _person(chart.patient.age, chart.patient.sex)]
    d = chart.dates
    if d.admission and d.discharge:
        days = (d.discharge - d.admission).days
        parts.append(f"{days} day{'s' if days != 1 else ''}")
    return ", ".join(parts)


def picker_label(chart: Chart, number: int) -> str:
    """The chart picker's entry: a running number and the neutral title (no id, no topic).

    >>> from coderlib.paths import REPO_ROOT
    >>> from coderlib.exercises.loader import load_all
    >>> chart = load_all(REPO_ROOT / "tests/fixtures/exercises/good")[0]
    >>> picker_label(chart, 7).startswith("Chart 7 · ")
    True
    """
    return f"Chart {number} · {neutral_title(chart)}"
