"""``coderlib exercises ...``: validate keys, grade an answer, list and pick charts.

>>> from typer.testing import CliRunner
>>> import typer
>>> app = typer.Typer()
>>> register(app)
>>> CliRunner().invoke(app, ["exercises", "validate", "--help"]).exit_code
0
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from coderlib.cli_output import emit_json, fail

exercises_app = typer.Typer(
    name="exercises",
    help="Exercise charts: validate answer keys, grade answers, list and pick charts.",
    no_args_is_help=True,
)


@exercises_app.command("validate")
def validate_cmd(
    path: Path | None = typer.Argument(None, help="A chart file, a set folder or the "
                                                  "exercises root (default: exercises/)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable report."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List passing charts too."),
) -> None:
    """Check every answer key; exit 1 with a per-chart report when any check fails."""
    from coderlib.exercises.validate import validate_path

    report = validate_path(path)
    if as_json:
        emit_json(report.to_dict())
    else:
        typer.echo(report.render(verbose=verbose))
    if not report.ok:
        raise typer.Exit(1)


def _load(chart: str, root: Path | None, as_json: bool):  # noqa: ANN202 - a Chart
    from coderlib.exercises.loader import ChartFileError, find_chart

    try:
        return find_chart(chart, root)
    except KeyError as exc:
        fail(str(exc.args[0]), as_json)
    except (ChartFileError, FileNotFoundError) as exc:
        fail(str(exc), as_json)


def _result_table(result: Any) -> str:
    df = result.to_frame()[["kind", "key", "answer", "verdict", "credit", "points",
                            "message"]]
    return df.to_string(index=False, max_colwidth=70)


@exercises_app.command("grade")
def grade_cmd(
    chart: str = typer.Argument(..., help="Chart id (searched under --root) or a YAML path."),
    answer: str = typer.Option(..., "--answer", "-a",
                               help='Answer text, e.g. "PDX: A41.51:Y; SDX: N39.0:Y; '
                                    'PCS: 0T9B70Z; CPT: 99214-25; QUERY".'),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable result."),
    root: Path | None = typer.Option(None, "--root", help="Exercises root (default: "
                                                          "exercises/)."),
    store: Path | None = typer.Option(None, "--store", help="SQLite store for the attempt "
                                                            "(default: the user's store)."),
    no_save: bool = typer.Option(False, "--no-save", help="Grade without saving the attempt."),
    rationale: bool = typer.Option(True, "--rationale/--no-rationale",
                                   help="Show the key's rationale per code."),
) -> None:
    """Grade an answer against a chart's key (the attempt is saved first)."""
    from coderlib.exercises import attempts
    from coderlib.exercises.grade import grade

    loaded = _load(chart, root, as_json)
    attempt_id = None
    if no_save:
        result = grade(loaded, answer)
    else:
        from coderlib.store import StoreError

        try:
            con = attempts.connect(store)
            try:
                done = attempts.submit(con, loaded, answer, source="cli")
            finally:
                con.close()
        except StoreError as exc:
            fail(str(exc), as_json)
            return
        attempt_id, result = done.attempt_id, done.result
    if as_json:
        emit_json({"ok": True, "attempt_id": attempt_id, **result.to_dict()})
        return
    typer.echo(result.summary())
    if result.drg_note:
        typer.echo(f"MS-DRG note: {result.drg_note}")
    for note in result.notes:
        typer.echo(f"note: {note}")
    typer.echo(_result_table(result))
    if rationale:
        typer.echo("\nRationale (from the key):")
        for r in result.rows:
            if r.rationale:
                typer.echo(f"  {r.key}: {r.rationale}")
    if attempt_id is not None:
        typer.echo(f"\nattempt {attempt_id} saved")


@exercises_app.command("list")
def list_cmd(
    as_json: bool = typer.Option(False, "--json", help="Machine-readable list."),
    root: Path | None = typer.Option(None, "--root", help="Exercises root (default: "
                                                          "exercises/)."),
    set_: str | None = typer.Option(None, "--set", help="inpatient, outpatient, injury, "
                                                        "query."),
    setting: str | None = typer.Option(None, "--setting", help="e.g. inpatient, office."),
    difficulty: str | None = typer.Option(None, "--difficulty", help="easy, medium, hard."),
    topic: str | None = typer.Option(None, "--topic", help="Text contained in a topic."),
) -> None:
    """List the charts (never the keys), optionally filtered."""
    from coderlib.exercises.drills import catalogue, filter_charts
    from coderlib.exercises.loader import ChartFileError, load_all

    try:
        charts = filter_charts(load_all(root), set=set_, setting=setting,
                               difficulty=difficulty, topic=topic)
    except (ChartFileError, ValueError) as exc:
        fail(str(exc), as_json)
    df = catalogue(charts)
    if as_json:
        emit_json({"ok": True, "count": len(df), "charts": df.to_dict("records")})
    elif df.empty:
        typer.echo("no charts match")
    else:
        typer.echo(df.to_string(index=False, max_colwidth=50))


@exercises_app.command("pick")
def pick_cmd(
    seed: int = typer.Option(..., "--seed", help="Random seed (recorded in the output)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    root: Path | None = typer.Option(None, "--root", help="Exercises root."),
    set_: str | None = typer.Option(None, "--set"),
    setting: str | None = typer.Option(None, "--setting"),
    difficulty: str | None = typer.Option(None, "--difficulty"),
    topic: str | None = typer.Option(None, "--topic"),
) -> None:
    """Draw a random chart matching the filters, reproducibly, and show its documentation."""
    from coderlib.exercises.drills import pick_chart
    from coderlib.exercises.loader import ChartFileError, load_all

    try:
        pick = pick_chart(load_all(root), seed, set=set_, setting=setting,
                          difficulty=difficulty, topic=topic)
    except (ChartFileError, ValueError, LookupError) as exc:
        fail(str(exc), as_json)
    c = pick.chart
    if as_json:
        emit_json({"ok": True, "seed": pick.seed, "pool": pick.pool, "chart_id": c.id,
                    "set": c.set, "setting": c.setting, "neutral_title": c.neutral_title,
                    "title": c.title,
                    "patient": c.patient.model_dump(), "dates": c.dates.model_dump(),
                    "documentation": [d.model_dump() for d in c.documentation]})
        return
    typer.echo(f"{c.id} — {c.neutral_title} (seed {pick.seed}, 1 of {pick.pool})")
    typer.echo(f"{c.setting}; patient {c.patient.age} {c.patient.sex}; "
               f"date of service {c.date_of_service}\n")
    typer.echo(c.chart_text())


@exercises_app.command("history")
def history_cmd(
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    store: Path | None = typer.Option(None, "--store", help="SQLite store (default: the "
                                                            "user's store)."),
    topics: bool = typer.Option(False, "--topics", help="Per-topic accuracy instead."),
) -> None:
    """Show saved practice attempts (or per-topic accuracy)."""
    from coderlib.exercises import attempts
    from coderlib.store import StoreError

    try:
        con = attempts.connect(store)
        try:
            df = attempts.topic_accuracy(con) if topics else attempts.history(con).drop(
                columns=["topics"])
        finally:
            con.close()
    except StoreError as exc:
        fail(str(exc), as_json)
        return
    if as_json:
        emit_json({"ok": True, "rows": df.to_dict("records")})
    elif df.empty:
        typer.echo("no attempts yet")
    else:
        typer.echo(df.to_string(index=False, max_colwidth=50))


def register(app: typer.Typer) -> None:
    """Attach the ``exercises`` command group to the main ``coderlib`` app."""
    app.add_typer(exercises_app, name="exercises")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(exercises_app())
