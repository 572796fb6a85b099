"""Decode an ICD-10-PCS code: what each of its seven characters means.

>>> [a.meaning for a in decode("0DTJ4ZZ").axes][:3]
['Medical and Surgical', 'Gastrointestinal System', 'Resection']
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from coderlib.codes.pcs_axes import CURATED, axis_name, phrase_diff
from coderlib.codes.pcs_sources import _db

if TYPE_CHECKING:  # pandas is imported lazily: it costs ~1 s at start-up
    import pandas as pd


@dataclass(frozen=True)
class PcsAxis:
    """What one character of a PCS code means."""

    position: int  # 1..7
    axis: str  # e.g. "Root Operation"
    value: str  # the character
    meaning: str  # e.g. "Resection"
    definition: str  # official definition where the tables have one (root op, approach)


@dataclass(frozen=True)
class PcsDecoded:
    """A code explained character by character."""

    code: str
    description: str
    valid_fy2026: bool
    axes: tuple[PcsAxis, ...]

    def as_frame(self) -> pd.DataFrame:
        """The seven characters as a table (position, axis, value, meaning, definition)."""
        import pandas as pd

        return pd.DataFrame([a.__dict__ for a in self.axes])


def _sibling_meaning(code: str, pos: int) -> str | None:
    """Meaning of character ``pos`` of a full code read off its own one-character siblings.

    Compares the code's description with those of codes that differ only at ``pos``.
    """
    desc = _db().one("SELECT description FROM codes WHERE code=? AND desc_source!=?",
                     (code, "built from axis values"))
    if desc is None:
        return None
    head, tail = code[:pos - 1], code[pos:]
    rows = _db().all("SELECT code, description FROM codes WHERE code >= ? AND code < ? "
                     "AND desc_source != ?", (head, head + "~", "built from axis values"))
    votes: Counter = Counter()
    for other, odesc in rows:
        if other[pos:] == tail and other[pos - 1] != code[pos - 1]:
            votes[phrase_diff(desc[0], odesc)] += 1
    if not votes:
        return None
    if code[pos - 1] == "Z" and votes.get("", 0):
        return "None"
    ranked = sorted(((n, -len(ph), ph) for ph, n in votes.items() if ph), reverse=True)
    return ranked[0][2] if ranked else None


def _meaning(code: str, pos: int) -> tuple[str, str] | None:
    """Meaning and definition of character ``pos`` (1-7) of ``code`` (prefix may be shorter)."""
    value = code[pos - 1]
    curated = CURATED.get((code[:1], pos, value))
    if curated and pos == 7:
        return curated, ""
    if len(code) == 7 and pos >= 4 and code[0] not in "01":
        own = _sibling_meaning(code, pos)
        if own:
            return own, ""
    for depth in range(pos - 1, -1, -1):
        row = _db().checked_one("SELECT context, pos, value, meaning, definition, crc FROM axis "
                                "WHERE context=? AND pos=? AND value=?",
                                (code[:depth], pos, value))
        if row:
            return row[3], row[4]
    if pos >= 4 and value == "Z":  # Z is "None" / "No ..." on every axis from 4 on
        return "None", ""
    return None


def decode(code: str) -> PcsDecoded:
    """Explain each of the seven characters of a PCS code.

    >>> decode("0DTJ4ZZ").axes[2].meaning
    'Resection'
    """
    from coderlib.codes.errors import CodeError
    from coderlib.codes.icd10pcs import _ROW, _check_format, _row_to_code, get

    norm = _check_format(code)
    try:
        pcs = get(norm)
    except CodeError as err:  # a deleted code can still be explained
        if err.reason != "not_valid_on_date":
            raise
        pcs = _row_to_code(_db().checked_one(f"{_ROW} WHERE code = ?", (norm,)))
    axes = []
    for pos in range(1, 8):
        hit = _meaning(norm, pos)
        axes.append(PcsAxis(pos, axis_name(norm[0], pos), norm[pos - 1],
                            hit[0] if hit else "(not in the bundled axis tables)",
                            hit[1] if hit else ""))
    return PcsDecoded(norm, pcs.description, pcs.valid_fy2026, tuple(axes))

