"""How well the item bank covers the exam blueprints: items per kind and area vs. counts.

>>> from coderlib.drills.model import Item
>>> df = coverage([])
>>> set(df["exam"]) == {"CPC", "CCS"}, int(df["total"].sum())
(True, 0)
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from coderlib.drills.blueprint import load_blueprint
from coderlib.drills.model import KINDS, Item


def coverage(items: Sequence[Item]) -> pd.DataFrame:
    """One row per blueprint area: items of each kind, total, blueprint count, shortfall."""
    rows = []
    for exam in load_blueprint().values():
        for area in exam.areas:
            mine = [i for i in items if i.area == area.id and i.type != "chart"]
            row = {"exam": exam.name, "area": area.id, **{k: sum(i.kind == k for i in mine)
                                                          for k in KINDS}}
            row.update(total=len(mine), blueprint=area.items,
                       short=max(0, area.items - len(mine)))
            rows.append(row)
        if exam.scenarios:
            n = sum(i.type == "chart" for i in items)
            rows.append({"exam": exam.name, "area": "scenario", "authored": 0,
                         "generated": 0, "case": n, "total": n, "blueprint": exam.scenarios,
                         "short": max(0, exam.scenarios - n)})
    return pd.DataFrame(rows, columns=["exam", "area", *KINDS, "total", "blueprint", "short"])
