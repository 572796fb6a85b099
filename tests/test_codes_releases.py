"""Importing CMS release files; the Alphabetic Index, Neoplasm Table and Drug Table lookups.

Fixtures are in the real CMS layouts: ``cms/icd10cm_index_2027_excerpt.xml`` is an excerpt of
CMS's FY2027 Index; the files in ``cms/release2027`` were written from the published schemas
(titles marked FIXTURE are test data, not CMS text). The real April 2026 Tabular comes from
``simple-icd-10-cm``.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from importlib.util import find_spec
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coderlib.codes import alpha_index, icd10cm, releases
from coderlib.codes.cms_files import ReleaseFileError, classify
from coderlib.codes.errors import CodeError

FIX = Path(__file__).parent / "fixtures" / "cms"
RELEASE = FIX / "release2027"
runner = CliRunner()


@pytest.fixture
def release_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty releases folder; the FY2027 fixture release imported into it."""
    monkeypatch.setenv("CODERLIB_RELEASES", str(tmp_path / "releases"))
    releases._OPEN.clear()
    icd10cm._get_cached.cache_clear()
    yield tmp_path / "releases"
    releases._OPEN.clear()
    icd10cm._get_cached.cache_clear()


@pytest.fixture
def installed(release_dir: Path) -> Path:
    from coderlib.codes import search

    before = search.cache_key()
    done = releases.import_release(RELEASE)
    assert search.cache_key() != before  # imported titles become searchable
    assert [(r["system"], r["fiscal_year"]) for r in done] == [("icd10cm", 2027),
                                                                 ("icd10pcs", 2027)]
    return release_dir


def test_file_names_are_recognised() -> None:
    assert classify("icd10cm_order_2027.txt") == ("order", 2027)
    assert classify("icd10cm-tabular-2027.xml") == ("tabular", 2027)
    assert classify("icd10cm_eindex_2027.xml") == ("eindex", 2027)
    assert classify("icd10cm-order-April-2027.txt") == ("order", 2027)
    assert classify("icd10pcs_tables_2027.xml") == ("pcs_tables", 2027)
    assert classify("icd10cm_tables_2027.xml") is None
    assert classify("notes.txt") is None


def test_import_gives_titles_to_fy2027_codes(installed: Path) -> None:
    info = icd10cm.get("C78.31", on="2026-12-01")
    assert info.description == "FIXTURE long title for C78.31 (test data, not CMS text)"
    assert releases.reportable("icd10cm", "C7831", 2027) is True
    extra = [r for r in icd10cm.iter_search_rows() if r.version == "FY2027 (imported)"]
    assert {r.code for r in extra} == {"C7831", "C7832", "I4200"}  # not in the FY2026 Tabular
    assert extra[0].description.startswith("FIXTURE long title")
    from coderlib.codes import icd10pcs

    new_pcs = icd10pcs.get("028F3Z0", on="2026-12-01")
    assert new_pcs.description == "FIXTURE long title for 028F3Z0 (test data, not CMS text)"
    assert new_pcs.description_source == "imported CMS release FY2027 (order file)"
    assert icd10pcs.get("0DTJ4ZZ").description_source == "icd10coder"  # bundled title kept
    assert releases.reportable("icd10cm", "C783", 2027) is False  # a header in the file
    rows = releases.installed()
    assert {r["system"] for r in rows} == {"icd10cm", "icd10pcs"}
    cm = next(r for r in rows if r["system"] == "icd10cm")
    assert cm["kinds"] == ["drug", "eindex", "index", "neoplasm", "order"]


def test_real_fy2027_index_excerpt(release_dir: Path) -> None:
    folder = release_dir.parent / "excerpt"
    folder.mkdir()
    shutil.copy(FIX / "icd10cm_index_2027_excerpt.xml", folder / "icd10cm_index_2027.xml")
    releases.import_release(folder)
    res = alpha_index.walk("abasia")
    assert res.entries[0].nemod == "(-astasia) (hysterical)"
    assert "Abasia (-astasia) (hysterical)  F44.4" in res.lines()[1]
    res = alpha_index.walk("abnormal, chromosome, sex, female phenotype, specified NEC")
    assert [e.level for e in res.entries] == [0, 1, 2, 3, 4]
    assert res.code == "Q97.8" and res.tabular.billable
    res = alpha_index.walk("abnormalities, auditory perception")  # a variant of the title
    assert res.entries[-1].incomplete and res.code == "H93.29-"
    assert "H93.291" in res.tabular_message and "incomplete" in res.tabular_message
    res = alpha_index.walk("abandonment")
    assert res.entries[0].see == "Maltreatment"
    assert alpha_index.walk("abdomen").entries[0].see_also == "condition"
    with pytest.raises(LookupError, match="no main term"):
        alpha_index.walk("zzz")


def test_index_walk_hands_over_to_the_tabular(installed: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    res = alpha_index.walk("infarction, myocardial")
    assert [e.title for e in res.entries] == ["Infarct, infarction",
                                              "myocardium, myocardial"]
    assert res.code == "I21.9" and res.tabular.dotted == "I21.9"
    assert any(n.kind == "excludes2" for n in res.tabular.notes)
    res = alpha_index.walk("infarction, myocardial, st elevation, anterior")
    assert res.code == "I21.09"
    ext = alpha_index.walk("fall, from, bed", kind="eindex")
    assert ext.code == "W06" and "W06.XXXA" in ext.tabular_message  # needs a 7th character
    hits = alpha_index.find("urinary infection")
    assert hits and hits[0].code == "N39.0"
    from coderlib.codes import search
    from coderlib.codes.search import search_with_index

    # keep the shared search index as it is (rebuilding it for the fixture costs ~20 s)
    monkeypatch.setattr(search, "_release_state", lambda: "")

    found = search_with_index("myocardial infarction st elevation anterior", limit=5)
    assert (found[0].dotted, found[0].matched) == ("I21.09", "index")
    assert found[0].matched_term.startswith("Infarct, infarction, myocardium")
    assert search_with_index("heart attack", limit=1)[0].dotted == "I21.9"  # lay vocabulary


def test_neoplasm_and_drug_tables(installed: Path) -> None:
    row = alpha_index.neoplasm("lung, upper lobe")
    assert row.columns == {"malignant_primary": "C34.1-", "malignant_secondary": "C78.0-",
                           "ca_in_situ": "D02.2-", "benign": "D14.3-", "uncertain": "D38.1",
                           "unspecified": "D49.1"}
    colon = alpha_index.neoplasm("colon")  # "see Neoplasm, intestine, large" is followed
    assert colon.columns["malignant_primary"] == "C18.9"
    assert alpha_index.neoplasm("Neoplasm, neoplastic, liver").columns["benign"] == "D13.4"
    assert alpha_index.drug("lithium").columns["underdosing"] is None
    assert alpha_index.drug("lithium, salts").columns["underdosing"] == "T43.596"
    assert alpha_index.drug("warfarin").columns["adverse_effect"] == "T45.515"
    with pytest.raises(LookupError, match="no entry"):
        alpha_index.drug("lithium, vapour")


def test_cli_index_neoplasm_drug_codesets(installed: Path) -> None:
    from coderlib.cli import app

    res = runner.invoke(app, ["drug", "lithium, salts", "--column", "underdosing", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["code"] == "T43.596"
    res = runner.invoke(app, ["neoplasm", "lung, upper lobe"])
    assert "C34.1-" in res.output and "incomplete" in res.output
    res = runner.invoke(app, ["index", "infarction, myocardial"])
    assert res.exit_code == 0 and "I21.9" in res.output
    res = runner.invoke(app, ["codesets", "list", "--json"])
    rows = json.loads(res.output)
    fy27 = next(r for r in rows if r["system"] == "icd10cm" and r["fiscal_year"] == 2027)
    assert fy27["valid"] == 74879 and fy27["new"] == 190 and fy27["deleted"] == 30
    assert fy27["titles"].startswith("imported CMS release")


def test_index_not_installed_is_a_clear_error(release_dir: Path) -> None:
    from coderlib.cli import app

    with pytest.raises(alpha_index.IndexNotInstalled, match="codesets import"):
        alpha_index.walk("infarction")
    assert alpha_index.find("heart attack") == []
    res = runner.invoke(app, ["neoplasm", "lung"])
    assert res.exit_code == 1 and "not installed" in res.output


# ----------------------------------------------------------------------------- bad input

def _state(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _refused(path: Path, match: str, folder: Path) -> None:
    before = _state(folder)
    with pytest.raises(ReleaseFileError, match=match) as err:
        releases.import_release(path)
    assert path.name in str(err.value) or "icd10" in str(err.value)
    assert _state(folder) == before  # installed code sets unchanged


def test_bad_releases_are_refused_and_nothing_changes(installed: Path, tmp_path: Path) -> None:
    # unknown year
    odd = tmp_path / "icd10cm_order_1999.txt"
    shutil.copy(RELEASE / "icd10cm_order_2027.txt", odd)
    _refused(odd, r"icd10cm_order_1999.txt: FY1999 is not an ICD-10 code-set year", installed)
    # a zip that is not a CMS release
    other = tmp_path / "photos.zip"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("readme.txt", "hello")
    _refused(other, r"photos.zip: no CMS release files inside", installed)
    # an XML of the wrong kind: the Drug Table saved under the Neoplasm Table's name
    wrong = tmp_path / "wrong"
    wrong.mkdir()
    shutil.copy(RELEASE / "icd10cm_drug_2027.xml", wrong / "icd10cm_neoplasm_2027.xml")
    _refused(wrong, r"icd10cm_neoplasm_2027.xml: expected the ICD-10-CM Table of Neoplasms",
             installed)
    tab = tmp_path / "tab"
    tab.mkdir()
    shutil.copy(RELEASE / "icd10pcs_tables_2027.xml", tab / "icd10cm_index_2027.xml")
    _refused(tab, r"root element <ICD10CM.index>\), found <ICD10PCS.tabular>", installed)
    # a truncated file inside an otherwise good zip: the whole import is refused
    cut = tmp_path / "icd10cm_2027.zip"
    with zipfile.ZipFile(cut, "w") as zf:
        for p in RELEASE.iterdir():
            data = p.read_bytes()
            zf.writestr(p.name, data[: len(data) // 2] if p.name.startswith("icd10cm_index")
                        else data)
    _refused(cut, r"icd10cm_index_2027.xml: not complete, well-formed XML", installed)
    # an order file in another layout
    bad = tmp_path / "icd10cm_order_2027.txt"
    bad.write_text("E11.9\tType 2 diabetes\n")
    _refused(bad, r"icd10cm_order_2027.txt, line 1: not in the CMS order-file layout",
             installed)
    # year in the name and in the file disagree
    mism = tmp_path / "mism"
    mism.mkdir()
    text = (RELEASE / "icd10cm_eindex_2027.xml").read_text()
    (mism / "icd10cm_eindex_2026.xml").write_text(text)
    _refused(mism, r"says <version>2027</version> but its name says 2026", installed)
    assert alpha_index.drug("warfarin").columns["underdosing"] == "T45.516"  # still there


def test_damaged_release_is_rebuilt_from_its_sources(installed: Path) -> None:
    path = releases.release_path("icd10cm", 2027)
    data = path.read_bytes()
    at = data.find(b"FIXTURE long title for C78.31")
    with open(path, "r+b") as fh:
        fh.seek(at)
        fh.write(b"G")
    releases._OPEN.clear()
    assert releases.title("icd10cm", "C7831", 2027).startswith("FIXTURE long title")


@pytest.mark.skipif(find_spec("simple_icd_10_cm") is None, reason="needs simple-icd-10-cm")
def test_real_cms_tabular_imports(release_dir: Path) -> None:
    data = Path(next(iter(find_spec("simple_icd_10_cm").submodule_search_locations))) / "data"
    folder = release_dir.parent / "tab2026"
    folder.mkdir()
    shutil.copy(data / "icd10c-tabular-April-1-2026.xml", folder / "icd10cm_tabular_2026.xml")
    (row,) = releases.import_release(folder)
    assert row["fiscal_year"] == 2026 and row["kinds"] == ["tabular"]
    assert releases.title("icd10cm", "E119", 2026) == \
        "Type 2 diabetes mellitus without complications"


def test_imported_order_file_serves_a_year_past_the_cms_tables(release_dir: Path,
                                                               tmp_path: Path) -> None:
    folder = tmp_path / "fy2028"
    folder.mkdir()
    shutil.copy(RELEASE / "icd10cm_order_2027.txt", folder / "icd10cm_order_2028.txt")
    with pytest.raises(CodeError, match="FY2028"):  # nothing installed for FY2028
        icd10cm.validate("E11.9", on="2027-12-01")
    releases.import_release(folder)
    info = icd10cm.validate("E11.9", on="2027-12-01")
    assert info.fiscal_year == 2028
    with pytest.raises(CodeError) as err:  # not listed in the FY2028 order file
        icd10cm.validate("I10", on="2027-12-01")
    assert err.value.reason == "not_valid_on_date"
    assert icd10cm.get("C78.3", on="2027-12-01").fiscal_year == 2028  # a header with codes


def test_cli_import_refuses_a_bad_file_naming_it(release_dir: Path, tmp_path: Path) -> None:
    from coderlib.cli import app

    bad = tmp_path / "icd10cm_index_2027.xml"
    bad.write_bytes((RELEASE / "icd10cm_index_2027.xml").read_bytes()[:500])
    res = runner.invoke(app, ["codesets", "import", str(bad)])
    assert res.exit_code == 1
    assert "icd10cm_index_2027.xml: not complete, well-formed XML" in res.output
    assert "installed code sets unchanged" in res.output
    res = runner.invoke(app, ["codesets", "import", str(RELEASE), "--json"])
    assert res.exit_code == 0 and json.loads(res.output)[0]["fiscal_year"] == 2027


def test_encoder_and_code_box_put_the_index_first(installed: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """With a CMS Index imported, the apps' searches walk it first, as coders do."""
    from coderlib.codes import search
    from coderlib.ui.encoder import Encoder
    from coderlib.ui.kit import CodeEntry

    monkeypatch.setattr(search, "_release_state", lambda: "")  # keep the shared index
    enc = Encoder()
    enc.date.value = "2026-12-01"
    enc.box.value = "myocardial infarction st elevation anterior"
    hits = enc.run_search()
    assert (hits[0].dotted, hits[0].matched) == ("I21.09", "index")
    enc.date.value = "2026-12"  # a date still being typed: the newest year's Index
    assert enc.run_search()[0].dotted == "I21.09"
    box = CodeEntry()
    first = box.find("myocardial infarction st elevation anterior")[0]
    assert (first.dotted, first.matched) == ("I21.09", "index")
