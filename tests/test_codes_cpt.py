"""CPT: section structure, licensed-file loader, teaching subset (no AMA text)."""

from __future__ import annotations

from pathlib import Path

import pytest

from coderlib.codes import cpt
from coderlib.codes.errors import CodeError

FIXTURE = Path(__file__).parent / "fixtures" / "cpt" / "licensed_cpt_sample.txt"


@pytest.fixture(autouse=True)
def _no_file(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("CODERLIB_CPT_FILE", raising=False)
    cpt.use_cpt_file(None)
    yield
    cpt.use_cpt_file(None)


@pytest.mark.parametrize("code, section, subsection", [
    ("99213", "Evaluation and Management", "Office or Other Outpatient Services"),
    ("99285", "Evaluation and Management", "Emergency Department Services"),
    ("99223", "Evaluation and Management", "Hospital Inpatient and Observation Care"),
    ("00790", "Anesthesia", None),
    ("99135", "Anesthesia", "Qualifying Circumstances for Anesthesia"),
    ("10004", "Surgery", "General"),
    ("27447", "Surgery", "Musculoskeletal System"),
    ("44970", "Surgery", "Digestive System"),
    ("69990", "Surgery", "Operating Microscope"),
    ("71046", "Radiology", "Diagnostic Radiology (Diagnostic Imaging)"),
    ("77067", "Radiology", "Breast, Mammography"),
    ("80053", "Pathology and Laboratory", "Organ or Disease Oriented Panels"),
    ("89398", "Pathology and Laboratory", "Reproductive Medicine Procedures"),
    ("90471", "Medicine", "Immunization Administration"),
    ("90715", "Medicine", "Vaccines and Toxoids"),
    ("99607", "Medicine", "Medication Therapy Management Services"),
])
def test_section_of(code: str, section: str, subsection: str | None) -> None:
    s = cpt.section_of(code)
    assert (s.category, s.name, s.subsection) == ("Category I", section, subsection)


def test_category_ii_iii_and_pla_formats() -> None:
    assert cpt.section_of("3074f").category == "Category II"
    assert cpt.section_of("0042T").category == "Category III"
    assert cpt.section_of("0001U").category == "PLA"
    with pytest.raises(CodeError) as err:
        cpt.section_of("0042X")
    assert err.value.reason == "malformed"
    with pytest.raises(CodeError) as err:
        cpt.section_of("05000")  # a gap between anesthesia and surgery
    assert err.value.reason == "unknown"


def test_teaching_subset_is_ours() -> None:
    known = cpt.known_codes()
    # A teaching subset (the codes the exercises use), never a whole CPT code list.
    assert 55 <= len(known) <= 200
    for code in ["99202", "99203", "99204", "99205", *(f"9921{n}" for n in range(1, 6))]:
        assert code in known
    for code in ("99281", "99285", "99221", "99239"):
        assert code in known
    c = cpt.get("99213")
    assert c.description_source == "coderlib plain-language summary"
    assert c.section.name == "Evaluation and Management"


def test_licensed_file_replaces_descriptions(monkeypatch: pytest.MonkeyPatch) -> None:
    data = cpt.load_cpt_file(FIXTURE)
    assert data["99213"] == "MADE-UP DESCRIPTOR FOR TESTS: established office visit, level 3"
    assert "CODE" not in data  # header skipped
    monkeypatch.setenv("CODERLIB_CPT_FILE", str(FIXTURE))
    c = cpt.get("99213")
    assert c.description.startswith("MADE-UP") and c.description_source.startswith("licensed")
    assert c.plain  # our summary is still there
    assert cpt.get("12345").description.startswith("MADE-UP")  # only in the licensed file
    rows = {r.code: r for r in cpt.iter_search_rows()}
    assert rows["99213"].description.startswith("MADE-UP")
    assert rows["25"].billable is False  # CPT modifiers are searchable


def test_loader_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("99213\tok\nnot a code line\n")
    with pytest.raises(ValueError, match="code<TAB>descriptor"):
        cpt.load_cpt_file(bad)


def test_code_errors() -> None:
    for bad, hint in (("9921", ""), ("J1885", "HCPCS"), ("-25", "modifier")):
        with pytest.raises(CodeError) as err:
            cpt.get(bad)
        assert err.value.reason == "malformed" and hint in err.value.message
    with pytest.raises(CodeError) as err:
        cpt.get("99216")
    assert err.value.reason == "unknown" and "licensed CPT file" in err.value.message
    assert "99215" in err.value.suggestions
