"""Billing: the demo population (injected truth), posting, AR aging, KPIs, denial patterns,
work queues with graded actions, fixes and appeal letters, and the CLI on the demo files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from coderlib.billing.ar import BUCKETS, aging, denial_patterns, kpis, plot_aging, post
from coderlib.billing.demo import AS_OF, Demo, make_demo, write_demo
from coderlib.billing.edi835 import read_835
from coderlib.billing.edi837 import read_837
from coderlib.billing.queues import (
    appeal_letter,
    denial_queue,
    grade_choices,
    load_choices,
    rejection_queue,
    resubmission,
    save_choice,
    standard_fix,
    suggested_action,
)
from coderlib.billing.scrub import scrub, scrub_claim
from coderlib.billing.validate import pyx12_available, validate_x12
from coderlib.cli import app
from coderlib.store import open_store

runner = CliRunner()


@pytest.fixture(scope="module")
def demo() -> Demo:
    return make_demo(seed=11, practice=500, hospital=100)


@pytest.fixture(scope="module")
def payments(demo: Demo) -> list:
    return [p for ps in demo.payments.values() for p in ps]


def test_demo_is_reproducible_and_records_its_truth(demo: Demo) -> None:
    again = make_demo(seed=11, practice=500, hospital=100)
    pd.testing.assert_frame_equal(demo.truth, again.truth)
    assert make_demo(seed=12, practice=500, hospital=100).truth.injected.tolist() != \
        demo.truth.injected.tolist()
    meta = demo.meta
    assert meta["seed"] == 11 and meta["practice_claims"] == 500
    assert sum(meta["injected_counts"].values()) == int((demo.truth.injected != "").sum())
    assert set(demo.truth.status) <= {"paid", "denied", "rejected", "open", "unsent"}
    assert {"MCR01", "MCD01", "BCX01", "ACM01", "MCRA1"} <= set(demo.truth.payer_id)


def test_scrub_finds_every_injected_error_and_nothing_on_clean_claims(demo: Demo) -> None:
    by_claim: dict[str, set[str]] = {}
    for e in scrub(demo.claims):
        if e.severity == "error":
            by_claim.setdefault(e.claim_id, set()).add(e.id)
    for row in demo.truth.itertuples():
        found = by_claim.get(row.claim_id, set())
        if row.injected:
            assert row.injected in found, (row.claim_id, row.injected, found)
        else:
            assert not found, (row.claim_id, row.chart_id, found)


def test_injected_rates_are_near_the_recorded_ones() -> None:
    big = make_demo(seed=5, practice=3000, hospital=0)
    rate = (big.truth.injected != "").mean()
    factors = big.meta["coder_error_factor"]
    shares = big.truth.coder.value_counts(normalize=True)
    expected = sum(big.meta["professional_error_rates"].values()) * \
        sum(shares[c] * f for c, f in factors.items())
    assert abs(rate - expected) < 0.035  # some injections do not fit a claim and are skipped
    by_coder = big.truth.assign(err=big.truth.injected != "").groupby("coder").err.mean()
    assert by_coder["Eli"] > 2 * by_coder["Ada"]
    achieved = big.truth.injected[big.truth.injected != ""].value_counts().to_dict()
    assert big.meta["injected_counts"] == achieved  # the sidecar records the achieved mix


def test_posting_aging_and_kpis(demo: Demo, payments: list) -> None:
    acct = post(demo.claims, payments)
    paid = acct[acct.status == "paid"]
    assert (paid.paid + paid.contractual + paid.patient_resp - paid.charge).abs().max() < 0.01
    assert (paid.insurance_balance == 0).all()
    denied = acct[acct.status == "denied"]
    assert len(denied) == int((demo.truth.status == "denied").sum())
    table = aging(acct, AS_OF)
    assert list(table.columns) == [*BUCKETS, "total"]
    owed = acct[acct.insurance_balance > 0].insurance_balance.sum()
    assert table.total.sum() == pytest.approx(owed, abs=0.05)
    figures = kpis(acct, AS_OF, clean_claim_rate=0.9)
    adjudicated = demo.truth[demo.truth.status.isin(["paid", "denied"])]
    assert figures["first_pass_denial_rate"] == pytest.approx(
        (adjudicated.status == "denied").mean(), abs=1e-4)
    assert 0 < figures["days_in_ar"] < 400 and figures["clean_claim_rate"] == 0.9
    by_payer = denial_patterns(acct, "payer_id")
    assert set(by_payer.columns) == {"adjudicated", "denied", "denied_charges", "denial_rate"}
    by_carc = denial_patterns(acct, "carc")
    assert by_carc.denied.sum() >= len(denied)
    fig = plot_aging(table)
    assert len(fig.axes[0].patches) == len(table) * len(BUCKETS)


def test_aging_buckets_by_days() -> None:
    from coderlib.billing.claims import ProfessionalClaim, ServiceLine

    claims = []
    for n, days in enumerate((0, 30, 31, 60, 61, 90, 91, 120, 121, 400)):
        day = AS_OF - dt.timedelta(days=days)
        claims.append(ProfessionalClaim(f"C{n}", payer_id="MCR01", submitted=day, lines=[
            ServiceLine(1, "99213", charge=10.0, service_date=day)]))
    table = aging(post(claims, []), AS_OF)
    assert table.loc["MCR01", list(BUCKETS)].tolist() == [20.0, 20.0, 20.0, 20.0, 20.0]


def test_work_queues_are_graded_against_the_truth(demo: Demo, payments: list,
                                                  tmp_path: Path) -> None:
    truth = dict(zip(demo.truth.claim_id, demo.truth.action, strict=True))
    denials = denial_queue(payments)
    assert {i.claim_id for i in denials} == set(demo.truth[demo.truth.status == "denied"]
                                                .claim_id)
    rejected = demo.truth[demo.truth.status == "rejected"].claim_id
    rejections = rejection_queue(scrub(demo.claims), demo.claims)
    assert set(rejected) <= {i.claim_id for i in rejections}
    con = open_store(tmp_path / "s.sqlite")
    for item in denials:
        save_choice(con, "t1", item, suggested_action(item))
    choices = load_choices(con, "t1")
    graded = grade_choices(denials, choices, truth)
    assert 0.8 < graded.correct.mean() < 1.0  # the usual step is not always the right one
    wrong = graded[~graded.correct]
    assert (wrong.expected != "").all() and (wrong.why != "").all()
    all_wrong = grade_choices(denials, {i.claim_id: "bill_patient" for i in denials}, truth)
    assert all_wrong.correct.mean() < graded.correct.mean()
    with pytest.raises(ValueError, match="not one of"):
        save_choice(con, "t1", denials[0], "ignore it")


def test_standard_fixes_clear_their_edit(demo: Demo) -> None:
    fixed = 0
    for row in demo.truth[demo.truth.injected.isin(
            ["dx_pointer", "modifier_conflict", "ptp_bundle", "mue_units", "pos_mismatch",
             "poa_invalid"])].itertuples():
        claim = demo.claim(row.claim_id)
        edit = next(e for e in scrub_claim(claim) if e.id == row.injected)
        result = standard_fix(claim, edit)
        assert result is not None, row.injected
        new, what = result
        assert row.injected not in {e.id for e in scrub_claim(new) if e.severity == "error"}
        assert what and claim is not new
        fixed += 1
    assert fixed > 10


def test_resubmission_and_appeal_letter(demo: Demo, payments: list) -> None:
    pay = next(p for p in payments if "50" in p.carcs)
    claim = demo.claim(pay.claim_id)
    again = resubmission(claim, pay)
    assert again.frequency == "7" and again.original_ref == pay.payer_claim_number
    assert claim.frequency == "1"
    chart = demo.charts[claim.chart_id]
    letter = appeal_letter(claim, pay, chart, today=AS_OF)
    assert pay.payer_claim_number in letter and "CO-50" in letter
    assert claim.patient.last_name.title() in letter
    assert " ".join(chart.title.split()[:3]) in letter  # the chart's facts, wrapped at 90
    assert f"Billed: ${claim.total_charge:,.2f}" in letter
    assert "not medically necessary" in letter
    assert max(len(line) for line in letter.splitlines()) <= 100


@pytest.mark.skipif(not pyx12_available(), reason="pyx12 needs Python 3.11+")
def test_demo_files_are_valid_x12(tmp_path: Path) -> None:
    small = make_demo(seed=3, practice=60, hospital=12)
    injected = set(small.truth[small.truth.injected != ""].claim_id)
    assert injected  # those carry errors on purpose (pyx12 finds some of them too)
    small.claims = [c for c in small.claims if c.claim_id not in injected]
    files = write_demo(small, tmp_path)
    for name, path in files.items():
        if path.suffix in (".837", ".835"):
            result = validate_x12(path)
            assert result.ok, (name, result.errors[:3])
    back = read_837(files["practice.837"])
    assert len(back.claims) == len(small.professional) and back.problems == []
    assert sum(len(read_835(p).payments) for n, p in files.items() if n.endswith(".835")) == \
        sum(len(v) for v in small.payments.values())


def test_cli_demo_ar_denials_carc(tmp_path: Path) -> None:
    res = runner.invoke(app, ["billing", "demo", "--out", str(tmp_path), "--seed", "4",
                              "--practice", "80", "--hospital", "10", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["meta"]["seed"] == 4
    meta = json.loads((tmp_path / "truth.csv.meta.json").read_text())
    assert meta == data["meta"]
    res = runner.invoke(app, ["billing", "ar", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    ar = json.loads(res.output)
    assert ar["as_of"] == AS_OF.isoformat() and ar["kpis"]["claims"] == 90
    assert {r["payer_id"] for r in ar["aging"]} <= {"MCR01", "MCRA1", "MCD01", "BCX01",
                                                     "ACM01", "ZZZ99"}
    remits = sorted(str(p) for p in tmp_path.glob("*.835"))
    res = runner.invoke(app, ["billing", "denials", *remits, "--json"])
    assert res.exit_code == 0 and json.loads(res.output)["problems"] == []
    res = runner.invoke(app, ["billing", "carc", "CO-97", "N19", "--json"])
    rows = json.loads(res.output)
    assert rows[0]["usual_action"] == "write_off" and rows[1]["type"] == "RARC"
    res = runner.invoke(app, ["billing", "ar", str(tmp_path / "nope")])
    assert res.exit_code == 2 and "not a folder" in res.output
