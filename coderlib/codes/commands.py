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
    payload = err.to_dict() if hasattr(err, "to_dict") else {"reason": "error",
                                                             "message": str(err)}
    if as_json:
        typer.echo(json.dumps({"error": payload}, indent=2))
    else:
        typer.echo(f"error: {err}", err=True)
    raise typer.Exit(1)


def lookup_command(
    code: str = typer.Argument(..., help="Any code: E11.9, s72001a, 0DTJ4ZZ, J1885, 99213, 25"),
    date: str = typer.Option(None, "--date", help="Date of service YYYY-MM-DD."),
    system: str = typer.Option(None, "--system", help=SYSTEM_HELP + " | modifier"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Describe a code: hierarchy, notes, 7th characters, billable children, validity."""
    from coderlib.codes.errors import CodeError
    from coderlib.codes.lookup import detail_lines, lookup

    try:
        res = lookup(code, on=date, system=system)
    except (CodeError, ValueError) as err:
        _fail(err, as_json)
        return
    if as_json:
        out = res.to_dict()
        if res.system == "icd10pcs":
            from dataclasses import asdict

            from coderlib.codes import icd10pcs

            out["decoded"] = [asdict(a) for a in icd10pcs.decode(res.code).axes]
        typer.echo(json.dumps(out, indent=2, default=str))
        return
    typer.echo("\n".join(detail_lines(res)))


def search_command(
    text: str = typer.Argument(..., help="Words, partial words, misspellings or a code prefix."),
    system: str = typer.Option(None, "--system", help=SYSTEM_HELP),
    limit: int = typer.Option(20, "--limit", min=1, max=500, help="How many results."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Search every code set; billable codes and exact matches first."""
    from coderlib.codes.errors import CodeError
    from coderlib.codes.search import search

    try:
        hits = search(text, system=system, limit=limit)
    except CodeError as err:
        _fail(err, as_json)
        return
    if as_json:
        typer.echo(json.dumps([h.to_dict() for h in hits], indent=2))
        return
    if not hits:
        typer.echo(f"no codes match {text!r}")
        return
    for h in hits:
        flag = " " if h.billable else "h"
        via = f"  (term: {h.matched_term})" if h.matched_term else ""
        typer.echo(f"{h.system:<8} {h.dotted:<9}{flag} {h.description}{via}")


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
