"""``coderlib billing ...``: the biller's day from the command line.

Examples::

    coderlib billing demo --out build/billing-demo          # 837P, 837I, 835s, truth + meta
    coderlib billing scrub build/billing-demo/practice.837 --json
    coderlib billing scrub claims.csv --ptp ccipra-v321r0-f1.txt --mue mue_practitioner.csv
    coderlib billing validate build/billing-demo/practice.837   # pyx12 against the 5010 guide
    coderlib billing denials build/billing-demo/remit-MCR01.835
    coderlib billing ar build/billing-demo --as-of 2026-10-15 --json
    coderlib billing carc 97
    coderlib billing edits
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer

from coderlib.cli_output import fail

billing_app = typer.Typer(help="Claims (837P/837I), the scrub, work queues, 835 posting, AR.",
                          no_args_is_help=True)


def _fail(message: str, as_json: bool, code: int = 2) -> None:
    fail(message, as_json, code, ok_field=False)


def _need_file(path: Path, as_json: bool) -> None:
    if not path.exists():
        _fail(f"{path}: file not found", as_json)
    if path.is_dir():
        _fail(f"{path}: is a folder, not a file", as_json)


@billing_app.command("demo")
def demo_command(
    out: Path = typer.Option(None, "--out", help="Folder for the files (default: "
                                                 "build/billing-demo)."),
    seed: int = typer.Option(None, "--seed", help="Random seed (recorded in the meta file)."),
    practice: int = typer.Option(3000, "--practice", min=1, help="Professional claims."),
    hospital: int = typer.Option(600, "--hospital", min=0, help="Institutional claims."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Generate the demo population from the exercise charts (known injected errors)."""
    from coderlib.billing.demo import DEMO_SEED, make_demo, write_demo
    from coderlib.paths import build_dir

    demo = make_demo(DEMO_SEED if seed is None else seed, practice, hospital)
    files = write_demo(demo, out or build_dir() / "billing-demo")
    if as_json:
        typer.echo(json.dumps({"files": {k: str(v) for k, v in files.items()},
                               "meta": demo.meta}))
        return
    typer.echo(f"{len(demo.claims)} claims (seed {demo.meta['seed']}):")
    for name, path in files.items():
        typer.echo(f"  {name:24} {path}")


@billing_app.command("scrub")
def scrub_command(
    file: Path = typer.Argument(..., help="An 837P/837I file or a claims CSV."),
    ptp: list[Path] = typer.Option(None, "--ptp", help="CMS practitioner PTP file(s) to use "
                                                       "besides the teaching subset."),
    mue: list[Path] = typer.Option(None, "--mue", help="CMS practitioner MUE table(s)."),
    today: str = typer.Option(None, "--today", help="YYYY-MM-DD for timely filing when a "
                                                    "claim has no submission date."),
    errors_only: bool = typer.Option(False, "--errors-only", help="Hide warnings."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """The morning scrub: every edit on every claim (id, severity, claim/line/field)."""
    import copy

    from coderlib.billing.batch import scrub_file
    from coderlib.billing.ncci import load_mue_file, load_ptp_file, teaching_tables, use_file
    from coderlib.billing.x12 import X12Error
    from coderlib.tabular import TableError

    _need_file(file, as_json)
    tables = teaching_tables()
    if ptp or mue:
        tables = copy.deepcopy(tables)
        for p in ptp or []:
            _need_file(p, as_json)
            use_file(tables, p, load_ptp_file)
        for m in mue or []:
            _need_file(m, as_json)
            use_file(tables, m, load_mue_file)
    day = None
    if today:
        try:
            day = dt.date.fromisoformat(today)
        except ValueError:
            _fail(f"--today {today!r} is not a YYYY-MM-DD date", as_json)
    try:
        result = scrub_file(file, tables, day)
    except X12Error as err:
        _fail(f"{file}: {err}", as_json)
    except TableError as err:
        _fail(str(err), as_json)
    edits = [e for e in result.edits if not errors_only or e.severity == "error"]
    if as_json:
        payload = result.to_dict()
        payload["edits"] = [e.to_dict() for e in edits]
        payload["ncci_sources"] = tables.sources
        payload["ncci_problems"] = tables.problems
        typer.echo(json.dumps(payload, default=str))
        return
    for e in edits:
        typer.echo(str(e))
    for p in tables.problems:
        typer.echo(f"[ncci file] {p}", err=True)
    n_err = sum(1 for e in result.edits if e.severity == "error")
    typer.echo(f"{result.kind} {file.name}: {len(result.claims)} claims, {n_err} errors, "
               f"clean-claim rate {result.clean_claim_rate:.1%}")


@billing_app.command("validate")
def validate_command(
    file: Path = typer.Argument(..., help="An X12 file (837P, 837I, 835)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Validate an X12 file against its HIPAA 5010 implementation guide (pyx12)."""
    from coderlib.billing.validate import pyx12_available, validate_x12

    _need_file(file, as_json)
    if not pyx12_available():
        _fail("pyx12 is not installed (it needs Python 3.11+)", as_json)
    result = validate_x12(file)
    if as_json:
        typer.echo(json.dumps({"file": str(file), **result.to_dict()}, default=str))
    else:
        for e in result.errors:
            typer.echo(f"line {e['line']} {e['segment']}: {e['message']}")
        typer.echo(f"{file.name}: {'valid' if result.ok else 'NOT valid'} "
                   f"({len(result.errors)} errors)")
    if not result.ok:
        raise typer.Exit(1)


@billing_app.command("denials")
def denials_command(
    files: list[Path] = typer.Argument(..., help="One or more 835 files."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """The denial queue from 835s: each denied claim with its CARC/RARC in plain words."""
    from coderlib.billing.edi835 import read_835
    from coderlib.billing.queues import denial_queue, suggested_action
    from coderlib.billing.x12 import X12Error

    items, problems = [], []
    for f in files:
        _need_file(f, as_json)
        try:
            rem = read_835(f)
        except X12Error as err:
            _fail(f"{f}: {err}", as_json)
        problems += [f"{f.name}: {p}" for p in rem.problems]
        problems += [f"{f.name}: {p}" for pay in rem.payments for p in pay.problems]
        items += denial_queue(rem.payments)
    if as_json:
        typer.echo(json.dumps({"denials": [i.to_dict() for i in items],
                               "problems": problems}))
        return
    for i in items:
        typer.echo(f"{i.claim_id} {i.payer_id} ${i.amount:,.2f}  usual next step: "
                   f"{suggested_action(i)}")
        for code, meaning in i.reasons:
            typer.echo(f"    {code}: {meaning}")
    for p in problems:
        typer.echo(f"problem: {p}", err=True)
    typer.echo(f"{len(items)} claims in the denial queue")


@billing_app.command("ar")
def ar_command(
    folder: Path = typer.Argument(..., help="A folder with *.837 claim files and *.835 "
                                            "remittances (e.g. from `billing demo`)."),
    as_of: str = typer.Option(None, "--as-of", help="YYYY-MM-DD (default: the demo's date)."),
    by: str = typer.Option("payer_id", "--by", help="Aging rows: payer_id, provider, coder."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Post the 835s to the claims and print AR aging, days in AR and denial rates."""
    from coderlib.billing.ar import aging, denial_patterns, kpis, post
    from coderlib.billing.demo import AS_OF
    from coderlib.billing.edi835 import read_835
    from coderlib.billing.edi837 import read_837
    from coderlib.billing.x12 import X12Error

    if not folder.is_dir():
        _fail(f"{folder}: not a folder", as_json)
    if by not in ("payer_id", "provider", "coder", "kind"):
        _fail(f"--by {by!r}: use payer_id, provider, coder or kind", as_json)
    day = AS_OF
    if as_of:
        try:
            day = dt.date.fromisoformat(as_of)
        except ValueError:
            _fail(f"--as-of {as_of!r} is not a YYYY-MM-DD date", as_json)
    claims, payments = [], []
    try:
        for f in sorted(folder.glob("*.837")):
            claims += [cr.claim for cr in read_837(f).claims]
        for f in sorted(folder.glob("*.835")):
            payments += read_835(f).payments
    except X12Error as err:
        _fail(str(err), as_json)
    if not claims:
        _fail(f"{folder}: no *.837 claim files", as_json)
    acct = post(claims, payments)
    table = aging(acct, day, by=by)
    figures = kpis(acct, day)
    patterns = denial_patterns(acct, "payer_id")
    if as_json:
        typer.echo(json.dumps({"as_of": day.isoformat(), "kpis": figures,
                               "aging": table.reset_index().to_dict("records"),
                               "denials_by_payer": patterns.reset_index().to_dict("records")},
                              default=float))
        return
    typer.echo(f"AR aging as of {day} (insurance balance, $)")
    typer.echo(table.to_string())
    typer.echo("")
    typer.echo(patterns.to_string())
    typer.echo("")
    for k, v in figures.items():
        typer.echo(f"{k:24} {v:,}")


@billing_app.command("edits")
def edits_command(
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Every scrub edit: id, severity, queue (rejection or denial) and what it checks."""
    from coderlib.billing.scrub import EDITS

    rows = [{"id": k, "severity": s, "queue": q, "checks": what}
            for k, (s, q, what) in EDITS.items()]
    if as_json:
        typer.echo(json.dumps(rows))
        return
    for r in rows:
        typer.echo(f"{r['id']:18} {r['severity']:8} {r['queue']:10} {r['checks']}")


@billing_app.command("carc")
def carc_command(
    codes: list[str] = typer.Argument(None, help="CARC or RARC codes (none: the table)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Plain-language meaning of claim adjustment reason / remark codes."""
    from coderlib.billing.reference import carc, carc_table, rarc

    rows = []
    for code in codes or [c.code for c in carc_table()]:
        code = code.upper().split("-")[-1]
        try:
            c = carc(code)
            rows.append({"code": code, "type": "CARC", "meaning": c.meaning,
                         "group": c.group, "usual_action": c.action})
        except KeyError:
            rows.append({"code": code, "type": "RARC", "meaning": rarc(code)})
    if as_json:
        typer.echo(json.dumps(rows))
        return
    for r in rows:
        extra = f" [{r['group']}, usually {r['usual_action']}]" if "group" in r else ""
        typer.echo(f"{r['type']} {r['code']}: {r['meaning']}{extra}")


def register(app: typer.Typer) -> None:
    """Add the ``billing`` command group to the main CLI."""
    app.add_typer(billing_app, name="billing")
