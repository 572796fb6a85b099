"""``coderlib group ...``: group one encounter, or a CSV of encounters.

Examples::

    coderlib group --pdx I50.22 --sdx J96.01 --sdx "E11.9:N" --age 70 --sex F --json
    coderlib group --csv encounters.csv --out grouped.csv
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from coderlib.atomic import OutputError
from coderlib.codes.normalize import dotted_icd10cm
from coderlib.drg.batch import RowError, group_frame
from coderlib.drg.encounter import Encounter, EncounterError, parse_code_list
from coderlib.drg.engine import VersionError
from coderlib.drg.grouper import group
from coderlib.drg.weights import DEFAULT_BASE_RATE, payment
from coderlib.export import write_csv
from coderlib.tabular import Column, TableError, read_table

#: Input columns of ``--csv`` (values are checked per row by :class:`Encounter`).
CSV_INPUT = (Column("id", required=True), Column("pdx", required=True), Column("sdx"),
             Column("proc"), Column("procedures"), Column("age"), Column("sex"),
             Column("discharge_status"), Column("discharge_date"))
CSV_OUTPUT = ["id", "drg", "mdc", "severity", "weight", "explanation", "warnings", "error"]


def _split(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out.extend(parse_code_list(v))
    return out


def _fail(message: str, as_json: bool, code: int = 2) -> None:
    if as_json:
        typer.echo(json.dumps({"error": message}))
    else:
        typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


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
                                       help="YYYY-MM-DD; picks MS-DRG v43 or v43.1."),
    allow_older: bool = typer.Option(False, "--allow-older",
                                     help="Before 2025-10-01: group with drgpy's older "
                                          "MS-DRG version instead of failing."),
    base_rate: float = typer.Option(DEFAULT_BASE_RATE, "--base-rate",
                                    help="Base rate in USD for the payment estimate."),
    csv_in: Path = typer.Option(None, "--csv", help="Group a CSV (id,pdx,sdx,proc,age,sex,"
                                                    "discharge_status,discharge_date)."),
    out: Path = typer.Option(None, "--out", help="Output CSV for --csv."),
    as_json: bool = typer.Option(False, "--json", help="JSON output."),
) -> None:
    """Assign the MS-DRG (v43/v43.1) with an explanation, weight and payment estimate."""
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
    pay = payment(res.drg, base_rate)
    if as_json:
        data = res.to_dict()
        data["payment"] = pay
        data["base_rate"] = base_rate
        data["encounter"] = enc.to_dict()
        typer.echo(json.dumps(data, indent=2))
        return
    typer.echo(f"MS-DRG {res.drg}  {res.title}")
    typer.echo(f"  MDC {res.mdc}  {res.partition}  severity {res.severity}  version "
               f"{res.version}")
    if res.weight is not None:
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
            typer.echo(f"    {p.code:10} {'O.R.' if p.is_or else 'non-O.R.':9} {p.detail}")
    for w in res.warnings:
        typer.echo(f"  {w.level}: {w.message}")


def _group_csv(path: Path, out: Path | None, as_json: bool) -> None:
    if out is None:
        _fail("--csv needs --out OUT.csv", as_json)
    try:  # the strict reader: ragged rows, duplicate headers/ids, bad encodings refused
        df = read_table(path, CSV_INPUT, key="id", unknown="near")
    except TableError as err:
        _fail(f"--csv: {err}", as_json)
        return
    try:
        res = group_frame(df, explain=True, on_error="record")
    except RowError as err:
        _fail(str(err), as_json)
        return
    res = res[CSV_OUTPUT]
    try:  # formula-like cells escaped, written atomically (no truncated file on a full disk)
        write_csv(res, out)
    except OutputError as err:
        _fail(str(err), as_json)
        return
    bad = res[res["error"].astype(bool)]
    summary = {"rows": len(res), "grouped": int(len(res) - len(bad)), "errors": len(bad),
               "out": str(out), "error_messages": bad["error"].tolist()}
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
    else:
        typer.echo(f"grouped {summary['grouped']} of {summary['rows']} rows -> {out}")
        for msg in summary["error_messages"]:
            typer.echo(f"error: {msg}", err=True)
    if len(bad):
        sys.stdout.flush()
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``coderlib group`` to the main app."""
    app.command("group")(group_command)
