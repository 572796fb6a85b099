"""Report tables as a manager reads them: human column names, percentages and dollars
formatted, flags as words.

>>> import pandas as pd
>>> df = pd.DataFrame({"coder": ["Fay"], "code_accuracy": [0.9861], "passed": [True],
...                    "payment_delta": [12147.95]})
>>> pretty(df).to_dict("records")
[{'Coder': 'Fay', 'Code accuracy': '98.6%', 'Passed': 'yes', 'Payment change': '$12,147.95'}]
"""

from __future__ import annotations

import pandas as pd

#: column names a manager reads; anything not listed is turned into words ("drg_x" -> "DRG x")
NAMES = {
    "coder": "Coder", "encounters": "Encounters", "codes_audited": "Codes audited",
    "code_accuracy": "Code accuracy", "code_accuracy_lower": "Code accuracy, lower 95%",
    "code_accuracy_upper": "Code accuracy, upper 95%",
    "code_accuracy_with_missed": "Code accuracy incl. missed codes",
    "record_accuracy": "Record accuracy", "drg_accuracy": "DRG accuracy",
    "drg_change_rate": "DRG change rate", "passed": "Passed", "conclusive": "Conclusive",
    "label": "Error category", "count": "Count", "share": "Share",
    "cumulative_share": "Cumulative share", "period": "Period", "billed_drg": "Billed MS-DRG",
    "payment_delta": "Payment change", "overpayment": "Overpaid", "underpayment": "Underpaid",
    "net": "Net change", "encounter_id": "Encounter", "setting": "Setting",
    "hcc_coder": "Coder's HCCs", "hcc_auditor": "Auditor's HCCs", "hcc_missed": "HCCs missed",
    "hcc_unsupported": "HCCs unsupported", "raf_delta": "RAF change",
    "estimate": "Estimate", "lower": "Lower 95%", "upper": "Upper 95%",
}
_WORDS = {"drg": "DRG", "hcc": "HCC", "raf": "RAF", "poa": "POA", "dx": "dx", "n": "n"}


def human(column: object) -> str:
    """A column name in words.

    >>> human("payment_delta_if_poa_n"), human("code_accuracy")
    ('Payment delta if POA n', 'Code accuracy')
    """
    name = str(column)
    if name in NAMES:
        return NAMES[name]
    words = [_WORDS.get(w, w) for w in name.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _is(name: str, *parts: str) -> bool:
    return any(p in name for p in parts)


def pretty(df: pd.DataFrame, *, percent: tuple[str, ...] = (), dollars: tuple[str, ...] = ()
           ) -> pd.DataFrame:
    """A copy of ``df`` for display: rates (names with accuracy/rate/share, or in
    ``percent``) as ``98.6%``, money (payment/dollar/over-/underpayment/net, or in
    ``dollars``) as ``$1,234.50``, booleans as yes/no, and human column names."""
    out = df.copy()
    for col in out.columns:
        name = str(col)
        s = out[col]
        if s.dtype == bool or (s.dtype == object and s.map(type).eq(bool).all() and len(s)):
            out[col] = s.map({True: "yes", False: "no"})
        elif name in percent or (_is(name, "accuracy", "rate", "share")
                                 and pd.api.types.is_numeric_dtype(s)):
            out[col] = s.map(lambda v: "" if pd.isna(v) else f"{v * 100:.1f}%")
        elif name in dollars or (_is(name, "payment", "dollar", "overpa", "underpa", "net")
                                 and pd.api.types.is_numeric_dtype(s)):
            out[col] = s.map(lambda v: "" if pd.isna(v) else
                             f"{'-' if v < 0 else ''}${abs(v):,.2f}")
    out.columns = [human(c) for c in out.columns]
    return out
