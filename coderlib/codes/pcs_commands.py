"""``coderlib pcs decode|next``: explain a PCS code, walk the PCS tables (every one has --json).

>>> import typer
>>> app = typer.Typer()
>>> register(app)
>>> [g.name for g in app.registered_groups]
['pcs']
"""

from __future__ import annotations

import json
from dataclasses import asdict

import typer

from coderlib.codes.commands import _fail


def pcs_decode(
    code: str = typer.Argument(..., help="A 7-character ICD-10-PCS code, e.g. 0DTJ4ZZ."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Explain each of the 7 characters of a PCS code."""
    from coderlib.codes import icd10pcs
    from coderlib.codes.errors import CodeError

    try:
        decoded = icd10pcs.decode(code)
    except CodeError as err:
        _fail(err, as_json)
        return
    if as_json:
        typer.echo(json.dumps(asdict(decoded), indent=2, default=str))
        return
    from coderlib.codes import years

    v = years.status("icd10pcs", decoded.code, years.horizon())
    when = f"FY{v.fiscal_year}"
    status = (f"valid {when}" if v.valid else f"NOT valid for {when}") + \
        ("; valid FY2026" if decoded.valid_fy2026 else "; not valid for FY2026")
    typer.echo(f"{decoded.code}  {decoded.description}  ({status})")
    for axis in decoded.axes:
        line = f"  {axis.position}  {axis.value}  {axis.axis:<32} {axis.meaning}"
        typer.echo(line + (f" — {axis.definition}" if axis.definition else ""))


def pcs_next(
    prefix: str = typer.Argument("", help="The characters chosen so far, e.g. 0DT."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List the valid values for the next character of a PCS code (the table walk)."""
    from coderlib.codes import icd10pcs
    from coderlib.codes.errors import CodeError

    try:
        values = icd10pcs.next_values(prefix)
    except CodeError as err:
        _fail(err, as_json)
        return
    if as_json:
        typer.echo(json.dumps([{"value": v, "meaning": m} for v, m in values], indent=2))
        return
    if not values:
        typer.echo(f"{prefix!r} is already a complete code or leads to no valid code")
    for value, meaning in values:
        typer.echo(f"{prefix.upper()}{value}  {meaning}")


def register(app: typer.Typer) -> None:
    """Add the ``pcs`` command group."""
    pcs = typer.Typer(help="ICD-10-PCS: decode a code, walk the tables character by character.")
    pcs.command("decode")(pcs_decode)
    pcs.command("next")(pcs_next)
    app.add_typer(pcs, name="pcs")
