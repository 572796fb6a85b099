"""The code-set inventory shown by the welcome notebook counts real data, modifiers once."""

from __future__ import annotations

from coderlib.codes import icd10cm
from coderlib.codes.inventory import code_set_inventory


def test_inventory_counts_each_system() -> None:
    inv = code_set_inventory().set_index("system")
    assert list(inv.index) == ["icd10cm", "icd10pcs", "hcpcs", "cpt", "modifiers"]
    assert (inv["codes"] > 0).all()
    assert inv.loc["icd10cm", "billable"] == icd10cm.billable_count()
    assert inv.loc["icd10pcs", "codes"] > 75_000
    assert inv.loc["modifiers", "codes"] >= 100
    # HCPCS Level II codes are 5 characters; the 2-character modifiers are counted apart.
    assert inv.loc["hcpcs", "codes"] == inv.loc["hcpcs", "billable"]
