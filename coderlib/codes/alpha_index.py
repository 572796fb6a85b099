"""The ICD-10-CM Alphabetic Index as coders use it, and the Neoplasm and Drug tables.

Needs an imported CMS release (:mod:`coderlib.codes.releases`). :func:`walk` takes what a
coder looks up, ``"infarction, myocardial"``: main term, then subterms level by level. Each
step shows the entry's nonessential modifiers (in parentheses), its code (a trailing ``-``
means incomplete: go to the Tabular for the remaining characters), and its *see* / *see
also* cross-references; a *see* with nothing further to walk is followed. The last code is
handed over to the Tabular (:func:`coderlib.codes.icd10cm.get`) with its notes.

:func:`neoplasm` reads one site's row of the Table of Neoplasms (malignant primary,
secondary, ca in situ, benign, uncertain, unspecified behaviour); :func:`drug` one
substance's row of the Table of Drugs and Chemicals (poisoning accidental, intentional,
assault, undetermined; adverse effect; underdosing). :func:`find` is the index-aware search
the encoder calls: every entry whose words match, with the code it leads to.

>>> norm_title("Abasia (-astasia) (hysterical)")
'abasia'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

NEOPLASM_COLUMNS = ("malignant_primary", "malignant_secondary", "ca_in_situ", "benign",
                    "uncertain", "unspecified")
DRUG_COLUMNS = ("poisoning_accidental", "poisoning_intentional", "poisoning_assault",
                "poisoning_undetermined", "adverse_effect", "underdosing")
DRUG_ALIASES = {"accidental": "poisoning_accidental", "intentional": "poisoning_intentional",
                "self-harm": "poisoning_intentional", "assault": "poisoning_assault",
                "undetermined": "poisoning_undetermined", "adverse": "adverse_effect",
                "adverse_effect": "adverse_effect", "adverse-effect": "adverse_effect",
                "underdosing": "underdosing", **{c: c for c in DRUG_COLUMNS}}
_PAREN = re.compile(r"\([^)]*\)")
_WORD = re.compile(r"[a-z0-9]+")


class IndexNotInstalled(LookupError):
    """No imported CMS release holds the Index or table asked for."""


def norm_title(text: str) -> str:
    """A title as compared: lower case, no parenthesised modifiers, single spaces."""
    return " ".join(_PAREN.sub(" ", text.lower()).replace("-", " ").split())


@dataclass(frozen=True)
class IndexEntry:
    """One Index line: a main term (level 0) or a subterm, with what it says."""

    level: int
    title: str
    nemod: str
    code: str | None
    see: str | None
    see_also: str | None
    cells: dict[int, str] = field(default_factory=dict)
    subterms: tuple[str, ...] = ()

    @property
    def incomplete(self) -> bool:
        """True when the code ends in ``-``: more characters are chosen in the Tabular."""
        return bool(self.code and self.code.endswith("-"))

    def line(self) -> str:
        """The entry as printed in the Index (indented by level)."""
        text = "  " * self.level + self.title + (f" {self.nemod}" if self.nemod else "")
        if self.code:
            text += f"  {self.code}"
            if self.incomplete:
                text += "  (incomplete: go to the Tabular)"
        if self.see:
            text += f"  — see {self.see}"
        if self.see_also:
            text += f"  — see also {self.see_also}"
        return text


@dataclass
class IndexResult:
    """A walk through the Index: the entries matched, cross-references followed, hand-over."""

    kind: str
    fiscal_year: int
    query: str
    entries: list[IndexEntry]
    followed: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    code: str | None = None
    tabular: object | None = None  # the ICD10CMCode handed over to, when the code exists
    tabular_message: str = ""

    def lines(self) -> list[str]:
        """What ``coderlib index`` prints."""
        out = [f"ICD-10-CM {KIND_NAMES[self.kind]} (FY{self.fiscal_year}): {self.query}"]
        for ref in self.followed:
            out.append(f"  (followed see {ref})")
        out += [e.line() for e in self.entries]
        if self.unmatched:
            last = self.entries[-1] if self.entries else None
            out.append(f"no subterm {', '.join(self.unmatched)!r} here"
                       + (f"; subterms: {', '.join(last.subterms[:20])}"
                          if last and last.subterms else ""))
        elif self.entries and self.entries[-1].subterms and not self.entries[-1].code:
            out.append("subterms: " + ", ".join(self.entries[-1].subterms[:30]))
        if self.code:
            out.append(f"Tabular: {self.tabular_message}")
            rec = self.tabular
            if rec is not None and getattr(rec, "notes", None):
                out += [f"  {n.label} [{n.source}]: {n.text}" for n in rec.notes[:12]]
        return out

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        from dataclasses import asdict

        return {"kind": self.kind, "fiscal_year": self.fiscal_year, "query": self.query,
                "entries": [{**asdict(e), "incomplete": e.incomplete} for e in self.entries],
                "followed": self.followed, "unmatched": self.unmatched, "code": self.code,
                "tabular": self.tabular_message}


KIND_NAMES = {"index": "Alphabetic Index", "eindex": "External Cause Index",
              "neoplasm": "Table of Neoplasms", "drug": "Table of Drugs and Chemicals"}


def _year(kind: str, fy: int | None) -> int:
    from coderlib.codes import releases

    year = releases.has_kind(kind, fy)
    if year is None:
        when = f" for FY{fy}" if fy else ""
        raise IndexNotInstalled(
            f"the {KIND_NAMES[kind]}{when} is not installed: import the CMS release "
            f"(coderlib codesets import icd10cm_{kind}_YYYY.xml or the CMS zip)")
    return year


def _entry(node: tuple, level: int) -> IndexEntry:
    title, nemod, code, see, see_also, cells, children = node
    return IndexEntry(level, title, nemod, code, see, see_also, dict(cells),
                      tuple(c[0] for c in children))


def _names(title: str) -> list[str]:
    """Comparable forms of a title: the whole and each comma-separated variant."""
    whole = norm_title(title)
    return [whole, *[norm_title(p) for p in title.split(",") if p.strip()]]


def _match(nodes: tuple, want: str) -> tuple | None:
    """The node whose title best matches ``want``: exact, a variant, then a prefix."""
    want = norm_title(want)
    if not want:
        return None
    for test in (lambda n: want == _names(n[0])[0],
                 lambda n: want in _names(n[0]),
                 lambda n: _names(n[0])[0].startswith(want),
                 lambda n: any(v.startswith(want) for v in _names(n[0]))):
        hits = [n for n in nodes if test(n)]
        if hits:
            return min(hits, key=lambda n: len(n[0]))
    return None


def _main_terms(kind: str, year: int, first: str) -> tuple:
    from coderlib.codes import releases

    return releases.tree(kind, first[:1], year)


def walk(query: str, kind: str = "index", fy: int | None = None, _depth: int = 0
         ) -> IndexResult:
    """Walk ``"main term, subterm, subterm"`` down the Index (see the module docstring).

    Raises ``IndexNotInstalled`` when no imported release holds the Index, ``LookupError``
    when no main term matches.
    """
    year = _year(kind, fy)
    parts = [p.strip() for p in query.split(",") if p.strip()]
    if not parts:
        raise LookupError("empty Index query: give a main term, e.g. 'infarction, myocardial'")
    mains = _main_terms(kind, year, norm_title(parts[0])[:1] or parts[0][:1])
    node, used = None, 0
    for k in range(len(parts), 0, -1):  # the main term may itself contain commas
        node = _match(mains, ", ".join(parts[:k]))
        if node is not None:
            used = k
            break
    if node is None:
        near = [m[0] for m in mains if norm_title(m[0]).startswith(norm_title(parts[0])[:3])]
        raise LookupError(f"no main term {parts[0]!r} in the {KIND_NAMES[kind]} (FY{year})"
                          + (f"; nearby: {', '.join(near[:10])}" if near else ""))
    entries = [_entry(node, 0)]
    unmatched: list[str] = []
    for part in parts[used:]:
        child = _match(node[6], part)
        if child is None:
            unmatched = parts[parts.index(part):]
            break
        node = child
        entries.append(_entry(node, len(entries)))
    result = IndexResult(kind, year, query, entries, unmatched=unmatched)
    last = entries[-1]
    if last.see and _depth < 3 and (unmatched or not last.code):
        target = last.see.split(";")[0].strip()
        try:  # follow the cross-reference, carrying any subterms not yet matched
            followed = walk(", ".join([target, *unmatched]), kind, year, _depth + 1)
        except LookupError:
            return result
        followed.followed.insert(0, f"{target} (from {last.title})")
        followed.entries = entries + followed.entries
        followed.query = query
        return followed
    code = next((e.code for e in reversed(entries) if e.code), None)
    if code:
        _hand_over(result, code)
    return result


def _hand_over(result: IndexResult, code: str) -> None:
    """Look the Index code up in the Tabular (as of the release's fiscal year)."""
    from coderlib.codes import icd10cm
    from coderlib.codes.errors import CodeError

    result.code = code
    base = code.rstrip("-").rstrip(".")
    try:
        rec = icd10cm.get(base)
    except CodeError as err:
        result.tabular_message = f"{code}: {err.message}"
        return
    result.tabular = rec
    if code.endswith("-") or not rec.billable:
        kids = list(rec.billable_children)
        more = f" (+{len(kids) - 12} more)" if len(kids) > 12 else ""
        need = " needs a 7th character;" if rec.needs_seventh else ""
        result.tabular_message = (f"{rec.dotted} {rec.description} — incomplete here;{need} "
                                  f"choose in the Tabular: {', '.join(kids[:12])}{more}")
    else:
        result.tabular_message = f"{rec.dotted} {rec.description} (billable)"


# ----------------------------------------------------------------------------- tables

@dataclass
class TableRow:
    """One row of the Neoplasm or Drug table: the site/substance path and its codes."""

    kind: str
    fiscal_year: int
    path: list[str]
    columns: dict[str, str | None]
    see: str | None = None
    see_also: str | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"kind": self.kind, "fiscal_year": self.fiscal_year, "path": self.path,
                "columns": self.columns, "see": self.see, "see_also": self.see_also}


def _table_row(kind: str, query: str, fy: int | None, columns: tuple[str, ...],
               root_word: str | None) -> TableRow:
    year = _year(kind, fy)
    parts = [p.strip() for p in query.split(",") if p.strip()]
    if not parts:
        raise LookupError(f"empty {KIND_NAMES[kind]} query")
    nodes: tuple = ()
    if root_word:  # the Neoplasm Table hangs every site under "Neoplasm, neoplastic"
        root = _match(_main_terms(kind, year, root_word), root_word)
        if root is not None:
            nodes = root[6]
            if norm_title(parts[0]).startswith(root_word):
                parts = parts[2:] if len(parts) > 1 and norm_title(parts[1]).startswith(
                    "neoplastic") else parts[1:]
    if not nodes or (parts and _match(nodes, parts[0]) is None):
        nodes = _main_terms(kind, year, norm_title(parts[0])[:1]) if parts else nodes
    path: list[str] = []
    node = None
    for part in parts:
        hit = _match(nodes if node is None else node[6], part)
        if hit is None:
            where = " > ".join(path) or KIND_NAMES[kind]
            options = [n[0] for n in (nodes if node is None else node[6])][:15]
            raise LookupError(f"no entry {part!r} under {where} (FY{year})"
                              + (f"; entries: {', '.join(options)}" if options else ""))
        node = hit
        path.append(node[0] + (f" {node[1]}" if node[1] else ""))
    if node is None:
        raise LookupError(f"nothing to look up in the {KIND_NAMES[kind]}")
    if node[3] and not node[5] and not node[6]:  # "colon - see Neoplasm, intestine, large"
        target = node[3].split(";")[0]
        if root_word and norm_title(target).startswith(root_word):
            target = target.split(",", 1)[1] if "," in target else target
        row = _table_row(kind, target, year, columns, root_word)
        row.path = path + [f"see {node[3]}"] + row.path
        return row
    cells = node[5]
    cols = {name: cells.get(i + 2) for i, name in enumerate(columns)}
    return TableRow(kind, year, path, cols, node[3], node[4])


def neoplasm(site: str, fy: int | None = None) -> TableRow:
    """The Neoplasm Table row for a site, e.g. ``"lung, upper lobe"``."""
    return _table_row("neoplasm", site, fy, NEOPLASM_COLUMNS, "neoplasm")


def drug(substance: str, fy: int | None = None) -> TableRow:
    """The Table of Drugs and Chemicals row for a substance, e.g. ``"lithium, salts"``."""
    return _table_row("drug", substance, fy, DRUG_COLUMNS, None)


def drug_column(name: str) -> str:
    """The canonical column for what a user typed (``underdosing``, ``adverse``, ...).

    >>> drug_column("adverse")
    'adverse_effect'
    """
    key = name.strip().lower().replace(" ", "_")
    if key not in DRUG_ALIASES:
        raise ValueError(f"unknown Drug Table column {name!r}; expected one of "
                         f"{', '.join(DRUG_COLUMNS)}")
    return DRUG_ALIASES[key]


# ----------------------------------------------------------------------------- search

@dataclass(frozen=True)
class IndexHit:
    """An Index entry found by words, with the full path and the code it leads to."""

    path: str
    code: str | None
    see: str | None
    score: float


def find(text: str, limit: int = 10, fy: int | None = None) -> list[IndexHit]:
    """Index-aware search: Index entries whose path holds every word of ``text``.

    Returns ``[]`` when no Index is installed (callers fall back to title search).
    Shorter paths and entries with a complete code rank first. The Index is flattened once
    per process into paths with an inverted word list, so a query is a few set lookups.
    """
    from coderlib.codes import releases

    year = releases.has_kind("index", fy)
    want = set(_WORD.findall(text.lower()))
    if year is None or not want:
        return []
    entries, by_word = _flat_index(year, releases.summary("icd10cm", year)["fingerprint"])
    ids: set[int] | None = None
    for word in want:
        got = by_word.get(word, set())
        ids = set(got) if ids is None else ids & got
        if not ids:
            return []
    target = norm_title(text)
    hits = []
    for i in ids or ():
        path, code, see, depth = entries[i]
        exact = norm_title(path) == target
        score = depth + (0 if code and not code.endswith("-") else 0.5) - 2 * exact
        hits.append(IndexHit(path, code, see, score))
    hits.sort(key=lambda h: (h.score, len(h.path)))
    return hits[:limit]


_FLAT: dict[tuple[int, str], tuple[list[tuple[str, str | None, str | None, int]],
                                   dict[str, set[int]]]] = {}


def _flat_index(year: int, fingerprint: str) -> tuple[list, dict[str, set[int]]]:
    """Every Index entry with a code or a *see* as (path, code, see, depth), and word -> ids."""
    key = (year, fingerprint)
    if key in _FLAT:
        return _FLAT[key]
    from coderlib.codes import releases

    entries: list[tuple[str, str | None, str | None, int]] = []
    by_word: dict[str, set[int]] = {}

    def visit(node: tuple, trail: list[str], words: set[str]) -> None:
        title, nemod, code, see, _, _, children = node
        here = trail + [title]
        mine = words | set(_WORD.findall(f"{title} {nemod}".lower()))
        if code or see:
            entries.append((", ".join(here), code, see, len(here)))
            for w in mine:
                by_word.setdefault(w, set()).add(len(entries) - 1)
        for child in children:
            visit(child, here, mine)

    for letter in releases.letters("index", year):
        for main in releases.tree("index", letter, year):
            visit(main, [], set())
    _FLAT.clear()  # keep one year in memory
    _FLAT[key] = (entries, by_word)
    return _FLAT[key]
