"""What the command groups print: JSON for ``--json`` and the one-line error that exits.

>>> emit_json({"ok": True, "n": 2})
{
  "ok": true,
  "n": 2
}
"""

from __future__ import annotations

import json
from typing import Any

import typer


def emit_json(data: Any) -> None:
    """Print ``data`` as indented JSON (dates and other objects as text)."""
    typer.echo(json.dumps(data, indent=2, default=str))


def fail(message: str, as_json: bool, code: int = 2, *, ok_field: bool = True) -> None:
    """Report ``message`` (``error: …`` on stderr, or JSON on stdout) and exit with ``code``.

    The JSON is ``{"ok": false, "error": …}``; ``ok_field=False`` gives the one-line
    ``{"error": …}`` that ``group`` and ``billing`` print.
    """
    if as_json:
        if ok_field:
            emit_json({"ok": False, "error": message})
        else:
            typer.echo(json.dumps({"error": message}))
    else:
        typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)
