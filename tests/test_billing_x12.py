"""Billing: claim models, NPI, X12 envelope, 837P/837I and 835 writing, reading, validation."""

from __future__ import annotations

import copy
import datetime as dt
import doctest
import importlib

import pytest

from coderlib.billing.claims import (
    Diagnosis,
    InstitutionalClaim,
    InstitutionalLine,
    Person,
    Procedure,
    ProfessionalClaim,
    Provider,
    ServiceLine,
)
from coderlib.billing.edi835 import Adjustment, ClaimPayment, LinePayment, read_835, write_835
from coderlib.billing.edi837 import read_837, write_837
from coderlib.billing.npi import is_valid_npi, make_npi, npi_check_digit
from coderlib.billing.validate import pyx12_available, validate_x12
from coderlib.billing.x12 import X12Error, read_x12

DAY = dt.date(2026, 1, 5)
JANE = Person("DOE", "JANE", "1EG4TE5MK72", dt.date(1950, 2, 1), "F", "1 ELM ST",
              "SPRINGFIELD", "IL", "62701")
TIM = Person("DOE", "TIM", "", dt.date(2015, 2, 1), "M", "1 ELM ST", "SPRINGFIELD", "IL",
             "62701")
CLINIC = Provider("DEMO CLINIC", "1234567893", "123456789")
needs_pyx12 = pytest.mark.skipif(not pyx12_available(), reason="pyx12 needs Python 3.11+")


def professional() -> list[ProfessionalClaim]:
    a = ProfessionalClaim("PCN1", payer_id="MCR01", payer_name="MEDICARE DEMO", patient=JANE,
                          billing=CLINIC, place_of_service="11", diagnoses=["E119", "I10"],
                          rendering=Provider("JOHN SMITH", make_npi("100000001")),
                          lines=[ServiceLine(1, "99214", ["25"], 1, 240.0, [1, 2], DAY),
                                 ServiceLine(2, "93000", [], 1, 45.5, [2], DAY)])
    b = ProfessionalClaim("PCN2", payer_id="BCX01", payer_name="BLUE DEMO", patient=TIM,
                          subscriber=JANE, relationship="19", billing=CLINIC,
                          place_of_service="11", diagnoses=["J069"],
                          lines=[ServiceLine(1, "99213", [], 1, 165.0, [1], DAY)])
    return [a, b]


def institutional() -> InstitutionalClaim:
    return InstitutionalClaim(
        "IP1", payer_id="MCRA1", payer_name="MEDICARE A DEMO", patient=JANE,
        billing=Provider("DEMO HOSPITAL", "1234567893", "123456789"), type_of_bill="111",
        admission_date=dt.date(2026, 1, 2), admission_hour="0830",
        discharge_date=DAY, discharge_hour="1400", discharge_status="06",
        principal_dx=Diagnosis("A4151", "Y"), admitting_dx="R509",
        other_dx=[Diagnosis("N179", "Y"), Diagnosis("E119", "Y"), Diagnosis("Z7984", "")],
        procedures=[Procedure("5A1955Z", dt.date(2026, 1, 3))], drg="871",
        value_codes=[("80", 3)], occurrence_codes=[("11", dt.date(2026, 1, 1))],
        attending=Provider("ANN LEE", "1234567893"),
        lines=[InstitutionalLine(1, "0120", "", [], 3, 8400.0),
               InstitutionalLine(2, "0300", "80053", [], 1, 310.25)])


def test_module_doctests() -> None:
    for name in ("npi", "claims", "x12", "edi837", "edi835", "validate", "ncci", "reference",
                 "scrub", "batch", "ar", "queues", "demo", "workday", "commands"):
        module = importlib.import_module(f"coderlib.billing.{name}")
        assert doctest.testmod(module, optionflags=doctest.ELLIPSIS).failed == 0, name
    widgets = importlib.import_module("coderlib.ui.billing_widgets")
    assert doctest.testmod(widgets).failed == 0


def test_npi_luhn_with_80840_prefix() -> None:
    assert npi_check_digit("123456789") == 3  # CMS's published example NPI 1234567893
    assert is_valid_npi("1234567893")
    assert not is_valid_npi("1234567894") and not is_valid_npi("123456789")
    assert not is_valid_npi("3234567893")  # NPIs start with 1 or 2
    assert all(is_valid_npi(make_npi(f"1{i:08d}")) for i in range(0, 10**8, 7654321))


def test_837p_round_trip_keeps_every_field() -> None:
    claims = professional()
    back = read_837(write_837(claims))
    assert back.problems == [] and back.version == "005010X222A1"
    a, b = (cr.claim for cr in back.claims)
    assert a.lines[0].code == "99214" and a.lines[0].modifiers == ["25"]
    assert a.lines[1].charge == 45.5 and a.lines[0].dx_pointers == [1, 2]
    assert a.diagnoses == ["E119", "I10"] and a.place_of_service == "11"
    assert a.rendering is not None and a.rendering.npi == claims[0].rendering.npi
    assert a.patient.birth_date == JANE.birth_date and a.payer_id == "MCR01"
    assert b.patient.first_name == "TIM" and b.relationship == "19"
    assert b.subscriber is not None and b.subscriber.member_id == JANE.member_id
    assert back.claims[0].stated_total == pytest.approx(285.5)


def test_837i_round_trip_keeps_poa_pcs_drg_and_dates() -> None:
    c = institutional()
    back = read_837(write_837([c])).claims[0].claim
    assert isinstance(back, InstitutionalClaim)
    assert back.type_of_bill == "111" and back.discharge_status == "06"
    assert back.principal_dx == Diagnosis("A4151", "Y")
    assert [d.poa for d in back.other_dx] == ["Y", "Y", ""]
    assert back.procedures == [Procedure("5A1955Z", dt.date(2026, 1, 3))]
    assert back.drg == "871" and back.admitting_dx == "R509"
    assert (back.admission_date, back.admission_hour, back.discharge_date,
            back.discharge_hour) == (dt.date(2026, 1, 2), "0830", DAY, "1400")
    assert back.value_codes == [("80", 3.0)]
    assert back.lines[1].code == "80053" and back.lines[0].units == 3


@needs_pyx12
def test_pyx12_accepts_the_files_we_write() -> None:
    remit = write_835([payment(), denied()], "MCR01", "MEDICARE DEMO", dt.date(2026, 1, 20))
    for text in (write_837(professional()), write_837([institutional()]), remit):
        result = validate_x12(text)
        assert result.ok, result.errors


@needs_pyx12
def test_pyx12_rejects_a_broken_file() -> None:
    text = write_837(professional()).replace("DMG*D8*19500201*F", "DMG*D8*1950021*F")
    result = validate_x12(text)
    assert not result.ok
    assert any("DMG02" in str(e["message"]) for e in result.errors)


def payment() -> ClaimPayment:
    return ClaimPayment("PCN1", "1", 285.5, 100.0, 25.0, "MCR01", "MCR0001",
                        lines=[LinePayment("99214", ["25"], 240.0, 100.0, 1, DAY,
                                           [Adjustment("CO", "45", 115.0),
                                            Adjustment("PR", "2", 25.0)]),
                               LinePayment("93000", [], 45.5, 0.0, 1, DAY,
                                           [Adjustment("CO", "97", 45.5)], ["N19"])])


def denied() -> ClaimPayment:
    return ClaimPayment("PCN2", "4", 165.0, 0.0, 0.0, "MCR01", "MCR0002",
                        adjustments=[Adjustment("CO", "50", 165.0)], remarks=["N115"],
                        lines=[LinePayment("99213", [], 165.0, 0.0, 1, DAY)])


def test_835_round_trip_and_balancing() -> None:
    rem = read_835(write_835([payment(), denied()], "MCR01", "MEDICARE DEMO",
                             dt.date(2026, 1, 20)))
    assert rem.problems == [] and rem.total_paid == 100.0
    assert rem.paid_on == dt.date(2026, 1, 20) and rem.payer_id == "MCR01"
    a, b = rem.payments
    assert a.carcs == ["45", "2", "97"] and a.lines[1].remarks == ["N19"]
    assert b.denied and b.status == "4" and b.remarks == ["N115"]
    assert all(p.problems == [] for p in rem.payments)
    unbalanced = write_835([payment()], "MCR01", "X", DAY).replace("CAS*CO*45*115",
                                                                      "CAS*CO*45*110")
    assert "does not balance" in str(read_835(unbalanced).payments[0].problems[0])


# ------------------------------------------------------------------------- bad X12 input


def test_not_x12_is_a_clear_error() -> None:
    with pytest.raises(X12Error, match="not an X12 file"):
        read_x12("claim_id,code\nC1,99213\n")
    with pytest.raises(X12Error, match="truncated interchange"):
        read_x12("ISA*00*")


def test_truncated_interchange_names_the_last_segment() -> None:
    text = write_837(professional())
    cut = text[:text.index("LX*1~") + 20]  # stops inside a claim
    doc = read_x12(cut)
    assert len(doc.problems) == 1
    msg = str(doc.problems[0])
    assert "truncated interchange" in msg and "transaction 0001 has no SE" in msg
    read = read_837(doc)
    assert [cr.claim.claim_id for cr in read.claims] == ["PCN1"]  # the claim is still read


@pytest.mark.parametrize(("old", "new", "words"), [
    ("SE*", "SE*9", "SE01 says 9"),
    ("GE*1*1", "GE*2*1", "GE01 says 2 transaction sets but group 1 has 1"),
    ("IEA*1*000000001", "IEA*3*000000001", "IEA01 says 3 functional groups"),
    ("IEA*1*000000001", "IEA*1*000000002", "IEA02 000000002 does not match ISA13"),
])
def test_wrong_counts_are_named(old: str, new: str, words: str) -> None:
    text = write_837(professional())
    if old == "SE*":
        i = text.index("\nSE*") + 1
        j = text.index("*", i + 3)
        text = text[:i] + new + text[j:]
    else:
        text = text.replace(old, new)
    doc = read_x12(text)
    assert any(words in str(p) for p in doc.problems), doc.problems
    seg = doc.problems[0].segment
    assert seg in ("SE", "GE", "IEA")
    assert len(read_837(doc).claims) == 2  # every claim still read


def test_a_mangled_claim_does_not_stop_the_next() -> None:
    claims = copy.deepcopy(professional())
    text = write_837(claims).replace("SV1*HC:99214:25*240*", "SV1*HC:99214:25*2X0*")
    read = read_837(text)
    assert len(read.claims) == 2
    first, second = read.claims
    assert any("charge '2X0' is not a number" in str(p) for p in first.problems)
    assert second.problems == [] and second.claim.lines[0].code == "99213"
