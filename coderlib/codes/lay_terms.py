"""coderlib's lay-and-abbreviation vocabulary: what people type, mapped to where a coder looks.

``data/lay_terms.txt`` (our own words) holds one concept per line: the lay terms and
abbreviations people type ("heart attack; mi; ami"), the Index entry a coder would start from
("Infarct, infarction, myocardium"), and the codes it usually leads to, default first
(ICD-10-CM, ICD-10-PCS, teaching CPT/HCPCS). Search uses it when no Index is installed, and
to rank common codes ahead of rare ones. Every code is validated by a test.

>>> e = match("heart attack")
>>> e.index_term, e.codes[0]
('Infarct, infarction, myocardium', ('icd10cm', 'I219'))
>>> match("heart atack").codes[0]  # a misspelling finds the same concept
('icd10cm', 'I219')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PREFIX = {"cm": "icd10cm", "pcs": "icd10pcs", "cpt": "cpt", "hcpcs": "hcpcs"}
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class LayEntry:
    """One concept: the terms people type, the Index entry, the codes (system, undotted)."""

    terms: tuple[str, ...]
    index_term: str
    codes: tuple[tuple[str, str], ...]
    line: int


def path() -> Path:
    """The vocabulary file."""
    from coderlib.paths import data_dir

    return data_dir() / "lay_terms.txt"


def norm(text: str) -> str:
    """A typed phrase as compared: lower-case words only (``"C-section"`` -> ``"c section"``).

    >>> norm("  A-Fib! ")
    'a fib'
    """
    return " ".join(_WORD.findall(text.lower().replace("'", "")))


def parse(text: str, name: str = "lay_terms.txt") -> list[LayEntry]:
    """Entries from the vocabulary text (raises ``ValueError`` naming the bad line)."""
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 3:
            raise ValueError(f"{name}, line {n}: expected 'terms | index term | codes'")
        terms = tuple(t.strip() for t in parts[0].split(";") if t.strip())
        codes = []
        for item in parts[2].split():
            system, _, code = item.partition(":")
            if system not in PREFIX or not code:
                raise ValueError(f"{name}, line {n}: {item!r} is not system:code "
                                 f"(systems: {', '.join(PREFIX)})")
            codes.append((PREFIX[system], code.replace(".", "").upper()))
        if not terms or not codes:
            raise ValueError(f"{name}, line {n}: needs at least one term and one code")
        out.append(LayEntry(terms, parts[1], tuple(codes), n))
    return out


@lru_cache(maxsize=1)
def entries() -> tuple[LayEntry, ...]:
    """Every entry of the vocabulary file."""
    return tuple(parse(path().read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def _by_term() -> dict[str, LayEntry]:
    out: dict[str, LayEntry] = {}
    for e in entries():
        for t in e.terms:
            out.setdefault(norm(t), e)
    return out


@lru_cache(maxsize=1)
def common_codes() -> dict[tuple[str, str], int]:
    """Codes the vocabulary leads to, with their rank (0 = a concept's default code)."""
    out: dict[tuple[str, str], int] = {}
    for e in entries():
        for i, code in enumerate(e.codes):
            out[code] = min(out.get(code, 9), i)
    return out


def match(text: str, cutoff: float = 85.0) -> LayEntry | None:
    """The entry whose term is what was typed; else the closest term (for misspellings).

    Close means a rapidfuzz ratio of at least ``cutoff`` on the whole phrase, with the same
    number of words; short phrases (under 5 letters) must match exactly.
    """
    key = norm(text)
    if not key:
        return None
    table = _by_term()
    hit = table.get(key)
    if hit is not None or len(key) < 5:
        return hit
    from rapidfuzz import fuzz, process

    n_words = len(key.split())
    choices = [t for t in table if len(t.split()) == n_words and abs(len(t) - len(key)) <= 3]
    best = process.extractOne(key, choices, scorer=fuzz.ratio, score_cutoff=cutoff)
    return table[best[0]] if best else None
