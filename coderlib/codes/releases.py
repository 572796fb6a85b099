"""Import CMS's official ICD-10-CM / ICD-10-PCS release files, as encoders do each October.

``import_release(path)`` takes a CMS zip (or a folder, or one file) and finds the files by
their CMS names (:mod:`coderlib.codes.cms_files`): the order files, the Tabular, the
Alphabetic Index, the External Cause Index, the Neoplasm Table, the Table of Drugs and
Chemicals, the PCS Tables and Index. Every file is read and checked first; only when all are
good is one compact SQLite file per system and fiscal year written (to a temporary name,
then renamed into place), so a damaged or partial import leaves the installed code sets as
they were. The source files are kept next to it, so a damaged file is rebuilt from them.

Each release file holds ``title`` rows (code, reportable flag, short and long title), the
Tabular notes, and the Index trees as checksummed marshalled blobs, keyed by the fiscal year
and a fingerprint (SHA-256) of the source files.

>>> release_path("icd10cm", 2027).name
'icd10cm-FY2027.sqlite'
>>> installed()  # doctest: +SKIP
[{'system': 'icd10cm', 'fiscal_year': 2027, 'kinds': ['index', 'order'], ...}]
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import shutil
import sqlite3
import zipfile
from dataclasses import dataclass
from pathlib import Path

from coderlib.codes.cache import row_crc
from coderlib.codes.cms_files import (
    KINDS,
    ReleaseFileError,
    classify,
    parse_index_bytes,
    parse_order,
    parse_pcs_tables_bytes,
    parse_tabular_bytes,
)

SCHEMA = "release-1"
FIRST_FY, LAST_FY = 2016, 2035
INDEX_KINDS = ("index", "eindex", "neoplasm", "drug", "pcs_index")


def releases_dir() -> Path:
    """Where imported releases live (``CODERLIB_RELEASES`` overrides; not a cache: keep it)."""
    from coderlib.paths import store_path

    env = os.environ.get("CODERLIB_RELEASES")
    path = Path(env) if env else store_path().parent / "releases"
    path.mkdir(parents=True, exist_ok=True)
    return path


def release_path(system: str, fy: int) -> Path:
    """The release file for ``system`` and fiscal year ``fy``."""
    return releases_dir() / f"{system}-FY{fy}.sqlite"


@dataclass(frozen=True)
class SourceFile:
    """One CMS file found in what the user gave us."""

    name: str
    kind: str
    year: int
    data: bytes

    @property
    def system(self) -> str:
        """``icd10cm`` or ``icd10pcs``."""
        return KINDS[self.kind][0]


def _gather(path: Path) -> list[SourceFile]:
    """Every CMS release file in a zip, a folder or a single file (read into memory)."""
    found: list[SourceFile] = []
    if not path.exists():
        raise ReleaseFileError(f"{path}: no such file or folder")
    if path.is_dir():
        for p in sorted(path.rglob("*")):
            hit = classify(p.name) if p.is_file() else None
            if hit:
                found.append(SourceFile(p.name, hit[0], hit[1], p.read_bytes()))
            elif p.is_file() and p.suffix.lower() == ".zip":
                found += _gather(p)
    elif zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as zf:
                for info in zf.infolist():
                    hit = classify(info.filename)
                    if hit:
                        found.append(SourceFile(Path(info.filename).name, hit[0], hit[1],
                                                zf.read(info)))
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise ReleaseFileError(f"{path}: damaged zip ({exc}); expected a CMS release "
                                   "zip") from exc
    else:
        hit = classify(path.name)
        if hit is None:
            raise ReleaseFileError(
                f"{path}: not a CMS release file or zip; expected names like "
                "icd10cm_order_2027.txt, icd10cm_index_2027.xml, icd10pcs_tables_2027.xml")
        found.append(SourceFile(path.name, hit[0], hit[1], path.read_bytes()))
    return found


def _parse(src: SourceFile) -> object:
    """The parsed content of one file (raises ``ReleaseFileError`` naming it)."""
    if src.kind in ("order", "pcs_order"):
        return parse_order(src.data, src.system, src.name)
    if src.kind == "tabular":
        parsed = parse_tabular_bytes(src.data, src.name)
    elif src.kind == "pcs_tables":
        parsed = parse_pcs_tables_bytes(src.data, src.name)
    else:
        parsed = parse_index_bytes(src.data, src.kind, src.name)
    version = parsed.get("version")
    if version is not None and version != src.year:
        raise ReleaseFileError(f"{src.name}: the file says <version>{version}</version> but "
                               f"its name says {src.year}; expected one fiscal year")
    return parsed


def _write(con: sqlite3.Connection, system: str, fy: int, files: list[tuple[SourceFile, object]],
           fingerprint: str) -> None:
    con.execute("CREATE TABLE meta(k TEXT PRIMARY KEY, v TEXT)")
    con.execute("CREATE TABLE title(code TEXT PRIMARY KEY, reportable INTEGER, short TEXT, "
                "long TEXT, notes TEXT, crc INTEGER) WITHOUT ROWID")
    con.execute("CREATE TABLE tree(kind TEXT, letter TEXT, blob BLOB, crc INTEGER, "
                "PRIMARY KEY(kind, letter))")
    con.execute("CREATE TABLE heads(kind TEXT PRIMARY KEY, heads TEXT, crc INTEGER)")
    titles: dict[str, list] = {}
    for src, parsed in files:
        if src.kind in ("order", "pcs_order"):
            for code, (rep, short, long) in parsed.items():  # type: ignore[union-attr]
                titles[code] = [int(rep), short, long, None]
        elif src.kind == "tabular":
            for code, (desc, notes) in parsed["codes"].items():  # type: ignore[index]
                row = titles.setdefault(code, [None, desc, desc, None])
                row[3] = json.dumps(notes) if notes else None
        elif src.kind == "pcs_tables":
            blob = marshal.dumps(parsed["labels"])  # type: ignore[index]
            con.execute("INSERT INTO tree VALUES (?,?,?,?)",
                        ("pcs_tables", "*", blob, row_crc(("pcs_tables", "*", blob))))
        else:
            for letter, nodes in parsed["letters"].items():  # type: ignore[index]
                blob = marshal.dumps(nodes)
                con.execute("INSERT INTO tree VALUES (?,?,?,?)",
                            (src.kind, letter, blob, row_crc((src.kind, letter, blob))))
            heads = json.dumps(parsed["heads"])  # type: ignore[index]
            con.execute("INSERT INTO heads VALUES (?,?,?)",
                        (src.kind, heads, row_crc((src.kind, heads))))
    rows = [(c, r[0], r[1], r[2], r[3]) for c, r in titles.items()]
    con.executemany("INSERT INTO title VALUES (?,?,?,?,?,?)", [(*r, row_crc(r)) for r in rows])
    meta = {"schema": SCHEMA, "system": system, "fiscal_year": str(fy),
            "fingerprint": fingerprint,
            "kinds": json.dumps(sorted({s.kind for s, _ in files})),
            "files": json.dumps(sorted(s.name for s, _ in files)),
            "codes": str(sum(1 for r in rows if r[1])), "complete": "1"}
    con.executemany("INSERT INTO meta VALUES (?,?)", sorted(meta.items()))


def _build_file(system: str, fy: int, files: list[tuple[SourceFile, object]]) -> Path:
    """Write a release to a temporary file next to its final place; return the temp path."""
    import tempfile

    digest = hashlib.sha256()
    for src, _ in sorted(files, key=lambda f: f[0].name):
        digest.update(src.name.encode() + b"\0" + hashlib.sha256(src.data).digest())
    final = release_path(system, fy)
    fd, tmp = tempfile.mkstemp(prefix=f".{final.stem}-", suffix=".tmp", dir=final.parent)
    os.close(fd)
    try:
        con = sqlite3.connect(tmp)
        try:
            with con:
                _write(con, system, fy, files, digest.hexdigest())
            con.execute("VACUUM")
        finally:
            con.close()
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def _keep_sources(system: str, fy: int, files: list[SourceFile]) -> Path:
    """Copy the source files next to the release (a temporary folder, swapped in later)."""
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix=f".{system}-FY{fy}-src-", dir=releases_dir()))
    for src in files:
        (tmp / src.name).write_bytes(src.data)
    return tmp


def import_release(path: str | Path) -> list[dict[str, object]]:
    """Import every CMS file found at ``path``; return one summary per system and year.

    Raises ``ReleaseFileError`` (naming the file and what was expected) for a zip or folder
    with no CMS files, an unknown year, a file of the wrong kind or a truncated file; in
    every such case nothing installed changes.
    """
    path = Path(path)
    found = _gather(path)
    if not found:
        raise ReleaseFileError(
            f"{path}: no CMS release files inside; expected ICD-10-CM/PCS files named like "
            "icd10cm_order_2027.txt, icd10cm_tabular_2027.xml, icd10cm_index_2027.xml, "
            "icd10cm_eindex_2027.xml, icd10cm_neoplasm_2027.xml, icd10cm_drug_2027.xml, "
            "icd10pcs_order_2027.txt, icd10pcs_tables_2027.xml")
    groups: dict[tuple[str, int], list[tuple[SourceFile, object]]] = {}
    for src in found:
        if not FIRST_FY <= src.year <= LAST_FY:
            raise ReleaseFileError(f"{src.name}: FY{src.year} is not an ICD-10 code-set year "
                                   f"coderlib knows (expected {FIRST_FY}-{LAST_FY})")
        groups.setdefault((src.system, src.year), []).append((src, _parse(src)))
    for (system, fy), files in groups.items():
        kinds = [s.kind for s, _ in files]
        dup = {k for k in kinds if kinds.count(k) > 1}
        if dup:
            raise ReleaseFileError(f"{path}: more than one {sorted(dup)[0]} file for "
                                   f"{system} FY{fy}; expected one of each kind")
    # everything parsed: write the new files, then swap them in (old state kept on failure)
    staged: list[tuple[Path, Path, Path, Path]] = []
    try:
        for (system, fy), files in groups.items():
            tmp_db = _build_file(system, fy, files)
            tmp_src = _keep_sources(system, fy, [s for s, _ in files])
            staged.append((tmp_db, release_path(system, fy), tmp_src,
                           releases_dir() / f"{system}-FY{fy}-sources"))
    except BaseException:
        for tmp_db, _, tmp_src, _ in staged:
            tmp_db.unlink(missing_ok=True)
            shutil.rmtree(tmp_src, ignore_errors=True)
        raise
    for tmp_db, final_db, tmp_src, final_src in staged:
        if final_src.exists():
            shutil.rmtree(final_src)
        os.replace(tmp_src, final_src)
        os.replace(tmp_db, final_db)
    _OPEN.clear()
    return [summary(system, fy) for system, fy in sorted(groups)]


# ----------------------------------------------------------------------------- reading

_OPEN: dict[tuple[str, int], sqlite3.Connection | None] = {}


def _con(system: str, fy: int) -> sqlite3.Connection | None:
    """An open, checked connection to an installed release (``None`` when not installed)."""
    key = (system, fy)
    if key in _OPEN:
        return _OPEN[key]
    path = release_path(system, fy)
    con = None
    if path.exists():
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        try:
            ok = dict(con.execute("SELECT k, v FROM meta").fetchall()).get("complete") == "1"
        except sqlite3.DatabaseError:
            ok = False
        if not ok:
            con.close()
            con = _rebuild(system, fy)
    _OPEN[key] = con
    return con


def _rebuild(system: str, fy: int) -> sqlite3.Connection | None:
    """Rebuild a damaged release from its kept source files (``None`` if they are gone)."""
    src = releases_dir() / f"{system}-FY{fy}-sources"
    if not src.is_dir():
        return None
    files = [f for f in _gather(src) if f.system == system and f.year == fy]
    tmp = _build_file(system, fy, [(f, _parse(f)) for f in files])
    os.replace(tmp, release_path(system, fy))
    return sqlite3.connect(f"file:{release_path(system, fy)}?mode=ro", uri=True,
                           check_same_thread=False)


def _checked(system: str, fy: int, sql: str, params: tuple = ()) -> list[tuple]:
    """Rows of a query on a release (last column a checksum); rebuilt once on damage."""
    for attempt in (0, 1):
        con = _con(system, fy)
        if con is None:
            return []
        try:
            rows = con.execute(sql, params).fetchall()
            if all(row_crc(r[:-1]) == r[-1] for r in rows):
                return [r[:-1] for r in rows]
        except sqlite3.DatabaseError:
            pass
        if attempt == 0:
            con.close()
            _OPEN[(system, fy)] = _rebuild(system, fy)
    raise ReleaseFileError(f"{release_path(system, fy)}: damaged and cannot be rebuilt from "
                           "its sources; import the CMS release again")


def installed_years(system: str) -> list[int]:
    """Fiscal years with an imported release for ``system``."""
    out = []
    for p in releases_dir().glob(f"{system}-FY*.sqlite"):
        year = p.stem.rsplit("FY", 1)[-1]
        if year.isdigit():
            out.append(int(year))
    return sorted(out)


def summary(system: str, fy: int) -> dict[str, object]:
    """What an installed release holds: kinds of file, reportable codes, fingerprint."""
    con = _con(system, fy)
    if con is None:
        raise ReleaseFileError(f"no {system} release installed for FY{fy}")
    meta = dict(con.execute("SELECT k, v FROM meta").fetchall())
    return {"system": system, "fiscal_year": fy, "kinds": json.loads(meta["kinds"]),
            "files": json.loads(meta["files"]), "codes": int(meta["codes"]),
            "fingerprint": meta["fingerprint"][:16], "path": str(release_path(system, fy))}


def installed() -> list[dict[str, object]]:
    """A summary of every installed release."""
    return [summary(s, fy) for s in ("icd10cm", "icd10pcs") for fy in installed_years(s)]


def title(system: str, code: str, fy: int) -> str | None:
    """The long title of ``code`` (undotted) in the release for ``fy``, if installed."""
    if fy not in installed_years(system):
        return None
    rows = _checked(system, fy, "SELECT code, reportable, short, long, notes, crc FROM title "
                    "WHERE code=?", (code,))
    return rows[0][3] if rows else None


def reportable(system: str, code: str, fy: int) -> bool | None:
    """Whether the order file for ``fy`` lists ``code`` as reportable (``None``: no order
    file installed for that year)."""
    if fy not in installed_years(system):
        return None
    con = _con(system, fy)
    kinds = json.loads(dict(con.execute("SELECT k, v FROM meta").fetchall()).get(
        "kinds", "[]")) if con is not None else []
    if "order" not in kinds and "pcs_order" not in kinds:
        return None  # only an order file says which codes are reportable
    if not code:
        return False
    rows = _checked(system, fy, "SELECT code, reportable, short, long, notes, crc FROM title "
                    "WHERE code=?", (code,))
    return bool(rows[0][1]) if rows and rows[0][1] is not None else False


def codes_under(system: str, prefix: str, fy: int, limit: int = 50) -> list[str] | None:
    """Reportable codes starting with ``prefix`` in the order file for ``fy`` (``None``: no
    order file installed for that year)."""
    if fy not in installed_years(system) or reportable(system, "", fy) is None:
        return None
    rows = _checked(system, fy, "SELECT code, reportable, short, long, notes, crc FROM title "
                    "WHERE code >= ? AND code < ? AND reportable=1 ORDER BY code LIMIT ?",
                    (prefix, prefix + "~", limit))
    return [r[0] for r in rows]


def reportable_titles(system: str, fy: int) -> list[tuple[str, str]]:
    """(code, long title) of every reportable code in the order file for ``fy``."""
    if fy not in installed_years(system):
        return []
    rows = _checked(system, fy, "SELECT code, reportable, short, long, notes, crc FROM title "
                    "WHERE reportable=1 ORDER BY code")
    return [(r[0], r[3]) for r in rows]


def state() -> str:
    """A fingerprint of the installed releases (names and modification times)."""
    return ";".join(f"{p.name}:{p.stat().st_mtime_ns}"
                    for p in sorted(releases_dir().glob("*.sqlite")))


def tree(kind: str, letter: str, fy: int | None = None) -> tuple:
    """Main-term nodes of one letter of an installed Index/table (newest year by default)."""
    system = KINDS[kind][0]
    years = [y for y in installed_years(system) if fy is None or y == fy]
    for year in reversed(years):
        rows = _checked(system, year, "SELECT kind, letter, blob, crc FROM tree WHERE kind=? "
                        "AND letter=?", (kind, letter.upper()))
        if rows:
            return marshal.loads(rows[0][2])
        has = _checked(system, year, "SELECT kind, heads, crc FROM heads WHERE kind=?", (kind,))
        if has:
            return ()
    return ()


def has_kind(kind: str, fy: int | None = None) -> int | None:
    """The newest installed fiscal year (or ``fy``) whose release includes ``kind``."""
    system = KINDS[kind][0]
    for year in reversed(installed_years(system)):
        if fy is not None and year != fy:
            continue
        con = _con(system, year)
        if con is not None and kind in json.loads(dict(con.execute(
                "SELECT k, v FROM meta").fetchall()).get("kinds", "[]")):
            return year
    return None


def heads(kind: str, fy: int) -> list[str]:
    """Column headings of the Neoplasm or Drug table in the release for ``fy``."""
    rows = _checked(KINDS[kind][0], fy, "SELECT kind, heads, crc FROM heads WHERE kind=?",
                    (kind,))
    return json.loads(rows[0][1]) if rows else []


def letters(kind: str, fy: int) -> list[str]:
    """Letters present in an installed Index/table."""
    con = _con(KINDS[kind][0], fy)
    if con is None:
        return []
    return [r[0] for r in con.execute("SELECT letter FROM tree WHERE kind=? ORDER BY letter",
                                      (kind,))]
