"""A drill item: one multiple-choice question (or a chart scenario) with its key and rationale.

Authors write the key and three distractors, each with why it is wrong; the options are
lettered A-D in a fixed order (codes sorted, text shuffled by the item id), so the key letter
is never typed by hand and cannot drift.

>>> item = Item.model_validate({
...     "id": "cm-demo-001", "area": "icd10cm", "topic": "hypertension", "difficulty": "easy",
...     "type": "icd10cm", "stem": "Essential hypertension, no heart or kidney disease.",
...     "answer": "I10", "distractors": {"I11.9": "heart disease not documented",
...     "I12.9": "no CKD", "I15.9": "secondary hypertension not documented"},
...     "rationale": "OCG I.C.9.a: hypertension without heart or kidney involvement is I10."})
>>> item.options, item.key
({'A': 'I10', 'B': 'I11.9', 'C': 'I12.9', 'D': 'I15.9'}, 'A')
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from coderlib.exercises.model import check_id

KINDS = ("authored", "generated", "case")
ANSWER_TYPES = ("icd10cm", "icd10pcs", "cpt", "hcpcs", "modifier", "drg", "text", "chart")
CODE_TYPES = ("icd10cm", "icd10pcs", "cpt", "hcpcs", "modifier", "drg")
DIFFICULTIES = ("easy", "medium", "hard")
LETTERS = ("A", "B", "C", "D")
#: the date an item's codes are checked on when it gives none (inside FY2026, the shipped set)
DEFAULT_DATE = dt.date(2026, 3, 16)

def option_text(value: Any) -> str:
    """An option as display text: YAML integers (``99213``) come back as their digits.

    >>> option_text(99213), option_text(" E11.9 ")
    ('99213', 'E11.9')
    """
    if isinstance(value, bool) or value is None:
        raise ValueError(f"an option must be text or a code, got {value!r}")
    if isinstance(value, int):
        return str(value) if value >= 100 else f"{value:02d}"
    if isinstance(value, float):
        raise ValueError(f"an option must be text or a code, got the number {value!r}; "
                         "quote it")
    text = str(value).strip()
    if not text:
        raise ValueError("an option is empty")
    return text


def _norm(text: str) -> str:
    return re.sub(r"[\s.\-]+", "", text).upper()


class Item(BaseModel):
    """One drill item; ``options``/``key`` are derived from ``answer`` and ``distractors``."""

    model_config = ConfigDict(extra="forbid")

    id: str
    kind: Literal["authored", "generated", "case"] = "authored"
    area: str = Field(min_length=1)
    topic: str = Field(min_length=1)
    difficulty: Literal["easy", "medium", "hard"]
    date: dt.date = DEFAULT_DATE
    type: Literal["icd10cm", "icd10pcs", "cpt", "hcpcs", "modifier", "drg", "text", "chart"]
    stem: str = Field(min_length=10)
    answer: str = ""
    distractors: dict[str, str] = Field(default_factory=dict)
    rationale: str = Field(min_length=10)
    chart: str | None = None
    source: str | None = None
    seed: int | None = None
    options: dict[str, str] = Field(default_factory=dict)
    key: str = ""

    @field_validator("id")
    @classmethod
    def _id_form(cls, value: str) -> str:
        return check_id(value)

    @field_validator("answer", mode="before")
    @classmethod
    def _answer_text(cls, value: Any) -> Any:
        return "" if value is None else option_text(value)

    @field_validator("distractors", mode="before")
    @classmethod
    def _distractor_map(cls, value: Any) -> Any:
        if value is None:
            return {}
        if isinstance(value, list):  # [{option: ..., why: ...}] or bare options
            out: dict[str, str] = {}
            for entry in value:
                if isinstance(entry, dict) and "option" in entry:
                    out[option_text(entry["option"])] = str(entry.get("why") or "")
                else:
                    out[option_text(entry)] = ""
            return out
        if isinstance(value, dict):
            return {option_text(k): ("" if v is None else str(v)) for k, v in value.items()}
        raise ValueError("distractors must be a mapping of option -> why it is wrong")

    @model_validator(mode="after")
    def _letter(self) -> Item:
        if self.type == "chart":
            if not self.chart:
                raise ValueError("a chart scenario item needs chart: <exercise chart id>")
            if self.distractors:
                raise ValueError("a chart scenario is answered with codes: no distractors")
            self.options, self.key = {}, ""
            return self
        if not self.answer:
            raise ValueError("answer is missing (the correct option)")
        if len(self.distractors) != 3:
            raise ValueError(f"need exactly 3 distractors, got {len(self.distractors)}")
        opts = [self.answer, *self.distractors]
        seen: dict[str, str] = {}
        for o in opts:
            if _norm(o) in seen:
                raise ValueError(f"option {o!r} repeats {seen[_norm(o)]!r}: exactly one "
                                 "option may be correct")
            seen[_norm(o)] = o
        if self.type in CODE_TYPES:
            order = sorted(opts, key=_norm)
        else:
            digest = hashlib.sha256(self.id.encode()).hexdigest()
            order = list(opts)
            random.Random(int(digest[:12], 16)).shuffle(order)
        self.options = dict(zip(LETTERS, order, strict=True))
        self.key = LETTERS[order.index(self.answer)]
        return self

    @property
    def why(self) -> dict[str, str]:
        """Letter -> why that option is wrong (distractors only)."""
        return {letter: self.distractors.get(text, "") for letter, text in self.options.items()
                if letter != self.key}

    def public(self) -> dict[str, Any]:
        """What a student sees: no answer, key, distractor notes or rationale."""
        return {"id": self.id, "area": self.area, "topic": self.topic,
                "difficulty": self.difficulty, "type": self.type, "stem": self.stem,
                "options": dict(self.options), "chart": self.chart}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready item with its key."""
        return self.model_dump(mode="json")
