"""Reproducible audit samples: simple random, stratified, probe; attribute sample sizes.

Selection procedure (the same on every platform, documented so anyone can redo it):

1. Number the frame rows 1..N in file order (as RAT-STATS numbers a frame).
2. ``rng = numpy.random.Generator(numpy.random.PCG64(seed))``; draw one key per row,
   ``keys = rng.random(N)`` (IEEE doubles; PCG64 output is platform independent).
3. SRS: the ``n`` rows with the smallest keys. Stratified / probe: within each stratum, the
   ``n_h`` rows with the smallest keys. Ties are impossible in practice and broken by row number.
4. ``selection_order`` numbers the chosen rows by ascending key (1 = first drawn).

Every sample row carries ``sample_seed``, ``sample_method``, ``frame_size``, ``frame_row``,
``random_key``, ``selection_order``, ``stratum``, ``stratum_frame_size``,
``stratum_sample_size`` and ``weight`` (N_h / n_h), plus a ``frame_digest`` (SHA-256 of the
encounter ids in frame order) so a reader can check they hold the same frame.

>>> import pandas as pd
>>> frame = pd.DataFrame({"encounter_id": [f"E{i}" for i in range(10)],
...                       "coder": list("AABBBCCCCC")})
>>> s = draw_sample(frame, "srs", 3, seed=7)
>>> list(s["selection_order"]), int(s["frame_size"].iloc[0])
([1, 2, 3], 10)
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

Method = Literal["srs", "stratified", "probe"]
Allocation = Literal["proportional", "fixed"]
METHODS = ("srs", "stratified", "probe")
DERIVED_STRATA = ("drg_family", "dollar_stratum")

SAMPLE_COLUMNS = ("sample_seed", "sample_method", "frame_size", "frame_digest", "frame_row",
                  "random_key", "selection_order", "stratum", "stratum_frame_size",
                  "stratum_sample_size", "weight")


#: Largest seed: the seed is recorded in the audit store, whose integers are 64-bit signed.
MAX_SEED = 2**63 - 1


class SamplingError(ValueError):
    """A sampling request that cannot be met (names the parameter and why)."""


def frame_digest(frame: pd.DataFrame) -> str:
    """SHA-256 (first 16 hex digits) of the encounter ids in frame order.

    >>> frame_digest(pd.DataFrame({"encounter_id": ["E1", "E2"]}))
    'b85b43f28c97dd59'
    """
    joined = "\n".join(frame["encounter_id"].astype(str).tolist()).encode()
    return hashlib.sha256(joined).hexdigest()[:16]


def allocate(stratum_sizes: pd.Series, size: int, allocation: Allocation) -> pd.Series:
    """Sample size per stratum: ``fixed`` = ``size`` each; ``proportional`` = largest remainder.

    Allocations are capped at the stratum size.

    >>> allocate(pd.Series({"A": 50, "B": 30, "C": 20}), 10, "proportional").tolist()
    [5, 3, 2]
    """
    if size < 1:
        raise SamplingError(f"--size must be at least 1, got {size}")
    sizes = stratum_sizes.astype(np.int64)
    if allocation == "fixed":
        return np.minimum(sizes, size).astype(np.int64)
    if allocation != "proportional":
        raise SamplingError(f"--allocation must be proportional or fixed, got {allocation!r}")
    total = int(sizes.sum())
    if size > total:
        raise SamplingError(f"--size {size} exceeds the frame size {total}")
    quota = sizes * size / total
    base = np.floor(quota).astype(np.int64)
    remainder = size - int(base.sum())
    if remainder:
        frac = (quota - base).to_numpy()
        order = np.lexsort((np.arange(len(frac)), -frac))  # largest fraction, then stratum order
        base.iloc[order[:remainder]] += 1
    return np.minimum(base, sizes).astype(np.int64)


def derive_strata(frame: pd.DataFrame, column: str, *, bins: int = 4) -> pd.Series:
    """A stratum label per row for ``column`` (a frame column or a derived one).

    Derived: ``drg_family`` (the MS-DRG title without its MCC/CC split; non-DRG rows
    ``"(no DRG)"``) and ``dollar_stratum`` (quantile bins of ``billed_amount``, or of the
    billed DRG weight when no amount is given).

    >>> fam = derive_strata(pd.DataFrame({"billed_drg": ["871", "872", ""]}), "drg_family")
    >>> fam.nunique(), fam.iloc[0]
    (2, 'SEPTICEMIA OR SEVERE SEPSIS WITHOUT MV >96 HOURS')
    """
    if column in frame.columns:
        return frame[column].astype(str)
    if column == "drg_family":
        from coderlib.audit.reference import drg_family

        if "billed_drg" not in frame.columns:
            raise SamplingError("--strata drg_family needs a billed_drg column")
        return drg_family(frame["billed_drg"])
    if column == "dollar_stratum":
        if "billed_amount" in frame.columns:
            amount = pd.to_numeric(frame["billed_amount"], errors="coerce").fillna(0.0)
        elif "billed_drg" in frame.columns:
            from coderlib.audit.reference import drg_weights

            amount = frame["billed_drg"].map(drg_weights()).fillna(0.0).astype(float)
        else:
            raise SamplingError("--strata dollar_stratum needs billed_amount or billed_drg")
        ranks = amount.rank(method="first")
        labels = pd.qcut(ranks, q=min(bins, len(frame)), labels=False)
        edges = amount.groupby(labels).agg(["min", "max"])
        names = {k: f"D{k + 1} ${r['min']:,.0f}-{r['max']:,.0f}" for k, r in edges.iterrows()}
        return labels.map(names).astype(str)
    raise SamplingError(f"--strata {column!r} is not a column of the frame; columns: "
                        f"{', '.join(map(str, frame.columns))}; "
                        f"derived: {', '.join(DERIVED_STRATA)}")


def _strata_codes(labels: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer stratum per row, strata numbered in sorted label order."""
    codes, uniques = pd.factorize(labels.to_numpy(dtype=object))
    order = np.argsort(np.asarray(uniques, dtype=object), kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[codes], np.asarray(uniques, dtype=object)[order]


def draw_sample(frame: pd.DataFrame, method: Method, size: int, *, seed: int,
                strata: str | None = None, allocation: Allocation | None = None) -> pd.DataFrame:
    """Draw a reproducible sample (see the module docstring for the procedure).

    ``method="probe"`` is a fixed-allocation sample of ``size`` per stratum (default
    stratum: ``coder``). ``method="stratified"`` defaults to proportional allocation.

    >>> frame = pd.DataFrame({"encounter_id": [f"E{i}" for i in range(6)], "coder": list("AABBCC")})
    >>> draw_sample(frame, "probe", 1, seed=1)["coder"].tolist()
    ['B', 'C', 'A']
    """
    if method not in METHODS:
        raise SamplingError(f"--method must be one of {', '.join(METHODS)}, got {method!r}")
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise SamplingError(f"--seed must be a non-negative integer, got {seed!r}")
    if seed > MAX_SEED:
        raise SamplingError(f"--seed must be at most {MAX_SEED} (2^63 - 1, so the audit store "
                            f"can record it), got {seed}")
    if "encounter_id" not in frame.columns:
        raise SamplingError("the frame has no encounter_id column")
    n_frame = len(frame)
    if n_frame == 0:
        raise SamplingError("the frame is empty")
    rng = np.random.Generator(np.random.PCG64(int(seed)))
    keys = rng.random(n_frame)
    if method == "srs":
        if strata:
            raise SamplingError("--strata applies to stratified and probe samples, not srs")
        if size < 1 or size > n_frame:
            raise SamplingError(f"--size must be between 1 and the frame size {n_frame}, "
                                f"got {size}")
        chosen = np.argpartition(keys, size - 1)[:size] if size < n_frame else np.arange(n_frame)
        chosen = chosen[np.lexsort((chosen, keys[chosen]))]
        stratum_codes = np.zeros(n_frame, dtype=np.int64)
        labels = np.array(["(all)"], dtype=object)
        n_h = np.array([size])
        N_h = np.array([n_frame])
    else:
        strata = strata or ("coder" if method == "probe" else None)
        if not strata:
            raise SamplingError("--strata COLUMN is required for a stratified sample")
        allocation = allocation or ("fixed" if method == "probe" else "proportional")
        if method == "probe" and allocation != "fixed":
            raise SamplingError("probe samples use fixed allocation (size per stratum)")
        stratum_codes, labels = _strata_codes(derive_strata(frame, strata))
        N_h = np.bincount(stratum_codes, minlength=len(labels))
        n_h = allocate(pd.Series(N_h, index=labels), size, allocation).to_numpy()
        by_stratum = np.argsort(stratum_codes, kind="stable")  # rows grouped by stratum
        bounds = np.concatenate(([0], np.cumsum(N_h)))
        picked = []
        for h in range(len(labels)):
            rows = by_stratum[bounds[h]:bounds[h + 1]]
            if n_h[h] < len(rows):  # the n_h smallest keys (row number breaks ties)
                part = np.argpartition(keys[rows], n_h[h] - 1)[: n_h[h]]
                rows = rows[part]
            picked.append(rows)
        chosen = np.concatenate(picked) if picked else np.empty(0, dtype=np.int64)
        chosen = chosen[np.lexsort((chosen, keys[chosen]))]
    sample = frame.iloc[chosen].copy()
    codes = stratum_codes[chosen]
    sample.insert(0, "selection_order", np.arange(1, len(chosen) + 1))
    sample["sample_seed"] = int(seed)
    sample["sample_method"] = method if method == "srs" else f"{method}:{strata}:{allocation}"
    sample["frame_size"] = n_frame
    sample["frame_digest"] = frame_digest(frame)
    sample["frame_row"] = chosen + 1
    sample["random_key"] = keys[chosen]
    sample["stratum"] = labels[codes] if method != "srs" else "(all)"
    sample["stratum_frame_size"] = N_h[codes]
    sample["stratum_sample_size"] = n_h[codes]
    sample["weight"] = N_h[codes] / n_h[codes]
    return sample.reset_index(drop=True)


# ----------------------------------------------------------------------------- sample sizes
@dataclass(frozen=True)
class SampleSizeResult:
    """An attribute-appraisal sample size and the inputs that produced it."""

    sample_size: int
    expected_error: float
    confidence: float
    precision: float
    universe: int | None
    sides: int
    expected_errors_in_sample: int
    achieved_lower: float
    achieved_upper: float
    method: str

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return dict(self.__dict__)


def _cp_bounds(x: np.ndarray, n: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    lo = np.where(x > 0, stats.beta.ppf(alpha / 2, x, n - x + 1), 0.0)
    hi = np.where(x < n, stats.beta.ppf(1 - alpha / 2, x + 1, n - x), 1.0)
    return np.nan_to_num(lo), np.nan_to_num(hi, nan=1.0)


def _hyper_bounds(x: np.ndarray, n: np.ndarray, universe: int,
                  alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact hypergeometric bounds on the universe error rate (vectorised over n)."""
    counts = np.arange(universe + 1)
    lo = np.zeros(len(n))
    hi = np.ones(len(n))
    for i, (xi, ni) in enumerate(zip(x, n, strict=True)):
        # upper: largest K with P(X <= x | K) >= alpha/2 ; lower: smallest K with P(X >= x) >= a/2
        p_le = stats.hypergeom.cdf(xi, universe, counts, ni)
        p_ge = stats.hypergeom.sf(xi - 1, universe, counts, ni)
        ok_hi = np.nonzero(p_le >= alpha / 2)[0]
        ok_lo = np.nonzero(p_ge >= alpha / 2)[0]
        hi[i] = counts[ok_hi.max()] / universe if ok_hi.size else 1.0
        lo[i] = counts[ok_lo.min()] / universe if ok_lo.size else 0.0
    return lo, hi


def attribute_sample_size(expected_error: float, confidence: float = 0.95,
                          precision: float = 0.05, *, universe: int | None = None,
                          sides: int = 2, max_size: int = 100_000) -> SampleSizeResult:
    """Smallest n whose exact interval around the expected error meets ``precision``.

    In the manner of OIG RAT-STATS attribute appraisal: with ``x = ceil(n * expected_error)``
    errors observed, the exact interval (Clopper-Pearson, or hypergeometric when ``universe``
    is given) must lie within ``expected_error ± precision`` (``sides=1``: only the upper
    bound is held to ``expected_error + precision`` at one-sided ``confidence``).

    >>> attribute_sample_size(0.05, 0.90, 0.05, sides=1).sample_size
    78
    """
    if not 0 < expected_error < 1:
        raise SamplingError(f"--expected-error must be between 0 and 1, got {expected_error}")
    if not 0 < confidence < 1:
        raise SamplingError(f"--confidence must be between 0 and 1, got {confidence}")
    if not 0 < precision < 1:
        raise SamplingError(f"--precision must be between 0 and 1, got {precision}")
    if sides not in (1, 2):
        raise SamplingError(f"--sides must be 1 or 2, got {sides}")
    alpha = (1 - confidence) * (2 if sides == 1 else 1)
    z = stats.norm.ppf(1 - (1 - confidence) / (1 if sides == 1 else 2))
    n0 = z * z * expected_error * (1 - expected_error) / precision**2
    upper_n = max_size if universe is None else min(universe, max_size)
    start = 1 if universe is None else max(1, int(n0 * 0.5))
    method = "clopper-pearson" if universe is None else "hypergeometric"

    def meets(ns: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        xs = np.ceil(ns * expected_error - 1e-9)
        if universe is None:
            lo, hi = _cp_bounds(xs, ns.astype(float), alpha)
        else:
            lo, hi = _hyper_bounds(xs.astype(int), ns.astype(int), universe, alpha)
        ok = hi <= expected_error + precision + 1e-12
        if sides == 2:
            ok &= lo >= expected_error - precision - 1e-12
        return ok, xs, lo, hi

    block = 256 if universe is None else 32
    n = start
    while n <= upper_n:
        ns = np.arange(n, min(n + block, upper_n + 1))
        ok, xs, lo, hi = meets(ns)
        # require the criterion to hold from here on for a short run (rounding of x wobbles)
        hits = np.nonzero(ok)[0]
        if hits.size:
            i = int(hits[0])
            return SampleSizeResult(int(ns[i]), expected_error, confidence, precision, universe,
                                    sides, int(xs[i]), float(lo[i]), float(hi[i]), method)
        n += block
    raise SamplingError(f"no sample size up to {upper_n} meets precision {precision} at "
                        f"confidence {confidence}")


def normal_sample_size(expected_error: float, confidence: float, precision: float,
                       universe: int | None = None) -> int:
    """Normal-approximation size (with finite-population correction) for comparison.

    >>> normal_sample_size(0.05, 0.95, 0.05)
    73
    """
    z = stats.norm.ppf(1 - (1 - confidence) / 2)
    n0 = z * z * expected_error * (1 - expected_error) / precision**2
    if universe:
        n0 = n0 / (1 + (n0 - 1) / universe)
    return math.ceil(n0)
