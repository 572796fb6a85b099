"""The morning scrub as a session: scrub a batch, work each edit (fix, or hold the claim for
a person), resubmit the clean claims, and watch the clean-claim rate move.

Each step is recorded in ``history`` (what was done, to which claim, and the clean-claim rate
after it), so a notebook or widget can show the progress.

>>> from coderlib.billing.demo import make_demo
>>> s = ScrubSession(make_demo(seed=7, practice=60, hospital=0).claims)
>>> before = s.clean_claim_rate
>>> fixed = s.apply_standard_fixes()
>>> s.clean_claim_rate >= before
True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from coderlib.billing.claims import Claim
from coderlib.billing.queues import standard_fix
from coderlib.billing.scrub import ScrubEdit, edits_frame, scrub_claim


@dataclass
class Step:
    """One thing the biller did to a claim."""

    claim_id: str
    edit_id: str
    action: str  # fixed | held
    detail: str
    clean_claim_rate: float


@dataclass
class ScrubSession:
    """A batch of claims being scrubbed and worked."""

    claims: list[Claim]
    edits: dict[str, list[ScrubEdit]] = field(default_factory=dict)
    held: dict[str, str] = field(default_factory=dict)  # claim id -> why it waits
    history: list[Step] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.claims = list(self.claims)  # fixes replace claims here, never in the caller's list
        self._index = {c.claim_id: i for i, c in enumerate(self.claims)}
        for c in self.claims:
            self.edits[c.claim_id] = scrub_claim(c)

    def claim(self, claim_id: str) -> Claim:
        """The current version of a claim."""
        return self.claims[self._index[claim_id]]

    def errors(self, claim_id: str) -> list[ScrubEdit]:
        """The claim's error-level edits (what blocks it)."""
        return [e for e in self.edits[claim_id] if e.severity == "error"]

    @property
    def dirty(self) -> list[str]:
        """Claims that still have an error, in batch order."""
        return [c.claim_id for c in self.claims if self.errors(c.claim_id)]

    @property
    def clean_claim_rate(self) -> float:
        """Share of the batch with no error-level edit."""
        return 1 - len(self.dirty) / len(self.claims) if self.claims else 0.0

    def edits_frame(self) -> pd.DataFrame:
        """Every current edit as a DataFrame."""
        return edits_frame(e for c in self.claims for e in self.edits[c.claim_id])

    def fix(self, claim_id: str, edit: ScrubEdit) -> str | None:
        """Apply the standard fix for ``edit``; returns what was done (None: needs a person)."""
        result = standard_fix(self.claim(claim_id), edit)
        if result is None:
            return None
        new, detail = result
        self.claims[self._index[claim_id]] = new
        self.edits[claim_id] = scrub_claim(new)
        self.history.append(Step(claim_id, edit.id, "fixed", detail, self.clean_claim_rate))
        return detail

    def hold(self, claim_id: str, why: str) -> None:
        """Keep a claim back (e.g. ask the front desk for the insurance card)."""
        self.held[claim_id] = why
        self.history.append(Step(claim_id, "", "held", why, self.clean_claim_rate))

    def apply_standard_fixes(self) -> int:
        """Fix every edit that has a standard fix; returns how many fixes were applied."""
        n = 0
        for claim_id in list(self.dirty):
            for _ in range(5):  # a claim may carry more than one fixable edit
                edit = next((e for e in self.errors(claim_id)
                             if standard_fix(self.claim(claim_id), e) is not None), None)
                if edit is None or self.fix(claim_id, edit) is None:
                    break
                n += 1
        return n

    def ready(self) -> list[Claim]:
        """Claims to send now: no errors and not held."""
        return [c for c in self.claims if not self.errors(c.claim_id)
                and c.claim_id not in self.held]

    def history_frame(self) -> pd.DataFrame:
        """The steps taken, with the clean-claim rate after each."""
        return pd.DataFrame([vars(s) for s in self.history],
                            columns=["claim_id", "edit_id", "action", "detail",
                                     "clean_claim_rate"])


def summary(edits: Iterable[ScrubEdit]) -> pd.DataFrame:
    """Edit counts by queue, edit id and severity (the scrub's headline table)."""
    df = edits_frame(edits)
    if df.empty:
        return pd.DataFrame(columns=["queue", "id", "severity", "edits", "claims"])
    return (df.groupby(["queue", "id", "severity"])
            .agg(edits=("claim_id", "size"), claims=("claim_id", "nunique"))
            .reset_index().sort_values(["queue", "edits"], ascending=[False, False])
            .reset_index(drop=True))
