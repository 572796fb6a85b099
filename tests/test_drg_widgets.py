"""The DRG what-if widgets call the library and show DRG, weight and payment changes."""

from __future__ import annotations

from coderlib.drg import Encounter, payment
from coderlib.ui.drg_widgets import DrgWhatIfApp, result_html


def test_toggles_and_poa_regroup() -> None:
    app = DrgWhatIfApp(Encounter(pdx="J189", sdx=[("T83511A", "Y"), ("E119", "Y")]))
    assert app.current.drg == "194"
    app.poas[0].value = "N"  # CAUTI not present on admission: HAC, CC dropped
    assert app.current.drg == "195"
    assert "CC_EXCLUDED" in app.panel.value
    app.poas[0].value = "Y"
    app.toggles[0].value = False
    assert app.current.drg == "195"
    app.add_code("J96.01")
    assert app.current.drg == "193" and len(app.toggles) == 3
    delta = payment("193") - payment("194")
    assert f"+${delta:,.2f}" in app.panel.value


def test_add_code_rejects_bad_codes() -> None:
    app = DrgWhatIfApp(Encounter(pdx="I5022"))
    app.add_code("N40")
    assert "header" in app.message.value and app.extra == []
    app.add_code("E11.9:Q")
    assert "POA" in app.message.value


def test_result_html_lists_every_secondary() -> None:
    from coderlib.drg import group

    res = group(Encounter(pdx="I5021", sdx=["I5022", "J9601"]))
    page = result_html(res)
    assert "CC_EXCLUDED" in page and "I50.22" in page and "MS-DRG 291" in page


def test_principal_age_sex_and_procedures_can_change() -> None:
    app = DrgWhatIfApp(Encounter(pdx="J189", sdx=[("E119", "Y")], age=72, sex="F"))
    before = app.current.drg
    app.pdx_box.value = "A41.9"
    assert app.current.drg != before and app.base.pdx == "A419"
    app.pdx_box.value = "ZZZ"
    assert "ZZZ" in app.message.value and app.base.pdx == "A419"
    assert "sdx[" not in app.message.value and "pdx:" not in app.message.value
    app.pdx_box.value = "K35.80"
    medical = app.current.drg
    app.px_box.value = "0DTJ4ZZ"
    assert app.current.drg != medical and "0DTJ4ZZ" in app.panel.value
    app.sex_box.value = "M"
    app.age_box.value = 40
    assert app.base.sex == "M" and app.base.age == 40


def test_principal_is_not_added_again_as_a_secondary() -> None:
    app = DrgWhatIfApp(Encounter(pdx="J189"))
    app.add_code("J18.9")
    assert "principal diagnosis" in app.message.value and app.extra == []
