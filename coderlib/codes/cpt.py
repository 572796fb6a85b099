"""CPT (HCPCS Level I) structure, a licensed-file loader and a plain-language teaching subset.

CPT descriptors are the AMA's: coderlib ships none. It knows the code-number structure
(sections and subsections, Category II ``####F`` and Category III ``####T`` formats, PLA
``####U``), its own plain-language summaries for a teaching subset
(``data/cpt_teaching.yaml``), and reads a licensed descriptor file the user owns
(tab-delimited ``code<TAB>descriptor``) through :func:`use_cpt_file` or the
``CODERLIB_CPT_FILE`` environment variable; once loaded its descriptors replace ours.

>>> section_of("99213").name
'Evaluation and Management'
>>> section_of("44970").subsection
'Digestive System'
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from coderlib.codes import modifiers as _modifiers
from coderlib.codes.errors import CodeError
from coderlib.codes.normalize import normalize_code
from coderlib.codes.search_rows import SearchRow
from coderlib.paths import data_dir

if TYPE_CHECKING:  # pandas is imported lazily: it costs ~1 s at start-up
    import pandas as pd

DATA_VERSION = "coderlib-teaching-2026"
_CAT1 = re.compile(r"^\d{5}$")
_CAT2 = re.compile(r"^\d{4}F$")
_CAT3 = re.compile(r"^\d{4}T$")
_PLA = re.compile(r"^\d{4}U$")

# (first, last, section, subsection); subsections listed after their section.
_RANGES: tuple[tuple[str, str, str, str | None], ...] = (
    ("99202", "99499", "Evaluation and Management", None),
    ("99202", "99215", "Evaluation and Management", "Office or Other Outpatient Services"),
    ("99221", "99239", "Evaluation and Management", "Hospital Inpatient and Observation Care"),
    ("99242", "99255", "Evaluation and Management", "Consultations"),
    ("99281", "99288", "Evaluation and Management", "Emergency Department Services"),
    ("99291", "99292", "Evaluation and Management", "Critical Care Services"),
    ("99304", "99316", "Evaluation and Management", "Nursing Facility Services"),
    ("99341", "99350", "Evaluation and Management", "Home or Residence Services"),
    ("99358", "99418", "Evaluation and Management", "Prolonged Services"),
    ("99381", "99429", "Evaluation and Management", "Preventive Medicine Services"),
    ("99460", "99463", "Evaluation and Management", "Newborn Care Services"),
    ("99466", "99486", "Evaluation and Management",
     "Inpatient Neonatal and Pediatric Critical Care"),
    ("99487", "99491", "Evaluation and Management", "Care Management Services"),
    ("99495", "99496", "Evaluation and Management", "Transitional Care Management"),
    ("00100", "01999", "Anesthesia", None),
    ("99100", "99140", "Anesthesia", None),
    ("99100", "99140", "Anesthesia", "Qualifying Circumstances for Anesthesia"),
    ("10004", "69990", "Surgery", None),
    ("10004", "10021", "Surgery", "General"),
    ("10030", "19499", "Surgery", "Integumentary System"),
    ("20100", "29999", "Surgery", "Musculoskeletal System"),
    ("30000", "32999", "Surgery", "Respiratory System"),
    ("33016", "37799", "Surgery", "Cardiovascular System"),
    ("38100", "38999", "Surgery", "Hemic and Lymphatic Systems"),
    ("39000", "39599", "Surgery", "Mediastinum and Diaphragm"),
    ("40490", "49999", "Surgery", "Digestive System"),
    ("50010", "53899", "Surgery", "Urinary System"),
    ("54000", "55899", "Surgery", "Male Genital System"),
    ("55920", "55980", "Surgery", "Reproductive System and Intersex Procedures"),
    ("56405", "58999", "Surgery", "Female Genital System"),
    ("59000", "59899", "Surgery", "Maternity Care and Delivery"),
    ("60000", "60699", "Surgery", "Endocrine System"),
    ("61000", "64999", "Surgery", "Nervous System"),
    ("65091", "68899", "Surgery", "Eye and Ocular Adnexa"),
    ("69000", "69979", "Surgery", "Auditory System"),
    ("69990", "69990", "Surgery", "Operating Microscope"),
    ("70010", "79999", "Radiology", None),
    ("70010", "76499", "Radiology", "Diagnostic Radiology (Diagnostic Imaging)"),
    ("76506", "76999", "Radiology", "Diagnostic Ultrasound"),
    ("77001", "77022", "Radiology", "Radiologic Guidance"),
    ("77046", "77067", "Radiology", "Breast, Mammography"),
    ("77071", "77092", "Radiology", "Bone/Joint Studies"),
    ("77261", "77799", "Radiology", "Radiation Oncology"),
    ("78012", "79999", "Radiology", "Nuclear Medicine"),
    ("80047", "89398", "Pathology and Laboratory", None),
    ("80047", "80081", "Pathology and Laboratory", "Organ or Disease Oriented Panels"),
    ("80143", "80377", "Pathology and Laboratory", "Drug Assay and Testing"),
    ("80400", "80439", "Pathology and Laboratory", "Evocative/Suppression Testing"),
    ("80500", "80502", "Pathology and Laboratory", "Consultations (Clinical Pathology)"),
    ("81000", "81099", "Pathology and Laboratory", "Urinalysis"),
    ("81105", "81479", "Pathology and Laboratory", "Molecular Pathology"),
    ("81490", "81599", "Pathology and Laboratory",
     "Genomic Sequencing and Multianalyte Assays"),
    ("82009", "84999", "Pathology and Laboratory", "Chemistry"),
    ("85002", "85999", "Pathology and Laboratory", "Hematology and Coagulation"),
    ("86000", "86849", "Pathology and Laboratory", "Immunology"),
    ("86850", "86999", "Pathology and Laboratory", "Transfusion Medicine"),
    ("87003", "87999", "Pathology and Laboratory", "Microbiology"),
    ("88000", "88099", "Pathology and Laboratory", "Anatomic Pathology (Postmortem)"),
    ("88104", "88199", "Pathology and Laboratory", "Cytopathology"),
    ("88230", "88299", "Pathology and Laboratory", "Cytogenetic Studies"),
    ("88300", "88399", "Pathology and Laboratory", "Surgical Pathology"),
    ("88720", "88749", "Pathology and Laboratory", "In Vivo Laboratory Procedures"),
    ("89049", "89240", "Pathology and Laboratory", "Other Procedures"),
    ("89250", "89398", "Pathology and Laboratory", "Reproductive Medicine Procedures"),
    ("90281", "99199", "Medicine", None),
    ("99500", "99607", "Medicine", None),
    ("90281", "90399", "Medicine", "Immune Globulins"),
    ("90460", "90474", "Medicine", "Immunization Administration"),
    ("90476", "90759", "Medicine", "Vaccines and Toxoids"),
    ("90785", "90899", "Medicine", "Psychiatry"),
    ("90901", "90913", "Medicine", "Biofeedback"),
    ("90935", "90999", "Medicine", "Dialysis"),
    ("91010", "91299", "Medicine", "Gastroenterology"),
    ("92002", "92499", "Medicine", "Ophthalmology"),
    ("92502", "92700", "Medicine", "Special Otorhinolaryngologic Services"),
    ("92920", "93799", "Medicine", "Cardiovascular"),
    ("93880", "93998", "Medicine", "Noninvasive Vascular Diagnostic Studies"),
    ("94002", "94799", "Medicine", "Pulmonary"),
    ("95004", "95199", "Medicine", "Allergy and Clinical Immunology"),
    ("95700", "96020", "Medicine", "Neurology and Neuromuscular Procedures"),
    ("96360", "96549", "Medicine",
     "Hydration, Therapeutic, Prophylactic, Diagnostic Injections and Infusions, "
     "and Chemotherapy"),
    ("96900", "96999", "Medicine", "Special Dermatological Procedures"),
    ("97010", "97799", "Medicine", "Physical Medicine and Rehabilitation"),
    ("98925", "98929", "Medicine", "Osteopathic Manipulative Treatment"),
    ("98940", "98943", "Medicine", "Chiropractic Manipulative Treatment"),
    ("99000", "99082", "Medicine", "Special Services, Procedures and Reports"),
    ("99151", "99157", "Medicine", "Moderate (Conscious) Sedation"),
    ("99500", "99602", "Medicine", "Home Health Procedures/Services"),
    ("99605", "99607", "Medicine", "Medication Therapy Management Services"),
)


@dataclass(frozen=True)
class CptSection:
    """Where a CPT code sits in the code book."""

    category: str  # "Category I" | "Category II" | "Category III" | "PLA"
    name: str  # section, e.g. "Surgery"
    subsection: str | None
    range: str  # e.g. "10004-69990"


@dataclass(frozen=True)
class CptCode:
    """A CPT code with its section and the best description available to this user."""

    code: str
    section: CptSection
    description: str
    description_source: str  # "licensed file <name>" | "coderlib plain-language summary"
    plain: str  # coderlib's own summary ("" when not in the teaching subset)


def _check(code: str) -> str:
    norm = normalize_code(code).lstrip("-")
    if not (_CAT1.match(norm) or _CAT2.match(norm) or _CAT3.match(norm) or _PLA.match(norm)):
        hint = ""
        if re.fullmatch(r"[A-Z]\d{4}", norm):
            hint = " (it looks like a HCPCS Level II code: use coderlib.codes.hcpcs)"
        elif re.fullmatch(r"[0-9A-Z]{2}", norm):
            hint = " (it looks like a modifier: use coderlib.codes.modifiers)"
        raise CodeError(code, "malformed",
                        f"{code!r} is not a CPT code: expected 5 digits (Category I), 4 digits "
                        f"+ F (Category II), 4 digits + T (Category III) or 4 digits + U "
                        f"(PLA){hint}")
    return norm


def section_of(code: str) -> CptSection:
    """The section (and subsection where known) a CPT code number falls in.

    >>> section_of("0042T").category
    'Category III'
    """
    norm = _check(code)
    if _CAT2.match(norm):
        return CptSection("Category II", "Performance Measurement", None, "0001F-9007F")
    if _CAT3.match(norm):
        return CptSection("Category III", "Emerging Technology", None, "0042T-0999T")
    if _PLA.match(norm):
        return CptSection("PLA", "Proprietary Laboratory Analyses", None, "0001U-9999U")
    section: tuple[str, str, str] | None = None
    sub: str | None = None
    sub_width = 10**6
    for first, last, name, subsection in _RANGES:  # first section-level hit wins
        if first <= norm <= last and subsection is None and section is None:
            section = (first, last, name)
    for first, last, name, subsection in _RANGES:  # then the narrowest subsection in it
        if (section and subsection and name == section[2] and first <= norm <= last
                and (sub is None or int(last[:5]) - int(first[:5]) < sub_width)):
            sub, sub_width = subsection, int(last[:5]) - int(first[:5])
    if section is None:
        raise CodeError(code, "unknown",
                        f"{norm} falls outside every CPT Category I section range")
    return CptSection("Category I", section[2], sub, f"{section[0]}-{section[1]}")


def sections() -> pd.DataFrame:
    """The section/subsection ranges as a table."""
    import pandas as pd

    return pd.DataFrame(_RANGES, columns=["first", "last", "section", "subsection"])


# --------------------------------------------------------------------------- descriptions
@lru_cache(maxsize=1)
def _teaching() -> dict[str, str]:
    import yaml

    rows = yaml.safe_load((data_dir() / "cpt_teaching.yaml").read_text(encoding="utf-8"))
    return {_check(str(r["code"])): r["plain"] for r in rows}


_LICENSED: dict[str, object] = {"path": None, "codes": {}}


def load_cpt_file(path: str | Path) -> dict[str, str]:
    """Read a licensed CPT descriptor file: one ``code<TAB>descriptor`` per line.

    A header line (first field not a code) and blank lines are skipped; any other line that
    is not ``code<TAB>text`` is an error naming the line.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"CPT file not found: {path}")
    out: dict[str, str] = {}
    with open(path, encoding="utf-8-sig", errors="replace") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            code, sep, text = line.partition("\t")
            code = code.strip().upper()
            if not sep:
                raise ValueError(f"{path}:{lineno}: expected 'code<TAB>descriptor', "
                                 f"got {line[:40]!r}")
            try:
                norm = _check(code)
            except CodeError:
                if lineno == 1:
                    continue  # header
                raise ValueError(f"{path}:{lineno}: {code!r} is not a CPT code") from None
            out[norm] = text.strip()
    if not out:
        raise ValueError(f"{path}: no CPT codes found")
    return out


def use_cpt_file(path: str | Path | None) -> int:
    """Use a licensed CPT file's descriptors for lookup and search (``None`` to stop)."""
    if path is None:
        _LICENSED.update(path=None, codes={})
        return 0
    codes = load_cpt_file(path)
    _LICENSED.update(path=str(path), codes=codes)
    return len(codes)


def _licensed() -> dict[str, str]:
    env = os.environ.get("CODERLIB_CPT_FILE")
    if env and _LICENSED["path"] != env:
        use_cpt_file(env)
    return _LICENSED["codes"]  # type: ignore[return-value]


def known_codes() -> list[str]:
    """Codes coderlib can describe now (teaching subset + the licensed file when loaded)."""
    return sorted(set(_teaching()) | set(_licensed()))


def get(code: str) -> CptCode:
    """Look up a CPT code: its section and the best description available.

    >>> get("99213").description_source
    'coderlib plain-language summary'
    """
    norm = _check(code)
    sect = section_of(norm)
    lic = _licensed()
    plain = _teaching().get(norm, "")
    if norm in lic:
        name = Path(str(_LICENSED["path"])).name
        return CptCode(norm, sect, lic[norm], f"licensed file {name}", plain)
    if plain:
        return CptCode(norm, sect, plain, "coderlib plain-language summary", plain)
    where = f"{sect.name}" + (f" / {sect.subsection}" if sect.subsection else "")
    pool = known_codes()
    near = [c for c in pool if c[:3] == norm[:3]] or [c for c in pool if c[:2] == norm[:2]]
    scope = ("the loaded CPT file" if lic else
             "coderlib's teaching subset; load your licensed CPT file with use_cpt_file(path) "
             "or CODERLIB_CPT_FILE to look up any code")
    raise CodeError(code, "unknown", f"{norm} ({where}) is not in {scope}", near[:10])


def iter_search_rows() -> Iterator[SearchRow]:
    """Known CPT codes and the Level I (CPT) modifiers as search rows."""
    version = Path(str(_LICENSED["path"])).name if _licensed() else DATA_VERSION
    for code in known_codes():
        c = get(code)
        terms = tuple(t for t in (c.plain, c.section.subsection or c.section.name)
                      if t and t != c.description)
        yield SearchRow("cpt", code, c.description, not _CAT2.match(code), terms, version)
    for row in _modifiers.iter_search_rows():
        if row.system == "cpt":
            yield row
