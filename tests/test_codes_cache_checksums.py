"""Every code-set cache checks what it reads: one flipped byte is caught and rebuilt.

Each test copies the real cache into a temporary cache folder, flips one byte inside a text
the lookup shows (or a validity date), and checks that the answer is still right, that the
file was rebuilt, and that the rebuilt file answers correctly in a new connection. These are
the reliability review's cases: "Resection of Appendox" (PCS) and a long-running process
that read a damaged ICD-10-CM note.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from coderlib.codes import icd10cm, icd10pcs, pcs_sources, search, years
from coderlib.codes.cache import CachedDB, cache_path


def _flip(path: Path, needle: bytes, occurrence: int = 0) -> int:
    """Change one letter of the ``occurrence``-th copy of ``needle`` in ``path``, in place."""
    data = path.read_bytes()
    at = -1
    for _ in range(occurrence + 1):
        at = data.find(needle, at + 1)
        assert at >= 0, f"{needle!r} not found {occurrence + 1} times in {path}"
    pos = at + len(needle) - 2
    with open(path, "r+b") as fh:
        fh.seek(pos)
        fh.write(bytes([data[pos] ^ 0x01]))  # e.g. 'i' -> 'h', 'x' -> 'y'
    return pos


def _all_copies(path: Path, needle: bytes) -> int:
    return path.read_bytes().count(needle)


@pytest.fixture
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator:
    """A function that copies one real cache into a private folder and points ``db`` at it."""
    used: list[CachedDB] = []

    def use(db: CachedDB, warm) -> Path:  # noqa: ANN001 - warm: a call that opens the cache
        warm()
        real = Path(db.con.execute("PRAGMA database_list").fetchone()[2])
        monkeypatch.setenv("CODERLIB_CACHE", str(tmp_path))
        shutil.copy(real, cache_path(db.name))
        db.close()
        for hook in db._on_rebuild:
            hook()
        used.append(db)
        return cache_path(db.name)

    yield use
    monkeypatch.undo()
    for db in used:  # back to the real cache for the other tests
        db.close()
        for hook in db._on_rebuild:
            hook()


def test_pcs_description_flip_is_rebuilt(private_cache) -> None:  # noqa: ANN001
    db = pcs_sources._db()
    path = private_cache(db, lambda: icd10pcs.get("0DTJ4ZZ"))
    text = b"Resection of Appendix, Percutaneous Endoscopic Approach"
    _flip(path, text)  # -> "Resection of Appendix, Percutaneous Endoscopic Approabh"
    before = db.rebuilds
    assert icd10pcs.get("0DTJ4ZZ").description == text.decode()
    assert db.rebuilds == before + 1
    assert _all_copies(path, text) >= 1  # the file on disk was replaced with a good one
    fresh = CachedDB(db.name, db.key, lambda con: pytest.fail("rebuilt twice"))
    assert fresh.checked_one("SELECT code, description, crc FROM codes WHERE code='X'") is None
    fresh.close()


def test_pcs_damaged_code_key_is_rebuilt(private_cache) -> None:  # noqa: ANN001
    """A flipped byte in the code itself hides the row; CMS's tables say it must exist."""
    db = pcs_sources._db()
    path = private_cache(db, lambda: icd10pcs.get("0DTJ4ZZ"))
    data = path.read_bytes()
    at = data.find(b"0DTJ4ZZResection of Appendix")  # the key, then the description
    assert at >= 0
    with open(path, "r+b") as fh:
        fh.seek(at + 6)
        fh.write(b"Y")  # 0DTJ4ZZ -> 0DTJ4ZY
    before = db.rebuilds
    assert icd10pcs.get("0DTJ4ZZ").description.startswith("Resection of Appendix")
    assert db.rebuilds == before + 1


def test_pcs_invalid_utf8_is_rebuilt_not_an_error(private_cache) -> None:  # noqa: ANN001
    db = pcs_sources._db()
    path = private_cache(db, lambda: icd10pcs.get("0DTJ4ZZ"))
    data = path.read_bytes()
    at = data.find(b"Resection of Appendix, Percutaneous Endoscopic Approach")
    with open(path, "r+b") as fh:  # the review's case: an invalid UTF-8 byte in the text
        fh.seek(at + 10)
        fh.write(b"\xff")
    assert icd10pcs.get("0DTJ4ZZ").description.startswith("Resection of Appendix")


def test_icd10cm_chunk_flip_in_a_long_running_process(private_cache) -> None:  # noqa: ANN001
    db = icd10cm.DB
    path = private_cache(db, lambda: icd10cm.get("E11.9"))
    assert icd10cm.get("E11.9").description.startswith("Type 2")  # E chunk now in memory
    note = b"Physeal fracture of calcaneus"
    for _ in range(_all_copies(path, note)):  # damage every stored copy (rows and chunks)
        _flip(path, note)  # the first intact copy each time
    before = db.rebuilds
    info = icd10cm.get("S92.025D")
    assert db.rebuilds == before + 1
    texts = [n.text for n in info.notes if n.kind == "excludes2"]
    assert any("Physeal fracture of calcaneus (S99.0-)" in t for t in texts)
    assert icd10cm.get("E11.9").description == "Type 2 diabetes mellitus without complications"


def test_validity_span_flip_is_rebuilt(private_cache) -> None:  # noqa: ANN001
    db = years.DB
    day = dt.date(2026, 12, 1)
    path = private_cache(db, lambda: years.status("icd10cm", "E119", day))
    data = path.read_bytes()
    at = data.find(b"E119")  # inside the checksummed "E" chunk
    assert at >= 0
    with open(path, "r+b") as fh:
        fh.seek(at + 3)
        fh.write(b"8")  # "E119" -> "E118": a code would vanish without the checksum
    before = db.rebuilds
    assert years.status("icd10cm", "E119", day).valid
    assert db.rebuilds == before + 1


def test_search_row_flip_is_rebuilt(private_cache) -> None:  # noqa: ANN001
    db = search.DB
    path = private_cache(db, lambda: search.search("appendix resection", limit=1))
    text = b"Resection of Appendix, Percutaneous Endoscopic Approach"
    _flip(path, text)
    before = db.rebuilds
    hits = search.search("0DTJ4ZZ", system="icd10pcs", limit=1)
    assert hits[0].description == text.decode()
    assert db.rebuilds == before + 1
