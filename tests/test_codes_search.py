"""Cross-system search and lookup dispatch on the real code sets; cache trust rules."""

from __future__ import annotations

import sqlite3

import pytest

from coderlib.codes import search as S
from coderlib.codes.cache import CachedDB, cache_path
from coderlib.codes.errors import CodeError
from coderlib.codes.lookup import candidate_systems, lookup, validate


def _codes(text: str, **kw) -> list[str]:
    return [h.dotted for h in S.search(text, **kw)]


def test_index_holds_all_four_systems() -> None:
    sizes = S.index_size()
    assert set(sizes) == {"icd10cm", "icd10pcs", "hcpcs", "cpt"}
    assert sizes["icd10cm"] > 90_000 and sizes["icd10pcs"] > 50_000


def test_words_rank_billable_first() -> None:
    hits = S.search("chest pain", system="icd10cm", limit=5)
    assert hits[0].dotted == "R07.9"  # exact description "Chest pain, unspecified"
    assert all(h.billable for h in hits)
    assert "R07.89" in [h.dotted for h in hits]


def test_exact_term_first_ignoring_nonessential_modifiers() -> None:
    # I10 "Essential (primary) hypertension" carries the term "hypertension (arterial) ..."
    assert _codes("hypertension", limit=3)[0] == "I10"


def test_misspelling_found() -> None:
    assert "diabetes" in S.corrections("diabetis")
    codes = _codes("diabetis type 2 without complications", system="icd10cm", limit=5)
    assert codes[0] == "E11.9"
    # the lay vocabulary catches the misspelled concept first; the rest come from fuzzy words
    assert [h.matched for h in S.search("diabetis", limit=3)][0] == "lay"
    assert all(h.matched in ("lay", "fuzzy", "exact") for h in S.search("diabetis", limit=3))


def test_partial_words() -> None:
    hits = S.search("femur fract", system="icd10cm", limit=10)
    assert hits and all("femur" in h.description.lower() and "fractur" in
                        h.description.lower() for h in hits)


def test_inclusion_terms_are_searched() -> None:
    # "Fracture of hip NOS" is an inclusion term of S72.00, not in any description
    hits = S.search("fracture of hip", system="icd10cm", limit=10)
    by_code = {h.dotted: h for h in hits}
    assert "S72.00" in by_code or any(c.startswith("S72.00") for c in by_code)
    term_hits = [h for h in hits if h.matched_term]
    assert any("hip" in (h.matched_term or "").lower() for h in term_hits)


def test_code_prefix_and_other_systems() -> None:
    assert _codes("E11.6", limit=3)[0] == "E11.6"
    assert "0DTJ4ZZ" in _codes("resection appendix percutaneous endoscopic",
                               system="icd10pcs", limit=5)
    assert all(h.system == "hcpcs" for h in S.search("wheelchair", system="hcpcs"))
    assert S.search("wheelchair", system="hcpcs")


def test_unknown_system_and_empty_query() -> None:
    with pytest.raises(CodeError) as err:
        S.search("x", system="icd9")
    assert err.value.reason == "unknown_system"
    assert S.search("   ") == []


def test_lookup_dispatch() -> None:
    assert lookup("e11.9").system == "icd10cm"
    assert lookup("0dtj4zz").system == "icd10pcs"
    assert lookup("99213").system == "cpt"
    assert lookup("-25").system == "modifier"
    amb = lookup("J1100")
    assert amb.system == "hcpcs" and amb.also == ["icd10cm"]
    assert lookup("J11.00").system == "icd10cm"
    assert candidate_systems("S72.001A") == ["icd10cm"]


def test_lookup_errors_are_distinct() -> None:
    cases = {"%%": "malformed", "E11.99": "unknown", "E11": "header"}
    for code, reason in cases.items():
        with pytest.raises(CodeError) as err:
            validate(code)
        assert err.value.reason == reason, code
    with pytest.raises(CodeError) as err:
        lookup("E11.9", on="2015-01-01")
    assert err.value.reason == "not_valid_on_date"
    with pytest.raises(CodeError) as err:
        lookup("E11.9", system="icd9")
    assert err.value.reason == "unknown_system"


# ---------------------------------------------------------------- cache trust rules

def _counting_builder(calls: list[int]):
    def build(con: sqlite3.Connection) -> None:
        calls.append(1)
        con.execute("CREATE TABLE t(x)")
        con.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(5000)])
    return build


@pytest.mark.parametrize("damage", ["garbage", "truncate", "pages", "no_marker"])
def test_damaged_cache_is_rebuilt(tmp_path, monkeypatch, damage: str) -> None:
    monkeypatch.setenv("CODERLIB_CACHE", str(tmp_path))
    calls: list[int] = []
    db = CachedDB("t", {"v": "1"}, _counting_builder(calls))
    assert db.one("SELECT sum(x) FROM t") == (sum(range(5000)),)
    db.close()
    path = cache_path("t")
    data = bytearray(path.read_bytes())
    if damage == "garbage":
        path.write_bytes(b"not a database at all" * 100)
    elif damage == "truncate":
        path.write_bytes(bytes(data[: len(data) // 2]))
    elif damage == "pages":
        data[4096:] = b"\xff" * (len(data) - 4096)
        path.write_bytes(bytes(data))
    else:
        with sqlite3.connect(path) as con:
            con.execute("DELETE FROM meta WHERE k='complete'")
    db2 = CachedDB("t", {"v": "1"}, _counting_builder(calls))
    assert db2.one("SELECT sum(x) FROM t") == (sum(range(5000)),)
    assert len(calls) == 2
    db2.close()


def test_cache_rebuilt_on_version_change(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CODERLIB_CACHE", str(tmp_path))
    calls: list[int] = []
    CachedDB("t", {"pkg": "1.0"}, _counting_builder(calls)).all("SELECT 1 FROM t")
    CachedDB("t", {"pkg": "1.0"}, _counting_builder(calls)).all("SELECT 1 FROM t")
    assert len(calls) == 1  # same key: trusted, not rebuilt
    CachedDB("t", {"pkg": "1.1"}, _counting_builder(calls)).all("SELECT 1 FROM t")
    assert len(calls) == 2


def test_icd10cm_key_tracks_package_version() -> None:
    from coderlib.codes import icd10cm

    key = icd10cm.cache_key()
    assert key["simple-icd-10-cm"] == "1.5.0" and key["schema"] == icd10cm.SCHEMA


def test_encoder_widget_calls_the_library() -> None:
    from coderlib.ui.encoder import Encoder

    enc = Encoder(query="chest pain", code="E11")
    assert enc.results.options[0][1] == ("icd10cm", "R079")
    assert "not billable" in enc.detail.value and "E11.00" in enc.detail.value
    enc.results.value = enc.results.options[0][1]  # picking a result opens it
    assert "Chest pain, unspecified" in enc.detail.value
    enc.code.value = "E11.99"  # a bad code shows a message, not a traceback
    assert "unknown" in enc.detail.value
    enc.pcs.set_prefix("0DT")
    enc.pcs.choice.value = "J"
    assert enc.pcs.prefix.value == "0DTJ"
    assert any(v == "4" for _label, v in enc.pcs.choice.options)
