"""``group(encounter)``: MCE checks, then drgpy's MS-DRG logic, then the explanation.

>>> from coderlib.drg.encounter import Encounter
>>> r = group(Encounter(pdx="I50.22", sdx=[("I48.20", "Y")]))
>>> r.drg, r.mdc, r.partition, r.severity
('292', '05', 'MEDICAL', 'CC')
"""

from __future__ import annotations

from dataclasses import dataclass, field

from coderlib.drg import mce
from coderlib.drg.encounter import Encounter
from coderlib.drg.engine import engine_for_date
from coderlib.drg.explain import PRE_MDC_DRGS, Explanation, explain, hac_drops
from coderlib.drg.mce import Edit
from coderlib.drg.weights import weight_of

UNGROUPABLE = "999"


@dataclass
class GroupResult:
    """The grouping of one encounter.

    ``mdc`` is two digits (``"00"`` for pre-MDC and ungroupable, as the CMS grouper reports);
    ``partition`` is ``SURGICAL``, ``MEDICAL`` or ``NONE``; ``severity`` the highest CC/MCC
    level counted (``MCC``, ``CC``, ``NON_CC``; ``NONE`` when ungroupable); ``weight`` the
    FY2026 relative weight (None for 999). ``warnings`` holds MCE edits (errors included).
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


def group(encounter: Encounter, explain_result: bool = True,
          allow_older: bool = False) -> GroupResult:
    """Group one encounter with the MS-DRG version in force on its discharge date.

    Raises :class:`~coderlib.drg.engine.VersionError` for a date outside FY2026 (unless
    ``allow_older``). An invalid principal diagnosis gives DRG 999 with an error edit
    saying why; invalid secondaries/procedures are left out with an error edit each.

    >>> r = group(Encounter(pdx="N40"))
    >>> r.drg, r.warnings[0].edit, "header" in r.warnings[0].message
    ('999', 'invalid_pdx', True)
    """
    if not isinstance(encounter, Encounter):
        raise TypeError(f"group() needs an Encounter, got {type(encounter).__name__}")
    engine = engine_for_date(encounter.discharge_date, allow_older)
    edits = mce.check(encounter, engine)
    stop = mce.blocking(edits)
    if stop is not None:
        return _ungroupable(engine.version, edits, stop.message, explain_result)
    pdx = encounter.pdx
    sdx = encounter.sdx
    invalid = (frozenset(e.code for e in edits if e.edit == "invalid_sdx") if edits
               else frozenset())
    dxmap = engine.dxmap
    dx = [pdx] + [c for c, _ in sdx if c not in invalid and dxmap.get(c)]
    prmap = engine.prmap
    procs = [p for p in dict.fromkeys(encounter.procedures) if p in prmap]
    drops = (hac_drops(pdx, sdx, encounter.procedures, engine.ccmap)
             if any(p in ("N", "U") for _, p in sdx) else frozenset())
    gsex = engine.grouping_sex(pdx, encounter.sex)
    raw = engine.group_codes(dx, procs, gsex, not encounter.died, encounter.discharge_status,
                             drops)
    if raw.drg is None:
        msg = (f"no MS-DRG {engine.version} logic matched principal diagnosis "
               f"{pdx} with these codes")
        edits.append(Edit("ungroupable", "error", pdx, "pdx", msg))
        return _ungroupable(engine.version, edits, msg, explain_result)
    drg = raw.drg
    info = engine.drgmap.get(drg, {})
    mdc = info.get("mdc") or ""
    if not mdc:
        pdx_mdcs = engine.pdx_mdcs(pdx)
        mdc = "00" if drg in PRE_MDC_DRGS else (pdx_mdcs[0] if pdx_mdcs else "00")
    partition = "SURGICAL" if info.get("is_surgical") else "MEDICAL"
    feats = raw.features
    severity = ("MCC" if feats.get("_MCC") else "CC" if feats.get("_CC") else "NON_CC")
    ex = None
    if explain_result:
        ex = explain(engine, raw, pdx, encounter.sdx, encounter.procedures, encounter.died,
                     invalid, gsex, encounter.sex, mdc,
                     frozenset(e.code for e in edits if e.edit == "invalid_proc"))
    return GroupResult(drg, info.get("desc", ""), mdc, partition, severity, weight_of(drg),
                       engine.version, ex, edits)
