"""What-if: change an encounter, regroup, and price the difference.

>>> from coderlib.drg.encounter import Encounter
>>> w = what_if(Encounter(pdx="I5022"), add_sdx=["J9601"])
>>> (w.before.drg, w.after.drg, w.weight_delta > 0)
('293', '291', True)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from coderlib.codes.normalize import dotted_icd10cm, normalize_code
from coderlib.drg.encounter import Encounter, EncounterError, _parse_sdx_item
from coderlib.drg.grouper import GroupResult, group
from coderlib.drg.weights import DEFAULT_BASE_RATE

if TYPE_CHECKING:  # pandas is imported on first use: `import coderlib.drg` stays fast
    import pandas as pd


def _pay(result: GroupResult, base_rate: float) -> float:
    """Payment of a grouping with its own version's weight (0 when it has none)."""
    return round(result.weight * float(base_rate), 2) if result.weight is not None else 0.0


@dataclass
class WhatIf:
    """Before and after a change, with weight and payment deltas (after - before)."""

    before: GroupResult
    after: GroupResult
    encounter: Encounter
    base_rate: float

    @property
    def drg_changed(self) -> bool:
        """True when the change moves the stay to another DRG."""
        return self.before.drg != self.after.drg

    @property
    def weight_delta(self) -> float:
        """Relative-weight change (0 when either side has no weight)."""
        return round((self.after.weight or 0.0) - (self.before.weight or 0.0), 4)

    @property
    def payment_before(self) -> float:
        """Estimated payment before the change (0 for DRG 999 or a weight not loaded)."""
        return _pay(self.before, self.base_rate)

    @property
    def payment_after(self) -> float:
        """Estimated payment after the change (0 for DRG 999 or a weight not loaded)."""
        return _pay(self.after, self.base_rate)

    @property
    def payment_delta(self) -> float:
        """Estimated payment change in USD."""
        return round(self.payment_after - self.payment_before, 2)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready summary."""
        return {"before": {"drg": self.before.drg, "title": self.before.title,
                           "weight": self.before.weight, "payment": self.payment_before},
                "after": {"drg": self.after.drg, "title": self.after.title,
                          "weight": self.after.weight, "payment": self.payment_after},
                "drg_changed": self.drg_changed, "weight_delta": self.weight_delta,
                "payment_delta": self.payment_delta, "base_rate": self.base_rate,
                "encounter": self.encounter.to_dict()}


def change(encounter: Encounter, *, add_sdx: Iterable[object] = (),
           remove_sdx: Iterable[str] = (), set_poa: Mapping[str, str] | None = None,
           pdx: str | None = None, add_procedures: Iterable[str] = (),
           remove_procedures: Iterable[str] = ()) -> Encounter:
    """The encounter with the changes applied (validated like any encounter).

    Swapping the principal moves the old principal to the secondaries (POA Y) and takes
    the new one out of them.

    >>> change(Encounter(pdx="I5022", sdx=["J9601"]), pdx="J9601").sdx
    [('I5022', 'Y')]
    """
    removed = {normalize_code(c) for c in remove_sdx}
    sdx = [(c, p) for c, p in encounter.sdx if c not in removed]
    new_pdx = encounter.pdx
    if pdx is not None:
        new_pdx = normalize_code(pdx)
        if new_pdx != encounter.pdx:
            sdx = [(c, p) for c, p in sdx if c != new_pdx]
            sdx.insert(0, (encounter.pdx, "Y"))
    for i, item in enumerate(add_sdx):
        code, poa = _parse_sdx_item(item, i)
        sdx = [(c, p) for c, p in sdx if c != code] + [(code, poa)]
    if set_poa:
        wanted = {normalize_code(k): str(v).strip().upper() for k, v in set_poa.items()}
        missing = set(wanted) - {c for c, _ in sdx}
        if missing:
            raise EncounterError("set_poa", f"{', '.join(sorted(missing))} is not a secondary "
                                            "diagnosis of this encounter")
        sdx = [(c, wanted.get(c, p)) for c, p in sdx]
    dropped = {normalize_code(c) for c in remove_procedures}
    procs = [p for p in encounter.procedures if p not in dropped]
    procs += [normalize_code(p) for p in add_procedures if normalize_code(p) not in procs]
    return encounter.with_changes(pdx=new_pdx, sdx=sdx, procedures=procs)


def what_if(encounter: Encounter, *, add_sdx: Iterable[object] = (),
            remove_sdx: Iterable[str] = (), set_poa: Mapping[str, str] | None = None,
            pdx: str | None = None, add_procedures: Iterable[str] = (),
            remove_procedures: Iterable[str] = (),
            base_rate: float = DEFAULT_BASE_RATE) -> WhatIf:
    """Regroup after adding/removing/changing secondaries, swapping the PDX or adding procs.

    >>> what_if(Encounter(pdx="J189", sdx=["A419"]), set_poa={"A419": "N"}).drg_changed
    False
    """
    after_enc = change(encounter, add_sdx=add_sdx, remove_sdx=remove_sdx, set_poa=set_poa,
                       pdx=pdx, add_procedures=add_procedures,
                       remove_procedures=remove_procedures)
    return WhatIf(group(encounter), group(after_enc), after_enc, base_rate)


def opportunities(encounter: Encounter, candidates: Iterable[object],
                  base_rate: float = DEFAULT_BASE_RATE) -> pd.DataFrame:
    """Which documented-but-uncoded conditions would change the DRG if coded.

    ``candidates`` are codes (``"CODE"`` or ``"CODE:POA"``). Returns one row per candidate,
    those that change the DRG first, by payment gain: candidate, level, verdict (its CC/MCC
    usage with this principal), drg_before, drg_after, weight_delta, payment_delta,
    changes_drg, detail.

    >>> opportunities(Encounter(pdx="I5022"), ["E119", "J9601"])["candidate"].tolist()
    ['J96.01', 'E11.9']
    """
    import pandas as pd

    before = group(encounter)
    rows = []
    for i, item in enumerate(candidates):
        code, poa = _parse_sdx_item(item, i)
        w = WhatIf(before, group(change(encounter, add_sdx=[(code, poa)])),
                   change(encounter, add_sdx=[(code, poa)]), base_rate)
        verdict = level = detail = ""
        if w.after.explanation is not None:
            for s in w.after.explanation.secondaries:
                if s.code == code:
                    verdict, level, detail = s.verdict, s.level, s.detail
        if w.after.errors and not verdict:
            detail = "; ".join(e.message for e in w.after.errors if e.code == code)
        rows.append({"candidate": dotted_icd10cm(code), "poa": poa, "level": level,
                     "verdict": verdict, "drg_before": w.before.drg, "drg_after": w.after.drg,
                     "weight_delta": w.weight_delta, "payment_delta": w.payment_delta,
                     "changes_drg": w.drg_changed, "detail": detail})
    df = pd.DataFrame(rows, columns=["candidate", "poa", "level", "verdict", "drg_before",
                                     "drg_after", "weight_delta", "payment_delta",
                                     "changes_drg", "detail"])
    if len(df):
        df = df.sort_values(["changes_drg", "payment_delta"], ascending=[False, False],
                            kind="stable").reset_index(drop=True)
    return df


def sdx_impact_table(encounter: Encounter, base_rate: float = DEFAULT_BASE_RATE
                     ) -> pd.DataFrame:
    """For each secondary: the DRG if it were removed, and if its POA were N.

    >>> sdx_impact_table(Encounter(pdx="I5022", sdx=["J9601"]))["drg_if_removed"].tolist()
    ['293']
    """
    import pandas as pd

    base = group(encounter)
    base_pay = _pay(base, base_rate)
    rows = []
    for code, poa in encounter.sdx:
        removed = group(change(encounter, remove_sdx=[code]))
        poa_n = group(change(encounter, set_poa={code: "N"})) if poa != "N" else base
        rows.append({
            "code": dotted_icd10cm(code), "poa": poa, "drg": base.drg,
            "drg_if_removed": removed.drg,
            "payment_delta_if_removed": round(_pay(removed, base_rate) - base_pay, 2),
            "drg_if_poa_n": poa_n.drg,
            "payment_delta_if_poa_n": round(_pay(poa_n, base_rate) - base_pay, 2),
        })
    return pd.DataFrame(rows, columns=["code", "poa", "drg", "drg_if_removed",
                                       "payment_delta_if_removed", "drg_if_poa_n",
                                       "payment_delta_if_poa_n"])
