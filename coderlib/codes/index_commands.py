"""``coderlib index``, ``coderlib neoplasm`` and ``coderlib drug`` (every one has --json).

They read the Alphabetic Index, the Neoplasm Table and the Table of Drugs and Chemicals of
an imported CMS release (``coderlib codesets import``).

>>> import typer
>>> app = typer.Typer()
>>> register(app)
>>> sorted(c.name for c in app.registered_commands)
['drug', 'index', 'neoplasm']
"""

from __future__ import annotations

import json

import typer

FY_HELP = "Fiscal year of the release to read (default: the newest installed)."


def _fail(message: str, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps({"error": {"reason": "error", "message": message}}, indent=2))
    else:
        typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def index_command(
    terms: str = typer.Argument(..., help='Main term, then subterms: "infarction, myocardial".'),
    external: bool = typer.Option(False, "--external", help="Use the External Cause Index."),
    fy: int = typer.Option(None, "--fy", help=FY_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Walk the Alphabetic Index: main term, subterms, see/see also, then the Tabular."""
    from coderlib.codes import alpha_index

    try:
        res = alpha_index.walk(terms, "eindex" if external else "index", fy)
    except LookupError as err:
        _fail(str(err), as_json)
        return
    if as_json:
        typer.echo(json.dumps(res.to_dict(), indent=2))
        return
    typer.echo("\n".join(res.lines()))


def _table(kind: str, query: str, fy: int | None, column: str | None, as_json: bool) -> None:
    from coderlib.codes import alpha_index

    try:
        row = alpha_index.neoplasm(query, fy) if kind == "neoplasm" else \
            alpha_index.drug(query, fy)
        col = alpha_index.drug_column(column) if column and kind == "drug" else column
        if col and col not in row.columns:
            raise ValueError(f"unknown column {column!r}; expected one of "
                             f"{', '.join(row.columns)}")
    except (LookupError, ValueError) as err:
        _fail(str(err), as_json)
        return
    if as_json:
        out = row.to_dict()
        if col:
            out["column"], out["code"] = col, row.columns[col]
        typer.echo(json.dumps(out, indent=2))
        return
    name = alpha_index.KIND_NAMES[kind]
    typer.echo(f"{name} (FY{row.fiscal_year}): {' > '.join(row.path)}")
    shown = {col: row.columns[col]} if col else row.columns
    for key, code in shown.items():
        text = code or "—"
        if code and kind == "drug":
            text += "  (add the 7th character: A initial, D subsequent, S sequela)"
        if code and code.endswith("-"):
            text += "  (incomplete: go to the Tabular)"
        typer.echo(f"  {key.replace('_', ' '):<24} {text}")
    if row.see_also:
        typer.echo(f"  see also {row.see_also}")


def neoplasm_command(
    site: str = typer.Argument(..., help='Site, then subterms: "lung, upper lobe".'),
    column: str = typer.Option(None, "--column", help="malignant_primary | malignant_secondary"
                               " | ca_in_situ | benign | uncertain | unspecified"),
    fy: int = typer.Option(None, "--fy", help=FY_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Read one site's row of the Table of Neoplasms."""
    _table("neoplasm", site, fy, column, as_json)


def drug_command(
    substance: str = typer.Argument(..., help='Substance, then subterms: "lithium, salts".'),
    column: str = typer.Option(None, "--column", help="accidental | intentional | assault | "
                               "undetermined | adverse | underdosing"),
    fy: int = typer.Option(None, "--fy", help=FY_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Read one substance's row of the Table of Drugs and Chemicals."""
    _table("drug", substance, fy, column, as_json)


def register(app: typer.Typer) -> None:
    """Add ``coderlib index``, ``neoplasm`` and ``drug``."""
    app.command("index")(index_command)
    app.command("neoplasm")(neoplasm_command)
    app.command("drug")(drug_command)
