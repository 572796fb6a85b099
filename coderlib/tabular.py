"""The one strict reader for tabular input (encounters, populations, samples, findings).

:func:`read_table` reads a ``.csv`` or ``.xlsx`` into a DataFrame of text cells and refuses,
naming the file, the row (as a spreadsheet numbers it: header = row 1) and the column,
anything that could otherwise turn into a wrong answer:

* every row must have exactly the header's fields (a trailing comma or an unquoted comma
  inside a value is refused, never taken as an index that shifts the columns);
* header names must be unique and non-empty (an unnamed column is allowed only when empty);
* required columns must be present (with a "misnamed?" hint), unknown ones can be refused;
* ids in the ``key`` column must be present and unique;
* text must be UTF-8 (a BOM is fine; UTF-16 with a BOM is read); otherwise the error names
  the row and the byte and suggests re-saving as UTF-8;
* cells stay text: ``07`` stays ``07`` and ``E11.90`` stays ``E11.90``; dates must be a whole
  ``YYYY-MM-DD`` (``date.fromisoformat`` of the full value); enumerations match a whole
  allowed value; numbers must be numbers.

An apostrophe our exporter (:mod:`coderlib.export`) put before a formula-like cell is removed.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
>>> _ = p.write_text("id,pdx,status\\n1,J18.9,07\\n")
>>> read_table(p, [Column("id", required=True), Column("status", kind="status")]).iloc[0].tolist()
['1', 'J18.9', '07']
>>> _ = p.write_text("id,pdx,sdx\\n1,J18.9,E87.1,\\n")
>>> try:
...     read_table(p)
... except TableError as err:
...     print(err.row, err.reason[:42])
2 4 fields where the header has 3 (a trailin
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from coderlib.export import unescape_cell

Kind = Literal["text", "date", "int", "number", "enum", "status"]
_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_INT_RE = re.compile(r"^[+-]?[0-9]+(\.0*)?$")
_STATUS_RE = re.compile(r"^[0-9]{1,2}$")
CSV_SUFFIXES = (".csv", ".txt")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")


class TableError(ValueError):
    """A problem in a table, naming the file, the row and the column.

    >>> str(TableError("pop.csv", "missing column", column="coder"))
    'pop.csv: column coder: missing column'
    """

    def __init__(self, source: str, reason: str, *, row: int | None = None,
                 column: str | None = None) -> None:
        self.source, self.reason, self.row, self.column = source, reason, row, column
        where = []
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column}")
        prefix = f"{source}: " + (", ".join(where) + ": " if where else "")
        super().__init__(prefix + reason)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form for ``--json`` output."""
        return {"source": self.source, "row": self.row, "column": self.column,
                "reason": self.reason, "message": str(self)}


@dataclass(frozen=True)
class Column:
    """What one column must hold.

    ``kind``: ``text`` (anything), ``date`` (whole ``YYYY-MM-DD``), ``int`` (whole number;
    ``65.0`` from a spreadsheet reads as ``65``), ``number``, ``enum`` (one of ``choices``,
    case-insensitive, given back as written in ``choices``) or ``status`` (a 1-2 digit code,
    given back zero-padded: ``7`` -> ``07``; one of ``choices`` when given).
    Empty cells are allowed unless ``allow_empty=False``.

    >>> Column("sex", kind="enum", choices=("M", "F", "U")).check("f")
    'F'
    """

    name: str
    kind: Kind = "text"
    required: bool = False
    allow_empty: bool = True
    choices: tuple[str, ...] = ()

    def check(self, value: str) -> str:
        """The cell's value in canonical text form; ``ValueError`` naming the reason."""
        if value == "":
            if not self.allow_empty:
                raise ValueError("empty value")
            return value
        if self.kind == "date":
            return _whole_date(value)
        if self.kind == "int":
            if not _INT_RE.match(value):
                raise ValueError(f"{value!r} is not a whole number")
            return str(int(float(value))) if "." in value else str(int(value))
        if self.kind == "number":
            try:
                number = float(value)
            except ValueError:
                raise ValueError(f"{value!r} is not a number") from None
            if not math.isfinite(number):
                raise ValueError(f"{value!r} is not a finite number")
            return value
        if self.kind == "enum":
            for choice in self.choices:
                if value.upper() == choice.upper():
                    return choice
            raise ValueError(f"{value!r} is not one of {', '.join(self.choices)}")
        if self.kind == "status":
            text = value[:-2] if value.endswith(".0") else value
            if not _STATUS_RE.match(text):
                raise ValueError(f"{value!r} is not a two-digit status code")
            text = text.zfill(2)
            if self.choices and text not in self.choices:
                raise ValueError(f"{value!r} is not a known status ({', '.join(self.choices)})")
            return text
        return value


def _whole_date(value: str) -> str:
    """``YYYY-MM-DD`` checked whole (no trailing garbage, no time, a real calendar day).

    >>> _whole_date("2026-02-10")
    '2026-02-10'
    >>> _whole_date("2026-02-10garbage")
    Traceback (most recent call last):
    ...
    ValueError: '2026-02-10garbage' is not a date (YYYY-MM-DD)
    """
    if not _DATE_RE.match(value):
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)")
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a calendar date") from None
    return value


# ----------------------------------------------------------------------------- raw rows
def _decode(data: bytes, source: str, encoding: str | None) -> str:
    if encoding:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise TableError(source, f"cannot decode as {encoding}: {exc}") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise TableError(source, "starts like UTF-16 but is not valid UTF-16; "
                                     "save it as CSV UTF-8") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start
        prefix = data[:start].decode("utf-8-sig", errors="replace")
        try:
            row = sum(1 for _ in csv.reader(io.StringIO(prefix + "x", newline="")))
        except csv.Error:
            row = prefix.count("\n") + 1
        bad = data[start:start + 1].hex()
        guess = "Windows-1252 / Latin-1" if data[start] >= 0x80 else "another encoding"
        raise TableError(source, f"byte 0x{bad} is not UTF-8 text; the file looks like "
                                 f"{guess}: save it as 'CSV UTF-8' (or re-encode it, e.g. "
                                 f"iconv -f cp1252 -t utf-8)", row=max(row, 1)) from None


def _csv_rows(path: Path, source: str, encoding: str | None) -> list[list[str]]:
    text = _decode(path.read_bytes(), source, encoding)
    if "\x00" in text:
        row = text[:text.index("\x00")].count("\n") + 1
        raise TableError(source, "contains a NUL byte (a binary file, or UTF-16 without a "
                                 "byte-order mark?)", row=row)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise TableError(source, f"not a well-formed CSV: {exc}") from None


def _excel_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _excel_rows(path: Path, source: str, sheet: str | int) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - zipfile/openpyxl raise many kinds
        raise TableError(source, f"not a readable Excel workbook ({type(exc).__name__}: "
                                 f"{exc})") from None
    try:
        names = wb.sheetnames
        if isinstance(sheet, int):
            if not 0 <= sheet < len(names):
                raise TableError(source, f"has no sheet number {sheet}; sheets: "
                                         f"{', '.join(names)}")
            ws = wb[names[sheet]]
        elif sheet in names:
            ws = wb[sheet]
        else:
            raise TableError(source, f"has no sheet {sheet!r}; sheets: {', '.join(names)}")
        rows = [[_excel_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    finally:
        wb.close()
    for row in rows:  # Excel pads every row to the used range: trailing empties mean nothing
        while row and row[-1] == "":
            row.pop()
    return rows


# ----------------------------------------------------------------------------- the reader
def _suggest(missing: str, present: list[str]) -> str:
    from rapidfuzz import process

    match = process.extractOne(missing, present, score_cutoff=70) if present else None
    return f" (found {match[0]!r}: misnamed?)" if match else ""


def _fields(n: int) -> str:
    return f"{n} field" + ("" if n == 1 else "s")


def _header(raw: list[str], source: str) -> list[str]:
    names = [str(unescape_cell(str(c))).strip() for c in raw]
    seen: dict[str, int] = {}
    for i, name in enumerate(names, start=1):
        if not name:
            continue
        if name in seen:
            raise TableError(source, f"column {name!r} appears twice in the header (fields "
                                     f"{seen[name]} and {i}); a second copy would be ignored",
                             row=1, column=name)
        seen[name] = i
    return names


def read_table(path: str | Path, columns: Sequence[Column] = (), *, key: str | None = None,
               unknown: Literal["keep", "near", "refuse"] = "keep", sheet: str | int = 0,
               encoding: str | None = None, source: str | None = None) -> pd.DataFrame:
    """Read ``path`` (``.csv``/``.txt``/``.xlsx``/``.xlsm``) strictly; every cell is text.

    ``columns`` describe the columns this caller knows (see :class:`Column`); ``key`` names
    the id column (non-empty and unique; it must be present unless ``columns`` declares it
    optional); ``unknown="refuse"`` refuses any column not in ``columns``, ``"near"`` only one
    whose name looks like a misspelt known column (``sdxx`` for ``sdx``), so a typo cannot
    make a column silently ignored. Rows where every cell is empty are dropped only at the end
    of the file. The frame's ``attrs["source"]`` is the file name used in messages.
    """
    path = Path(path)
    source = source or str(path)
    if not path.exists():
        raise TableError(source, "file not found")
    if path.is_dir():
        raise TableError(source, "is a folder, not a table file")
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        rows = _csv_rows(path, source, encoding)
        excel = False
    elif suffix in EXCEL_SUFFIXES:
        rows = _excel_rows(path, source, sheet)
        excel = True
    else:
        raise TableError(source, f"unsupported file type {suffix or '(none)'!r}; use .csv or "
                                 ".xlsx")
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    if not rows:
        raise TableError(source, "the file is empty (no header row)")
    names = _header(rows[0], source)
    if not any(names):
        raise TableError(source, "the header row (column names) is empty", row=1)
    width = len(names)
    body = rows[1:]
    for n, row in enumerate(body, start=2):
        if excel:  # a spreadsheet row: empty cells at its end are not written down
            if len(row) > width:
                raise TableError(source, f"a value in column {len(row)}, beyond the last "
                                         f"named column ({width})", row=n)
            row.extend([""] * (width - len(row)))
            continue
        if len(row) > width:
            raise TableError(source, f"{_fields(len(row))} where the header has {width} (a "
                                     "trailing comma, or a comma inside an unquoted value?)",
                             row=n)
        if len(row) < width:
            if not row:
                raise TableError(source, "empty line in the middle of the table", row=n)
            raise TableError(source, f"{_fields(len(row))} where the header has {width}",
                             row=n)
    data = {}
    for i, name in enumerate(names):
        cells = [str(unescape_cell(r[i])).strip() for r in body]
        if not name:
            filled = next((n for n, c in enumerate(cells, start=2) if c), None)
            if filled is not None:
                raise TableError(source, f"field {i + 1} has a value but no column name in "
                                         "the header", row=filled)
            continue
        data[name] = cells
    spec = {c.name: c for c in columns}
    present = list(data)
    for col in columns:
        if col.required and col.name not in data:
            raise TableError(source, "missing required column" + _suggest(col.name, present),
                             column=col.name)
    extra = [c for c in present if c not in spec]
    if unknown == "near":
        extra = [c for c in extra if _suggest(c, [k for k in spec if k not in data])]
    if unknown in ("refuse", "near") and extra:
        raise TableError(source, f"unknown column{_suggest(extra[0], list(spec))}; "
                                 f"expected columns: {', '.join(spec)}", column=extra[0])
    for name, col in spec.items():
        if name not in data:
            continue
        cells = data[name]
        for n, value in enumerate(cells, start=2):
            try:
                cells[n - 2] = col.check(value)
            except ValueError as exc:
                raise TableError(source, str(exc), row=n, column=name) from None
    if key is not None and (key in data or key not in spec or spec[key].required):
        if key not in data:
            raise TableError(source, "missing id column" + _suggest(key, present), column=key)
        first: dict[str, int] = {}
        for n, value in enumerate(data[key], start=2):
            if not value:
                raise TableError(source, "empty id", row=n, column=key)
            if value in first:
                raise TableError(source, f"duplicate id {value!r} (first seen at row "
                                         f"{first[value]})", row=n, column=key)
            first[value] = n
    frame = pd.DataFrame(data, columns=list(data), dtype=object)
    frame.attrs["source"] = source
    return frame
