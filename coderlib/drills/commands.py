"""``coderlib drills ...``: validate the item bank, count it, take a drill, hand out and grade.

>>> from typer.testing import CliRunner
>>> import typer
>>> app = typer.Typer()
>>> register(app)
>>> CliRunner().invoke(app, ["drills", "bundle", "--help"]).exit_code
0
"""

from __future__ import annotations

from pathlib import Path

import typer

from coderlib.cli_output import emit_json, fail

drills_app = typer.Typer(name="drills", no_args_is_help=True,
                         help="CPC/CCS exam drills: item bank, sessions, hand-outs, reports.")


@drills_app.command("validate")
def validate_cmd(path: Path | None = typer.Argument(None, help="An item file or folder "
                                                               "(default: the shipped bank)."),
                 as_json: bool = typer.Option(False, "--json")) -> None:
    """Check every item; exit 1 listing each refused item and why."""
    from coderlib.drills.check import validate_bank

    report = validate_bank(path)
    emit_json(report.to_dict()) if as_json else typer.echo(report.render())
    if not report.ok:
        raise typer.Exit(1)


def _pool(exam: str | None, seed: int, generated: int) -> list:
    from coderlib.drills.session import load_pool

    return load_pool(exam, generated_per_kind=generated, seed=seed)


@drills_app.command("stats")
def stats_cmd(seed: int = typer.Option(0, help="Seed for the generated items."),
              generated: int = typer.Option(10, help="Generated items per generator."),
              as_json: bool = typer.Option(False, "--json")) -> None:
    """Items per kind and area, against each blueprint's counts."""
    from coderlib.drills.coverage import coverage

    df = coverage(_pool(None, seed, generated))
    emit_json(df.to_dict("records")) if as_json else typer.echo(df.to_string(index=False))


def _select(set_: str, n: int | None, seed: int, generated: int, as_json: bool) -> list:
    from coderlib.drills.blueprint import load_blueprint
    from coderlib.drills.session import NotEnoughItems, assemble_exam, draw

    bp = load_blueprint()
    exam = set_ if set_ in bp else None
    try:
        if exam and n is None:
            return assemble_exam(_pool(exam, seed, generated), exam, seed, bp)
        from coderlib.drills.blueprint import exam_of_area

        exam_name = exam or exam_of_area(set_, bp)
        return draw(_pool(exam_name, seed, generated), n or 20, seed,
                    exam=exam, area=None if exam else set_)
    except (NotEnoughItems, KeyError, ValueError) as exc:
        fail(str(exc.args[0] if isinstance(exc, KeyError) else exc), as_json)
    return []


@drills_app.command("bundle")
def bundle_cmd(set_: str = typer.Option(..., "--set", help="An exam (CPC, CCS: a full form "
                                                          "by the blueprint) or an area id."),
               out: Path = typer.Option(..., "--out", help="Output folder."),
               n: int | None = typer.Option(None, "--n", help="Items (default: the blueprint's "
                                                              "form for an exam, 20 for an "
                                                              "area)."),
               seed: int = typer.Option(1, "--seed"),
               fmt: str = typer.Option("json", "--format", help="json, nbgrader or anki."),
               generated: int = typer.Option(10, help="Generated items per generator."),
               as_json: bool = typer.Option(False, "--json")) -> None:
    """Write a student hand-out (no keys) and a separate key file."""
    from coderlib.drills import handout

    if fmt not in ("json", "nbgrader", "anki"):
        fail(f"--format must be json, nbgrader or anki, got {fmt!r}", as_json)
    items = _select(set_, n, seed, generated, as_json)
    title = f"coderlib {set_} drill (seed {seed})"
    if fmt == "json":
        info = handout.write_bundle(items, out, title=title, seed=seed)
    elif fmt == "anki":
        info = handout.write_anki(items, out / f"{set_}-{seed}.apkg", title=title)
    else:
        info = handout.write_nbgrader(items, out, f"{set_}_{seed}".replace("-", "_"))
        handout.write_bundle(items, out / "keys", title=title, seed=seed)
    info["seed"] = seed
    emit_json(info) if as_json else typer.echo(
        f"wrote {info.get('items', info.get('notes'))} items (bundle {info['bundle']}, seed "
        f"{seed}) to {info['out']}")


@drills_app.command("grade")
def grade_cmd(bundle: Path = typer.Argument(..., help="The bundle folder (with key.json)."),
              answers: Path = typer.Argument(..., help="The returned answers.txt."),
              as_json: bool = typer.Option(False, "--json")) -> None:
    """Grade a returned answer file against its own bundle's key."""
    from coderlib.drills.handout import AnswerFileError, grade_bundle

    try:
        g = grade_bundle(bundle, answers)
    except AnswerFileError as exc:
        fail(str(exc), as_json)
        return
    if as_json:
        emit_json(g.to_dict())
    else:
        typer.echo(g.table[["item_id", "area", "choice", "key", "correct"]].to_string(
            index=False))
        typer.echo(f"{g.right}/{g.total} right ({g.score:.0%}) for bundle {g.bundle}")


@drills_app.command("take")
def take_cmd(learner: str = typer.Option(..., "--learner"),
             n: int = typer.Option(10, "--n"), seed: int = typer.Option(1, "--seed"),
             exam: str | None = typer.Option(None, "--exam"),
             area: str | None = typer.Option(None, "--area"),
             difficulty: str | None = typer.Option(None, "--difficulty"),
             mode: str = typer.Option("practice", "--mode", help="practice or exam."),
             class_name: str | None = typer.Option(None, "--class"),
             store: Path | None = typer.Option(None, "--store", help="SQLite store path."),
             as_json: bool = typer.Option(False, "--json")) -> None:
    """Take a drill at the prompt (answers saved to the store before scoring)."""
    from coderlib.drills.blueprint import exam_of_area
    from coderlib.drills.records import connect
    from coderlib.drills.session import DrillSession, NotEnoughItems

    con = connect(store)
    try:
        pool = _pool(exam or (exam_of_area(area) if area else None), seed, 5)
        s = DrillSession.start(con, pool, learner=learner, n=n, seed=seed, mode=mode,
                               exam=exam, area=area, difficulty=difficulty,
                               class_name=class_name)
    except (NotEnoughItems, KeyError, ValueError) as exc:
        fail(str(exc.args[0] if isinstance(exc, KeyError) else exc), as_json)
        return
    for k, item in enumerate(s.items, 1):
        left = s.remaining()
        clock = f" ({int(left // 60)} min left)" if left is not None else ""
        typer.echo(f"\n[{k}/{len(s.items)}]{clock} {item.area} - {item.stem}")
        try:
            if item.type == "chart":
                text = typer.prompt("codes")
                fb = s.answer(item.id, answer_text=text)
            else:
                for letter, opt in item.options.items():
                    typer.echo(f"  {letter}. {opt}")
                choice = typer.prompt("answer (A-D)").strip().upper()
                while choice not in item.options:
                    choice = typer.prompt("answer with A, B, C or D").strip().upper()
                fb = s.answer(item.id, choice)
        except TimeoutError as exc:
            typer.echo(str(exc), err=True)
            break
        if fb is not None:
            typer.echo(("right. " if fb.correct else f"wrong: key {fb.key}. {fb.why_wrong} ")
                       + fb.rationale)
    res = s.finish()
    emit_json({"session": res.session_id, "score": res.score, "passed": res.passed,
           "seed": seed}) if as_json else typer.echo(res.summary())


@drills_app.command("due")
def due_cmd(learner: str = typer.Option(..., "--learner"),
            store: Path | None = typer.Option(None, "--store"),
            as_json: bool = typer.Option(False, "--json")) -> None:
    """The learner's spaced-repetition cards that are due now (wrong answers come back first)."""
    from coderlib.drills.records import connect
    from coderlib.drills.schedule import due_cards

    df = due_cards(connect(store), learner)
    if as_json:
        emit_json(df.to_dict("records"))
    else:
        typer.echo(df.to_string(index=False) if not df.empty else f"nothing due for {learner}")


@drills_app.command("report")
def report_cmd(learner: str | None = typer.Option(None, "--learner"),
               class_name: str | None = typer.Option(None, "--class"),
               exam: str = typer.Option("CPC", "--exam"),
               store: Path | None = typer.Option(None, "--store"),
               as_json: bool = typer.Option(False, "--json")) -> None:
    """Per-area accuracy with intervals, readiness and most-missed items."""
    from coderlib.drills import mastery
    from coderlib.drills.records import connect

    con = connect(store)
    f = {"learner": learner, "class_name": class_name}
    areas = mastery.area_accuracy(con, **f)
    ready = mastery.readiness(con, exam, **f)
    missed = mastery.most_missed(con, **f)
    if as_json:
        emit_json({"areas": areas.to_dict("records"), "readiness": ready,
               "most_missed": missed.to_dict("records")})
        return
    typer.echo(areas.to_string(index=False) if not areas.empty else "no scored answers yet")
    typer.echo(f"\nreadiness for {exam}: P(pass) ~ {ready['p_pass']:.0%}, expected score "
               f"{ready['expected_score']:.0%} ({ready['method']})")
    if not missed.empty:
        typer.echo("\n" + missed.to_string(index=False))


@drills_app.command("reports")
def reports_cmd(class_name: str | None = typer.Option(None, "--class"),
                exam: str = typer.Option("CPC", "--exam"),
                period: str = typer.Option("", "--period", help="YYYY-MM or empty for all."),
                store: Path | None = typer.Option(None, "--store", help="SQLite store "
                                                  "(default: your own)."),
                out: Path | None = typer.Option(None, "--out", help="Folder (default: "
                                                "build/drills_reports)."),
                as_json: bool = typer.Option(False, "--json")) -> None:
    """Run notebooks/05_exam_drills.ipynb with papermill once per learner (one report each)."""
    from coderlib.drills import mastery
    from coderlib.drills.records import connect
    from coderlib.notebooks import run_notebook
    from coderlib.paths import build_dir, notebooks_dir, store_path

    path = (store or store_path()).resolve()
    names = mastery.learners(connect(path), class_name)
    if not names:
        fail(f"no scored drill answers{f' for class {class_name}' if class_name else ''} "
              f"in {path}", as_json)
    out = out or build_dir() / "drills_reports"
    runs = []
    for learner in names:
        run = run_notebook(notebooks_dir() / "05_exam_drills.ipynb",
                           {"learner": learner, "class_name": class_name or "", "exam": exam,
                            "period": period, "store_path": str(path), "demo": False},
                           out_dir=out / learner)
        runs.append({"learner": learner, "ok": run.ok, "notebook": run.output,
                     "html": run.html, "error": run.error})
        if not as_json:
            typer.echo(f"{learner}: {'ok' if run.ok else 'FAILED ' + run.error} -> {run.html}")
    if as_json:
        emit_json(runs)
    if not all(r["ok"] for r in runs):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add the ``drills`` group to the top-level CLI."""
    app.add_typer(drills_app, name="drills")
