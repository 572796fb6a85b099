"""Audit populations: tables of coded encounters, loaded from CSV/Excel and validated.

One row per encounter. Code lists are compact strings so a population stays one flat table:

* ``dx``    — diagnoses in sequence, first = principal / first-listed, ``|``-separated; each
  item ``CODE`` or ``CODE:POA`` (POA for inpatient): ``"A41.51:Y|N39.0:Y"``
* ``px``    — ICD-10-PCS procedures, ``|``-separated: ``"0T9B70Z"``
* ``lines`` — CPT/HCPCS lines, ``CODE[-MOD[-MOD]][*UNITS]``: ``"99214-25|93000*2"``

>>> parse_lines("99214-25|93000*2")
[('99214', ('25',), 1), ('93000', (), 2)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from coderlib.codes.normalize import normalize_code
from coderlib.tabular import Column, TableError, read_table

REQUIRED_COLUMNS: tuple[str, ...] = (
    "encounter_id", "coder", "setting", "payer", "service_date", "dx",
)
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "admission_date", "chart_id", "age", "sex", "px", "lines", "billed_drg", "billed_amount",
)
SETTINGS = ("inpatient", "outpatient_surgery", "emergency", "office", "radiology", "observation")
PAYERS = ("Medicare", "Medicaid", "Commercial", "Self-pay")
POA_VALUES = ("Y", "N", "U", "W", "1")
SEXES = ("M", "F", "U")

#: What the strict reader checks in a population file (the rest is checked below).
POPULATION_COLUMNS: tuple[Column, ...] = (
    *(Column(c, required=True) for c in REQUIRED_COLUMNS if c != "service_date"),
    Column("service_date", kind="date", required=True, allow_empty=False),
    Column("admission_date", kind="date"),
    Column("age", kind="int"),
    Column("sex", kind="enum", choices=SEXES),
    Column("discharge_status", kind="status"),
    Column("billed_amount", kind="number"),
)

_DX_RE = re.compile(r"^[A-Z][0-9][0-9A-Z]{1,5}$")
_PCS_RE = re.compile(r"^[0-9A-HJ-NP-Z]{7}$")
_LINE_RE = re.compile(r"^([0-9]{4}[0-9A-Z]|[A-V][0-9]{4})$")
_MOD_RE = re.compile(r"^[0-9A-Z]{2}$")


class PopulationError(TableError):
    """A population/findings table problem, naming the file, row and column.

    >>> str(PopulationError("pop.csv", "missing column", column="coder"))
    'pop.csv: column coder: missing column'
    """


# ----------------------------------------------------------------------------- parsing
def _items(text: object) -> list[str]:
    if text is None or (isinstance(text, float) and pd.isna(text)) or text is pd.NA:
        return []
    return [p.strip() for p in str(text).split("|") if p.strip()]


def parse_dx(text: object) -> list[tuple[str, str]]:
    """``"A41.51:Y|N39.0"`` -> ``[("A4151", "Y"), ("N390", "")]`` (normalised codes).

    >>> parse_dx("a41.51:y | N39.0")
    [('A4151', 'Y'), ('N390', '')]
    """
    out = []
    for item in _items(text):
        code, _, poa = item.partition(":")
        out.append((normalize_code(code), poa.strip().upper()))
    return out


def parse_px(text: object) -> list[str]:
    """``"0T9B70Z|0DTJ4ZZ"`` -> normalised PCS codes.

    >>> parse_px("0t9b70z")
    ['0T9B70Z']
    """
    return [normalize_code(i) for i in _items(text)]


def parse_lines(text: object) -> list[tuple[str, tuple[str, ...], int]]:
    """``"99214-25|93000*2"`` -> ``[(code, modifiers, units), ...]``.

    >>> parse_lines("27447-RT")
    [('27447', ('RT',), 1)]
    """
    out = []
    for item in _items(text):
        body, _, units = item.partition("*")
        parts = [normalize_code(p) for p in body.split("-")]
        out.append((parts[0], tuple(p for p in parts[1:] if p), int(units) if units else 1))
    return out


def format_dx(items: list[tuple[str, str]]) -> str:
    """Inverse of :func:`parse_dx` (undotted codes).

    >>> format_dx([("A4151", "Y"), ("N390", "")])
    'A4151:Y|N390'
    """
    return "|".join(f"{c}:{p}" if p else c for c, p in items)


def format_lines(items: list[tuple[str, tuple[str, ...], int]]) -> str:
    """Inverse of :func:`parse_lines`.

    >>> format_lines([("99214", ("25",), 1), ("93000", (), 2)])
    '99214-25|93000*2'
    """
    return "|".join(c + "".join(f"-{m}" for m in mods) + (f"*{u}" if u != 1 else "")
                    for c, mods, u in items)


# ----------------------------------------------------------------------------- validation
def code_problem(system: str, code: str) -> str | None:
    """Why ``code`` is not a well-formed ``system`` code, or ``None`` when it is.

    Format checks always run; where a code-set module of ``coderlib.codes`` is installed
    (``icd10cm``, ``icd10pcs``) its ``get`` is also asked whether the code exists.

    >>> code_problem("icd10cm", "E119") is None, code_problem("icd10cm", "99214")
    (True, "'99214' is not an ICD-10-CM code (letter, digit, then 1-5 characters)")
    """
    if system == "icd10cm":
        if not _DX_RE.match(code):
            return f"{code!r} is not an ICD-10-CM code (letter, digit, then 1-5 characters)"
    elif system == "icd10pcs":
        if not _PCS_RE.match(code):
            return f"{code!r} is not an ICD-10-PCS code (7 characters, no I or O)"
    elif system == "line":
        if not _LINE_RE.match(code):
            return f"{code!r} is not a CPT/HCPCS code (5 digits, 4 digits + letter, or letter + 4)"
        return None
    else:
        raise ValueError(f"unknown code system {system!r}")
    return _code_set_problem(system, code)


def _code_set_problem(system: str, code: str) -> str | None:
    try:
        module = __import__(f"coderlib.codes.{system}", fromlist=["get"])
        getter = getattr(module, "validate", None) or module.get  # validate: billable only
    except (ImportError, AttributeError):
        return None
    try:
        getter(code)
    except ValueError as exc:  # CodeError is a ValueError
        return str(exc)
    except Exception:  # noqa: BLE001 - a code-set module still loading must not block audits
        return None
    return None


def codes_problem(column: str, text: object, *, check_sets: bool = False) -> str | None:
    """First problem in one code-list cell of ``column`` (dx/px/lines and their aliases).

    >>> codes_problem("dx", "E11.9:Q")
    "POA 'Q' of E119 is not one of Y, N, U, W, 1"
    """
    kind = column.rsplit("_", 1)[-1]
    try:
        if kind == "dx":
            for code, poa in parse_dx(text):
                problem = (code_problem("icd10cm", code) if check_sets
                           else None if _DX_RE.match(code) else
                           f"{code!r} is not an ICD-10-CM code "
                           "(letter, digit, then 1-5 characters)")
                if problem:
                    return problem
                if poa and poa not in POA_VALUES:
                    return f"POA {poa!r} of {code} is not one of {', '.join(POA_VALUES)}"
        elif kind == "px":
            for code in parse_px(text):
                problem = (code_problem("icd10pcs", code) if check_sets
                           else None if _PCS_RE.match(code) else
                           f"{code!r} is not an ICD-10-PCS code (7 characters, no I or O)")
                if problem:
                    return problem
        elif kind == "lines":
            for code, mods, units in parse_lines(text):
                problem = code_problem("line", code)
                if problem:
                    return problem
                for m in mods:
                    if not _MOD_RE.match(m):
                        return f"modifier {m!r} on {code} is not two letters/digits"
                if units < 1:
                    return f"units {units} on {code} must be at least 1"
    except ValueError as exc:  # e.g. units not an integer
        return f"cannot read {text!r}: {exc}"
    return None


@dataclass(frozen=True)
class Population:
    """A validated population: the frame plus where it came from.

    >>> Population(pd.DataFrame({"encounter_id": ["E1"]}), "demo").size
    1
    """

    frame: pd.DataFrame
    source: str

    @property
    def size(self) -> int:
        """Number of encounters in the frame."""
        return len(self.frame)


def _suggest(missing: str, present: list[str]) -> str:
    from rapidfuzz import process

    match = process.extractOne(missing, present, score_cutoff=70)
    return f" (found {match[0]!r} — misnamed?)" if match else ""


def _date_text(value: object) -> str:
    """A date cell as ``YYYY-MM-DD`` text ("" when empty); anything else kept for the error."""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value == value.normalize() else value.isoformat()
    text = str(value).strip()
    try:
        return TEXT_DATE.check(text)
    except ValueError:
        return "not a date: " + text


TEXT_DATE = Column("date", kind="date")


def validate_population(frame: pd.DataFrame, source: str = "population",
                        *, check_code_sets: bool = False) -> pd.DataFrame:
    """Check columns, ids, settings, payers, dates and codes; return a cleaned copy.

    Rows are reported 1-based as a spreadsheet shows them (header = row 1, first data = 2).

    >>> df = pd.DataFrame({"encounter_id": ["E1"], "coder": ["C1"], "setting": ["office"],
    ...     "payer": ["Medicare"], "service_date": ["2025-11-03"], "dx": ["E11.9"]})
    >>> validate_population(df)["dx"].iloc[0]
    'E11.9'
    """
    df = frame.copy()
    df.columns = [str(c).strip() for c in df.columns]
    present = list(df.columns)
    for col in REQUIRED_COLUMNS:
        if col not in df.columns:
            raise PopulationError(source, "missing required column" + _suggest(col, present),
                                  column=col)
    if df.empty:
        raise PopulationError(source, "population has no rows")
    for col in ("encounter_id", "coder", "setting", "payer"):
        s = df[col]
        bad = s.isna() | (s.astype(str).str.strip() == "")
        if bad.any():
            raise PopulationError(source, "empty value", row=int(bad.to_numpy().argmax()) + 2,
                                  column=col)
        df[col] = s.astype(str).str.strip()
    dup = df["encounter_id"].duplicated()
    if dup.any():
        i = int(dup.to_numpy().argmax())
        first = int((df["encounter_id"] == df["encounter_id"].iloc[i]).to_numpy().argmax())
        raise PopulationError(source, f"duplicate encounter id {df['encounter_id'].iloc[i]!r} "
                              f"(first seen at row {first + 2})", row=i + 2, column="encounter_id")
    bad = ~df["setting"].isin(SETTINGS)
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise PopulationError(source, f"unknown setting {df['setting'].iloc[i]!r}; expected one "
                              f"of {', '.join(SETTINGS)}", row=i + 2, column="setting")
    bad = ~df["payer"].isin(PAYERS)
    if bad.any():
        i = int(bad.to_numpy().argmax())
        raise PopulationError(source, f"unknown payer {df['payer'].iloc[i]!r}; expected one of "
                              f"{', '.join(PAYERS)}", row=i + 2, column="payer")
    for col in ("service_date", "admission_date"):
        if col in df.columns:
            text = df[col].astype(object).where(df[col].notna(), "").map(_date_text)
            blank = text == ""
            parsed = pd.to_datetime(text.where(~blank, None), errors="coerce", format="%Y-%m-%d")
            bad = parsed.isna() & (~blank if col == "admission_date" else True)
            if bad.any():
                i = int(bad.to_numpy().argmax())
                raise PopulationError(source, f"not a date (YYYY-MM-DD): {df[col].iloc[i]!r}",
                                      row=i + 2, column=col)
            df[col] = parsed
    for col in ("dx", "px", "lines"):
        if col not in df.columns:
            df[col] = ""
        df[col] = df[col].fillna("").astype(str)
        for i, text in enumerate(df[col].tolist()):
            if text:
                problem = codes_problem(col, text, check_sets=check_code_sets)
                if problem:
                    raise PopulationError(source, problem, row=i + 2, column=col)
    if "billed_drg" in df.columns:
        drg = df["billed_drg"]
        text = drg.astype("string").str.strip().str.replace(r"\.0$", "", regex=True)
        ok = text.isna() | (text == "") | text.str.fullmatch(r"[0-9]{1,3}").fillna(False)
        if not ok.all():
            i = int((~ok).to_numpy().argmax())
            raise PopulationError(source, f"billed DRG {drg.iloc[i]!r} is not a 3-digit MS-DRG",
                                  row=i + 2, column="billed_drg")
        df["billed_drg"] = text.str.zfill(3).where(text.notna() & (text != ""), "")
        df["billed_drg"] = df["billed_drg"].fillna("").astype(str)
    if "sex" in df.columns:
        df["sex"] = df["sex"].fillna("").astype(str).str.strip().str.upper()
        bad = ~df["sex"].isin(("",) + SEXES)
        if bad.any():
            i = int(bad.to_numpy().argmax())
            raise PopulationError(source, f"sex {df['sex'].iloc[i]!r} is not one of "
                                  f"{', '.join(SEXES)}", row=i + 2, column="sex")
    return df.reset_index(drop=True)


def load_population(path: str | Path, *, sheet: str | int = 0,
                    check_code_sets: bool = False) -> Population:
    """Load and validate a population from ``.csv`` or ``.xlsx`` (read by the strict reader,
    :func:`coderlib.tabular.read_table`: every cell text, ``07`` stays ``07``).

    >>> from coderlib.paths import data_dir
    >>> load_population(data_dir() / "demo_population.csv").size > 1000  # doctest: +SKIP
    True
    """
    path = Path(path)
    try:
        frame = read_table(path, POPULATION_COLUMNS, key="encounter_id", sheet=sheet)
    except TableError as exc:
        raise PopulationError(exc.source, exc.reason, row=exc.row, column=exc.column) from None
    return Population(validate_population(frame, str(path), check_code_sets=check_code_sets),
                      str(path))
