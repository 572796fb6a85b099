"""Chart picker labels: what a coder knows before reading a chart, never the answer.

A chart's own ``title`` names its diagnosis and its id often does too (``ip-sepsis-001``), so
the practice app lists charts by a running number and :attr:`Chart.neutral_title` (setting,
age and sex, and days for a stay) until the answer is submitted.
"""

from __future__ import annotations

from coderlib.exercises.model import Chart


def picker_label(chart: Chart, number: int) -> str:
    """The chart picker's entry: a running number and the neutral title (no id, no topic).

    >>> from coderlib.paths import REPO_ROOT
    >>> from coderlib.exercises.loader import load_all
    >>> chart = load_all(REPO_ROOT / "tests/fixtures/exercises/good")[0]
    >>> picker_label(chart, 7) == "Chart 7 · " + chart.neutral_title
    True
    """
    return f"Chart {number} · {chart.neutral_title}"
