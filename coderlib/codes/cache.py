"""Compact, rebuildable SQLite caches for the code sets (never trusted, always checked).

A cache file lives under ``coderlib.paths.cache_dir()`` and carries a ``meta`` table with its
schema version, the key it was built for (package versions, data-file sizes) and a
``complete`` marker written last. :func:`open_cache` rebuilds the file when the key differs,
the marker is missing, the SQLite header or page count does not match the file, or SQLite
reports corruption; builds go to a temporary file that is renamed into place atomically.

Content is checked too: every row a lookup shows carries a checksum of its content
(:func:`row_crc`; the big lookup tables are stored as checksummed blobs, so even a damaged
code is caught), verified on every read by :meth:`CachedDB.checked`. A mismatch, text SQLite
cannot decode or a malformed page rebuilds the file and re-runs the query; hooks registered
with :meth:`CachedDB.on_rebuild` drop what a long-running process had read from the old file.

>>> import sqlite3
>>> def build(con: sqlite3.Connection) -> None:
...     con.execute("CREATE TABLE t(x)")
...     con.execute("INSERT INTO t VALUES (42)")
>>> con = open_cache("doctest-demo", {"v": "1"}, build)
>>> con.execute("SELECT x FROM t").fetchone()[0]
42
"""

from __future__ import annotations

import json
import os
import sqlite3
import struct
import threading
import zlib
from collections.abc import Callable
from pathlib import Path

from coderlib.paths import cache_dir

SQLITE_MAGIC = b"SQLite format 3\x00"
_LOCK = threading.RLock()


class CacheInvalid(Exception):
    """The cache file exists but cannot be trusted; the caller rebuilds it."""


def row_crc(values: tuple | list) -> int:
    """Checksum of one cache row's content (stored next to it, checked on every read).

    >>> row_crc(("E119", "Type 2 diabetes mellitus without complications"))
    3253889194
    >>> row_crc(("E119", "Type 2 diabetes mellitus without complicationz")) == 3253889194
    False
    """
    crc = 0
    for v in values:
        data = v if isinstance(v, bytes) else str(v).encode("utf-8", "surrogatepass")
        crc = zlib.crc32(b"\x1f", zlib.crc32(data, crc))
    return crc


class CacheDamaged(Exception):
    """A row read from a cache fails its checksum even after a rebuild."""


def cache_path(name: str) -> Path:
    """Where the cache ``name`` lives (``<cache_dir>/<name>.sqlite``)."""
    return cache_dir() / f"{name}.sqlite"


def package_version(dist_name: str, module_name: str) -> str:
    """Installed version of a distribution, read cheaply from its ``.dist-info`` directory.

    Avoids ``importlib.metadata`` (slow scan of every path entry) and importing the package.

    >>> package_version("no-such-dist", "no_such_module")
    'absent'
    """
    import importlib.util

    spec = importlib.util.find_spec(module_name)
    if spec is None or not spec.submodule_search_locations:
        return "absent"
    pkg_dir = Path(next(iter(spec.submodule_search_locations)))
    prefix = dist_name.replace("-", "_").lower() + "-"
    try:
        names = os.listdir(pkg_dir.parent)
    except OSError:
        return "unknown"
    for entry in names:
        low = entry.lower()
        if low.startswith(prefix) and low.endswith(".dist-info"):
            return entry[len(prefix):-len(".dist-info")]
    return "unknown"


def file_fingerprint(paths: list[Path]) -> str:
    """``name:size:mtime_ns`` for each file, so an edited data file invalidates the cache."""
    parts = []
    for p in paths:
        st = p.stat()
        parts.append(f"{p.name}:{st.st_size}:{st.st_mtime_ns}")
    return ";".join(parts)


def _check(path: Path, key: dict[str, str]) -> sqlite3.Connection:
    """Open ``path`` read-only and check it is a complete cache built for ``key``."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(100)
    except OSError as exc:
        raise CacheInvalid(f"cannot read {path}: {exc}") from exc
    if len(head) < 100 or head[:16] != SQLITE_MAGIC:
        raise CacheInvalid(f"{path} is not an SQLite file")
    page_size = struct.unpack(">H", head[16:18])[0]
    page_size = 65536 if page_size == 1 else page_size
    page_count = struct.unpack(">I", head[28:32])[0]
    if page_size * page_count != size:
        raise CacheInvalid(f"{path} is truncated or padded ({size} bytes, header says "
                           f"{page_size * page_count})")
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    # memory-map the (read-only) file: point lookups skip a read() per page
    con.execute("PRAGMA mmap_size=268435456")
    try:
        rows = dict(con.execute("SELECT k, v FROM meta").fetchall())
    except sqlite3.DatabaseError as exc:
        con.close()
        raise CacheInvalid(f"{path}: {exc}") from exc
    want = json.dumps(key, sort_keys=True)
    if rows.get("key") != want or rows.get("complete") != "1":
        con.close()
        raise CacheInvalid(f"{path} is stale (built for {rows.get('key')}, need {want})")
    return con


def build_cache(name: str, key: dict[str, str],
                build: Callable[[sqlite3.Connection], None]) -> Path:
    """Build cache ``name`` from scratch into a temp file and move it into place atomically."""
    import tempfile  # only needed when building

    final = cache_path(name)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}-", suffix=".tmp", dir=final.parent)
    os.close(fd)
    os.chmod(tmp, 0o644)
    try:
        con = sqlite3.connect(tmp)
        try:
            con.execute("PRAGMA journal_mode=OFF")
            con.execute("PRAGMA synchronous=OFF")
            con.execute("CREATE TABLE meta(k TEXT PRIMARY KEY, v TEXT)")
            with con:
                build(con)
                con.execute("INSERT INTO meta VALUES ('key', ?)",
                            (json.dumps(key, sort_keys=True),))
            con.execute("VACUUM")
            with con:
                con.execute("INSERT INTO meta VALUES ('complete', '1')")
        finally:
            con.close()
        os.replace(tmp, final)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return final


def open_cache(name: str, key: dict[str, str],
               build: Callable[[sqlite3.Connection], None]) -> sqlite3.Connection:
    """Return a read-only connection to a trusted cache, (re)building it when needed.

    ``key`` identifies the inputs (package versions, schema version); any difference, a
    missing ``complete`` marker or a damaged file triggers a rebuild.
    """
    path = cache_path(name)
    with _LOCK:
        if path.exists():
            try:
                return _check(path, key)
            except CacheInvalid:
                pass
        build_cache(name, key, build)
        return _check(path, key)


def verify(con: sqlite3.Connection) -> bool:
    """Full integrity check of an open cache (slow; for tests and ``--verify`` tools)."""
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    except sqlite3.DatabaseError:
        return False


def _damage(exc: sqlite3.DatabaseError) -> bool:
    """True when an SQLite error means the cache file is damaged or stale (so: rebuild)."""
    if not isinstance(exc, sqlite3.OperationalError):
        return True  # DatabaseError proper: malformed image, not a database, ...
    text = str(exc).lower()
    return "no such" in text or "decode" in text or "malformed" in text


class CachedDB:
    """A lazily opened cache whose queries rebuild it once if SQLite reports damage.

    >>> db = CachedDB("doctest-demo2", {"v": "1"}, lambda con: con.execute("CREATE TABLE t(x)"))
    >>> db.all("SELECT count(*) FROM t")
    [(0,)]
    """

    def __init__(self, name: str, key: dict[str, str] | Callable[[], dict[str, str]],
                 build: Callable[[sqlite3.Connection], None]) -> None:
        self.name = name
        self._key = key
        self._build = build
        self._con: sqlite3.Connection | None = None
        self._on_rebuild: list[Callable[[], None]] = []
        self.rebuilds = 0

    def on_rebuild(self, hook: Callable[[], None]) -> Callable[[], None]:
        """Register ``hook`` to drop in-memory data derived from this cache after a rebuild.

        A long-running process (a kernel, a Voila app) re-reads and re-checks everything
        from the fresh file instead of mixing it with what it read before the damage.
        """
        self._on_rebuild.append(hook)
        return hook

    @property
    def key(self) -> dict[str, str]:
        """The inputs this cache must have been built from."""
        return self._key() if callable(self._key) else self._key

    @property
    def con(self) -> sqlite3.Connection:
        """The open, checked connection (opening or building the cache on first use)."""
        if self._con is None:
            self._con = open_cache(self.name, self.key, self._build)
        return self._con

    def rebuild(self) -> None:
        """Throw away the current file and build a fresh one."""
        self.close()
        with _LOCK:
            build_cache(self.name, self.key, self._build)
        self.rebuilds += 1
        for hook in self._on_rebuild:
            hook()

    def close(self) -> None:
        """Close the connection; the next query reopens (and re-checks) the file."""
        if self._con is not None:
            self._con.close()
            self._con = None

    def all(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        """Run a query; on SQLite corruption errors rebuild the cache and retry once."""
        try:
            return self.con.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            if not _damage(exc):
                raise
            self.rebuild()
            return self.con.execute(sql, params).fetchall()

    def checked(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        """Run a query whose last column is the row checksum (:func:`row_crc`) and verify it.

        A row whose content does not match its checksum, or text SQLite cannot decode,
        means the file is damaged: the cache is rebuilt and the query run again. Returns
        the rows without their checksum column.
        """
        for attempt in (0, 1):
            try:
                rows = self.con.execute(sql, params).fetchall()
            except sqlite3.DatabaseError as exc:
                if not _damage(exc) or attempt:
                    raise
                self.rebuild()
                continue
            if all(row_crc(r[:-1]) == r[-1] for r in rows):
                return [r[:-1] for r in rows]
            if attempt:
                break
            self.rebuild()
        raise CacheDamaged(f"{cache_path(self.name)}: rows fail their checksum after a "
                           "rebuild; delete the file and report the problem")

    def checked_one(self, sql: str, params: tuple | list = ()) -> tuple | None:
        """First row of :meth:`checked` or ``None``."""
        rows = self.checked(sql, params)
        return rows[0] if rows else None

    def one(self, sql: str, params: tuple | list = ()) -> tuple | None:
        """First row of :meth:`all` or ``None``."""
        rows = self.all(sql, params)
        return rows[0] if rows else None
