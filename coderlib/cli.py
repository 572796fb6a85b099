"""The ``coderlib`` command line: every capability reachable without Jupyter.

Command groups are registered lazily: ``coderlib lookup E11.9`` imports only the module that
defines ``lookup``, so a command starts in a fraction of a second instead of importing
pandas, the grouper and the notebooks machinery first. ``coderlib --help`` (or an unknown
command) registers everything. ``app`` (for tests and ``python -m``) is the full app.

>>> sorted(n for _, names in REGISTRATIONS for n in names)[:3]
['audit', 'codesets', 'drug']
"""

from __future__ import annotations

import sys
from importlib import import_module
from typing import TYPE_CHECKING

from coderlib import __version__

if TYPE_CHECKING:  # Typer (and the pydantic it loads) is imported only when needed
    import typer

# --- command groups: each area registers its own commands (one line each) ---
# (module with a ``register(app)`` function, the top-level command names it adds)
# BEGIN REGISTRATIONS
REGISTRATIONS: list[tuple[str, tuple[str, ...]]] = [
    ("coderlib.notebooks", ("notebooks",)),
    ("coderlib.exercises.commands", ("exercises",)),
    ("coderlib.drg.commands", ("group", "drg-weights")),
    ("coderlib.audit.commands", ("audit",)),
    ("coderlib.codes.commands", ("lookup", "search", "excludes1")),
    ("coderlib.codes.pcs_commands", ("pcs",)),
    ("coderlib.codes.modifier_commands", ("modifiers",)),
    ("coderlib.codes.codesets_commands", ("codesets",)),
    ("coderlib.codes.index_commands", ("index", "neoplasm", "drug")),
    ("coderlib.store_commands", ("store",)),
    ("coderlib.billing.commands", ("billing",)),
    ("coderlib.drills.commands", ("drills",)),
]
# END REGISTRATIONS
#: commands that can also run without Typer: name -> "module:function(argv) -> rc | None"
FAST = {"lookup": "coderlib.codes.cli_runs:fast", "search": "coderlib.codes.cli_runs:fast"}


def _version(value: bool) -> None:
    import typer

    if value:
        typer.echo(f"coderlib {__version__}")
        raise typer.Exit()


def build_app(command: str | None = None) -> typer.Typer:
    """The app with every group registered, or only the group that defines ``command``."""
    import typer

    def _root(
        version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                     help="Show the version and exit."),
    ) -> None:
        """Offline training and audit suite for medical coders and billers."""

    app = typer.Typer(
        name="coderlib",
        help="Offline training and audit suite for medical coders and billers.",
        no_args_is_help=True,
        add_completion=False,
    )
    app.callback()(_root)
    for module, names in REGISTRATIONS:
        if command is None or command in names:
            import_module(module).register(app)
    return app


def __getattr__(name: str) -> typer.Typer:
    """``coderlib.cli.app``: the full app, built on first access."""
    if name == "app":
        app = globals()["app"] = build_app()
        return app
    raise AttributeError(f"module 'coderlib.cli' has no attribute {name!r}")


def main() -> None:
    """Console-script entry point: register only what the command line asks for."""
    args = sys.argv[1:]
    if args == ["--version"]:
        print(f"coderlib {__version__}")
        return
    first = args[0] if args else None
    if first in FAST:  # the hot commands start without Typer (same output)
        module, _, func = FAST[first].partition(":")
        try:
            rc = getattr(import_module(module), func)(args)
        except BrokenPipeError:  # output piped into `head` and closed: not an error
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            rc = 0
        if rc is not None:
            sys.exit(rc)
    known = {n for _, names in REGISTRATIONS for n in names}
    build_app(first if first in known else None)()


if __name__ == "__main__":
    main()
