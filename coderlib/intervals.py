"""Exact binomial confidence intervals, shared by audit accuracy and drill mastery.

>>> lo, hi = clopper_pearson(7, 10)
>>> round(float(lo), 3), round(float(hi), 3)
(0.348, 0.933)
"""

from __future__ import annotations

import numpy as np
from scipy import stats

DEFAULT_CONFIDENCE = 0.95


def clopper_pearson(x: np.ndarray | float, n: np.ndarray | float,
                    confidence: float = DEFAULT_CONFIDENCE) -> tuple[np.ndarray, np.ndarray]:
    """Exact two-sided binomial interval(s) for ``x`` successes of ``n``, vectorised (scipy
    beta quantiles); ``n <= 0`` gives NaN bounds.

    >>> lo, hi = clopper_pearson(19, 20)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.7513, 0.9987)
    """
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    a = 1 - confidence
    with np.errstate(invalid="ignore", divide="ignore"):
        lo = np.where(x > 0, stats.beta.ppf(a / 2, x, n - x + 1), 0.0)
        hi = np.where(x < n, stats.beta.ppf(1 - a / 2, x + 1, n - x), 1.0)
    bad = n <= 0
    return np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)
