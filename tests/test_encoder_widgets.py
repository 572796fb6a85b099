"""The encoder app: the Date box re-opens the code on screen; partial PCS goes to the builder."""

from __future__ import annotations

from coderlib.ui.encoder import Encoder


def test_date_change_keeps_the_picked_code() -> None:
    enc = Encoder(query="diabetic neuropathy", code="E11.9")
    picked = next(v for _, v in enc.results.options if v[1] != "E119")
    enc.results.value = picked
    shown = enc.code.value
    assert shown.replace(".", "") == picked[1] and shown in enc.detail.value
    enc.date.value = "2026-01-15"
    assert enc.current == (picked[1], picked[0])
    assert shown in enc.detail.value and "E11.9 " not in enc.detail.value


def test_partial_pcs_code_opens_the_builder() -> None:
    enc = Encoder()
    enc.code.value = "0DTJ4Z"
    assert enc.tabs.selected_index == 1 and enc.pcs.prefix.value == "0DTJ4Z"
    assert "PCS builder" in enc.detail.value
    assert "Z" in [v for _, v in enc.pcs.choice.options if v]


def test_bad_code_is_a_message() -> None:
    enc = Encoder()
    enc.code.value = "ZZZ"
    assert "unknown" in enc.detail.value or "malformed" in enc.detail.value
    assert enc.tabs.selected_index == 0
