"""SQLite persistence for everything a user types (attempts, audit findings).

The store runs in WAL mode with ``synchronous=FULL`` and each write is its own short
transaction, so neither a dead kernel nor a power cut loses a finding that was already
acknowledged. Each area owns its tables and creates them with ``ensure_schema``.

A store file is checked when it is opened (``PRAGMA quick_check``; a file truncated to zero
bytes counts as damaged, not as "no audits"), and a damaged store is never written to: the
caller gets a :class:`StoreError` naming the file and how to recover it from the newest of
the rotating backups kept in ``backups/`` next to the store (:func:`backup_store`).

>>> con = open_store(":memory:")
>>> ensure_schema(con, "CREATE TABLE IF NOT EXISTS t (x INTEGER)")
>>> with transaction(con):
...     _ = con.execute("INSERT INTO t VALUES (1)")
>>> con.execute("SELECT x FROM t").fetchone()[0]
1
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from coderlib.paths import store_path

#: How many backups of a store are kept (oldest removed first).
BACKUPS_KEPT = 5
#: A new backup is taken when a store is opened and the newest backup is older than this.
BACKUP_EVERY_S = 6 * 3600
#: ``synchronous`` setting of file stores (``FULL``: a commit survives a power cut).
SYNCHRONOUS = "FULL"

_CHECKED: dict[str, tuple[int, int]] = {}
_DAMAGE_WORDS = ("malformed", "not a database", "corrupt", "disk i/o error", "file is encrypted")


class StoreError(ValueError):
    """A store file that cannot be used safely; names the file and how to recover.

    >>> str(StoreError("/tmp/s.sqlite", "file is not a database", backup=None)).splitlines()[0]
    'store /tmp/s.sqlite is damaged (file is not a database); nothing was written to it.'
    """

    def __init__(self, path: str | Path, reason: str, *, backup: Path | None = None) -> None:
        self.path, self.reason, self.backup = str(path), reason, backup
        if backup is not None:
            advice = (f"Restore the newest good backup ({backup}) with `coderlib store restore "
                      f"--store {path}`: the damaged file is kept beside it, renamed.")
        else:
            advice = (f"No backup of it exists yet: move {path} aside (keep it: "
                      "`sqlite3 FILE .recover` may save its rows) and a new, empty store is "
                      "created on the next run.")
        super().__init__(f"store {path} is damaged ({reason}); nothing was written to it.\n"
                         + advice)


def backup_dir(path: str | Path) -> Path:
    """Where the backups of the store at ``path`` go (``backups/`` beside it)."""
    return Path(path).parent / "backups"


def backups_of(path: str | Path) -> list[Path]:
    """Backups of the store at ``path``, newest first."""
    stem = Path(path).stem
    folder = backup_dir(path)
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{stem}-[0-9]*T[0-9]*Z.sqlite"), key=lambda p: p.name,
                  reverse=True)


def _is_damage(exc: BaseException) -> bool:
    if isinstance(exc, UnicodeDecodeError):  # SQLite's own message quoting damaged bytes
        return True
    return isinstance(exc, sqlite3.DatabaseError) and not isinstance(
        exc, (sqlite3.IntegrityError, sqlite3.ProgrammingError)) and any(
        w in str(exc).lower() for w in _DAMAGE_WORDS)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "SQLite reports damage in bytes that are not even text"
    return str(exc)


def _damaged(path: str | Path, reason: str) -> StoreError:
    good = [b for b in backups_of(path) if b.stat().st_size > 0]
    return StoreError(path, reason, backup=good[0] if good else None)


def _file_of(con: sqlite3.Connection) -> str:
    try:
        for row in con.execute("PRAGMA database_list"):
            if row[1] == "main":
                return row[2] or ":memory:"
    except sqlite3.Error:
        pass
    return "(store)"


def _create(target: Path) -> None:
    """Create a new store file with its header written, atomically (no 0-byte window)."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.new")
    con = sqlite3.connect(tmp, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode = WAL")
    finally:
        con.close()
    try:
        os.link(tmp, target)  # fails if another process created it meanwhile: keep theirs
    except FileExistsError:
        pass
    except OSError:  # a file system without hard links
        if not target.exists():
            os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def check_store(con: sqlite3.Connection, path: str | Path, *, full: bool = False) -> None:
    """``PRAGMA quick_check`` (``full``: ``integrity_check``, which also compares every index
    with its table) of an open store; :class:`StoreError` when it is damaged."""
    factory = con.text_factory
    con.text_factory = bytes  # the report may quote damaged, undecodable text
    pragma = "integrity_check" if full else "quick_check"
    try:
        rows = [r[0] for r in con.execute(f"PRAGMA {pragma}(5)")]
    except sqlite3.DatabaseError as exc:
        raise _damaged(path, str(exc)) from None
    except UnicodeDecodeError:
        raise _damaged(path, "integrity check failed (damaged text)") from None
    finally:
        con.text_factory = factory
    if rows != [b"ok"]:
        report = "; ".join(r.decode("utf-8", "replace") if isinstance(r, bytes) else str(r)
                           for r in rows)
        raise _damaged(path, "integrity check: " + report)


def open_store(path: str | Path | None = None, *, backup: bool = True) -> sqlite3.Connection:
    """Open (creating if needed) the store at ``path`` (default: the user's store).

    An existing file is checked first (once per process while it is unchanged); a damaged
    one raises :class:`StoreError`. ``backup=True`` takes a rotating backup when the newest
    is older than :data:`BACKUP_EVERY_S`.
    """
    target = str(store_path() if path is None else path)
    if target == ":memory:":
        con = sqlite3.connect(target, isolation_level=None, timeout=30)
        con.row_factory = sqlite3.Row
        con.execute("PRAGMA foreign_keys = ON")
        return con
    file = Path(target)
    file.parent.mkdir(parents=True, exist_ok=True)
    if file.is_dir():
        raise StoreError(file, "it is a folder, not a store file")
    if not file.exists():
        _create(file)
    elif file.stat().st_size == 0:
        raise _damaged(file, "the file is empty (0 bytes): truncated?")
    con = sqlite3.connect(target, isolation_level=None, timeout=30)
    try:
        con.row_factory = sqlite3.Row
        con.text_factory = _strict_text(file)
        con.execute("PRAGMA foreign_keys = ON")
        con.execute("PRAGMA journal_mode = WAL")
        con.execute(f"PRAGMA synchronous = {SYNCHRONOUS}")
        _check_once(con, file)
        if backup:
            _backup_if_due(con, file)
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        con.close()
        if _is_damage(exc):
            raise _damaged(file, _reason(exc)) from None
        raise
    except StoreError:
        con.close()
        raise
    return con


def _strict_text(file: Path):  # noqa: ANN202 - a text factory
    """Decode stored text as UTF-8; undecodable bytes mean a damaged store, not a traceback."""

    def decode(data: bytes) -> str:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise _damaged(file, "a stored text value is not valid UTF-8") from None

    return decode


def _stamp(file: Path) -> tuple[int, int]:
    st = file.stat()
    wal = file.with_name(file.name + "-wal")
    return st.st_size, st.st_mtime_ns + (wal.stat().st_mtime_ns if wal.exists() else 0)


def _check_once(con: sqlite3.Connection, file: Path) -> None:
    key = str(file.resolve())
    stamp = _stamp(file)
    if _CHECKED.get(key) == stamp:
        return
    check_store(con, file)
    _CHECKED[key] = _stamp(file)


def _backup_if_due(con: sqlite3.Connection, file: Path) -> None:
    if con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0:
        return  # nothing in it yet
    existing = backups_of(file)
    if existing and time.time() - existing[0].stat().st_mtime < BACKUP_EVERY_S:
        return
    check_store(con, file, full=True)  # a backup is only taken of a store found whole
    try:
        backup_store(con, file)
    except (OSError, sqlite3.Error):
        pass  # a failed backup must not stop the user's work; the store itself is fine


def backup_store(con: sqlite3.Connection, path: str | Path, keep: int = BACKUPS_KEPT) -> Path:
    """Copy the open store to ``backups/<name>-<UTC time>.sqlite``; keep the newest ``keep``.

    The copy is made with SQLite's online backup (consistent while others write) into a
    temporary file that is renamed into place, so a backup is either whole or absent.
    """
    folder = backup_dir(path)
    folder.mkdir(parents=True, exist_ok=True)
    when = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    dest = folder / f"{Path(path).stem}-{when}.sqlite"
    tmp = dest.with_name("." + dest.name + ".tmp")
    out = sqlite3.connect(tmp)
    try:
        con.backup(out)
    finally:
        out.close()
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, dest)
    for old in backups_of(path)[keep:]:
        old.unlink(missing_ok=True)
    return dest


def restore_backup(path: str | Path, backup: str | Path | None = None) -> tuple[Path, Path]:
    """Put a backup (default: the newest that passes ``integrity_check``) in place of the store.

    The damaged store (with its ``-wal``/``-shm``) is renamed ``<name>.damaged-<UTC time>``,
    never deleted. Returns ``(backup used, where the damaged file went)``.
    """
    path = Path(path)
    candidates = [Path(backup)] if backup is not None else backups_of(path)
    chosen = None
    for candidate in candidates:
        try:
            con = sqlite3.connect(f"file:{candidate}?mode=ro", uri=True)
            con.text_factory = bytes
            try:
                if con.execute("PRAGMA integrity_check").fetchone()[0] == b"ok":
                    chosen = candidate
                    break
            finally:
                con.close()
        except (sqlite3.DatabaseError, UnicodeDecodeError):
            continue
    if chosen is None:
        raise StoreError(path, "no backup that passes an integrity check"
                         + (f" ({backup})" if backup is not None else ""), backup=None)
    when = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    aside = path.with_name(f"{path.name}.damaged-{when}")
    for suffix in ("", "-wal", "-shm"):
        part = path.with_name(path.name + suffix)
        if part.exists():
            os.replace(part, aside.with_name(aside.name + suffix))
    tmp = path.with_name(f".{path.name}.restore")
    with open(chosen, "rb") as src, open(tmp, "wb") as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    os.replace(tmp, path)
    _CHECKED.pop(str(path.resolve()), None)
    return chosen, aside


def ensure_schema(con: sqlite3.Connection, ddl: str) -> None:
    """Run ``CREATE ... IF NOT EXISTS`` statements for an area's tables."""
    try:
        con.executescript(ddl)
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        if _is_damage(exc):
            raise _damaged(_file_of(con), _reason(exc)) from None
        raise


@contextmanager
def transaction(con: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One atomic write: committed on success, rolled back on any error.

    A write that meets a damaged file raises :class:`StoreError` (rolled back).
    """
    try:
        con.execute("BEGIN IMMEDIATE")
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        if _is_damage(exc):
            raise _damaged(_file_of(con), _reason(exc)) from None
        raise
    try:
        yield con
    except BaseException as exc:
        try:
            con.execute("ROLLBACK")
        except sqlite3.Error:
            pass
        if _is_damage(exc):
            raise _damaged(_file_of(con), _reason(exc)) from None
        raise
    else:
        try:
            con.execute("COMMIT")
        except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
            if _is_damage(exc):
                raise _damaged(_file_of(con), _reason(exc)) from None
            raise
