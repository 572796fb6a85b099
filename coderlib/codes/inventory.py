"""What code sets are loaded: one row per system with its data version and counts.

>>> df = code_set_inventory()  # doctest: +SKIP
>>> list(df.columns)  # doctest: +SKIP
['system', 'name', 'version', 'codes', 'billable']
"""

from __future__ import annotations

from importlib import import_module

import pandas as pd

from coderlib.codes import modifiers
from coderlib.codes.search_rows import SYSTEMS

NAMES = {
    "icd10cm": "ICD-10-CM diagnoses",
    "icd10pcs": "ICD-10-PCS procedures",
    "hcpcs": "HCPCS Level II (teaching subset unless an annual file is loaded)",
    "cpt": "CPT (numbers and our own descriptions; no AMA text)",
    "modifiers": "CPT and HCPCS modifiers (plain-language meanings)",
}


def code_set_inventory() -> pd.DataFrame:
    """Count every searchable code per system, with the data version it came from.

    Modifier rows that the HCPCS and CPT modules also hand to search are counted once, in
    their own ``modifiers`` row.
    """
    table = modifiers.all_modifiers()
    modifier_codes = set(table["code"].astype(str))
    rows = []
    for system in SYSTEMS:
        module = import_module(f"coderlib.codes.{system}")
        codes = billable = 0
        for row in module.iter_search_rows():
            if row.system != system or (system in ("hcpcs", "cpt") and row.code in modifier_codes):
                continue
            codes += 1
            billable += bool(row.billable)
        rows.append({"system": system, "name": NAMES[system], "version": module.DATA_VERSION,
                     "codes": codes, "billable": billable})
    rows.append({"system": "modifiers", "name": NAMES["modifiers"], "version": "coderlib",
                 "codes": len(table), "billable": 0})
    return pd.DataFrame(rows)
