"""Medicare Code Editor-style checks run before grouping.

Each problem is an :class:`Edit` naming the field, the code and the reason. ``error`` edits
make the stay ungroupable (DRG 999, the CMS grouper's answer for an invalid principal
diagnosis) or drop a code from grouping; ``warning`` edits leave grouping as CMS does it
(the official grouper groups a male patient with a female-only PDX into MDC 13 and leaves
the conflict to the editor).

Sources: code validity comes from drgpy's tables for the MS-DRG version (every diagnosis
with an MDC assignment) plus ``simple_icd_10_cm`` (FY2026 code list) for external-cause
codes, header codes and tabular notes; manifestation codes are those whose tabular entry (or
an ancestor's) says "Code first underlying ...".

>>> from coderlib.drg.encounter import Encounter
>>> from coderlib.drg.engine import engine_for_version
>>> [e.edit for e in check(Encounter(pdx="N40"), engine_for_version("v43"))]
['invalid_pdx']
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from functools import lru_cache

from coderlib.codes.normalize import dotted_icd10cm
from coderlib.drg.encounter import Encounter
from coderlib.drg.engine import Engine

#: Valid UB-04 patient discharge status codes (NUBC FL 17) used by the CMS grouper.
DISCHARGE_STATUSES = frozenset(
    "01 02 03 04 05 06 07 09 20 21 30 40 41 42 43 50 51 61 62 63 64 65 66 69 70 "
    "81 82 83 84 85 86 87 88 89 90 91 92 93 94 95".split())

#: Z-code categories the ICD-10-CM Official Guidelines (I.C.21.c.16) allow only as
#: secondary diagnoses, plus B95-B97 (infectious agents as the cause of diseases
#: classified elsewhere), which the MCE lists as unacceptable principal diagnoses.
_SECONDARY_ONLY = re.compile(
    r"^(?:B9[5-7]|Z1[4-9]|Z2[12]|Z283|Z331|Z37|Z3A|Z6[678]|Z7[7-9]|Z8[0-9]|Z9[0-57-9])")
_PCS = re.compile(r"^[0-9A-HJ-NP-Z]{7}$")
_DX = re.compile(r"^[A-Z][0-9][0-9A-Z][0-9A-Z]{0,4}$")


@dataclass
class Edit:
    """One MCE-style finding.

    >>> Edit("sex_conflict", "warning", "N921", "pdx", "female-only code, sex M").level
    'warning'
    """

    edit: str
    level: str  # "error" | "warning"
    code: str
    field: str
    message: str
    suggestions: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"edit": self.edit, "level": self.level, "code": self.code,
                "field": self.field, "message": self.message,
                "suggestions": list(self.suggestions)}


@lru_cache(maxsize=1)
def _cm():
    """simple_icd_10_cm, imported on first use (it loads the whole code set, ~3 s)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm as cm

        cm.is_valid_item("A00")  # force the data load inside the warning filter
    return cm


def _cm_item(code: str) -> str | None:
    """The dotted form simple_icd_10_cm knows, or None."""
    cm = _cm()
    dotted = dotted_icd10cm(code)
    if cm.is_valid_item(dotted):
        return dotted
    return None


@lru_cache(maxsize=65536)
def is_external_cause(code: str) -> bool:
    """True for a valid external-cause code (V00-Y99), secondary-only by rule."""
    if code[:1] not in "VWXY":
        return False
    item = _cm_item(code)
    return item is not None and _cm().is_leaf(item)


@lru_cache(maxsize=65536)
def billable_children(code: str) -> tuple[str, ...]:
    """Billable descendants (dotted) of a header code, for suggestions."""
    item = _cm_item(code)
    if item is None:
        return ()
    cm = _cm()
    if cm.is_leaf(item):
        return ()
    return tuple(c for c in cm.get_descendants(item) if cm.is_leaf(c))


@lru_cache(maxsize=1)
def manifestation_codes() -> frozenset[str]:
    """Undotted codes whose tabular entry (or an ancestor's) says "code first underlying".

    Built once from simple_icd_10_cm (about 0.3 s).
    """
    cm = _cm()
    heads = [c for c in cm.get_all_codes(True) if not cm.is_chapter_or_block(c)
             and "underlying" in (cm.get_code_first(c) or "").split("\n", 1)[0].lower()]
    out: set[str] = set()
    for head in heads:
        out.add(head.replace(".", ""))
        out.update(c.replace(".", "") for c in cm.get_descendants(head))
    return frozenset(out)


def is_manifestation(code: str) -> bool:
    """True when the tabular says to code the underlying condition first.

    >>> is_manifestation("D631"), is_manifestation("I5022")
    (True, False)
    """
    return code in manifestation_codes()


def is_secondary_only(code: str) -> bool:
    """True for Z/B codes that the guidelines never allow as principal diagnosis."""
    return bool(_SECONDARY_ONLY.match(code))


def code_sex(engine: Engine, code: str) -> str | None:
    """``"F"`` / ``"M"`` when the code's MDC makes it female- or male-only, else None."""
    mdcs = engine.pdx_mdcs(code)
    if "13" in mdcs and "12" not in mdcs:
        return "F"
    if "14" in mdcs:
        return "F"
    if "12" in mdcs and "13" not in mdcs:
        return "M"
    return None


def _age_conflict(code: str, age: int) -> str | None:
    if code[:1] == "P" or code.startswith("Z38"):
        if age != 0:
            return f"{dotted_icd10cm(code)} is a newborn/perinatal code but age is {age}"
    elif code[:1] == "O" or code.startswith(("Z33", "Z34", "Z3A", "Z37", "Z39")):
        if not 9 <= age <= 64:
            return (f"{dotted_icd10cm(code)} is a maternity code (ages 9-64) but age is {age}")
    return None


def _icd10cm_reason(code: str) -> tuple[str, list[str]] | None:
    """The code-set module's reason and suggestions for an invalid code, when available."""
    try:
        from coderlib.codes import icd10cm
        from coderlib.codes.errors import CodeError
    except ImportError:  # pragma: no cover - code-set module not installed
        return None
    try:
        icd10cm.validate(code)
    except CodeError as err:
        return err.message, list(err.suggestions)
    except Exception:  # noqa: BLE001 - its cache could not be built; use our own message
        return None
    return None


def _invalid_dx(code: str, field_name: str, principal: bool) -> Edit:
    shown = dotted_icd10cm(code)
    edit = "invalid_pdx" if principal else "invalid_sdx"
    if _DX.match(code):
        found = _icd10cm_reason(code)
        if found is not None:
            return Edit(edit, "error", code, field_name, f"{field_name}: {found[0]}", found[1])
    if not _DX.match(code):
        return Edit("invalid_pdx" if principal else "invalid_sdx", "error", code, field_name,
                    f"{field_name}: {code!r} is not an ICD-10-CM code (malformed)")
    children = billable_children(code)
    if children:
        return Edit("invalid_pdx" if principal else "invalid_sdx", "error", code, field_name,
                    f"{field_name}: {shown} is a category header, not a billable code",
                    list(children))
    return Edit("invalid_pdx" if principal else "invalid_sdx", "error", code, field_name,
                f"{field_name}: {shown} is not a valid ICD-10-CM code for the discharge date")


def _pcs_problem(code: str, enc: Encounter) -> str | None:
    """Why a well-formed PCS code outside drgpy's tables is not valid, if it is not.

    Uses ``coderlib.codes.icd10pcs`` (the FY2026 PCS list) when it is available; drgpy's
    tables only hold the procedures that MS-DRG logic names.
    """
    try:
        from coderlib.codes import icd10pcs
        from coderlib.codes.errors import CodeError
    except ImportError:  # pragma: no cover - code-set module not installed
        return None
    try:
        icd10pcs.get(code, on=enc.discharge_date)
    except CodeError as err:
        return str(err)
    except Exception:  # noqa: BLE001 - the PCS cache could not be built; skip the check
        return None
    return None


def _facts(engine: Engine, code: str) -> tuple[bool, str | None, str | None, str | None]:
    """(known to this version, sex the code requires, age class, why it cannot be
    principal: ``manifestation`` / ``secondary_only`` / None) for a diagnosis, cached."""
    cache = engine.mce_facts
    hit = cache.get(code)
    if hit is None:
        known = engine.is_known_dx(code)
        sex = code_sex(engine, code) if known else None
        if code[:1] == "P" or code.startswith("Z38"):
            age = "newborn"
        elif code[:1] == "O" or code.startswith(("Z33", "Z34", "Z3A", "Z37", "Z39")):
            age = "maternity"
        else:
            age = None
        not_pdx = ("manifestation" if is_manifestation(code) else
                   "secondary_only" if is_secondary_only(code) else None)
        hit = cache[code] = (known, sex, age, not_pdx)
    return hit


def check(enc: Encounter, engine: Engine) -> list[Edit]:
    """All edits for an encounter, PDX first.

    An ``invalid_pdx`` or ``external_cause_pdx`` edit means the stay cannot be grouped
    (DRG 999); ``invalid_sdx`` / ``invalid_proc`` codes are left out of grouping.
    """
    edits: list[Edit] = []
    pdx = enc.pdx
    sex = enc.sex
    pdx_known, pdx_sex, pdx_age, not_pdx = engine.mce_facts.get(pdx) or _facts(engine, pdx)
    if not pdx_known:
        if is_external_cause(pdx):
            edits.append(Edit("external_cause_pdx", "error", pdx, "pdx",
                              f"pdx: {dotted_icd10cm(pdx)} is an external-cause code and can "
                              "never be the principal diagnosis"))
        else:
            edits.append(_invalid_dx(pdx, "pdx", principal=True))
    else:
        if not_pdx == "manifestation":
            edits.append(Edit("manifestation_pdx", "warning", pdx, "pdx",
                              f"pdx: {dotted_icd10cm(pdx)} is a manifestation code (code first "
                              "the underlying condition); not acceptable as principal"))
        elif not_pdx == "secondary_only":
            edits.append(Edit("unacceptable_pdx", "warning", pdx, "pdx",
                              f"pdx: {dotted_icd10cm(pdx)} is not acceptable as principal "
                              "diagnosis (secondary-only code)"))
        if pdx_sex is not None or pdx_age is not None:
            _demographic_edits(edits, "pdx", pdx, pdx_sex, pdx_age, enc)
    seen = {pdx}
    facts = engine.mce_facts
    for i, (code, _poa) in enumerate(enc.sdx):
        if code in seen:
            name = f"sdx[{i}]"
            what = "the principal diagnosis" if code == pdx else "an earlier secondary"
            edits.append(Edit("duplicate_dx", "warning", code, name,
                              f"{name}: {dotted_icd10cm(code)} repeats {what}; counted once"))
            continue
        seen.add(code)
        known, code_sx, age_kind, _ = facts.get(code) or _facts(engine, code)
        if known:
            if code_sx is not None or age_kind is not None:
                _demographic_edits(edits, f"sdx[{i}]", code, code_sx, age_kind, enc)
        elif not is_external_cause(code):
            edits.append(_invalid_dx(code, f"sdx[{i}]", principal=False))
    for i, code in enumerate(enc.procedures):
        if not _PCS.match(code):
            edits.append(Edit("invalid_proc", "error", code, f"procedures[{i}]",
                              f"procedures[{i}]: {code!r} is not an ICD-10-PCS code "
                              "(7 characters, digits and letters except I and O)"))
        elif not engine.is_known_pr(code):
            reason = _pcs_problem(code, enc)
            if reason:
                edits.append(Edit("invalid_proc", "error", code, f"procedures[{i}]",
                                  f"procedures[{i}]: {reason}"))
    if sex == "U":
        edits.append(Edit("sex_unknown", "warning", "", "sex",
                          "sex: unknown (U); sex-specific edits were skipped"))
    if enc.discharge_status not in DISCHARGE_STATUSES:
        edits.append(Edit("invalid_discharge_status", "warning", enc.discharge_status,
                          "discharge_status",
                          f"discharge_status: {enc.discharge_status} is not a valid patient "
                          "status code; grouped as given"))
    return edits


def _demographic_edits(edits: list[Edit], name: str, code: str, need_sex: str | None,
                       age_kind: str | None, enc: Encounter) -> None:
    """Sex and age conflicts: warnings only (the CMS grouper groups as coded)."""
    if need_sex and enc.sex in ("M", "F") and need_sex != enc.sex:
        which = "female" if need_sex == "F" else "male"
        edits.append(Edit("sex_conflict", "warning", code, name,
                          f"{name}: {dotted_icd10cm(code)} is a {which}-only diagnosis but "
                          f"sex is {enc.sex}"))
    if age_kind is not None:
        age_msg = _age_conflict(code, enc.age)
        if age_msg:
            edits.append(Edit("age_conflict", "warning", code, name, f"{name}: {age_msg}"))


def blocking(edits: list[Edit]) -> Edit | None:
    """The first edit that makes the stay ungroupable, if any."""
    for e in edits:
        if e.edit in ("invalid_pdx", "external_cause_pdx"):
            return e
    return None
