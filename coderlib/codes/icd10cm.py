"""ICD-10-CM FY2026 (April 1, 2026 update): lookup, notes, 7th characters, Excludes1 checks.

Data comes from the ``simple-icd-10-cm`` package (CMS tabular XML + code list, April 2026).
Importing that package takes seconds, so the first use builds a compact SQLite cache under
``coderlib.paths.cache_dir()`` (keyed by the package version, its data-file sizes and
``SCHEMA``); later processes open the cache in milliseconds. A corrupt or stale cache is
rebuilt, never trusted (see :mod:`coderlib.codes.cache`).

Dates: ICD-10-CM codes are valid for a fiscal year, 1 October to 30 September. coderlib ships
FY2026 only (2025-10-01..2026-09-30). The April 1, 2026 update is part of FY2026; the package
ships the April release only, so every code in it is treated as valid for the whole of FY2026
(a code new on 2026-04-01 is not flagged for October-March dates of service). A date outside
FY2026 raises ``CodeError(reason="not_valid_on_date")``.

>>> get("e11.9").description
'Type 2 diabetes mellitus without complications'
>>> build_code("S72.001", "a")
'S72.001A'
"""

from __future__ import annotations

import datetime as dt
import json
import marshal
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from functools import cache, cached_property, lru_cache
from importlib.util import find_spec
from pathlib import Path

from coderlib.codes.cache import CachedDB, file_fingerprint, package_version, row_crc
from coderlib.codes.errors import CodeError
from coderlib.codes.normalize import date_of_service, dotted_icd10cm, normalize_code
from coderlib.codes.search_rows import SearchRow

SCHEMA = "icd10cm-10"
FISCAL_YEAR = 2026
VALID_FROM = dt.date(2025, 10, 1)
VALID_TO = dt.date(2026, 9, 30)
DATA_VERSION = "FY2026 (April 1, 2026 update, simple-icd-10-cm 1.5.0)"
RELEASE = "FY2026"

#: Note kinds in the order a coder meets them on the Tabular page.
NOTE_KINDS = ("includes", "inclusion_term", "excludes1", "excludes2", "code_first",
              "use_additional_code", "code_also", "note", "seventh_character_note")
NOTE_LABELS = {"includes": "Includes", "inclusion_term": "Inclusion term",
               "excludes1": "Excludes1", "excludes2": "Excludes2", "code_first": "Code first",
               "use_additional_code": "Use additional code", "code_also": "Code also",
               "note": "Note", "seventh_character_note": "7th character note"}

# A letter, then a digit or (since FY2026's QA0 category) a letter, then 1-5 more characters.
CODE_RE = re.compile(r"^[A-Z][0-9A-Z][0-9A-Z](?:[0-9A-Z]{1,4})?$")
BLOCK_RE = re.compile(r"^[A-Z][0-9A-Z][0-9A-Z]-[A-Z][0-9A-Z][0-9A-Z]$")
# A code reference inside a note: "E10.-", "O24.4-", "E00-E03.-", "T36-T65", "B20", "G35-".
_REF_RE = re.compile(
    r"(?<![A-Z0-9])([A-Z][0-9A][0-9A-Z](?:\.[0-9A-Z]{1,4})?)(?:\.?-)?"
    r"(?:-([A-Z][0-9A][0-9A-Z](?:\.[0-9A-Z]{1,4})?)(?:\.?-)?)?(?![A-Z0-9])")


def _source_files() -> list[Path]:
    spec = find_spec("simple_icd_10_cm")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("simple-icd-10-cm is not installed; it provides the ICD-10-CM data")
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    return sorted(p for p in data.iterdir() if p.suffix in {".txt", ".xml"})


def cache_key() -> dict[str, str]:
    """What the ICD-10-CM cache must have been built from (schema, package, data files)."""
    return {"schema": SCHEMA,
            "simple-icd-10-cm": package_version("simple-icd-10-cm", "simple_icd_10_cm"),
            "files": file_fingerprint(_source_files())}


# ----------------------------------------------------------------------------- build

def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def parse_refs(text: str) -> list[tuple[str, str]]:
    """Code references in a note as undotted ``(low, high)`` prefixes.

    >>> parse_refs("type 1 diabetes mellitus (E10.-)")
    [('E10', 'E10')]
    >>> parse_refs("intoxications (T36-T65); hypothyroidism, acquired (E00-E03.-)")
    [('T36', 'T65'), ('E00', 'E03')]
    """
    refs = []
    for m in _REF_RE.finditer(text):
        low = normalize_code(m.group(1))
        high = normalize_code(m.group(2)) if m.group(2) else low
        refs.append((low, high))
    return refs


def _build(con) -> None:  # noqa: ANN001 - sqlite3.Connection
    """Walk the package's tabular tree once and write the compact node table."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from simple_icd_10_cm import simple_icd_10_cm as pkg

    con.execute("""CREATE TABLE node(
        id INTEGER PRIMARY KEY, parent INTEGER, last INTEGER, kind TEXT, name TEXT,
        code TEXT, description TEXT, billable INTEGER, x7 INTEGER, notes TEXT, seven TEXT,
        ex1 TEXT, nox TEXT, crc INTEGER)""")
    rows: list[tuple] = []
    kinds = {"chapter": "chapter", "section": "block", "category": "category",
             "subcategory": "subcategory", "extended subcategory": "extended"}

    def walk(node, parent_id: int | None) -> int:  # noqa: ANN001
        my_id = len(rows) + 1
        rows.append(())  # placeholder, filled after children (needs ``last``)
        notes: dict[str, list[str]] = {}
        for kind, values in (("includes", node.includes),
                             ("inclusion_term", node.inclusion_term),
                             ("excludes1", node.excludes1), ("excludes2", node.excludes2),
                             ("code_first", node.code_first.split("\n")),
                             ("use_additional_code", node.use_additional_code.split("\n")),
                             ("code_also", node.code_also.split("\n")),
                             ("note", node.notes.split("\n")),
                             ("seventh_character_note", [node.seven_chr_note])):
            vals = [_clean(v) for v in values if v and v.strip()]
            if vals:
                notes[kind] = vals
        ex1 = [[lo, hi, i] for i, t in enumerate(notes.get("excludes1", []))
               for lo, hi in parse_refs(t)]
        seven = {k: _clean(v.replace("/", "; ")) for k, v in node.seven_chr_def.items()}
        kind = kinds[node.type]
        code = normalize_code(node.name) if kind not in ("chapter", "block") else None
        last = my_id
        for child in node.children:
            last = walk(child, my_id)
        x7 = int(bool(node.children) and all(c.type == "extended subcategory"
                                             for c in node.children))
        nox = code.replace("X", "") if code and kind == "extended" and "X" in code[3:] else None
        rows[my_id - 1] = (my_id, parent_id, last, kind, node.name, code,
                           _clean(node.description),
                           int(code is not None and not node.children), x7,
                           json.dumps(notes) if notes else None,
                           json.dumps(seven) if seven else None,
                           json.dumps(ex1) if ex1 else None, nox)
        return last

    for chapter in pkg._chapter_list:
        walk(chapter, None)
    con.executemany("INSERT INTO node VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    [(*r, row_crc(r)) for r in rows])
    con.execute("CREATE UNIQUE INDEX node_code ON node(code) WHERE code IS NOT NULL")
    con.execute("CREATE INDEX node_parent ON node(parent)")
    con.execute("CREATE INDEX node_nox ON node(nox) WHERE nox IS NOT NULL")
    con.execute("CREATE INDEX node_name ON node(name) WHERE code IS NULL")
    con.execute("INSERT INTO meta VALUES ('billable_count', ?)",
                (str(sum(r[7] for r in rows)),))
    # Lookup chunks: every coded node, grouped by first letter, as one marshalled dict each
    # (code -> row in _NODE_COLS order), so a lookup is a dict hit once its letter is loaded.
    chunks: dict[str, dict] = {}
    for (nid, parent, last, kind, name, code, desc, billable, x7, notes, seven, _, _) in rows:
        row = (nid, parent, kind, name, code, desc, billable, x7,
               json.loads(notes) if notes else None, json.loads(seven) if seven else None,
               last)  # notes and 7th characters decoded once, here, not per lookup
        if code is not None:
            chunks.setdefault(code[0], {})[code] = row
        if not billable:
            chunks.setdefault(header_chunk(nid), {})[nid] = row
    con.execute("CREATE TABLE chunk(letter TEXT PRIMARY KEY, blob BLOB NOT NULL, crc INTEGER)")
    blobs = [(letter, marshal.dumps(d)) for letter, d in chunks.items()]
    con.executemany("INSERT INTO chunk VALUES (?, ?, ?)",
                    [(letter, blob, row_crc((letter, blob))) for letter, blob in blobs])


DB = CachedDB("icd10cm", cache_key, _build)
_NODE_ALL = ("id, parent, last, kind, name, code, description, billable, x7, notes, seven, "
             "ex1, nox, crc")


def _nodes(where: str, params: tuple | list = ()) -> list[tuple]:
    """Node rows (all columns, checksum verified) matching an SQL ``where`` clause."""
    return DB.checked(f"SELECT {_NODE_ALL} FROM node WHERE {where}", params)


# ----------------------------------------------------------------------------- model

@dataclass(frozen=True)
class Level:
    """One rung of the hierarchy: chapter, block, category or subcategory."""

    kind: str
    code: str
    description: str


@dataclass(frozen=True)
class Note:
    """An instructional note and the code (or chapter/block) it is printed under."""

    kind: str
    text: str
    source: str
    source_kind: str

    @property
    def label(self) -> str:
        """Tabular heading, e.g. ``'Excludes1'``."""
        return NOTE_LABELS[self.kind]


@dataclass(frozen=True)
class ICD10CMCode:
    """Everything a coder reads about one ICD-10-CM code on the Tabular List.

    ``notes`` run from the code itself outwards (code, subcategory, category, block,
    chapter), each tagged with the level it comes from; ``seventh_characters`` are the 7th
    character values that apply (own definition or the nearest ancestor's).
    """

    code: str
    dotted: str
    description: str
    kind: str
    billable: bool
    chapter: Level
    block: Level | None
    ancestors: tuple[Level, ...]
    notes: tuple[Note, ...]
    seventh_characters: dict[str, str] = field(default_factory=dict)
    seventh_source: str | None = None
    needs_seventh: bool = False
    fiscal_year: int = FISCAL_YEAR
    valid_from: dt.date = VALID_FROM
    valid_to: dt.date = VALID_TO
    version: str = RELEASE
    system: str = "icd10cm"
    id_range: tuple[int, int] = field(default=(0, 0), repr=False, compare=False)

    @cached_property
    def children(self) -> tuple[str, ...]:
        """Dotted codes one level down (7th-character codes for a code that needs one)."""
        if self.billable:
            return ()
        return tuple(r[4] for r in _nodes("parent=? ORDER BY id", (self.id_range[0],)))

    @cached_property
    def billable_children(self) -> tuple[str, ...]:
        """Dotted billable codes under this header, in Tabular order (empty when billable).

        >>> get("E11.2").billable_children
        ('E11.21', 'E11.22', 'E11.29')
        """
        if self.billable:
            return ()
        return tuple(r[4] for r in _nodes("id>? AND id<=? AND billable=1 ORDER BY id",
                                          self.id_range))

    @property
    def category(self) -> Level | None:
        """The 3-character category this code sits in (itself for a category)."""
        for lvl in self.ancestors:
            if lvl.kind == "category":
                return lvl
        return Level("category", self.dotted, self.description) if self.kind == "category" \
            else None

    def notes_of(self, kind: str) -> list[Note]:
        """Notes of one kind, nearest first.

        >>> [n.source for n in get("E11.9").notes_of("excludes1")][:2]
        ['E11.9', 'E11']
        """
        if kind not in NOTE_KINDS:
            raise ValueError(f"unknown note kind {kind!r}; expected one of {NOTE_KINDS}")
        return [n for n in self.notes if n.kind == kind]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (dates as ISO strings)."""
        d = asdict(self)
        d.pop("id_range")
        d["children"] = list(self.children)
        d["billable_children"] = list(self.billable_children)
        d["valid_from"] = self.valid_from.isoformat()
        d["valid_to"] = self.valid_to.isoformat()
        d["category"] = asdict(self.category) if self.category else None
        return d


# ----------------------------------------------------------------------------- lookup

_NODE_COLS = "id, parent, kind, name, code, description, billable, x7, notes, seven, last"


_HEADERS: dict[int, tuple] = {}
HEADER_SPAN = 2048  # headers (chapters, blocks, non-billable codes) are chunked by id range


def header_chunk(node_id: int) -> str:
    """Name of the chunk holding header node ``node_id`` (``#`` + id range number).

    >>> header_chunk(1), header_chunk(5000)
    ('#0', '#2')
    """
    return f"#{node_id // HEADER_SPAN}"


def _header_node(node_id: int) -> tuple:
    """A parsed non-leaf node (cached: headers are shared by many codes).

    Every header row comes in one marshalled chunk on the first miss; each is parsed once.
    """
    node = _HEADERS.get(node_id)
    if node is not None:
        return node
    row = _chunk(header_chunk(node_id)).get(node_id)
    if row is None:
        raise RuntimeError(f"ICD-10-CM cache lacks node {node_id}; delete {DB.name} cache")
    node = _HEADERS[node_id] = _parse(row)
    return node


def _parse(row: tuple) -> tuple:
    """Row -> (id, parent, kind, name, code, desc, billable, x7, notes, seven, last, Notes)."""
    (nid, parent, kind, name, code, desc, billable, x7, notes, seven, last) = row
    if notes:  # JSON text from a node row, or already decoded in a lookup chunk
        parsed = json.loads(notes) if isinstance(notes, str) else notes
        objs = tuple(Note(k, text, name, kind) for k in NOTE_KINDS if k in parsed
                     for text in parsed[k])
    else:  # most billable codes carry no notes of their own: skip the work
        parsed, objs = {}, ()
    if seven:
        seven = json.loads(seven) if isinstance(seven, str) else seven
    return (nid, parent, kind, name, code, desc, bool(billable), bool(x7),
            parsed, seven or {}, last, objs)


def fiscal_year(on: dt.date) -> int:
    """The federal fiscal year of a date (FY2026 runs 2025-10-01..2026-09-30).

    >>> fiscal_year(dt.date(2025, 10, 1))
    2026
    """
    return on.year + 1 if on.month >= 10 else on.year


UNTITLED = "valid in FY{fy}; title not bundled — import the CMS release to see it"


def check_date(code: str, on: dt.date | str | None) -> None:
    """Raise ``not_valid_on_date`` unless ``code`` can be reported on the date ``on``.

    Validity comes from CMS's MCE tables by date (:mod:`coderlib.codes.years`), so a FY2027
    date checks against the FY2027 code set. A header is valid when some code under it is.
    """
    day = date_of_service(on)
    if day is not None:
        get(code, day)


def _dated(info: ICD10CMCode, day: dt.date) -> ICD10CMCode:
    """``info`` as of ``day`` (fiscal year and validity span), or ``not_valid_on_date``."""
    from dataclasses import replace

    from coderlib.codes import years

    if info.kind in ("chapter", "block"):
        return info
    if info.billable:
        v = years.status("icd10cm", info.code, day)
        if v.valid:
            return replace(info, fiscal_year=v.fiscal_year, valid_from=v.valid_from,
                           valid_to=v.valid_to, version=f"FY{v.fiscal_year}")
        under = [] if v.state == "beyond_data" else [
            dotted_icd10cm(c) for c in years.codes_under("icd10cm", info.code, day)]
        if v.state == "deleted" and under:
            msg = (v.message(info.dotted) + f"; in FY{v.fiscal_year} it is a header: report "
                   "one of the codes under it")
        else:
            msg = v.message(info.dotted)
        if not under and v.state != "beyond_data":
            under = [dotted_icd10cm(c) for c in
                     years.codes_under("icd10cm", info.code[:-1], day, limit=12)]
        raise CodeError(info.dotted, "not_valid_on_date", msg, under)
    under = years.codes_under("icd10cm", info.code, day, limit=1)
    if under:
        fy = years.fiscal_year(day)
        return replace(info, fiscal_year=fy, valid_from=years.fy_bounds(fy)[0],
                       valid_to=years.fy_bounds(fy)[1], version=f"FY{fy}")
    v = years.status("icd10cm", info.code, day)
    reason = (v.message(info.dotted) if v.state in ("beyond_data",) or day < years.ICD10_START
              else f"ICD-10-CM {info.dotted} has no valid code under it on {day} "
                   f"(FY{v.fiscal_year})")
    raise CodeError(info.dotted, "not_valid_on_date", reason)


def _untitled(norm: str, day: dt.date | None, err: CodeError) -> ICD10CMCode:
    """A code the CMS tables list as valid but the bundled FY2026 Tabular lacks (new codes).

    Hierarchy and inherited notes come from the nearest existing code above it; the title
    says it is not bundled. Raises ``err`` (the original ``unknown``) when the tables do
    not list the code either.
    """
    from coderlib.codes import years

    when = day or years.horizon()
    v = years.status("icd10cm", norm, when)
    if not v.spans:
        raise err
    if not v.valid:
        raise CodeError(dotted_icd10cm(norm), "not_valid_on_date", v.message(
            dotted_icd10cm(norm)), [dotted_icd10cm(c) for c in
                                    years.codes_under("icd10cm", norm[:-1], when, 12)])
    title = _imported_title(norm, v.fiscal_year)
    base = None
    for cut in range(len(norm) - 1, 2, -1):
        base = _chunk(norm[0]).get(norm[:cut])
        if base is not None:
            break
    if base is None:
        raise err
    parsed = _parse(base)
    nid, pid, kind, name, desc, own_notes = (parsed[0], parsed[1], parsed[2], parsed[3],
                                             parsed[5], parsed[11])
    levels, notes, _, _ = _context(pid) if pid is not None else ((), (), {}, None)
    levels = levels + (Level(kind if kind != "extended" else "subcategory", name, desc),)
    notes = own_notes + notes
    block = next((lv for lv in levels if lv.kind == "block"), None)
    fy = v.fiscal_year
    return ICD10CMCode(code=norm, dotted=dotted_icd10cm(norm),
                       description=title or UNTITLED.format(fy=fy),
                       kind="extended" if len(norm) == 7 else "subcategory", billable=True,
                       chapter=levels[0], block=block, ancestors=levels, notes=notes,
                       seventh_characters={}, seventh_source=None, needs_seventh=False,
                       fiscal_year=fy, valid_from=v.valid_from, valid_to=v.valid_to,
                       version=f"FY{fy}", id_range=(nid, nid))


def _imported_title(norm: str, fy: int) -> str | None:
    """The title of ``norm`` from an imported CMS release for ``fy``, when one is installed."""
    try:
        from coderlib.codes import releases
    except ImportError:  # pragma: no cover - the importer is optional
        return None
    return releases.title("icd10cm", norm, fy)


def _unknown(norm: str) -> CodeError:
    """An ``unknown`` error with the nearest valid codes as suggestions."""
    dotted = dotted_icd10cm(norm)
    fixed = [dotted_icd10cm(r[0]) for r in
             DB.all("SELECT code FROM node WHERE nox=? LIMIT 5", (norm,))]
    if fixed:
        return CodeError(dotted, "unknown",
                         f"ICD-10-CM {dotted} does not exist: it needs placeholder X "
                         f"before the 7th character", fixed)
    # nearest existing ancestor by prefix, then its billable children
    for cut in range(len(norm) - 1, 2, -1):
        row = DB.one("SELECT code, billable FROM node WHERE code=?", (norm[:cut],))
        if row:
            base = dotted_icd10cm(row[0])
            kids = [] if row[1] else billable_children(row[0], limit=12)
            kids += [k for k in _current_codes_under(row[0]) if k not in kids]
            return CodeError(dotted, "unknown",
                             f"ICD-10-CM {dotted} does not exist (nearest: {base})",
                             sorted(kids) or [base])
    sibs = [dotted_icd10cm(r[0]) for r in DB.all(
        "SELECT code FROM node WHERE code >= ? AND kind='category' ORDER BY code LIMIT 5",
        (norm[:3],))]
    return CodeError(dotted, "unknown", f"ICD-10-CM {dotted} does not exist", sibs)


def _current_codes_under(prefix: str) -> list[str]:
    """Dotted codes under ``prefix`` valid in the newest year of CMS's tables (FY2027-new
    codes the bundled FY2026 Tabular lacks included)."""
    from coderlib.codes import years

    try:
        return [dotted_icd10cm(c) for c in
                years.codes_under("icd10cm", prefix, years.horizon(), limit=12)]
    except Exception:  # noqa: BLE001 - validity tables unavailable: suggest from the Tabular
        return []


def _find_row(code: str) -> tuple[str, tuple]:
    if not isinstance(code, str):
        raise CodeError(str(code), "malformed",
                        f"ICD-10-CM code must be text, got {type(code).__name__}")
    raw = code.strip().upper()
    if "-" in raw and BLOCK_RE.match(raw):
        row = DB.one(f"SELECT {_NODE_COLS} FROM node WHERE name=? AND kind='block'", (raw,))
        if row is None:
            raise CodeError(raw, "unknown", f"ICD-10-CM block {raw} does not exist")
        return raw, row
    norm = "".join(raw.split()).replace(".", "")  # = normalize_code(code), inlined for speed
    if not CODE_RE.match(norm):
        raise CodeError(code, "malformed",
                        f"{code!r} is not an ICD-10-CM code: expected a letter, a digit (or "
                        "letter), then 1 to 5 more letters/digits (e.g. E11.9, S72.001A)")
    row = _chunk(norm[0]).get(norm)
    if row is None:
        raise _unknown(norm)
    return norm, row


_CHUNKS: dict[str, dict] = {}


def _chunk(letter: str) -> dict:
    """All coded nodes starting with ``letter`` by code, or (``#n``) the headers of one id range
    by id; loaded from the cache on first use."""
    chunk = _CHUNKS.get(letter)
    if chunk is None:
        # the blob's checksum is verified (a damaged file is rebuilt) before it is decoded
        row = DB.checked_one("SELECT letter, blob, crc FROM chunk WHERE letter=?", (letter,))
        chunk = marshal.loads(row[1]) if row else {}
        _CHUNKS[letter] = chunk
    return chunk


@DB.on_rebuild
def _forget() -> None:
    """Drop everything read from the old file after a rebuild (long-running processes)."""
    _CHUNKS.clear()
    _HEADERS.clear()
    _context.cache_clear()
    _get_cached.cache_clear()


def billable_children(code: str, limit: int | None = None) -> list[str]:
    """Dotted billable codes under a header (in Tabular order).

    >>> billable_children("E11.2")
    ['E11.21', 'E11.22', 'E11.29']
    """
    _, row = _find_row(code)
    where = "id>? AND id<=? AND billable=1 ORDER BY id"
    if limit:
        where += f" LIMIT {int(limit)}"
    return [r[4] for r in _nodes(where, (row[0], row[-1]))]


def get(code: str, on: dt.date | str | None = None) -> ICD10CMCode:
    """Describe any ICD-10-CM code, header or billable (blocks like ``"E08-E13"`` too).

    Raises ``CodeError`` (``malformed``, ``unknown``, ``not_valid_on_date``). Use
    :func:`validate` to also reject headers.

    >>> get("E11").billable, get("E11").billable_children[:2]
    (False, ('E11.00', 'E11.01'))
    """
    day = date_of_service(on)
    try:
        info = _get_cached(code) if isinstance(code, str) else _describe(_find_row(code)[1])
    except CodeError as err:
        if err.reason != "unknown" or "-" in code:
            raise
        return _untitled(normalize_code(code), day, err)
    return info if day is None else _dated(info, day)


@lru_cache(maxsize=16384)
def _get_cached(code: str) -> ICD10CMCode:
    """Describe a code, remembering recent answers (errors are not cached)."""
    return _describe(_find_row(code)[1])


@cache
def _context(node_id: int) -> tuple:
    """What a node passes down: (levels chapter->node, notes node->chapter, seven, source).

    Cached per header, so describing a code costs one row fetch plus this lookup.
    """
    node = _header_node(node_id)
    if node[1] is None:
        levels, notes, seven, src = (), (), {}, None
    else:
        levels, notes, seven, src = _context(node[1])
    if node[9]:
        seven, src = node[9], node[3]
    return levels + (Level(node[2], node[3], node[5]),), node[11] + notes, seven, src


def _describe(row: tuple) -> ICD10CMCode:
    node = _parse(row)
    nid, parent, kind, name, code, desc, billable, x7, _, own_seven, last, own_notes = node
    if parent is None:
        levels, notes, seven, seven_src = (), (), {}, None
    else:
        levels, notes, seven, seven_src = _context(parent)
    notes = own_notes + notes
    if own_seven:
        seven, seven_src = own_seven, name
    block = next((lv for lv in levels if lv.kind == "block"), None)
    if kind == "block":
        block = Level(kind, name, desc)
    chapter = levels[0] if levels else Level(kind, name, desc)
    if kind != "extended" and not x7:
        shown_seven = seven if kind in ("category", "subcategory") and seven else {}
    else:
        shown_seven = seven
    return ICD10CMCode(code=code or name, dotted=name, description=desc, kind=kind,
                       billable=billable, chapter=chapter, block=block, ancestors=levels,
                       id_range=(nid, last), notes=notes,
                       seventh_characters=dict(shown_seven), seventh_source=seven_src
                       if shown_seven else None, needs_seventh=x7)


def validate(code: str, on: dt.date | str | None = None) -> ICD10CMCode:
    """Return the code if it can be reported (billable, valid on ``on``); else ``CodeError``.

    A header raises ``reason="header"`` with its billable children as suggestions; a code
    that needs a 7th character says so and lists the characters.

    >>> validate("S72.001")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    coderlib.codes.errors.CodeError: S72.001 needs a 7th character (add one of): A (...
    """
    info = get(code, on)
    if info.billable:
        return info
    if info.needs_seventh:
        raise seventh_error(info)
    kids = list(info.billable_children)
    raise CodeError(info.dotted, "header",
                    f"ICD-10-CM {info.dotted} ({info.description}) is a {info.kind} header, "
                    f"not billable: report one of its {len(kids)} billable codes", kids)


def seventh_error(info: ICD10CMCode) -> CodeError:
    """The ``header`` error for a code that still needs its 7th character."""
    chars = [c[-1] for c in info.children]
    shown = ", ".join(f"{c} ({info.seventh_characters.get(c, '')})" for c in chars)
    pad = 6 - len(info.code)
    how = (f"fill with {pad} placeholder X then add" if pad > 0 else "add")
    return CodeError(info.dotted, "header",
                     f"{info.dotted} needs a 7th character ({how} one of): {shown}",
                     list(info.children))


def build_code(base: str, seventh: str) -> str:
    """Add a 7th character (and placeholder X where needed) to a base code; return dotted.

    >>> build_code("T36.0X1", "A"), build_code("S02.0", "a")
    ('T36.0X1A', 'S02.0XXA')
    """
    info = get(base)
    ch = seventh.strip().upper()
    if not info.needs_seventh:
        if info.kind == "extended":
            raise CodeError(info.dotted, "malformed",
                            f"{info.dotted} already has its 7th character")
        raise CodeError(info.dotted, "malformed",
                        f"{info.dotted} does not take a 7th character"
                        + ("" if info.billable else " here; choose a more specific code"),
                        list(info.billable_children[:12]))
    if len(ch) != 1:
        raise CodeError(info.dotted + ch, "malformed",
                        f"7th character must be one letter/digit, got {seventh!r}")
    full = info.code + "X" * (6 - len(info.code)) + ch
    if dotted_icd10cm(full) not in info.children:
        err = seventh_error(info)
        raise CodeError(dotted_icd10cm(full), "unknown",
                        f"{ch!r} is not a valid 7th character for {info.dotted}: "
                        + err.message.split(": ", 1)[1], err.suggestions)
    return dotted_icd10cm(full)


def is_billable(code: str) -> bool:
    """True for a reportable code (FY2026 Tabular or valid in the CMS tables); False for
    headers and unknown or malformed codes."""
    try:
        return get(code).billable
    except CodeError:
        return False


def billable_count() -> int:
    """How many billable (leaf) codes the FY2026 set holds."""
    return int(DB.one("SELECT v FROM meta WHERE k='billable_count'")[0])


def all_codes(billable_only: bool = True) -> list[str]:
    """Dotted codes in Tabular order (billable only by default)."""
    where = "billable=1" if billable_only else "code IS NOT NULL"
    return [r[4] for r in _nodes(f"{where} ORDER BY id")]


# ----------------------------------------------------------------------------- Excludes1

@dataclass(frozen=True)
class Excludes1Conflict:
    """Two codes that may not be reported together, and the Excludes1 note that says so."""

    code: str
    excluded: str
    note: str
    source: str

    def __str__(self) -> str:
        return (f"{self.code} + {self.excluded}: Excludes1 at {self.source}: "
                f"\"{self.note}\"")


def _ex1_refs(code: str) -> list[tuple[str, str, str, str]]:
    """(low, high, note text, source) for every Excludes1 reference over ``code``."""
    _, row = _find_row(code)
    out = []
    node_id: int | None = row[0]
    while node_id is not None:
        got = _nodes("id=?", (node_id,))[0]
        parent, name, notes, ex1 = got[1], got[4], got[9], got[11]
        if ex1:
            texts = json.loads(notes)["excludes1"]
            out.extend((lo, hi, texts[i], name) for lo, hi, i in json.loads(ex1))
        node_id = parent
    return out


def _covered(code: str, low: str, high: str) -> bool:
    if low == high:
        return code.startswith(low)
    n = min(len(low), len(high))
    return low[:n] <= code[:n] <= high[:n] or code.startswith(low) or code.startswith(high)


def excludes1_conflicts(codes: Iterable[str]) -> list[Excludes1Conflict]:
    """Pairs in ``codes`` that an Excludes1 note forbids reporting together.

    Each code's own and inherited Excludes1 notes are read (code, category, block,
    chapter); a note excludes a code when one of the code references in it (``E10.-``,
    ``E00-E03.-``, ``P70.2``) covers that code. Codes are reported dotted.

    >>> [str(c.excluded) for c in excludes1_conflicts(["E11.9", "E10.9"])][:1]
    ['E10.9']
    """
    normed = []
    for c in codes:
        key, _ = _find_row(c)
        normed.append(key)
    found: list[Excludes1Conflict] = []
    seen: set[tuple[str, str, str]] = set()
    for a in normed:
        refs = _ex1_refs(a)
        for b in normed:
            if b == a:
                continue
            for low, high, text, source in refs:
                if _covered(a, low, high):
                    continue  # a note that refers back into the code's own branch
                if _covered(b, low, high) and (a, b, text) not in seen:
                    seen.add((a, b, text))
                    found.append(Excludes1Conflict(dotted_icd10cm(a), dotted_icd10cm(b),
                                                   text, source))
    return found


# ----------------------------------------------------------------------------- search rows

def iter_search_rows() -> Iterator[SearchRow]:
    """Every ICD-10-CM code (headers too) with its inclusion terms and Includes notes.

    Codes of the newest imported CMS release that the bundled Tabular lacks (FY2027-new
    codes after ``coderlib codesets import``) follow, with their imported titles.
    """
    seen: set[str] = set()
    for row in _nodes("code IS NOT NULL ORDER BY id"):
        code, desc, billable, notes = row[5], row[6], row[7], row[9]
        seen.add(code)
        terms: tuple[str, ...] = ()
        if notes:
            parsed = json.loads(notes)
            terms = tuple(parsed.get("inclusion_term", ())) + tuple(parsed.get("includes", ()))
        yield SearchRow("icd10cm", code, desc, bool(billable), terms, RELEASE)
    from coderlib.codes import releases

    for fy in reversed(releases.installed_years("icd10cm")):
        titles = releases.reportable_titles("icd10cm", fy)
        for code, title in titles:
            if code not in seen:
                yield SearchRow("icd10cm", code, title, True, (), f"FY{fy} (imported)")
        if titles:
            break
