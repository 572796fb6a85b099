"""Accuracy reports: per coder, per error category, per period; figures; safe exports.

Exports go through :mod:`coderlib.export` (formula-safe cells, atomic files).

>>> import pandas as pd
>>> escape_formulas(pd.DataFrame({"note": ["=HYPERLINK(1)", "ok", "-1+2", 5]}))["note"].tolist()
["'=HYPERLINK(1)", 'ok', "'-1+2", 5]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from coderlib.atomic import atomic_write
from coderlib.audit.differences import CATEGORIES
from coderlib.audit.scoring import (
    DEFAULT_CONFIDENCE,
    DEFAULT_THRESHOLD,
    hcc_impact,
    score_encounters,
    summarize,
)
from coderlib.export import FORMULA_PREFIXES, escape_formulas, export_tables

__all__ = ["FORMULA_PREFIXES", "AuditReport", "build_report", "by_category", "by_coder",
           "by_period", "dollar_impact", "drg_shift_matrix", "escape_formulas", "export_tables",
           "plot_accuracy", "plot_dollar_impact", "plot_drg_shift", "plot_pareto", "with_period"]


# ----------------------------------------------------------------------------- tables
def by_coder(scored: pd.DataFrame, *, threshold: float = DEFAULT_THRESHOLD,
             confidence: float = DEFAULT_CONFIDENCE) -> pd.DataFrame:
    """One row per coder: rates with exact CIs, pass/fail, DRG change rate, dollars."""
    return summarize(scored, "coder", threshold=threshold, confidence=confidence)


def with_period(scored: pd.DataFrame, freq: str = "M") -> pd.DataFrame:
    """Add a ``period`` column (``2025-10`` for months, ``2026Q1`` for quarters).

    >>> with_period(pd.DataFrame({"service_date": ["2025-10-03"]}))["period"].tolist()
    ['2025-10']
    """
    out = scored.copy()
    dates = pd.to_datetime(out["service_date"], errors="coerce")
    out["period"] = dates.dt.to_period(freq).astype(str)
    return out


def by_period(scored: pd.DataFrame, freq: str = "M", *, threshold: float = DEFAULT_THRESHOLD,
              confidence: float = DEFAULT_CONFIDENCE) -> pd.DataFrame:
    """One row per month (``freq="M"``) or quarter (``"Q"``) of service date."""
    return summarize(with_period(scored, freq), "period", threshold=threshold,
                     confidence=confidence)


def by_category(differences: pd.DataFrame) -> pd.DataFrame:
    """Error-category Pareto table: count, share and cumulative share, largest first.

    >>> t = by_category(pd.DataFrame({"category": ["wrong_poa", "wrong_poa", "wrong_pcs"]}))
    >>> t[["category", "count"]].values.tolist()
    [['wrong_poa', 2], ['wrong_pcs', 1]]
    """
    if differences.empty:
        return pd.DataFrame(columns=["category", "label", "count", "share", "cumulative_share"])
    counts = differences["category"].value_counts()
    counts = counts.rename_axis("category").reset_index(name="count")
    counts = counts.sort_values(["count", "category"], ascending=[False, True], kind="stable")
    counts.insert(1, "label", counts["category"].map(CATEGORIES))
    counts["share"] = counts["count"] / counts["count"].sum()
    counts["cumulative_share"] = counts["share"].cumsum()
    return counts.reset_index(drop=True)


def drg_shift_matrix(scored: pd.DataFrame, *, changed_only: bool = True) -> pd.DataFrame:
    """Billed MS-DRG (rows) x audited MS-DRG (columns) counts for audited inpatient stays.

    ``changed_only`` keeps the DRGs that took part in at least one change.
    """
    ip = scored[scored["drg_audited"]]
    if ip.empty:
        return pd.DataFrame()
    billed = ip["billed_drg"].astype(str).str.zfill(3)
    audited = ip["audit_drg"].astype(str).str.zfill(3)
    m = pd.crosstab(billed.rename("billed_drg"), audited.rename("audit_drg"))
    if changed_only:
        changed = billed != audited
        keep = sorted(set(billed[changed]) | set(audited[changed]))
        m = m.reindex(index=[d for d in m.index if d in keep],
                      columns=[d for d in m.columns if d in keep], fill_value=0)
    return m


def dollar_impact(scored: pd.DataFrame, by: str = "coder") -> pd.DataFrame:
    """Over- and under-payment apart (and net) per group, with DRG changes counted."""
    g = scored.groupby(by, sort=True, observed=True)
    out = pd.DataFrame({
        "drg_audited": g["drg_audited"].sum().astype(int),
        "drg_changes": g.apply(lambda x: int((x["drg_audited"] & ~x["drg_ok"]).sum()),
                               include_groups=False),
        "overpayment": g["overpayment"].sum(),
        "underpayment": g["underpayment"].sum(),
        "net_impact": g["dollar_impact"].sum(),
    }).reset_index()
    return out


# ----------------------------------------------------------------------------- figures
def plot_accuracy(summary: pd.DataFrame, *, metric: str = "code_accuracy", by: str = "coder",
                  threshold: float = DEFAULT_THRESHOLD, ax: Axes | None = None) -> Figure:
    """Accuracy per coder with exact CI bars and the threshold line."""
    fig, ax = _axes(ax, (7, 3.6))
    est = summary[metric].to_numpy(float) * 100
    lo = summary[f"{metric}_lower"].to_numpy(float) * 100
    hi = summary[f"{metric}_upper"].to_numpy(float) * 100
    x = np.arange(len(summary))
    colors = np.where(est >= threshold * 100, "#2b7a3d", "#b23b3b")
    ax.errorbar(x, est, yerr=[est - lo, hi - est], fmt="none", ecolor="#444", capsize=4)
    ax.scatter(x, est, c=colors, zorder=3)
    ax.axhline(threshold * 100, color="#555", linestyle="--", linewidth=1,
               label=f"threshold {threshold:.0%}")
    ax.set_xticks(x, summary[by].astype(str), rotation=0)
    ax.set_ylabel(f"{metric.replace('_', ' ')} (%)")
    ax.set_ylim(max(0, float(np.nanmin(lo)) - 3), 100.5)
    conf = summary["confidence"].iloc[0] if "confidence" in summary.columns else 0.95
    ax.set_title(f"{metric.replace('_', ' ').capitalize()} by {by} ({conf:.0%} exact CI)")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


def plot_pareto(categories: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Error-category Pareto chart: bars by count, line for cumulative share."""
    fig, ax = _axes(ax, (7, 3.6))
    x = np.arange(len(categories))
    ax.bar(x, categories["count"], color="#3b6ea5")
    ax.set_xticks(x, categories["category"].str.replace("_", " "), rotation=35, ha="right",
                  fontsize=8)
    ax.set_ylabel("differences")
    ax2 = ax.twinx()
    ax2.plot(x, categories["cumulative_share"] * 100, color="#c0504d", marker="o")
    ax2.set_ylim(0, 105)
    ax2.set_ylabel("cumulative %")
    ax.set_title("Error categories (Pareto)")
    fig.tight_layout()
    return fig


def plot_drg_shift(matrix: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Heat map of billed -> audited MS-DRG counts."""
    fig, ax = _axes(ax, (5.5, 4.5))
    if matrix.empty:
        ax.text(0.5, 0.5, "no DRG changes", ha="center", va="center")
        ax.set_axis_off()
        return fig
    im = ax.imshow(matrix.to_numpy(), cmap="Blues")
    ax.set_xticks(range(matrix.shape[1]), matrix.columns, rotation=90, fontsize=7)
    ax.set_yticks(range(matrix.shape[0]), matrix.index, fontsize=7)
    for (i, j), v in np.ndenumerate(matrix.to_numpy()):
        if v:
            ax.text(j, i, str(v), ha="center", va="center", fontsize=7,
                    color="white" if v > matrix.to_numpy().max() / 2 else "black")
    ax.set_xlabel("audited MS-DRG")
    ax.set_ylabel("billed MS-DRG")
    ax.set_title("DRG shift (billed -> audited)")
    fig.colorbar(im, ax=ax, shrink=0.8)
    fig.tight_layout()
    return fig


def plot_dollar_impact(table: pd.DataFrame, by: str = "coder",
                       ax: Axes | None = None) -> Figure:
    """Over- and under-payment per group, side by side."""
    fig, ax = _axes(ax, (7, 3.6))
    x = np.arange(len(table))
    ax.bar(x - 0.2, table["overpayment"], width=0.4, label="overpayment", color="#b23b3b")
    ax.bar(x + 0.2, table["underpayment"], width=0.4, label="underpayment", color="#2b7a3d")
    ax.set_xticks(x, table[by].astype(str))
    ax.set_ylabel("USD (weight change x base rate)")
    ax.set_title("Financial impact of DRG changes")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _axes(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=size, dpi=100)
    return fig, fig.add_subplot()


# ----------------------------------------------------------------------------- bundle
@dataclass
class AuditReport:
    """All tables and figures of one report."""

    title: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, Figure] = field(default_factory=dict)

    def save_figures(self, folder: str | Path, fmt: str = "png") -> list[Path]:
        """Write every figure to ``folder``; returns the paths."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, fig in self.figures.items():
            path = folder / f"{name}.{fmt}"
            with atomic_write(path, "wb") as fh:
                fig.savefig(fh, format=fmt, dpi=110,
                            metadata={"Software": None} if fmt == "png" else None)
            paths.append(path)
        return paths


def build_report(audited: pd.DataFrame, differences: pd.DataFrame | None = None, *,
                 coder: str | None = None, period: str | None = None,
                 threshold: float = DEFAULT_THRESHOLD, confidence: float = DEFAULT_CONFIDENCE,
                 base_rate: float | None = None, hcc: bool = True,
                 title: str = "Coding accuracy audit") -> AuditReport:
    """Score an audited sample and assemble the report (optionally one coder / one period).

    ``period`` is ``YYYY-MM`` (a month) or ``YYYYQn`` (a quarter) of service date.
    """
    kwargs = {} if base_rate is None else {"base_rate": base_rate}
    scored = score_encounters(audited, **kwargs)
    if hcc:
        scored = hcc_impact(scored)
    freq = "Q" if period and "Q" in period.upper() else "M"
    scored = with_period(scored, freq)
    if coder:
        if coder not in set(scored["coder"]):
            raise ValueError(f"coder {coder!r} is not in this audit; coders: "
                             f"{', '.join(sorted(set(scored['coder'])))}")
        scored = scored[scored["coder"] == coder]
    if period:
        if period.upper() not in set(scored["period"]):
            raise ValueError(f"period {period!r} has no audited encounters; periods: "
                             f"{', '.join(sorted(set(scored['period'])))}")
        scored = scored[scored["period"] == period.upper()]
    diffs = differences if differences is not None else pd.DataFrame(columns=["category"])
    if len(diffs) and "encounter_id" in diffs.columns:
        diffs = diffs[diffs["encounter_id"].isin(scored["encounter_id"])]
    parts = [title] + ([f"coder {coder}"] if coder else []) + ([f"period {period}"] if period
                                                                  else [])
    report = AuditReport(" - ".join(parts))
    overall = summarize(scored, threshold=threshold, confidence=confidence)
    coders = by_coder(scored, threshold=threshold, confidence=confidence)
    periods = summarize(scored, "period", threshold=threshold, confidence=confidence)
    cats = by_category(diffs)
    shift = drg_shift_matrix(scored)
    dollars = dollar_impact(scored)
    report.tables = {"overall": overall, "by_coder": coders, "by_period": periods,
                     "by_category": cats, "drg_shift": shift.reset_index() if len(shift)
                     else shift, "dollar_impact": dollars,
                     "encounters": scored.drop(columns=[c for c in ("row_json",)
                                                        if c in scored.columns])}
    report.figures = {"accuracy_by_coder": plot_accuracy(coders, threshold=threshold),
                      "error_pareto": plot_pareto(cats),
                      "drg_shift": plot_drg_shift(shift),
                      "dollar_impact": plot_dollar_impact(dollars)}
    return report
