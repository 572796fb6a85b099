"""HCPCS Level II: the official annual-file layout, the teaching subset, lookups."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest

from coderlib.codes import hcpcs
from coderlib.codes.errors import CodeError

FIXTURE = Path(__file__).parent / "fixtures" / "hcpcs" / "HCPC2016_CONTR_ANWEB_sample.txt"


@pytest.fixture(autouse=True)
def _no_file(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("CODERLIB_HCPCS_FILE", raising=False)
    hcpcs.use_annual_file(None)
    yield
    hcpcs.use_annual_file(None)


def test_fixture_is_in_the_official_record_layout() -> None:
    lines = FIXTURE.read_text(encoding="latin-1").splitlines()
    assert all(line[10] in "3478" for line in lines)
    assert {len(line) for line in lines if line[10] in "37"} == {320}


def test_annual_file_fields() -> None:
    df = hcpcs.load_hcpcs_annual_file(FIXTURE).set_index("code")
    assert len(df) == 12 and df["is_modifier"].sum() == 3
    k = df.loc["J1885"]
    assert k["long_description"] == "Injection, ketorolac tromethamine, per 15 mg"
    assert k["short_description"] == "Ketorolac tromethamine inj"
    assert k["pricing_indicators"] == ("51",) and k["multiple_pricing"] == "A"
    assert k["coverage"] == "D" and k["betos"] == "O1E" and k["type_of_service"] == ("1", "P")
    assert k["added"] == date(1993, 1, 1) and k["action_effective"] == date(1997, 1, 1)
    assert k["terminated"] is None and k["action"] == "N"
    # continuation records (id 4) are joined onto the long description
    assert df.loc["J1830", "long_description"].endswith("when drug is self administered)")
    assert df.loc["A7017", "long_description"].endswith("not used with oxygen")
    # discontinued code: termination date and non-payable coverage
    gone = df.loc["J2271"]
    assert gone["terminated"] == date(2014, 12, 31) and gone["coverage"] == "I"
    assert gone["pricing_indicators"] == ("00",)
    assert df.loc["J1833", "action"] == "A" and df.loc["J1833", "asc_group"] == "YY"
    # modifier records (id 7/8)
    assert df.loc["AD", "is_modifier"]
    assert df.loc["AD", "long_description"].endswith("concurrent anesthesia procedures")


def test_xlsx_edition(tmp_path: Path) -> None:
    df = hcpcs.load_hcpcs_annual_file(FIXTURE)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["HCPC", "SEQNUM", "RECID", "LONG DESCRIPTION", "SHORT DESCRIPTION", "PRICE1",
               "MULT_PI", "COV", "BETOS", "TOS1", "ADD DT", "ACT EFF DT", "TERM DT",
               "ACTION CD"])
    for line in FIXTURE.read_text(encoding="latin-1").splitlines():
        line = line.ljust(320)
        ws.append([line[0:5].strip(), line[5:10], line[10], line[11:91].strip(),
                   line[91:119].strip(), line[119:121].strip(), line[127].strip(),
                   line[229].strip(), line[256:259].strip(), line[260].strip(),
                   line[268:276].strip(), line[276:284].strip(), line[284:292].strip(),
                   line[292].strip()])
    path = tmp_path / "HCPC2016_ANWEB.xlsx"
    wb.save(path)
    xl = hcpcs.load_hcpcs_annual_file(path).set_index("code")
    txt = df.set_index("code")
    assert list(xl.index) == list(txt.index)
    for col in ("long_description", "short_description", "coverage", "betos", "added",
                "terminated", "action"):
        assert xl[col].tolist() == txt[col].tolist(), col


def test_loader_rejects_other_layouts(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("J1885\tketorolac\n")
    with pytest.raises(ValueError, match="record id"):
        hcpcs.load_hcpcs_annual_file(bad)


def test_teaching_subset() -> None:
    codes = hcpcs.known_codes()
    assert 60 <= len(codes) <= 90
    prefixes = {c[0] for c in codes}
    assert {"A", "E", "G", "J", "Q", "L"} <= prefixes and "D" not in prefixes
    e = hcpcs.get("e0110")
    assert e.category == "DME" and "crutches" in e.description.lower()
    assert e.source == "coderlib teaching subset"


def test_annual_file_replaces_teaching_descriptions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CODERLIB_HCPCS_FILE", str(FIXTURE))
    k = hcpcs.get("J1885")
    assert k.description == "Injection, ketorolac tromethamine, per 15 mg"
    assert k.plain.startswith("Ketorolac")  # our words stay alongside
    assert k.source.startswith("CMS HCPCS annual file")
    assert hcpcs.get("J1833").plain == ""  # only in the file
    with pytest.raises(CodeError) as err:
        hcpcs.get("J2271", on="2016-01-01")
    assert err.value.reason == "not_valid_on_date"
    assert hcpcs.get("J2271", on=date(2014, 6, 1)).terminated == date(2014, 12, 31)
    rows = {r.code: r for r in hcpcs.iter_search_rows()}
    assert rows["J1885"].description.startswith("Injection, ketorolac")
    assert rows["LT"].billable is False  # Level II modifiers are searchable too


def test_code_errors() -> None:
    for bad, hint in (("J188", ""), ("99213", "CPT"), ("F1234", ""), ("LT", "modifier")):
        with pytest.raises(CodeError) as err:
            hcpcs.get(bad)
        assert err.value.reason == "malformed" and hint in err.value.message
    with pytest.raises(CodeError) as err:
        hcpcs.get("J1886")
    assert err.value.reason == "unknown" and "J1885" in err.value.suggestions
    assert "annual file" in err.value.message
