"""Billing desks: the scrub desk fixes and holds claims; the denial desk saves, then grades."""

from __future__ import annotations

from pathlib import Path

from coderlib.billing.demo import make_demo
from coderlib.billing.queues import denial_queue, load_choices
from coderlib.billing.workday import ScrubSession
from coderlib.store import open_store
from coderlib.ui.billing_widgets import DenialDesk, ScrubDesk


def test_scrub_desk_fix_and_hold() -> None:
    demo = make_demo(seed=21, practice=200, hospital=0)
    session = ScrubSession(demo.claims)
    desk = ScrubDesk(session)
    fixable = next(cid for cid, kind in zip(demo.truth.claim_id, demo.truth.injected,
                                            strict=True)
                   if kind in ("dx_pointer", "modifier_conflict", "pos_mismatch"))
    desk.picker.value = fixable
    before = session.clean_claim_rate
    assert desk.fix()
    assert fixable not in session.dirty and session.clean_claim_rate > before
    assert f"{session.clean_claim_rate:.1%}" in desk.rate.value
    stuck = next(cid for cid, kind in zip(demo.truth.claim_id, demo.truth.injected,
                                          strict=True) if kind == "required_field")
    desk.picker.value = stuck
    assert desk.fix() is None and "needs a person" in desk.status.value
    desk.note.value = "ask the front desk for the card"
    desk.hold()
    assert session.held[stuck] == "ask the front desk for the card"
    assert stuck not in {c.claim_id for c in session.ready()}
    assert demo.claims[[c.claim_id for c in demo.claims].index(fixable)] is not \
        session.claim(fixable)  # the fix made a new claim; the batch given is untouched


def test_denial_desk_saves_before_grading(tmp_path: Path) -> None:
    demo = make_demo(seed=21, practice=300, hospital=0)
    payments = [p for ps in demo.payments.values() for p in ps]
    items = denial_queue(payments)
    truth = dict(zip(demo.truth.claim_id, demo.truth.action, strict=True))
    con = open_store(tmp_path / "s.sqlite")
    desk = DenialDesk(items, truth, con, "trainee-1")
    first = items[0].claim_id
    assert desk.choose(truth[first]) is True and "right" in desk.result.value
    wrong = next(a for a in ("appeal", "write_off") if a != truth[first])
    assert desk.choose(wrong) is False and "not quite" in desk.result.value
    assert load_choices(con, "trainee-1") == {first: wrong}
