"""``coderlib group ...``: group one encounter, or a CSV of encounters.

Examples::

    coderlib group --pdx I50.22 --sdx J96.01 --sdx "E11.9:N" --age 70 --sex F --json
    coderlib group --csv encounters.csv --out grouped.csv

Exit codes: 0 every result is valid; 1 the encounter was grouped but has errors (DRG 999,
an invalid code the grouper ignored); 2 bad input (an option, a date outside the versions,
an unreadable or malformed CSV); 3 a CSV was grouped but some rows have errors (each
named by row number in the ``error`` column and on stderr; the other rows are grouped).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import typer

from coderlib.cli_output import fail
from coderlib.codes.normalize import dotted_icd10cm
from coderlib.drg.batch import group_frame
from coderlib.drg.encounter import Encounter, EncounterError, parse_code_list
from coderlib.drg.engine import VersionError
from coderlib.drg.grouper import group
from coderlib.drg.weights import DEFAULT_BASE_RATE
from coderlib.export import write_csv
from coderlib.tabular import Column, TableError, read_table

#: Input columns of ``--csv`` (values are checked per row by :class:`Encounter`).
CSV_INPUT = (Column("id", required=True), Column("pdx", required=True), Column("sdx"),
             Column("proc"), Column("procedures"), Column("age"), Column("sex"),
             Column("discharge_status"), Column("discharge_date"))
CSV_OUTPUT = ["id", "drg", "mdc", "severity", "weight", "explanation", "warnings", "error"]
EXIT_OK, EXIT_ERRORS, EXIT_BAD_INPUT, EXIT_ROW_ERRORS = 0, 1, 2, 3
EXIT_CODES_HELP = ("Exit codes: 0 every result valid; 1 grouped with errors (DRG 999 or an "
                   "invalid code ignored); 2 bad input; 3 CSV completed with row errors "
                   "(reported by row number, other rows grouped).")


def _split(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out.extend(parse_code_list(v))
    return out


def _fail(message: str, as_json: bool, code: int = 2) -> None:
    fail(message, as_json, code, ok_field=False)


def group_command(
    pdx: str = typer.Option(None, "--pdx", help="Principal diagnosis (ICD-10-CM)."),
    sdx: list[str] = typer.Option(None, "--sdx", help="Secondary dx; repeat or ';'-separate; "
                                                      "CODE:N for POA N (default Y)."),
    proc: list[str] = typer.Option(None, "--proc", help="ICD-10-PCS procedure; repeat or "
                                                        "';'-separate."),
    age: int = typer.Option(65, "--age", help="Age in years."),
    sex: str = typer.Option("M", "--sex", help="M, F or U."),
    discharge_status: str = typer.Option("01", "--discharge-status",
                                         help="Two-digit patient status (01 home, 20 died)."),
    discharge_date: str = typer.Option("2025-10-01", "--discharge-date",
                                       help="YYYY-MM-DD; picks the MS-DRG version: v43 "
                                            "from 2025-10-01, v43.1 from 2026-04-01, v44 "
                                            "from 2026-10-01 to 2027-03-31."),
    allow_older: bool = typer.Option(False, "--allow-older",
                                     help="Before 2025-10-01: group with the older MS-DRG "
                                          "version in force (back to v40, 2022-10-01) "
                                          "instead of failing."),
    base_rate: float = typer.Option(DEFAULT_BASE_RATE, "--base-rate",
                                    help="Base rate in USD for the payment estimate."),
    csv_in: Path = typer.Option(None, "--csv", help="Group a CSV (id,pdx,sdx,proc,age,sex,"
                                                    "discharge_status,discharge_date)."),
    out: Path = typer.Option(None, "--out", help="Output CSV for --csv."),
    as_json: bool = typer.Option(False, "--json", help="JSON output."),
) -> None:
    """Assign the MS-DRG (CMS grouper logic, v43/v43.1/v44) with an explanation, weight and
    payment estimate.

    Exit codes: 0 every result valid; 1 grouped with errors (DRG 999, or an invalid code
    the grouper ignored); 2 bad input; 3 a CSV completed with row errors (each reported by
    row number; the other rows are grouped).
    """
    if csv_in is not None:
        _group_csv(csv_in, out, as_json)
        return
    if not pdx:
        _fail("give --pdx (or --csv IN.csv --out OUT.csv)", as_json)
    try:
        enc = Encounter(pdx=pdx, sdx=_split(sdx), procedures=_split(proc), age=age, sex=sex,
                        discharge_status=discharge_status, discharge_date=discharge_date)
        res = group(enc, allow_older=allow_older)
    except (EncounterError, VersionError) as err:
        _fail(str(err), as_json)
        return
    pay = round(res.weight * base_rate, 2) if res.weight is not None else None
    code = EXIT_ERRORS if res.errors else EXIT_OK
    if as_json:
        data = res.to_dict()
        data["payment"] = pay
        data["base_rate"] = base_rate
        data["encounter"] = enc.to_dict()
        data["error"] = "; ".join(e.message for e in res.errors)
        typer.echo(json.dumps(data, indent=2))
        if code:
            raise typer.Exit(code)
        return
    typer.echo(f"MS-DRG {res.drg}  {res.title}")
    typer.echo(f"  MDC {res.mdc}  {res.partition}  severity {res.severity}  version "
               f"{res.version}")
    if res.weight is not None and pay is not None:
        typer.echo(f"  weight {res.weight:.4f}  estimated payment ${pay:,.2f} "
                   f"(base rate ${base_rate:,.2f})")
    ex = res.explanation
    if ex is not None:
        for line in (ex.mdc_reason, ex.partition_reason, ex.severity_reason):
            typer.echo(f"  - {line}")
        for s in ex.secondaries:
            mark = " *" if s.deciding else ""
            typer.echo(f"    {dotted_icd10cm(s.code):10} POA {s.poa or '-':2} "
                       f"{s.verdict:13}{mark} {s.detail}")
        for p in ex.procedures:
            kind = "pre-MDC" if p.is_or is None else "O.R." if p.is_or else "non-O.R."
            typer.echo(f"    {p.code:10} {kind:9} {p.detail}")
    for w in res.warnings:
        typer.echo(f"  {w.level}: {w.message}")
    if code:
        raise typer.Exit(code)


def read_encounters_csv(path: Path) -> pd.DataFrame:
    """Read an encounters CSV with the strict reader (:func:`coderlib.tabular.read_table`):
    text columns, no index inference; a row with more or fewer fields than the header, a
    repeated header or id, a misspelt column name or text that is not UTF-8 is refused by
    row number. Raises ValueError naming the file and the reason."""
    try:
        return read_table(path, CSV_INPUT, key="id", unknown="near")
    except TableError as err:
        raise ValueError(f"--csv: {err}") from None


def write_grouped_csv(frame: pd.DataFrame, out: Path) -> None:
    """Write the grouped rows through the one export path: formula-like cells escaped, the
    file replaced atomically (a full disk leaves the previous file; ``OutputError``)."""
    write_csv(frame, out)


def _group_csv(path: Path, out: Path | None, as_json: bool) -> None:
    if out is None:
        _fail("--csv needs --out OUT.csv", as_json)
    if not path.exists():
        _fail(f"--csv: {path} does not exist", as_json)
    try:
        df = read_encounters_csv(path)
    except ValueError as err:
        _fail(str(err), as_json)
        return
    missing = [c for c in ("id", "pdx") if c not in df.columns]
    if missing:
        _fail(f"--csv: {path} lacks column(s) {', '.join(missing)}; expected id,pdx,sdx,proc,"
              "age,sex,discharge_status,discharge_date", as_json)
    res = group_frame(df, explain=True, on_error="record")[CSV_OUTPUT]
    try:
        write_grouped_csv(res, out)
    except OSError as err:  # OutputError names the path and the cause (disk full, ...)
        _fail(f"--out: {err}", as_json, EXIT_ERRORS)
    bad = res[res["error"].fillna("").ne("")]
    summary = {"rows": len(res), "grouped": int(res["drg"].fillna("").ne("").sum()),
               "valid": int(len(res) - len(bad)), "errors": len(bad), "out": str(out),
               "error_messages": bad["error"].tolist(),
               "exit_code": EXIT_ROW_ERRORS if len(bad) else EXIT_OK}
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
    else:
        typer.echo(f"grouped {summary['grouped']} of {summary['rows']} rows, "
                   f"{summary['valid']} without errors -> {out}")
        for msg in summary["error_messages"]:
            typer.echo(f"error: {msg}", err=True)
        if len(bad):
            typer.echo(f"completed with row errors ({len(bad)} row(s)); exit code 3",
                       err=True)
    if len(bad):
        sys.stdout.flush()
        raise typer.Exit(EXIT_ROW_ERRORS)


weights_app = typer.Typer(help="MS-DRG weights: import CMS's Table 5 of a fiscal year "
                                "(FY2027 is in no package).", no_args_is_help=True)


@weights_app.command("import")
def weights_import(
    path: Path = typer.Argument(..., help="CMS Table 5 file (tab-delimited text as CMS "
                                          "publishes it)."),
    fiscal_year: int = typer.Option(2027, "--fiscal-year", help="Fiscal year of the table."),
    as_json: bool = typer.Option(False, "--json", help="JSON output."),
) -> None:
    """Import a CMS Table 5 so v44 (FY2027) groupings get weights and payments."""
    from coderlib.drg.weights import import_table5

    if fiscal_year == 2026:
        _fail("--fiscal-year: FY2026 weights ship with coderlib; import FY2027 or later",
              as_json)
    try:
        dest = import_table5(path, fiscal_year)
    except (OSError, ValueError) as err:
        _fail(f"{path}: {err}", as_json)
        return
    rows = sum(1 for _ in dest.open()) - 1
    if as_json:
        typer.echo(json.dumps({"fiscal_year": fiscal_year, "drgs": rows, "stored": str(dest)}))
    else:
        typer.echo(f"imported {rows} MS-DRG weights for FY{fiscal_year} -> {dest}")


def register(app: typer.Typer) -> None:
    """Add ``coderlib group`` and ``coderlib drg-weights`` to the main app."""
    app.command("group", epilog=EXIT_CODES_HELP)(group_command)
    app.add_typer(weights_app, name="drg-weights")
