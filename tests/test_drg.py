"""MS-DRG grouping: the CMS oracle cases, explanation, MCE edits, versions."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from coderlib.drg import Encounter, EncounterError, VersionError, group, version_for_date

ORACLE = (Path(__file__).resolve().parents[2] / "shared" / "oracles" / "msdrg-v43"
          / "cms_grouper_v43_targeted.csv")


def _oracle_rows() -> list[dict[str, str]]:
    if not ORACLE.exists():
        return []
    with ORACLE.open(newline="") as fh:
        return list(csv.DictReader(fh))


def _sdx(cell: str) -> list[tuple[str, str]]:
    out = []
    for item in filter(None, cell.split(";")):
        if "(POA=" in item:
            code, poa = item.split("(POA=")
            out.append((code, poa.rstrip(")")))
        else:
            out.append((item, "Y"))
    return out


@pytest.mark.skipif(not ORACLE.exists(), reason="shared/oracles not present")
@pytest.mark.parametrize("row", _oracle_rows(), ids=lambda r: f"case{r['test_id']}")
def test_oracle_case(row: dict[str, str]) -> None:
    # README: age 65, male, status 01, POA Y unless written; v43 (FY2026)
    enc = Encounter(pdx=row["principal"], sdx=_sdx(row["secondaries"]), age=65, sex="M",
                    discharge_status="01", discharge_date=date(2025, 10, 15))
    res = group(enc)
    assert res.drg.lstrip("0") == row["cms_drg"]
    assert int(res.mdc) == int(row["cms_mdc"])
    assert res.severity == row["cms_severity"]
    assert res.partition == row["cms_medsurg"]
    want = dict(x.split("=") for x in filter(None, row["sdx_severities"].split("|")))
    assert res.explanation.sdx_severities() == want
    if res.drg == "999":
        assert res.errors, "DRG 999 must come with an error saying why"


def test_no_exclusion_cc_codes_count() -> None:
    # J12.82 (MCC) and Z16.21 (CC) have no CC-exclusion list in Table 6K: they count
    res = group(Encounter(pdx="J189", sdx=["J1282"]))
    assert res.drg == "193" and res.explanation.secondaries[0].verdict == "MCC"
    assert group(Encounter(pdx="J189", sdx=["Z1621"])).drg == "194"


def test_versions_by_discharge_date() -> None:
    assert version_for_date(date(2025, 10, 1)) == "v43"
    assert version_for_date(date(2026, 3, 31)) == "v43"
    assert version_for_date(date(2026, 4, 1)) == "v43.1"
    with pytest.raises(VersionError, match="before 2025-10-01"):
        version_for_date(date(2025, 9, 30))
    assert version_for_date(date(2025, 9, 30), allow_older=True) == "v42.1"
    assert version_for_date(date(2022, 10, 1), allow_older=True) == "v40"
    with pytest.raises(VersionError, match="v40"):
        version_for_date(date(2022, 9, 30), allow_older=True)
    assert version_for_date(date(2026, 10, 1)) == "v44"
    assert version_for_date(date(2027, 3, 31)) == "v44"
    with pytest.raises(VersionError, match="2027-03-31"):
        version_for_date(date(2027, 4, 1))
    res = group(Encounter(pdx="I5022", discharge_date="2026-06-01"))
    assert res.version == "v43.1" and res.drg == "293"


# --- explanation on hand-built surgical cases -------------------------------------------

def test_or_procedure_moves_stay_to_surgical() -> None:
    med = group(Encounter(pdx="K8010"))
    surg = group(Encounter(pdx="K8010", procedures=["0FT44ZZ"]))  # lap cholecystectomy
    assert med.partition == "MEDICAL" and med.drg == "446"
    assert surg.partition == "SURGICAL" and surg.drg == "419"
    ex = surg.explanation
    assert ex.deciding_procedures == ["0FT44ZZ"]
    assert ex.procedures[0].is_or and "0FT44ZZ" in ex.partition_reason


def test_non_or_procedure_stays_medical() -> None:
    # 0BH17EZ: endotracheal airway insertion, a non-O.R. procedure
    res = group(Encounter(pdx="K8010", procedures=["0BH17EZ"]))
    assert res.partition == "MEDICAL" and res.drg == "446"
    proc = res.explanation.procedures[0]
    assert not proc.is_or and not proc.deciding
    assert res.explanation.partition_reason.startswith("Medical")


def test_unrelated_or_procedure_goes_to_98x() -> None:
    res = group(Encounter(pdx="I5022", sdx=["J9601"], procedures=["0FT44ZZ"]))
    assert res.drg == "987" and res.partition == "SURGICAL"
    assert "not related" in res.explanation.procedures[0].detail
    assert res.explanation.deciding_sdx == ["J9601"]


def test_poa_n_on_hac_drops_the_cc() -> None:
    base = dict(pdx="J189", discharge_date="2025-12-01")
    counted = group(Encounter(sdx=[("T83511A", "Y")], **base))  # CAUTI, present on admission
    dropped = group(Encounter(sdx=[("T83511A", "N")], **base))
    assert counted.drg == "194" and counted.explanation.secondaries[0].verdict == "CC"
    assert dropped.drg == "195"
    v = dropped.explanation.secondaries[0]
    assert v.verdict == "CC_EXCLUDED" and v.reason == "hac_poa" and "06" in v.detail
    # W (clinically undetermined) keeps the CC, U drops it
    assert group(Encounter(sdx=[("T83511A", "W")], **base)).drg == "194"
    assert group(Encounter(sdx=[("T83511A", "U")], **base)).drg == "195"


def test_hac_with_procedure_condition() -> None:
    # PE is a HAC only after hip/knee replacement; here: hip fracture with total hip
    no_proc = group(Encounter(pdx="S72001A", sdx=[("I2699", "N")]))
    assert no_proc.explanation.secondaries[0].verdict == "MCC"
    with_proc = group(Encounter(pdx="S72001A", sdx=[("I2699", "N")], procedures=["0SR9019"]))
    assert with_proc.explanation.secondaries[0].reason == "hac_poa"
    assert with_proc.partition == "SURGICAL"


def test_died_excludes_alive_only_mcc() -> None:
    alive = group(Encounter(pdx="I214", sdx=["I469"], discharge_status="01"))
    died = group(Encounter(pdx="I214", sdx=["I469"], discharge_status="20"))
    assert alive.drg == "280"
    assert died.drg == "285"
    assert died.explanation.secondaries[0].reason == "died"


def test_pdx_exclusion_names_the_collection() -> None:
    res = group(Encounter(pdx="I5021", sdx=["I5022"]))
    v = res.explanation.secondaries[0]
    assert v.verdict == "CC_EXCLUDED" and v.reason == "pdx_exclusion"
    assert "PDX collection" in v.detail


# --- MCE-style edits -----------------------------------------------------------------------

def test_invalid_pdx_is_999_with_reason() -> None:
    header = group(Encounter(pdx="N40"))
    assert header.drg == "999" and header.errors[0].edit == "invalid_pdx"
    assert "N40.1" in header.errors[0].suggestions
    unknown = group(Encounter(pdx="T3011XA"))
    assert unknown.drg == "999" and "T30.11XA" in unknown.errors[0].message
    ext = group(Encounter(pdx="W010XXA"))
    assert ext.drg == "999" and ext.errors[0].edit == "external_cause_pdx"


def test_sex_conflict_is_a_warning_not_a_regroup() -> None:
    res = group(Encounter(pdx="N921", sex="M"))
    assert res.drg == "761" and res.mdc == "13"
    assert [w.edit for w in res.warnings] == ["sex_conflict"]
    assert not group(Encounter(pdx="N921", sex="F")).warnings


def test_manifestation_and_secondary_only_pdx_warn() -> None:
    assert "manifestation_pdx" in [w.edit for w in group(Encounter(pdx="D631")).warnings]
    assert "unacceptable_pdx" in [w.edit for w in group(Encounter(pdx="Z8546")).warnings]


def test_age_conflict_and_bad_secondaries() -> None:
    res = group(Encounter(pdx="O80", sex="F", age=70))
    assert "age_conflict" in [w.edit for w in res.warnings]
    res = group(Encounter(pdx="I5022", sdx=["XYZ", "I5022", "J9601"], procedures=["abc"]))
    edits = {w.edit for w in res.warnings}
    assert {"invalid_sdx", "duplicate_dx", "invalid_proc"} <= edits
    assert res.drg == "291"


def test_encounter_validation_names_the_field() -> None:
    with pytest.raises(EncounterError, match="sex"):
        Encounter(pdx="I10", sex="X")
    with pytest.raises(EncounterError, match=r"sdx\[0\]"):
        Encounter(pdx="I10", sdx=[("E119", "Q")])
    with pytest.raises(EncounterError, match="discharge_date"):
        Encounter(pdx="I10", discharge_date="yesterday")
    with pytest.raises(EncounterError, match="pdx"):
        Encounter(pdx="  ")


def test_extensive_burn_without_mv_groups_to_933() -> None:
    # T32.55: corrosion of 50-59% of body surface with 50-59% third degree (extensive burn)
    assert group(Encounter(pdx="T3255")).drg == "933"
    assert group(Encounter(pdx="T3255", procedures=["0HR0X72"])).drg == "927"  # skin graft
    # full-thickness (not extensive) burn still needs MV >96 h for 933
    assert group(Encounter(pdx="T2030XA")).drg != "933"


def test_unacceptable_principal_follows_cms_list() -> None:
    """The edit is CMS's MCE list, not a pattern: Z21 and Z79.01 may be principal, Z87.891 not."""
    def edits(pdx: str) -> list[str]:
        return [w.edit for w in group(Encounter(pdx=pdx, discharge_date="2026-03-01")).warnings]

    assert "unacceptable_pdx" not in edits("Z21")
    assert "unacceptable_pdx" not in edits("Z7901")
    assert "unacceptable_pdx" in edits("Z87891")
