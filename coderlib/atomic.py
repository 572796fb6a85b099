"""Atomic file writes: a file we produce is either the whole new file or the old one.

:func:`atomic_write` writes to a temporary file in the target's folder, flushes and
``fsync``\\ s it, then renames it over the target (``os.replace``, atomic on POSIX and
Windows). If anything fails on the way (disk full, file-size limit, permission, a bug in
the code producing the content) the temporary file is removed, the previous file at the
target is untouched, and an OS failure becomes an :class:`OutputError` that names the path
and the cause.

>>> import tempfile, pathlib
>>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
>>> with atomic_write(target) as fh:
...     _ = fh.write("hello")
>>> target.read_text()
'hello'
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

_CAUSES = {
    errno.ENOSPC: "the disk is full",
    errno.EFBIG: "the file is larger than the file-size limit (ulimit -f)",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "the file system is read-only",
    errno.EISDIR: "it is a folder",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.ENAMETOOLONG: "the name is too long",
}


class OutputError(OSError):
    """An output file that could not be written; names the path and the cause.

    >>> str(OutputError("out.csv", OSError(28, "No space left on device")))[:60]
    'out.csv: not written: the disk is full (No space left on dev'
    """

    def __init__(self, path: str | Path, exc: BaseException) -> None:
        code = getattr(exc, "errno", None)
        detail = getattr(exc, "strerror", None) or str(exc)
        cause = _CAUSES.get(code, "") if code is not None else ""
        reason = f"{cause} ({detail})" if cause else detail
        self.path, self.cause = str(path), reason
        super().__init__(code, f"{path}: not written: {reason}; any previous file there is "
                               "unchanged")

    def __str__(self) -> str:
        return str(self.args[1])


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _mode_for(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextmanager
def atomic_write(path: str | Path, mode: str = "w", **open_kwargs: Any) -> Iterator[IO[Any]]:
    """Open a temporary file next to ``path``; on success it replaces ``path`` atomically.

    ``mode`` is ``"w"`` (text; ``encoding`` defaults to UTF-8) or ``"wb"``.
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_write mode must be 'w' or 'wb', got {mode!r}")
    path = Path(path)
    if mode == "w":
        open_kwargs.setdefault("encoding", "utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(path, exc) from exc
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, mode, **open_kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _mode_for(path))
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            tmp.unlink()
        except OSError:
            pass
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            raise OutputError(path, exc) from exc
        raise
    _fsync_folder(path.parent)


def write_text(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically and return the path."""
    with atomic_write(path, "w", encoding=encoding) as fh:
        fh.write(text)
    return Path(path)


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and return the path."""
    with atomic_write(path, "wb") as fh:
        fh.write(data)
    return Path(path)
