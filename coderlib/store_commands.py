"""``coderlib store check|backup|restore``: look after the SQLite store of attempts and findings.

>>> from typer.testing import CliRunner
>>> import tempfile, typer
>>> app = typer.Typer()
>>> register(app)
>>> path = tempfile.mkdtemp() + "/s.sqlite"
>>> CliRunner().invoke(app, ["store", "check", "--store", path]).exit_code
0
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

store_app = typer.Typer(name="store", no_args_is_help=True,
                        help="The store of practice attempts and audit findings: check it, back "
                             "it up, restore a backup.")
_STORE = typer.Option(None, "--store", help="SQLite store (default: the user's store).")
_JSON = typer.Option(False, "--json", help="Machine-readable JSON output.")


def _target(store: Path | None) -> Path:
    from coderlib.paths import store_path

    return Path(store) if store is not None else store_path()


def _say(data: dict[str, object], text: str, as_json: bool, code: int = 0) -> None:
    typer.echo(json.dumps(data, indent=2, default=str) if as_json else text,
               err=bool(code) and not as_json)
    if code:
        raise typer.Exit(code)


@store_app.command("check")
def check_cmd(store: Path = _STORE, as_json: bool = _JSON) -> None:
    """Full integrity check of the store; lists its backups. Exit 2 when it is damaged."""
    from coderlib.store import StoreError, backups_of, check_store, open_store

    path = _target(store)
    backups = [str(b) for b in backups_of(path)]
    try:
        con = open_store(path, backup=False)
        try:
            check_store(con, path, full=True)
        finally:
            con.close()
    except StoreError as exc:
        _say({"ok": False, "store": str(path), "error": str(exc), "backups": backups},
             f"error: {exc}", as_json, 2)
        return
    _say({"ok": True, "store": str(path), "backups": backups},
         f"store {path} is whole; {len(backups)} backup(s) in {path.parent / 'backups'}",
         as_json)


@store_app.command("backup")
def backup_cmd(store: Path = _STORE, as_json: bool = _JSON) -> None:
    """Take a backup now (after an integrity check); the newest five are kept."""
    from coderlib.store import StoreError, backup_store, check_store, open_store

    path = _target(store)
    try:
        con = open_store(path, backup=False)
        try:
            check_store(con, path, full=True)
            dest = backup_store(con, path)
        finally:
            con.close()
    except (StoreError, OSError) as exc:
        _say({"ok": False, "store": str(path), "error": str(exc)}, f"error: {exc}", as_json, 2)
        return
    _say({"ok": True, "store": str(path), "backup": str(dest)}, f"backed up {path} -> {dest}",
         as_json)


@store_app.command("restore")
def restore_cmd(store: Path = _STORE,
                backup: Path = typer.Option(None, "--backup", help="Backup file to restore "
                                            "(default: the newest whole one)."),
                as_json: bool = _JSON) -> None:
    """Replace a damaged store by a backup; the damaged file is kept, renamed."""
    from coderlib.store import StoreError, restore_backup

    path = _target(store)
    try:
        used, aside = restore_backup(path, backup)
    except (StoreError, OSError) as exc:
        _say({"ok": False, "store": str(path), "error": str(exc)}, f"error: {exc}", as_json, 2)
        return
    _say({"ok": True, "store": str(path), "restored_from": str(used), "damaged_kept": str(aside)},
         f"restored {path} from {used}; the damaged file is kept as {aside}", as_json)


def register(app: typer.Typer) -> None:
    """Add the ``store`` command group to the main app."""
    app.add_typer(store_app, name="store")
