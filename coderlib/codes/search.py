"""Search all code sets by words, partial words, misspellings and code prefixes.

One SQLite FTS5 index (a rebuildable cache, see :mod:`coderlib.codes.cache`) holds every
``SearchRow`` from ``icd10cm``, ``icd10pcs``, ``hcpcs`` and ``cpt``: description plus extra
terms (inclusion terms, synonyms). Rows are stored in a static order — billable first, then
shorter descriptions — so FTS5 can stop after the first candidates. Ranking: a code or code
prefix typed as the query, then exact description/term matches (also ignoring parenthesised
nonessential modifiers and a trailing NOS), then word matches with billable codes before
headers, and within those: every word in the description, every word in description or
terms (inclusion terms, Includes notes, synonyms), then partial words; ties keep the static
order.

Misspelled words (no indexed word starts with them) are replaced by their nearest
vocabulary words (rapidfuzz, length-bucketed) before the FTS query.

What people type comes first: a lay term or abbreviation from coderlib's vocabulary
(:mod:`coderlib.codes.lay_terms`: "heart attack", "uti", "lap chole", also misspelled) puts
its codes at the top, default first, and within a word tier the codes that vocabulary leads
to (common codes) rank ahead of rare ones. :func:`search_with_index` adds the Alphabetic
Index when a CMS release is installed.

>>> [h.dotted for h in search("heart attack", limit=1)]
['I21.9']

>>> [h.dotted for h in search("diabetis type 2 without complications", limit=1)]
['E11.9']
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from importlib import import_module
from importlib.util import find_spec

from coderlib.codes.cache import CachedDB, row_crc
from coderlib.codes.errors import CodeError
from coderlib.codes.normalize import dotted_icd10cm, normalize_code
from coderlib.codes.search_rows import SYSTEMS, SearchRow

SCHEMA = "search-5"
STOPWORDS = frozenset({"a", "an", "and", "by", "for", "in", "of", "on", "or", "the", "to"})
_WORD = re.compile(r"[a-z0-9]+")
_CODEISH = re.compile(r"^[A-Za-z0-9.\s]{2,9}$")
POOL = 150  # FTS candidates per query pass, re-ranked in Python


_MODULES: dict[str, object] = {}


def _module(system: str):  # noqa: ANN202 - a code-set module
    """The code-set module for ``system`` (``None`` while a module is not written yet)."""
    if system not in _MODULES:
        name = f"coderlib.codes.{system}"
        _MODULES[system] = import_module(name) if find_spec(name) is not None else None
    return _MODULES[system]


def _release_state() -> str:
    """Installed CMS releases (their titles become searchable, so the index follows them)."""
    from coderlib.codes import releases

    return releases.state()


def _versions() -> dict[str, str]:
    out = {"releases": _release_state()}
    for system in SYSTEMS:
        mod = _module(system)
        if mod is None:
            out[system] = "absent"
            continue
        out[system] = str(getattr(mod, "DATA_VERSION", "?"))
        # belt and braces: a user file loaded at run time (hcpcs/cpt keep its path)
        for attr in ("_FILE", "_LICENSED"):
            state = getattr(mod, attr, None)
            if isinstance(state, dict) and state.get("path"):
                out[system] += f"+{state['path']}"
    return out


def cache_key() -> dict[str, str]:
    """Inputs the search index is built from: schema, each module's data version."""
    from coderlib.codes import icd10cm

    key = {"schema": SCHEMA, **_versions()}
    key["icd10cm_cache"] = str(icd10cm.cache_key())
    return key


def words(text: str) -> list[str]:
    """Lower-case word tokens as the index sees them.

    >>> words("Type 2 diabetes, NOS")
    ['type', '2', 'diabetes', 'nos']
    """
    return _WORD.findall(text.lower())


def _norm_text(text: str) -> str:
    return " ".join(words(text))


_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_TAIL = re.compile(r"(,? (nos|unspecified|not otherwise specified))$")


def _strip_nonessential(text: str) -> str:
    """Normalised text without parenthesised (nonessential) modifiers or a trailing NOS.

    >>> _strip_nonessential("Essential (primary) hypertension")
    'essential hypertension'
    >>> _strip_nonessential("diabetes NOS")
    'diabetes'
    """
    return _TAIL.sub("", _norm_text(_PAREN.sub(" ", text)))


def _collect_rows() -> Iterable[SearchRow]:
    for system in SYSTEMS:
        mod = _module(system)
        if mod is None:
            continue
        for row in mod.iter_search_rows():
            if row.system != system:
                raise ValueError(f"{system}.iter_search_rows yielded a {row.system!r} row")
            yield row


def _build(con) -> None:  # noqa: ANN001 - sqlite3.Connection
    rows = sorted(set(_collect_rows()),
                  key=lambda r: (not r.billable, len(r.description), r.system, r.code))
    con.execute("""CREATE TABLE doc(id INTEGER PRIMARY KEY, system TEXT, code TEXT,
                   description TEXT, billable INTEGER, terms TEXT, version TEXT, crc INTEGER)""")
    con.execute("""CREATE VIRTUAL TABLE fts USING fts5(description, terms, content='doc',
                   content_rowid='id', tokenize='unicode61 remove_diacritics 2',
                   prefix='2 3 4')""")
    docs = ((i, r.system, normalize_code(r.code), r.description, int(r.billable),
             "\n".join(r.terms), r.version) for i, r in enumerate(rows, 1))
    con.executemany("INSERT INTO doc VALUES (?,?,?,?,?,?,?,?)",
                    ((*d, row_crc(d)) for d in docs))
    con.execute("INSERT INTO fts(rowid, description, terms) "
                "SELECT id, description, terms FROM doc")
    con.execute("INSERT INTO fts(fts) VALUES('optimize')")
    con.execute("CREATE INDEX doc_code ON doc(code, system)")
    con.execute("CREATE TABLE exact(text TEXT, id INTEGER)")
    exact = set()
    for i, r in enumerate(rows, 1):
        for t in (r.description, *r.terms):
            exact.add((_norm_text(t), i))
            exact.add((_strip_nonessential(t), i))
    con.executemany("INSERT INTO exact VALUES (?,?)", sorted(exact, key=lambda e: e[1]))
    con.execute("CREATE INDEX exact_text ON exact(text)")
    con.execute("CREATE VIRTUAL TABLE vocab_v USING fts5vocab(fts, 'row')")
    con.execute("CREATE TABLE vocab(word TEXT PRIMARY KEY, freq INTEGER) WITHOUT ROWID")
    con.execute("INSERT INTO vocab SELECT term, doc FROM vocab_v")
    con.execute("DROP TABLE vocab_v")


DB = CachedDB("search", cache_key, _build)
_STATE: dict[str, object] = {}
_LOCK = threading.RLock()


@DB.on_rebuild
def _forget() -> None:
    """Drop the vocabulary and counters read from the old file after a rebuild."""
    versions = _STATE.get("versions")
    _STATE.clear()
    if versions is not None:
        _STATE["versions"] = versions


def _db() -> CachedDB:
    """The index, reopened (and rebuilt) when a module's data version has changed."""
    versions = _versions()
    if _STATE.get("versions") != versions:
        with _LOCK:
            DB.close()
            _STATE.clear()
            _STATE["versions"] = versions
    return DB


@dataclass(frozen=True)
class SearchHit:
    """One search result; ``matched`` says how it was found (code/exact/words/fuzzy)."""

    system: str
    code: str
    dotted: str
    description: str
    billable: bool
    matched: str
    matched_term: str | None
    version: str

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return asdict(self)


def display_code(system: str, code: str) -> str:
    """How a code is shown: ICD-10-CM dotted, the others as printed (no dots).

    >>> display_code("icd10cm", "E119"), display_code("hcpcs", "J1100")
    ('E11.9', 'J1100')
    """
    return dotted_icd10cm(code) if system == "icd10cm" else code


def _vocab_buckets() -> dict[tuple[str, int], tuple[list[str], list[int]]]:
    buckets = _STATE.get("vocab")
    if buckets is None:
        tmp: dict[tuple[str, int], tuple[list[str], list[int]]] = {}
        for word, freq in _db().all("SELECT word, freq FROM vocab"):
            if word.isalpha() and len(word) > 2:
                ws, fs = tmp.setdefault((word[0], len(word)), ([], []))
                ws.append(word)
                fs.append(freq)
        _STATE["vocab"] = buckets = tmp
    return buckets  # type: ignore[return-value]


def _last_billable() -> int:
    """Highest row id of a billable code (rows are stored billable first)."""
    if "last_billable" not in _STATE:
        _STATE["last_billable"] = _db().one("SELECT max(id) FROM doc WHERE billable=1")[0] or 0
    return _STATE["last_billable"]  # type: ignore[return-value]


def known_word(token: str) -> bool:
    """True when ``token`` is an indexed word."""
    return _db().one("SELECT 1 FROM vocab WHERE word = ?", (token,)) is not None


def known_prefix(token: str) -> bool:
    """True when some indexed word equals or starts with ``token``."""
    hi = token[:-1] + chr(ord(token[-1]) + 1)
    return _db().one("SELECT 1 FROM vocab WHERE word >= ? AND word < ? LIMIT 1",
                     (token, hi)) is not None


def corrections(token: str, limit: int = 3, cutoff: float = 75.0) -> list[str]:
    """Nearest indexed words to a misspelled ``token`` (rapidfuzz ratio, then frequency).

    Words sharing the first letter are tried first (misspellings rarely change it); all
    first letters are tried only when that finds nothing.

    >>> corrections("diabetis")[0]
    'diabetes'
    """
    from rapidfuzz import fuzz, process

    buckets = _vocab_buckets()
    lengths = range(max(3, len(token) - 2), len(token) + 3)
    for firsts in ((token[0],), tuple({k[0] for k in buckets})):
        cands: list[tuple[float, int, str]] = []
        for first in firsts:
            for n in lengths:
                if (first, n) not in buckets:
                    continue
                ws, fs = buckets[(first, n)]
                for word, score, idx in process.extract(
                        token, ws, scorer=fuzz.ratio, limit=limit, score_cutoff=cutoff):
                    cands.append((score, fs[idx], word))
        if cands:
            cands.sort(key=lambda c: (-c[0], -c[1]))
            return [w for _, _, w in cands[:limit]]
    return []


def _fts(match: str, system: str | None, pool: int) -> list[int]:
    if system:
        sql = ("SELECT fts.rowid FROM fts JOIN doc ON doc.id = fts.rowid WHERE fts MATCH ? "
               "AND doc.system = ? ORDER BY fts.rowid LIMIT ?")
        params: tuple = (match, system, pool)
    else:
        sql = "SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY rowid LIMIT ?"
        params = (match, pool)
    return [r[0] for r in _db().all(sql, params)]


def _q(token: str, prefix: bool) -> str:
    return f'"{token}"*' if prefix else f'"{token}"'


def search(text: str, system: str | None = None, limit: int = 20,
           fuzzy: bool = True) -> list[SearchHit]:
    """Find codes by words, partial words, misspellings or a code prefix, best first.

    ``system`` restricts to one of ``icd10cm``, ``icd10pcs``, ``hcpcs``, ``cpt`` (anything
    else raises ``CodeError(reason="unknown_system")``).

    >>> search("femur fract", system="icd10cm", limit=1)[0].billable
    True
    """
    # row ids belong to one build of the index: when a damaged index is rebuilt while a
    # search runs, the ids it collected mean nothing in the new file, so search again
    before = DB.rebuilds
    hits = _search(text, system, limit, fuzzy)
    if DB.rebuilds != before:
        hits = _search(text, system, limit, fuzzy)
    return hits


def _search(text: str, system: str | None, limit: int, fuzzy: bool) -> list[SearchHit]:
    if system is not None and system not in SYSTEMS:
        raise CodeError(str(system), "unknown_system",
                        f"unknown code system {system!r}; expected one of {', '.join(SYSTEMS)}")
    if not isinstance(text, str) or not text.strip():
        return []
    limit = max(1, int(limit))
    hits: dict[int, tuple] = {}  # doc id -> sort key
    how: dict[int, tuple[str, str | None]] = {}
    db = _db()

    # 0) what people type: a lay term or abbreviation ("heart attack", "uti", "lap chole"),
    #    also misspelled ("heart atack"), leads to its codes, default first
    from coderlib.codes import lay_terms

    entry = lay_terms.match(text) if fuzzy else lay_terms._by_term().get(lay_terms.norm(text))
    if entry is not None:
        for rank, (sys_, code) in enumerate(entry.codes):
            if system and sys_ != system:
                continue
            for (did,) in db.all("SELECT id FROM doc WHERE code=? AND system=?", (code, sys_)):
                hits[did] = (-1, rank, 0, did)
                how[did] = ("lay", entry.index_term)
    common = lay_terms.common_codes()

    # 1) a code or code prefix ("E11", "e11.9", "0DTJ", "99213")
    if _CODEISH.match(text) and any(ch.isdigit() for ch in text):
        norm = normalize_code(text)
        hi = norm[:-1] + chr(ord(norm[-1]) + 1)
        sql = "SELECT id, code FROM doc WHERE code >= ? AND code < ?"
        params: list = [norm, hi]
        if system:
            sql += " AND system = ?"
            params.append(system)
        for did, code in db.all(sql + " ORDER BY length(code), id LIMIT ?", (*params, limit)):
            hits[did] = (0, 0, len(code), did)
            how[did] = ("code", None)

    # 2) exact description / term (also without parenthesised nonessential modifiers)
    def exact(phrase: str, matched: str) -> None:
        for (did,) in db.all("SELECT id FROM exact WHERE text = ? ORDER BY id LIMIT 50",
                             (phrase,)):
            if did not in hits:
                hits[did] = (1, 0, 0, did)
                how[did] = (matched, phrase)

    exact(_norm_text(text), "exact")

    # 3) words, partial words, corrected misspellings; tiers: whole words in the description,
    #    whole words in description or terms, then prefixes. Within a tier the static row
    #    order (billable first, shorter descriptions first) decides.
    toks = words(text)
    content = [t for t in toks if t not in STOPWORDS] or toks
    fixed: dict[str, list[str]] = {}
    groups: list[list[str]] = []
    prefix_ok: list[bool] = []
    partial = False
    for tok in content:
        if tok.isdigit() or known_word(tok):
            groups.append([tok])
            prefix_ok.append(True)
        elif known_prefix(tok):
            groups.append([tok])
            prefix_ok.append(True)
            partial = True
        elif fuzzy and len(tok) > 3 and (alts := corrections(tok)):
            fixed[tok] = alts
            groups.append(alts)
            prefix_ok.append(False)
        else:
            groups = []
            break
    if fixed:
        exact(" ".join(g[0] for g in groups), "fuzzy")
    if groups:
        matched = "fuzzy" if fixed else "words"
        whole = " AND ".join("(" + " OR ".join(_q(t, False) for t in g) + ")" for g in groups)
        loose = " AND ".join("(" + " OR ".join(_q(t, p) for t in g) + ")"
                             for g, p in zip(groups, prefix_ok, strict=True))
        last_billable = _last_billable()
        pool = max(limit, 10)
        found = [] if partial else _fts(whole, system, pool)
        if found:
            # whole words: tier 2 when every word is in the description, 3 when a term helped
            marks = ",".join("?" * len(found))
            for did, desc, sys_, code in db.all(
                    f"SELECT id, description, system, code FROM doc WHERE id IN ({marks})",
                    found):
                if did not in hits:
                    dwords = set(words(desc))
                    tier = 2 if all(dwords & set(g) for g in groups) else 3
                    # common codes (those the lay vocabulary leads to) ahead of rare ones
                    hits[did] = (2, did > last_billable, tier, (sys_, code) not in common, did)
                    how[did] = (matched, None if tier == 2 else "")
        if partial or not found:
            loose_ids = [d for d in _fts(loose, system, pool) if d not in hits]
            marks = ",".join("?" * len(loose_ids))
            for did, sys_, code in db.all(
                    f"SELECT id, system, code FROM doc WHERE id IN ({marks})", loose_ids):
                hits[did] = (2, did > last_billable, 4, (sys_, code) not in common, did)
                how[did] = (matched, "")

    best = sorted(hits, key=hits.__getitem__)[:limit]
    if not best:
        return []
    marks = ",".join("?" * len(best))
    # what is shown is checked against each row's checksum (a damaged index is rebuilt)
    rows = {r[0]: (r[0], r[1], r[2], r[3], r[4], r[6], r[5]) for r in db.checked(
        f"SELECT id, system, code, description, billable, terms, version, crc FROM doc "
        f"WHERE id IN ({marks})", best)}
    wanted = {w for g in groups for w in g} if groups else set()
    out = []
    for did in best:
        _, sys_, code, desc, billable, version, terms = rows[did]
        if system and sys_ != system:
            continue
        matched, term = how[did]
        if term == "" or (term and matched in ("exact", "fuzzy")):
            tlist = [t for t in (terms or "").split("\n") if t]
            term = next((t for t in tlist if term and term in (_norm_text(t),
                                                               _strip_nonessential(t))),
                        None) or next((t for t in tlist if set(words(t)) & wanted), None)
        out.append(SearchHit(sys_, code, display_code(sys_, code), desc, bool(billable),
                             matched, term, version))
    return out


def search_with_index(text: str, system: str | None = None, limit: int = 20,
                      on: object = None) -> list[SearchHit]:
    """Index-aware search for the encoder: Alphabetic Index entries first, then :func:`search`.

    When an imported CMS release holds the Index (``coderlib codesets import``), entries
    whose path holds every typed word lead (``matched="index"``, ``matched_term`` = the
    Index path, e.g. ``"Infarct, infarction, myocardium, myocardial"``); a code ending in
    ``-`` is shown as the category to complete in the Tabular. Without an Index this is
    :func:`search`. ``on`` (a date of service) picks the Index of that fiscal year.

    >>> [h.dotted for h in search_with_index("heart attack", limit=1)]
    ['I21.9']
    """
    from coderlib.codes import alpha_index
    from coderlib.codes.normalize import date_of_service

    fy = None
    day = date_of_service(on)  # type: ignore[arg-type]
    if day is not None:
        from coderlib.codes.years import fiscal_year

        fy = fiscal_year(day)
    out: list[SearchHit] = []
    seen: set[tuple[str, str]] = set()
    if system in (None, "icd10cm"):
        for hit in alpha_index.find(text, limit=limit, fy=fy):
            if not hit.code:
                continue
            code = normalize_code(hit.code.rstrip("-"))
            if ("icd10cm", code) in seen:
                continue
            seen.add(("icd10cm", code))
            row = _db().checked_one("SELECT id, system, code, description, billable, terms, "
                                    "version, crc FROM doc WHERE system='icd10cm' AND code=?",
                                    (code,))
            desc = row[3] if row else "(not in the bundled Tabular: see the imported release)"
            billable = bool(row[4]) and not hit.code.endswith("-") if row else False
            out.append(SearchHit("icd10cm", code, display_code("icd10cm", code), desc,
                                 billable, "index", hit.path, row[6] if row else "index"))
    for h in search(text, system=system, limit=limit):
        if (h.system, h.code) not in seen:
            seen.add((h.system, h.code))
            out.append(h)
    return out[:limit]


def search_frame(text: str, system: str | None = None, limit: int = 20):  # noqa: ANN201
    """:func:`search` as a pandas DataFrame (system, code, description, billable, matched)."""
    import pandas as pd

    hits = search(text, system=system, limit=limit)
    cols = ["system", "code", "description", "billable", "matched", "matched_term"]
    return pd.DataFrame([{**h.to_dict(), "code": h.dotted} for h in hits], columns=cols)


def index_size() -> dict[str, int]:
    """Rows per system in the search index."""
    return dict(_db().all("SELECT system, count(*) FROM doc GROUP BY system"))
