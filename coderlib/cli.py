"""The ``coderlib`` command line: every capability reachable without Jupyter."""

from __future__ import annotations

import typer

from coderlib import __version__

app = typer.Typer(
    name="coderlib",
    help="Offline training and audit suite for medical coders and billers.",
    no_args_is_help=True,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"coderlib {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Offline training and audit suite for medical coders and billers."""


# --- command groups: each area registers its own commands (one line each) ---
# BEGIN REGISTRATIONS
from coderlib.notebooks import register as _register_notebooks  # noqa: E402

_register_notebooks(app)
from coderlib.exercises.commands import register as _register_exercises  # noqa: E402

_register_exercises(app)
from coderlib.drg.commands import register as _register_drg  # noqa: E402

_register_drg(app)
from coderlib.audit.commands import register as _register_audit  # noqa: E402

_register_audit(app)
from coderlib.codes.commands import register as _register_codes  # noqa: E402

_register_codes(app)
from coderlib.codes.pcs_modifier_commands import register as _register_pcs  # noqa: E402

_register_pcs(app)
from coderlib.drills.commands import register as _register_drills  # noqa: E402

_register_drills(app)
# END REGISTRATIONS


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
