"""Payment posting and accounts receivable: post 835s to accounts, age what is still owed,
and find the denial patterns.

:func:`post` turns claims plus remittances into one account row per claim (charge, paid,
contractual write-down, patient responsibility, denied amount, insurance balance).
:func:`aging` puts the insurance balances in the 0-30 / 31-60 / 61-90 / 91-120 / 120+ day
buckets by payer; :func:`kpis` gives days in AR, first-pass denial rate and more;
:func:`denial_patterns` counts denials by payer, reason (CARC), provider or coder.

>>> import datetime as dt
>>> from coderlib.billing.claims import ProfessionalClaim, ServiceLine
>>> from coderlib.billing.edi835 import ClaimPayment, Adjustment
>>> day = dt.date(2026, 8, 1)
>>> c = ProfessionalClaim("C1", payer_id="MCR01", submitted=day,
...                       lines=[ServiceLine(1, "99213", charge=100.0, service_date=day)])
>>> p = ClaimPayment("C1", "1", 100.0, 40.0, 10.0, "MCR01", paid_on=dt.date(2026, 8, 20),
...                  adjustments=[Adjustment("CO", "45", 50.0), Adjustment("PR", "2", 10.0)])
>>> acct = post([c], [p])
>>> [float(acct.loc[0, k]) for k in ("paid", "contractual", "patient_resp", "insurance_balance")]
[40.0, 50.0, 10.0, 0.0]
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence

import matplotlib.pyplot as plt
import pandas as pd

from coderlib.billing.claims import Claim, InstitutionalClaim, ProfessionalClaim
from coderlib.billing.edi835 import ClaimPayment

BUCKETS = ("0-30", "31-60", "61-90", "91-120", "120+")
_PATIENT_DENIALS = {"27", "96", "119", "204"}


def _provider(c: Claim) -> str:
    if isinstance(c, ProfessionalClaim) and c.rendering is not None:
        return c.rendering.name
    if isinstance(c, InstitutionalClaim) and c.attending is not None:
        return c.attending.name
    return c.billing.name


def post(claims: Iterable[Claim], payments: Iterable[ClaimPayment]) -> pd.DataFrame:
    """One account row per claim with the remittances posted (later 835s post on top).

    Columns: claim_id, kind, payer_id, provider, coder, service_date, submitted, charge,
    paid, contractual, patient_resp, denied_amount, denied, carcs, paid_on, status
    (open / paid / denied), billed (submitted, else the date of service),
    insurance_balance. A payment for a claim we never billed is listed with
    ``status = "unmatched"``.
    """
    rows: dict[str, dict[str, object]] = {}
    for c in claims:
        rows[c.claim_id] = dict(
            claim_id=c.claim_id, kind=c.kind, payer_id=c.payer_id, provider=_provider(c),
            coder=c.coder, service_date=c.service_date, submitted=c.submitted,
            charge=c.total_charge, paid=0.0, contractual=0.0, patient_resp=0.0,
            denied_amount=0.0, denied=False, carcs="", paid_on=None, status="open")
    for p in payments:
        row = rows.get(p.claim_id)
        if row is None:
            rows[p.claim_id] = row = dict(
                claim_id=p.claim_id, kind="", payer_id=p.payer_id, provider="", coder="",
                service_date=None, submitted=None, charge=p.charge, paid=0.0,
                contractual=0.0, patient_resp=0.0, denied_amount=0.0, denied=False,
                carcs="", paid_on=None, status="unmatched")
        row["paid"] = round(float(row["paid"]) + p.paid, 2)  # type: ignore[arg-type]
        for a in p.all_adjustments:
            if a.group == "PR":
                row["patient_resp"] = round(float(row["patient_resp"]) + a.amount, 2)  # type: ignore[arg-type]
                if a.carc in _PATIENT_DENIALS:
                    row["denied"] = True
            elif a.group == "CO" and a.carc == "45":
                row["contractual"] = round(float(row["contractual"]) + a.amount, 2)  # type: ignore[arg-type]
            else:
                row["denied_amount"] = round(float(row["denied_amount"]) + a.amount, 2)  # type: ignore[arg-type]
                row["denied"] = True
        codes = [f"{a.group}-{a.carc}" for a in p.all_adjustments
                 if not (a.group == "CO" and a.carc == "45") and a.carc not in ("1", "2", "3")]
        row["carcs"] = ";".join(dict.fromkeys(filter(None, [str(row["carcs"]), *codes])))
        row["paid_on"] = p.paid_on
        if row["status"] != "unmatched":
            row["status"] = "denied" if row["denied"] else "paid"
    df = pd.DataFrame(list(rows.values()))
    df["billed"] = df.submitted.where(df.submitted.notna(), df.service_date)
    df["insurance_balance"] = (df.charge - df.paid - df.contractual - df.patient_resp
                               ).round(2).clip(lower=0)
    # a line denied as bundled (CO-97) may not be billed to anyone: it stays as a denied
    # balance until the biller works it (write off, or correct and resubmit)
    return df


def _bucket(days: int) -> str:
    for limit, name in ((30, "0-30"), (60, "31-60"), (90, "61-90"), (120, "91-120")):
        if days <= limit:
            return name
    return "120+"


def aging(accounts: pd.DataFrame, as_of: dt.date, by: str = "payer_id",
          age_from: str = "billed") -> pd.DataFrame:
    """Insurance balances still owed, by ``by`` (rows) and age bucket (columns), with a
    total column; ages count days from ``age_from`` to ``as_of``: ``billed`` is the
    submission date (the date of service when a claim read from a file has none).
    """
    owed = accounts[(accounts.insurance_balance > 0) & accounts[age_from].notna()].copy()
    days = owed[age_from].map(lambda d: (as_of - d).days)
    owed["bucket"] = pd.Categorical(days.map(_bucket), categories=list(BUCKETS))
    table = owed.pivot_table(index=by, columns="bucket", values="insurance_balance",
                             aggfunc="sum", fill_value=0.0, observed=False)
    table = table.reindex(columns=list(BUCKETS), fill_value=0.0).round(2)
    table["total"] = table.sum(axis=1).round(2)
    table.columns.name = None
    return table


def kpis(accounts: pd.DataFrame, as_of: dt.date, clean_claim_rate: float | None = None,
         window_days: int = 90) -> dict[str, float]:
    """Days in AR, first-pass denial rate, collection figures (and the clean-claim rate
    when given, since it comes from the scrub)."""
    start = as_of - dt.timedelta(days=window_days)
    recent = accounts[accounts.service_date.map(lambda d: d is not None and start < d <= as_of)]
    daily = float(recent.charge.sum()) / window_days if len(recent) else 0.0
    ar_total = float(accounts.insurance_balance.sum())
    adjudicated = accounts[accounts.status.isin(["paid", "denied"])]
    out = {"claims": float(len(accounts)),
           "insurance_ar": round(ar_total, 2),
           "days_in_ar": round(ar_total / daily, 1) if daily else float("nan"),
           "first_pass_denial_rate": round(float(adjudicated.denied.mean()), 4)
           if len(adjudicated) else float("nan"),
           "paid": round(float(accounts.paid.sum()), 2),
           "patient_responsibility": round(float(accounts.patient_resp.sum()), 2)}
    if clean_claim_rate is not None:
        out["clean_claim_rate"] = round(clean_claim_rate, 4)
    return out


def denial_patterns(accounts: pd.DataFrame, by: str | Sequence[str] = "payer_id"
                    ) -> pd.DataFrame:
    """Denials grouped by payer / reason / provider / coder: claims adjudicated, denied,
    denial rate and denied dollars. ``by="carc"`` splits each claim's CARCs."""
    adjudicated = accounts[accounts.status.isin(["paid", "denied"])].copy()
    if by == "carc":
        den = adjudicated[adjudicated.denied].copy()
        den["carc"] = den.carcs.str.split(";")
        den = den.explode("carc")
        den = den[den.carc.fillna("") != ""]
        out = den.groupby("carc").agg(denied=("claim_id", "count"),
                                      denied_charges=("charge", "sum"))
        return out.sort_values("denied", ascending=False).round(2)
    out = adjudicated.groupby(by).agg(adjudicated=("claim_id", "count"),
                                      denied=("denied", "sum"),
                                      denied_charges=("charge",
                                                      lambda s: s[adjudicated.loc[s.index,
                                                                  "denied"]].sum()))
    out["denial_rate"] = (out.denied / out.adjudicated).round(4)
    return out.sort_values("denial_rate", ascending=False).round(2)


def plot_aging(table: pd.DataFrame, title: str = "Insurance AR by age"):  # noqa: ANN201
    """Stacked bars of an :func:`aging` table (one bar per row); returns the figure."""
    fig, ax = plt.subplots(figsize=(7, 3.5))
    table[list(BUCKETS)].plot(kind="bar", stacked=True, ax=ax, colormap="viridis")
    ax.set_ylabel("balance ($)")
    ax.set_xlabel("")
    ax.set_title(title)
    ax.legend(title="days", fontsize=8)
    fig.tight_layout()
    return fig


def plot_denials(patterns: pd.DataFrame, column: str = "denial_rate",
                 title: str = "Denials"):  # noqa: ANN201
    """Horizontal bars of one column of :func:`denial_patterns`; returns the figure."""
    fig, ax = plt.subplots(figsize=(6, 3))
    patterns[column].sort_values().plot(kind="barh", ax=ax, color="#b55")
    ax.set_title(title)
    ax.set_xlabel(column.replace("_", " "))
    ax.set_ylabel("")
    fig.tight_layout()
    return fig


def select(accounts: pd.DataFrame, payer: str = "", period: str = "") -> pd.DataFrame:
    """Accounts for one payer id and/or one period of service (``YYYY-MM`` month,
    ``YYYYQn`` calendar quarter or ``YYYY``); empty strings keep everything.

    >>> df = pd.DataFrame({"payer_id": ["MCR01", "BCX01"],
    ...                    "service_date": [dt.date(2026, 2, 3), dt.date(2026, 5, 1)]})
    >>> select(df, period="2026Q1").payer_id.tolist(), select(df, payer="BCX01").index.tolist()
    (['MCR01'], [1])
    """
    out = accounts
    if payer:
        if payer not in set(accounts.payer_id):
            raise ValueError(f"payer {payer!r} has no accounts; payers: "
                             f"{', '.join(sorted(set(accounts.payer_id)))}")
        out = out[out.payer_id == payer]
    if period:
        text = period.strip().upper()

        def key(d: dt.date | None) -> str:
            if d is None:
                return ""
            if "Q" in text:
                return f"{d.year}Q{(d.month - 1) // 3 + 1}"
            return f"{d.year}-{d.month:02d}" if "-" in text else str(d.year)

        if not re.fullmatch(r"[0-9]{4}(-[0-9]{2}|Q[1-4])?", text):
            raise ValueError(f"period {period!r}: use YYYY-MM, YYYYQn or YYYY")
        out = out[out.service_date.map(key) == text]
    return out
