"""ICD-10-CM FY2026 on the real package data: counts, notes, 7th characters, errors, cache."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3

import pytest

from coderlib.codes import icd10cm
from coderlib.codes.cache import CachedDB, cache_path
from coderlib.codes.errors import CodeError


def test_billable_count_matches_package() -> None:
    import simple_icd_10_cm as pkg

    # leaves of the package's tree, minus 12 empty section headings (e.g. "C00-C96")
    leaves = {c.replace(".", "") for c in pkg.get_all_codes(True)
              if pkg.is_leaf(c) and "-" not in c and not c.isdigit()}
    assert icd10cm.billable_count() == len(leaves)
    assert {c.replace(".", "") for c in icd10cm.all_codes()} == leaves
    assert len(leaves) == 74_719  # the CMS FY2026 count of reportable codes


@pytest.mark.parametrize("raw", ["E11.9", "e119", " E11.9 ", "e 11.9"])
def test_normalisation_and_dotted_output(raw: str) -> None:
    rec = icd10cm.get(raw)
    assert rec.code == "E119" and rec.dotted == "E11.9" and rec.billable


def test_hierarchy() -> None:
    rec = icd10cm.get("E11.9")
    assert rec.chapter.code == "4" and "Endocrine" in rec.chapter.description
    assert rec.block is not None and rec.block.code == "E08-E13"
    assert rec.category is not None and rec.category.code == "E11"
    assert [lv.kind for lv in rec.ancestors] == ["chapter", "block", "category"]


def test_e11_excludes1_lists_e10_with_source() -> None:
    notes = icd10cm.get("E11.9").notes_of("excludes1")
    hit = [n for n in notes if "(E10.-)" in n.text]
    assert hit and hit[0].source == "E11" and hit[0].source_kind == "category"
    # the chapter's Excludes1 is inherited too, tagged with the chapter
    assert any(n.source == "4" and "P70-P74" in n.text for n in notes)


def test_f02_code_first_inherited() -> None:
    notes = icd10cm.get("F02.80").notes_of("code_first")
    assert notes and all(n.source == "F02" for n in notes)
    assert any("Alzheimer" in n.text for n in notes)


def test_notes_nearest_first_and_all_kinds_known() -> None:
    rec = icd10cm.get("S72.001A")
    sources = [n.source for n in rec.notes]
    assert sources.index("S72") < sources.index("19")
    assert {n.kind for n in rec.notes} <= set(icd10cm.NOTE_KINDS)
    assert rec.notes_of("seventh_character_note")[0].source == "S72"


def test_header_lists_billable_children_and_validate_rejects_it() -> None:
    rec = icd10cm.get("E11.2")
    assert not rec.billable
    assert rec.billable_children == ("E11.21", "E11.22", "E11.29")
    with pytest.raises(CodeError) as err:
        icd10cm.validate("E11.2")
    assert err.value.reason == "header"
    assert err.value.suggestions == ["E11.21", "E11.22", "E11.29"]


def test_seventh_character_required() -> None:
    with pytest.raises(CodeError) as err:
        icd10cm.validate("S72.001")
    assert err.value.reason == "header"
    assert "needs a 7th character" in str(err.value)
    assert "A (initial encounter for closed fracture)" in err.value.message
    assert "S72.001A" in err.value.suggestions
    rec = icd10cm.get("S72.001A")
    assert rec.billable and rec.seventh_source == "S72"
    assert rec.seventh_characters["A"] == "initial encounter for closed fracture"


def test_build_code_with_placeholder_x() -> None:
    assert icd10cm.build_code("S72.001", "a") == "S72.001A"
    assert icd10cm.build_code("T36.0X1", "A") == "T36.0X1A"
    assert icd10cm.build_code("s020", "A") == "S02.0XXA"  # two placeholders
    with pytest.raises(CodeError, match="not a valid 7th character"):
        icd10cm.build_code("S72.001", "Z")
    with pytest.raises(CodeError, match="does not take a 7th character"):
        icd10cm.build_code("E11.9", "A")
    with pytest.raises(CodeError, match="already has"):
        icd10cm.build_code("S72.001A", "A")


def test_missing_placeholder_suggests_fixed_code() -> None:
    with pytest.raises(CodeError) as err:
        icd10cm.get("T36.01A")
    assert err.value.reason == "unknown"
    assert "placeholder X" in err.value.message
    assert err.value.suggestions == ["T36.0X1A"]


def test_distinct_errors() -> None:
    reasons = {}
    for code in ("11.9", "E11.99", "E11", "Q"):
        try:
            icd10cm.validate(code)
        except CodeError as err:
            reasons[code] = err.reason
    assert reasons == {"11.9": "malformed", "E11.99": "unknown", "E11": "header",
                       "Q": "malformed"}
    with pytest.raises(CodeError) as err:
        icd10cm.get("E11.9", on="2015-09-30")
    assert err.value.reason == "not_valid_on_date"
    assert "not valid on 2015-09-30: that is before ICD-10 took effect (2015-10-01)" in \
        err.value.message


def test_fiscal_year_boundaries() -> None:
    assert icd10cm.fiscal_year(dt.date(2025, 9, 30)) == 2025
    assert icd10cm.fiscal_year(dt.date(2025, 10, 1)) == 2026
    icd10cm.get("E11.9", on="2025-10-01")
    icd10cm.get("E11.9", on=dt.date(2026, 4, 1))  # April update is part of FY2026
    icd10cm.get("E11.9", on="2026-09-30")
    assert icd10cm.get("E11.9", on="2026-10-01").fiscal_year == 2027  # FY2027 code set
    assert icd10cm.get("E11.9", on="2026-10-01").version == "FY2027"
    assert icd10cm.get("E11.9").fiscal_year == 2026  # no date: the bundled FY2026 Tabular
    with pytest.raises(CodeError) as err:  # FY2028: no code tables installed for it
        icd10cm.get("E11.9", on="2027-10-01")
    assert "FY2028" in err.value.message and "codesets import" in err.value.message
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        icd10cm.get("E11.9", on="10/01/2025")


def test_excludes1_conflicts() -> None:
    found = icd10cm.excludes1_conflicts(["e11.9", "E10.9", "I10"])
    pairs = {(c.code, c.excluded) for c in found}
    assert pairs == {("E11.9", "E10.9"), ("E10.9", "E11.9")}
    c = next(c for c in found if c.code == "E11.9")
    assert c.source == "E11" and "(E10.-)" in c.note
    assert icd10cm.excludes1_conflicts(["E11.9", "I10", "Z79.4"]) == []


def test_parse_refs_ranges() -> None:
    assert icd10cm.parse_refs("hypothyroidism, acquired (E00-E03.-)") == [("E00", "E03")]
    assert icd10cm.parse_refs("trypanosomiasis (B56.-, B57.-)") == [("B56", "B56"),
                                                                     ("B57", "B57")]


def test_blocks_and_search_rows() -> None:
    assert icd10cm.get("e08-e13").kind == "block"
    rows = list(icd10cm.iter_search_rows())
    assert sum(r.billable for r in rows) == icd10cm.billable_count()
    i10 = next(r for r in rows if r.code == "I10")
    assert any("high blood pressure" in t.lower() for t in i10.terms)


def test_corrupt_real_cache_is_rebuilt(tmp_path, monkeypatch) -> None:
    icd10cm.get("E11.9")  # make sure the real cache exists
    monkeypatch.setenv("CODERLIB_CACHE", str(tmp_path))
    shutil.copy(icd10cm.DB.con.execute("PRAGMA database_list").fetchone()[2],
                tmp_path / "icd10cm.sqlite")
    path = cache_path("icd10cm")
    assert path.parent == tmp_path
    data = bytearray(path.read_bytes())
    data[4096 * 3: 4096 * 40] = b"\xde\xad\xbe\xef" * (4096 * 37 // 4)  # smash pages 4..40
    path.write_bytes(bytes(data))
    db = CachedDB("icd10cm", icd10cm.cache_key, icd10cm._build)
    rows = db.all("SELECT description FROM node WHERE code = 'E119'")
    assert rows == [("Type 2 diabetes mellitus without complications",)]
    assert db.con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT count(*) FROM node WHERE billable=1").fetchone()[0] == \
            icd10cm.billable_count()


def test_every_code_in_the_set_is_well_formed_and_found() -> None:
    codes = icd10cm.all_codes(billable_only=False)
    assert all(icd10cm.CODE_RE.match(c.replace(".", "")) for c in codes)
    assert icd10cm.get("qa0.0101").billable  # FY2026's letter-second category QA0


def test_damaged_lookup_chunk_is_rebuilt(tmp_path, monkeypatch) -> None:
    """A chunk blob that SQLite reads fine but marshal cannot is never trusted."""
    icd10cm.get("E11.9")
    monkeypatch.setenv("CODERLIB_CACHE", str(tmp_path))
    shutil.copy(icd10cm.DB.con.execute("PRAGMA database_list").fetchone()[2],
                tmp_path / "icd10cm.sqlite")
    path = cache_path("icd10cm")
    with sqlite3.connect(path) as con:
        con.execute("UPDATE chunk SET blob = ? WHERE letter = 'E'", (b"\x00garbage",))
    db = CachedDB("icd10cm", icd10cm.cache_key, icd10cm._build)
    monkeypatch.setattr(icd10cm, "DB", db)
    monkeypatch.setattr(icd10cm, "_CHUNKS", {})
    assert icd10cm._chunk("E")["E119"][5] == "Type 2 diabetes mellitus without complications"
    db.close()
    with sqlite3.connect(path) as con:
        blob = con.execute("SELECT blob FROM chunk WHERE letter = 'E'").fetchone()[0]
    assert not blob.startswith(b"\x00garbage")


# ----------------------------------------------------------------------------- FY2027

def test_fy2027_code_set_counts_from_cms_tables() -> None:
    from coderlib.codes import years

    assert len(years.valid_codes("icd10cm", dt.date(2026, 12, 1))) == 74879
    assert len(years.valid_codes("icd10pcs", dt.date(2026, 12, 1))) == 79256
    s = years.year_summary("icd10cm", 2027)
    assert (s["new"], s["deleted"]) == (190, 30)
    assert years.installed_years()[-1] == 2027


def test_fy2027_new_code_without_bundled_title() -> None:
    info = icd10cm.validate("C78.31", on="2026-12-01")
    assert info.billable and info.fiscal_year == 2027
    assert info.description == ("valid in FY2027; title not bundled — import the CMS "
                                "release to see it")
    assert [lv.code for lv in info.ancestors][-2:] == ["C78", "C78.3"]
    assert info.notes  # inherited from C78 and the chapter
    assert icd10cm.is_billable("C78.31")
    with pytest.raises(CodeError) as err:  # new on 2026-10-01: not valid in FY2026
        icd10cm.validate("C78.31", on="2026-09-30")
    assert err.value.reason == "not_valid_on_date" and "2026-10-01" in err.value.message


def test_fy2027_deleted_code_names_its_fy2026_status() -> None:
    assert icd10cm.validate("I42.0", on="2026-09-30").billable
    with pytest.raises(CodeError) as err:
        icd10cm.validate("I42.0", on="2026-12-01")
    e = err.value
    assert e.reason == "not_valid_on_date"
    assert "deleted for FY2027" in e.message and "valid in FY2026" in e.message
    assert "I42.00" in e.suggestions and "I42.01" in e.suggestions
    # a header is valid on a date when some code under it is
    assert icd10cm.get("I42", on="2026-12-01").fiscal_year == 2027
