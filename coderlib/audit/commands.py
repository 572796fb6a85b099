"""``coderlib audit ...``: draw samples, size them, keep findings, score and report.

>>> from typer.testing import CliRunner
>>> import typer
>>> app = typer.Typer()
>>> register(app)
>>> CliRunner().invoke(app, ["audit", "sample-size", "--expected-error", "0.05",
...                          "--confidence", "0.95", "--precision", "0.05", "--json"]).exit_code
0
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import typer

from coderlib.cli_output import emit_json

audit_app = typer.Typer(
    name="audit",
    help="Chart audits: reproducible samples, findings, accuracy with exact CIs, reports.",
    no_args_is_help=True,
)

_JSON = typer.Option(False, "--json", help="Machine-readable JSON output.")
_STORE = typer.Option(None, "--store", help="SQLite store (default: the user's store).")


def _fail(exc: Exception | str, as_json: bool) -> None:
    message = str(exc)
    if as_json:
        payload: dict[str, Any] = {"ok": False, "error": message}
        if hasattr(exc, "to_dict"):
            payload["detail"] = exc.to_dict()  # type: ignore[union-attr]
        emit_json(payload)
    else:
        typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _user_errors() -> tuple[type[BaseException], ...]:
    from coderlib.atomic import OutputError
    from coderlib.audit.findings import FindingError
    from coderlib.audit.population import PopulationError
    from coderlib.audit.sampling import SamplingError
    from coderlib.store import StoreError
    from coderlib.tabular import TableError

    return (PopulationError, SamplingError, FindingError, TableError, StoreError, OutputError,
            ValueError, FileNotFoundError)


@audit_app.command("sample")
def sample_cmd(
    population: Path = typer.Argument(..., help="Population file (.csv or .xlsx)."),
    method: str = typer.Option("srs", "--method", help="srs | stratified | probe"),
    size: int = typer.Option(..., "--size", help="Sample size (per stratum for probe/fixed)."),
    seed: int = typer.Option(..., "--seed", help="Random seed (recorded in the sample)."),
    strata: str = typer.Option(None, "--strata", help="Stratum column (coder, setting, payer, "
                               "drg_family, dollar_stratum, ...)."),
    allocation: str = typer.Option(None, "--allocation", help="proportional | fixed"),
    out: Path = typer.Option(..., "--out", help="Where to write the sample (.csv or .xlsx)."),
    check_codes: bool = typer.Option(False, "--check-codes", help="Also look every code up "
                                     "in the installed code sets (slower)."),
    as_json: bool = _JSON,
) -> None:
    """Draw a reproducible sample; seed, method, frame size and selection order go with it."""
    from coderlib.audit.population import load_population
    from coderlib.audit.reports import export_tables
    from coderlib.audit.sampling import draw_sample

    try:
        pop = load_population(population, check_code_sets=check_codes)
        sample = draw_sample(pop.frame, method, size, seed=seed, strata=strata,  # type: ignore[arg-type]
                             allocation=allocation)  # type: ignore[arg-type]
        export_tables({"sample": _dates_as_text(sample)}, out)
    except _user_errors() as exc:
        _fail(exc, as_json)
        return
    counts = sample.groupby("stratum", sort=True).size().to_dict()
    info = {"ok": True, "out": str(out), "method": sample["sample_method"].iloc[0],
            "seed": seed, "frame_size": pop.size, "frame_digest": sample["frame_digest"].iloc[0],
            "sample_size": len(sample), "per_stratum": counts,
            "selection_order": sample["encounter_id"].tolist()}
    if as_json:
        emit_json(info)
    else:
        typer.echo(f"drew {len(sample)} of {pop.size} encounters ({info['method']}, seed {seed})"
                   f" -> {out}")
        for k, v in counts.items():
            typer.echo(f"  {k}: {v}")


def _dates_as_text(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in ("service_date", "admission_date"):
        if col in out.columns and pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d").fillna("")
    return out


@audit_app.command("sample-size")
def sample_size_cmd(
    expected_error: float = typer.Option(..., "--expected-error", help="Expected error rate."),
    confidence: float = typer.Option(0.95, "--confidence", help="Confidence level."),
    precision: float = typer.Option(0.05, "--precision", help="Desired precision (+/-)."),
    universe: int = typer.Option(None, "--universe", help="Frame size (exact hypergeometric)."),
    sides: int = typer.Option(2, "--sides", help="1 = upper limit only, 2 = two-sided."),
    as_json: bool = _JSON,
) -> None:
    """Attribute-appraisal sample size in the manner of OIG RAT-STATS."""
    from coderlib.audit.sampling import attribute_sample_size, normal_sample_size

    try:
        res = attribute_sample_size(expected_error, confidence, precision, universe=universe,
                                    sides=sides)
    except _user_errors() as exc:
        _fail(exc, as_json)
        return
    info = res.to_dict() | {"normal_approximation": normal_sample_size(
        expected_error, confidence, precision, universe)}
    if as_json:
        emit_json({"ok": True, **info})
    else:
        typer.echo(f"sample size {res.sample_size} ({res.method}, {sides}-sided, "
                   f"{confidence:.0%} confidence, +/-{precision:.1%} around {expected_error:.1%};"
                   f" interval with {res.expected_errors_in_sample} errors: "
                   f"{res.achieved_lower:.2%}-{res.achieved_upper:.2%})")


@audit_app.command("start")
def start_cmd(
    sample: Path = typer.Argument(..., help="Sample file written by `coderlib audit sample`."),
    audit_id: str = typer.Option(..., "--audit-id", help="Name for the new audit."),
    threshold: float = typer.Option(0.95, "--threshold"),
    store: Path = _STORE,
    as_json: bool = _JSON,
) -> None:
    """Store a drawn sample as a new audit (findings are then recorded against it)."""
    from coderlib.audit.findings import create_audit

    try:
        df = _read_table(sample)
        session = create_audit(df, path=store, audit_id=audit_id, population=str(sample),
                               threshold=threshold)
    except _user_errors() as exc:
        _fail(exc, as_json)
        return
    done, total = session.progress()
    if as_json:
        emit_json({"ok": True, "audit_id": audit_id, "sampled": total})
    else:
        typer.echo(f"audit {audit_id}: {total} encounters to audit")


@audit_app.command("findings")
def findings_cmd(
    audit_id: str = typer.Argument(..., help="Audit to record into."),
    findings: Path = typer.Argument(..., help="Findings table (.csv/.xlsx): encounter_id, "
                                    "audit_dx, audit_px, audit_lines, audit_drg, comment, ..."),
    store: Path = _STORE,
    as_json: bool = _JSON,
) -> None:
    """Import findings: every row validated first; nothing is written if any row is bad."""
    from coderlib.audit.findings import open_audit

    try:
        session = open_audit(audit_id, path=store)
        n = session.import_findings(_read_table(findings), source=str(findings))
    except _user_errors() as exc:
        _fail(exc, as_json)
        return
    done, total = session.progress()
    if as_json:
        emit_json({"ok": True, "recorded": n, "audited": done, "sampled": total})
    else:
        typer.echo(f"recorded {n} findings; {done}/{total} encounters audited")


@audit_app.command("list")
def list_cmd(store: Path = _STORE, as_json: bool = _JSON) -> None:
    """Audits in the store with their progress."""
    from coderlib.audit.findings import list_audits

    try:
        df = list_audits(path=store)
    except _user_errors() as exc:
        _fail(exc, as_json)
        return
    if as_json:
        emit_json({"ok": True, "audits": df.to_dict("records")})
    else:
        typer.echo(df.to_string(index=False) if len(df) else "no audits")


_INT_COLUMNS = ("selection_order", "sample_seed", "frame_size", "stratum_frame_size",
                "stratum_sample_size", "frame_row")
_FLOAT_COLUMNS = ("weight", "random_key")


def _read_table(path: Path) -> pd.DataFrame:
    """A sample, findings or audited table, read strictly (:func:`coderlib.tabular.read_table`).

    Every cell stays text except the sample's provenance numbers.
    """
    from coderlib.tabular import Column, read_table

    spec = [Column(c, kind="int") for c in _INT_COLUMNS]
    spec += [Column(c, kind="number") for c in _FLOAT_COLUMNS]
    df = read_table(path, spec, key="encounter_id")
    for col in _INT_COLUMNS:
        if col in df.columns:
            df[col] = pd.to_numeric(df[col].astype(object).replace("", float("nan")))
    for col in _FLOAT_COLUMNS:
        if col in df.columns:
            df[col] = pd.to_numeric(df[col].astype(object).replace("", float("nan")))
    return df


def _audited_frame(source: Path | None, audit_id: str | None, findings: Path | None,
                   store: Path | None) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    from coderlib.audit.differences import classify
    from coderlib.audit.findings import open_audit

    if audit_id:
        session = open_audit(audit_id, path=store)
        return session.audited(), session.differences()
    if source is None:
        raise ValueError("give an audited table (sample + audit_* columns) or --audit-id")
    df = _read_table(source)
    if findings is not None:
        f = _read_table(findings)
        missing = set(f["encounter_id"]) - set(df["encounter_id"])
        if missing:
            raise ValueError(f"{findings}: encounter ids not in {source}: "
                             f"{', '.join(sorted(missing)[:5])}")
        df = df.drop(columns=[c for c in f.columns if c != "encounter_id" and c in df.columns])
        df = df.merge(f, on="encounter_id", how="inner")
    if "audit_dx" not in df.columns:
        raise ValueError(f"{source}: no audit_dx column (add the auditor's codes or --findings)")
    diffs = [
        {"encounter_id": r["encounter_id"], "coder": r["coder"], "category": d.category}
        for r in df.to_dict("records")
        for d in classify(r.get("dx", ""), r.get("audit_dx", ""), px=r.get("px", ""),
                          audit_px=r.get("audit_px", ""), lines=r.get("lines", ""),
                          audit_lines=r.get("audit_lines", ""), setting=r.get("setting", ""))
    ]
    return df, pd.DataFrame(diffs, columns=["encounter_id", "coder", "category"])


@audit_app.command("score")
def score_cmd(
    audited: Path = typer.Argument(None, help="Audited sample (coder + audit_* columns)."),
    findings: Path = typer.Option(None, "--findings", help="Findings table to join by id."),
    audit_id: str = typer.Option(None, "--audit-id", help="Score an audit from the store."),
    by: str = typer.Option("coder", "--by", help="Group column (coder, setting, payer, ...)."),
    threshold: float = typer.Option(0.95, "--threshold"),
    confidence: float = typer.Option(0.95, "--confidence"),
    base_rate: float = typer.Option(None, "--base-rate", help="USD per unit of DRG weight."),
    store: Path = _STORE,
    as_json: bool = _JSON,
) -> None:
    """Accuracy (code, code incl. missed, record, DRG) with exact CIs and dollar impact."""
    from coderlib.audit.scoring import hcc_impact, score_encounters, summarize

    try:
        df, _ = _audited_frame(audited, audit_id, findings, store)
        if df.empty:
            raise ValueError("no audited encounters yet")
        kwargs = {} if base_rate is None else {"base_rate": base_rate}
        scored = hcc_impact(score_encounters(df, **kwargs))
        overall = summarize(scored, threshold=threshold, confidence=confidence)
        groups = summarize(scored, by, threshold=threshold, confidence=confidence)
    except _user_errors() as exc:
        _fail(exc, as_json)
        return
    if as_json:
        emit_json({"ok": True, "overall": overall.to_dict("records")[0],
               "groups": groups.to_dict("records")})
        return
    cols = [by, "encounters", "code_accuracy", "code_accuracy_lower", "code_accuracy_upper",
            "record_accuracy", "drg_change_rate", "passed", "overpayment", "underpayment"]
    typer.echo(groups[cols].to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    o = overall.iloc[0]
    typer.echo(f"overall code accuracy {o['code_accuracy']:.2%} "
               f"({o['code_accuracy_lower']:.2%}-{o['code_accuracy_upper']:.2%}), "
               f"{'PASS' if o['passed'] else 'FAIL'} at {threshold:.0%}")


@audit_app.command("report")
def report_cmd(
    audited: Path = typer.Argument(None, help="Audited sample (coder + audit_* columns)."),
    findings: Path = typer.Option(None, "--findings"),
    audit_id: str = typer.Option(None, "--audit-id"),
    coder: str = typer.Option(None, "--coder", help="Report on one coder."),
    period: str = typer.Option(None, "--period", help="YYYY-MM or YYYYQn."),
    out: Path = typer.Option(..., "--out", help="report.xlsx, or report.csv for CSV files."),
    figures: Path = typer.Option(None, "--figures", help="Folder for PNG figures."),
    threshold: float = typer.Option(0.95, "--threshold"),
    store: Path = _STORE,
    as_json: bool = _JSON,
) -> None:
    """Tables (per coder / category / period, DRG shift, dollars) and figures, exported safely."""
    from coderlib.audit.reports import build_report, export_tables

    try:
        df, diffs = _audited_frame(audited, audit_id, findings, store)
        if df.empty:
            raise ValueError("no audited encounters yet: record findings first "
                             "(coderlib audit findings AUDIT_ID FINDINGS.csv)")
        report = build_report(df, diffs, coder=coder, period=period, threshold=threshold)
        tables = {k: v for k, v in report.tables.items() if len(v.columns)}
        paths = export_tables(tables, out)
        fig_paths = report.save_figures(figures) if figures else []
    except _user_errors() as exc:
        _fail(exc, as_json)
        return
    if as_json:
        emit_json({"ok": True, "title": report.title, "files": [str(p) for p in paths],
               "figures": [str(p) for p in fig_paths],
               "overall": report.tables["overall"].to_dict("records")[0]})
    else:
        typer.echo(f"{report.title}: wrote {', '.join(map(str, paths + fig_paths))}")


def register(app: typer.Typer) -> None:
    """Add the ``audit`` command group to the main app."""
    app.add_typer(audit_app, name="audit")
