"""CPT and HCPCS Level II modifiers: plain-language meanings and the rules for combining them.

The table lives in ``data/modifiers.yaml`` (our own words; no AMA text). ``check(...)``
applies the combination rules a claim scrubber needs: mutually exclusive pairs (59 vs
X{EPSU}, 26 vs TC, 50 vs LT/RT, GA vs GZ ...) and pricing modifiers listed first.

>>> get("-25").kind
'informational'
>>> [c.rule for c in check(["59", "XS"])]
['mutually_exclusive']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from coderlib.codes.errors import CodeError
from coderlib.codes.search_rows import SearchRow
from coderlib.paths import data_dir

if TYPE_CHECKING:  # pandas is imported lazily: it costs ~1 s at start-up
    import pandas as pd

DATA_VERSION = "coderlib-modifiers-2026"
_MOD_RE = re.compile(r"^[0-9A-Z]{2}$")


@dataclass(frozen=True)
class Modifier:
    """One modifier with its plain-language meaning and usage rule."""

    code: str
    level: str  # "CPT" (Level I) or "HCPCS" (Level II)
    kind: str  # "pricing" | "informational"
    category: str
    meaning: str
    usage: str
    ncci: bool  # an NCCI-associated modifier (may bypass a PTP edit with documentation)
    exclusive_with: tuple[str, ...]

    @property
    def display(self) -> str:
        """Shown as coders write it, e.g. ``-25``."""
        return f"-{self.code}"


@dataclass(frozen=True)
class Conflict:
    """A rule a set of modifiers on one claim line breaks."""

    rule: str  # "mutually_exclusive" | "duplicate" | "pricing_order" | "digit_conflict"
    modifiers: tuple[str, ...]
    message: str


def normalize_modifier(raw: str) -> str:
    """``'-lt '`` -> ``'LT'``; raises ``CodeError`` (malformed) for anything else.

    >>> normalize_modifier(" -rt")
    'RT'
    """
    if not isinstance(raw, str):
        raise CodeError(str(raw), "malformed", f"modifier must be text, got {raw!r}")
    code = raw.strip().lstrip("-").strip().upper()
    if not _MOD_RE.match(code):
        raise CodeError(raw, "malformed",
                        f"{raw!r} is not a modifier: modifiers are 2 letters/digits, e.g. 25, LT")
    return code


@lru_cache(maxsize=1)
def _table() -> dict[str, Modifier]:
    import yaml

    path = data_dir() / "modifiers.yaml"
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: dict[str, Modifier] = {}
    excl: dict[str, set[str]] = {}
    for row in rows:
        code = normalize_modifier(str(row["code"]))
        excl.setdefault(code, set()).update(row.get("exclusive_with", []))
        for other in row.get("exclusive_with", []):  # exclusivity is symmetric
            excl.setdefault(other, set()).add(code)
    for row in rows:
        code = normalize_modifier(str(row["code"]))
        if row["kind"] not in ("pricing", "informational"):
            raise ValueError(f"{path}: modifier {code} has unknown kind {row['kind']!r}")
        out[code] = Modifier(code=code, level=row["level"], kind=row["kind"],
                             category=row["category"], meaning=row["meaning"],
                             usage=row.get("usage", ""), ncci=bool(row.get("ncci", False)),
                             exclusive_with=tuple(sorted(excl.get(code, ()))))
    return out


def get(code: str) -> Modifier:
    """Look up a modifier (``'25'``, ``'-25'``, ``'lt'``).

    >>> get("lt").meaning
    'Left side of the body.'
    """
    norm = normalize_modifier(code)
    table = _table()
    if norm not in table:
        from rapidfuzz import process

        near = [m for m, _s, _i in process.extract(norm, list(table), limit=5)]
        raise CodeError(code, "unknown",
                        f"modifier {norm} is not in coderlib's modifier table", near)
    return table[norm]


def all_modifiers() -> pd.DataFrame:
    """The whole table as a DataFrame (one row per modifier)."""
    import pandas as pd

    return pd.DataFrame([{**m.__dict__, "exclusive_with": ", ".join(m.exclusive_with)}
                         for m in _table().values()])


_DIGITS = {"finger": {"FA", *(f"F{i}" for i in range(1, 10))},
           "toe": {"TA", *(f"T{i}" for i in range(1, 10))},
           "eyelid": {"E1", "E2", "E3", "E4"},
           "coronary": {"LC", "LD", "LM", "RC", "RI"}}


def check(modifiers: Iterable[str]) -> list[Conflict]:
    """Rule breaks among the modifiers on one claim line (empty list = clean).

    >>> [c.rule for c in check(["50", "RT"])]
    ['mutually_exclusive']
    """
    mods = [get(m) for m in modifiers]
    codes = [m.code for m in mods]
    out: list[Conflict] = []
    seen: set[str] = set()
    for c in codes:
        if c in seen:
            out.append(Conflict("duplicate", (c,), f"-{c} appears more than once on the line"))
        seen.add(c)
    for i, a in enumerate(mods):
        for b in mods[i + 1:]:
            if b.code in a.exclusive_with:
                out.append(Conflict("mutually_exclusive", (a.code, b.code),
                                    f"-{a.code} and -{b.code} may not be reported on the same "
                                    f"line ({a.usage})"))
    for group, members in _DIGITS.items():
        hit = sorted(set(codes) & members)
        if len(hit) > 1:
            out.append(Conflict("digit_conflict", tuple(hit),
                                f"more than one {group} modifier on one line ({', '.join(hit)}): "
                                "report each site on its own line"))
    kinds = [m.kind for m in mods]
    if "pricing" in kinds and kinds.index("pricing") > 0 and any(
            k == "informational" for k in kinds[:kinds.index("pricing")]):
        out.append(Conflict("pricing_order", tuple(codes),
                            "list pricing modifiers before informational ones: "
                            + " ".join(f"-{c}" for c in order(codes))))
    return out


def order(modifiers: Iterable[str]) -> list[str]:
    """Modifiers in billing order: pricing first, then informational (stable otherwise).

    >>> order(["LT", "26"])
    ['26', 'LT']
    """
    mods = [get(m) for m in modifiers]
    return [m.code for m in sorted(mods, key=lambda m: m.kind != "pricing")]


def iter_search_rows() -> Iterator[SearchRow]:
    """Modifiers as search rows: Level I under system ``cpt``, Level II under ``hcpcs``.

    ``code`` is the two-character modifier; ``billable`` is False (a modifier is never
    reported alone).
    """
    for m in _table().values():
        system = "cpt" if m.level == "CPT" else "hcpcs"
        yield SearchRow(system, m.code, f"Modifier -{m.code}: {m.meaning}", False,
                        (f"modifier {m.code}", f"-{m.code}", m.category), DATA_VERSION)
