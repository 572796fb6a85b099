"""The one export path for tables we write: formula-safe cells, RFC 4180 CSV, atomic files.

Every CSV or Excel file coderlib produces goes through :func:`write_csv` or
:func:`write_excel`. A text cell that a spreadsheet could run as a formula gets a leading
``'`` (OWASP CSV-injection guidance): cells starting with ``= + - @``, tab or carriage
return, their full-width forms (``＝ ＋ － ＠``), also after leading spaces. Fields holding a
comma, a quote, CR or LF are quoted, so a bare CR can never split a row. The strict reader
(:mod:`coderlib.tabular`) removes exactly the apostrophe we added (:func:`unescape_cell`),
so a file we wrote reads back as it was.

>>> escape_cell("=HYPERLINK(1)"), escape_cell("  @SUM(1)"), escape_cell("I10"), escape_cell(5)
("'=HYPERLINK(1)", "'  @SUM(1)", 'I10', 5)
>>> unescape_cell(escape_cell("-2+3"))
'-2+3'
>>> csv_line(["a,b", "1\\r2", None, 7])
'"a,b","1\\r2",,7\\n'
"""

from __future__ import annotations

import gc
import io
import math
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from coderlib.atomic import OutputError, atomic_write

#: First characters that make a spreadsheet treat a cell as a formula (ASCII and full width).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d",
                    "\uff20")


def needs_escape(value: object) -> bool:
    """Whether a text cell could be taken as a formula (leading spaces are looked through).

    >>> needs_escape(" =1"), needs_escape("\uff1d1"), needs_escape("E11.9"), needs_escape(-1)
    (True, True, False, False)
    """
    return isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_PREFIXES)


def _guarded(value: str) -> bool:
    """Formula-like once any leading apostrophes are set aside (``''=1`` counts)."""
    return needs_escape(value.lstrip("'"))


def escape_cell(value: object) -> object:
    """``'`` + ``value`` for a formula-like text cell; anything else unchanged.

    A value that already starts with apostrophes before a formula gets one more, so that
    :func:`unescape_cell` gives back exactly what was written.
    """
    return "'" + value if isinstance(value, str) and _guarded(value) else value


def unescape_cell(value: object) -> object:
    """Undo :func:`escape_cell`: drop a leading ``'`` only where we would have added it.

    >>> unescape_cell("'=1"), unescape_cell("'abc"), unescape_cell("=1"), unescape_cell("''=1")
    ('=1', "'abc", '=1', "'=1")
    """
    if isinstance(value, str) and value.startswith("'") and _guarded(value[1:]):
        return value[1:]
    return value


def escape_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with every formula-like text cell (and column name) escaped.

    >>> escape_formulas(pd.DataFrame({"note": ["=1", "ok", 5]}))["note"].tolist()
    ["'=1", 'ok', 5]
    """
    out = df.copy()
    out.columns = [escape_cell(str(c)) for c in out.columns]
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if col.dtype == object or pd.api.types.is_string_dtype(col):
            out.isetitem(i, col.map(escape_cell).astype(object))
    return out


def _text(value: object) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, pd.Timestamp):
        midnight = value.tzinfo is None and value == value.normalize()
        return value.strftime("%Y-%m-%d") if midnight else value.isoformat(sep=" ")
    return str(value)


def _field(value: object) -> str:
    text = _text(value)
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_line(values: Iterable[object]) -> str:
    """One CSV record: fields with ``,`` ``"`` CR or LF quoted, ``\\n`` at the end.

    A record of one empty field is written ``""`` so it is not a blank line.
    """
    fields = [_field(v) for v in values]
    return (",".join(fields) if fields != [""] else '""') + "\n"


def csv_text(df: pd.DataFrame) -> str:
    """The whole table as CSV text (header + rows), formula-like cells escaped."""
    safe = escape_formulas(df)
    lines = [csv_line(safe.columns)]
    lines.extend(csv_line(row) for row in safe.itertuples(index=False, name=None))
    return "".join(lines)


def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write one table as UTF-8 CSV, atomically (see :func:`coderlib.atomic.atomic_write`)."""
    path = Path(path)
    text = csv_text(df)
    with atomic_write(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    return path


def _excel_safe(df: pd.DataFrame) -> pd.DataFrame:
    out = escape_formulas(df)
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if isinstance(col.dtype, pd.DatetimeTZDtype):
            out.isetitem(i, col.dt.tz_localize(None))
    return out


def write_excel(tables: Mapping[str, pd.DataFrame], path: str | Path) -> Path:
    """Write tables to one ``.xlsx`` (a sheet each, names cut to 31 characters), atomically."""
    path = Path(path)
    buffer = io.BytesIO()  # built in memory: a failed write cannot leave half a zip behind
    error = None
    hook = sys.unraisablehook
    sys.unraisablehook = lambda _unraisable: None  # openpyxl's temp-file writers, on failure
    try:
        try:
            with pd.ExcelWriter(buffer, engine="openpyxl") as xw:
                for name, table in tables.items():
                    _excel_safe(table).to_excel(xw, sheet_name=name[:31], index=False)
        except OSError as exc:  # openpyxl spools sheets through temporary files
            error = OutputError(path, exc)
        if error is not None:
            gc.collect()
    finally:
        sys.unraisablehook = hook
    if error is not None:
        raise error
    with atomic_write(path, "wb") as fh:
        fh.write(buffer.getvalue())
    return path


def export_tables(tables: Mapping[str, pd.DataFrame], path: str | Path) -> list[Path]:
    """Write tables to one ``.xlsx`` (a sheet each) or ``.csv`` files (``<stem>_<name>.csv``).

    One table to a ``.csv`` path is written to that path. Returns the written paths.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return [write_excel(tables, path)]
    if suffix != ".csv":
        raise ValueError(f"{path}: export to .xlsx or .csv")
    if len(tables) == 1:
        return [write_csv(next(iter(tables.values())), path)]
    return [write_csv(t, path.with_name(f"{path.stem}_{name}.csv")) for name, t in tables.items()]
