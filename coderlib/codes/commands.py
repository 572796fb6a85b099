"""``coderlib lookup``, ``coderlib search`` and ``coderlib excludes1`` (every one has --json).

>>> import typer
>>> app = typer.Typer()
>>> register(app)
>>> sorted(c.name for c in app.registered_commands)
['excludes1', 'lookup', 'search']
"""

from __future__ import annotations

import json

import typer

SYSTEM_HELP = "icd10cm | icd10pcs | hcpcs | cpt"


def _fail(err: Exception, as_json: bool) -> None:
    """Report a ``CodeError`` (or bad input) and exit 1."""
    from coderlib.codes.cli_runs import fail

    fail(err, as_json)
    raise typer.Exit(1)


def lookup_command(
    code: str = typer.Argument(..., help="Any code: E11.9, s72001a, 0DTJ4ZZ, J1885, 99213, 25"),
    date: str = typer.Option(None, "--date", help="Date of service YYYY-MM-DD (picks the "
                             "code set of its fiscal year)."),
    system: str = typer.Option(None, "--system", help=SYSTEM_HELP + " | modifier"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Describe a code: hierarchy, notes, 7th characters, billable children, validity."""
    from coderlib.codes.cli_runs import run_lookup

    rc = run_lookup(code, date, system, as_json)
    if rc:
        raise typer.Exit(rc)


def search_command(
    text: str = typer.Argument(..., help="Words, partial words, misspellings or a code prefix."),
    system: str = typer.Option(None, "--system", help=SYSTEM_HELP),
    limit: int = typer.Option(20, "--limit", min=1, max=500, help="How many results."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Search every code set; billable codes and exact matches first."""
    from coderlib.codes.cli_runs import run_search

    rc = run_search(text, system, limit, as_json)
    if rc:
        raise typer.Exit(rc)


def excludes1_command(
    codes: list[str] = typer.Argument(..., help="ICD-10-CM codes reported together."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List code pairs an Excludes1 note forbids reporting together (exit 1 when any)."""
    from dataclasses import asdict

    from coderlib.codes.errors import CodeError
    from coderlib.codes.icd10cm import excludes1_conflicts

    try:
        found = excludes1_conflicts(codes)
    except CodeError as err:
        _fail(err, as_json)
        return
    if as_json:
        typer.echo(json.dumps([asdict(c) for c in found], indent=2))
    elif not found:
        typer.echo("no Excludes1 conflicts")
    else:
        for c in found:
            typer.echo(str(c))
    if found:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``coderlib lookup``, ``search`` and ``excludes1`` to the main app."""
    app.command("lookup")(lookup_command)
    app.command("search")(search_command)
    app.command("excludes1")(excludes1_command)
