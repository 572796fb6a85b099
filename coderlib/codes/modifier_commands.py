"""``coderlib modifiers check``: meanings, conflicts and order of the modifiers on one line.

>>> import typer
>>> app = typer.Typer()
>>> register(app)
>>> [g.name for g in app.registered_groups]
['modifiers']
"""

from __future__ import annotations

import json
from dataclasses import asdict

import typer

from coderlib.codes.commands import _fail


def modifiers_check(
    modifiers: list[str] = typer.Argument(..., help="The modifiers on one claim line."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Check the modifiers on one line: conflicts, duplicates, billing order (exit 1 if any)."""
    from coderlib.codes import modifiers as mods
    from coderlib.codes.errors import CodeError

    try:
        conflicts = mods.check(modifiers)
        meanings = [mods.get(m) for m in modifiers]
    except CodeError as err:
        _fail(err, as_json)
        return
    if as_json:
        typer.echo(json.dumps({"modifiers": [asdict(m) for m in meanings],
                               "conflicts": [asdict(c) for c in conflicts]}, indent=2))
    else:
        for m in meanings:
            typer.echo(f"{m.display:<5} {m.kind:<13} {m.meaning}")
        typer.echo("no conflicts" if not conflicts else "\n".join(c.message for c in conflicts))
    if conflicts:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the ``modifiers`` command group."""
    modifiers = typer.Typer(help="CPT/HCPCS modifiers: meanings and line checks.")
    modifiers.command("check")(modifiers_check)
    app.add_typer(modifiers, name="modifiers")
