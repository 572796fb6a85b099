"""Machine checks on every answer key: a wrong key teaches the wrong thing.

Per chart: required fields and setting rules, set equals folder, every code exists and is
billable on the chart's date of service, modifiers are known, no Excludes1 conflict inside
the key, sex and age plausibility (MCE-style edits), the principal diagnosis is acceptable as
principal, and the stored MS-DRG equals what :func:`coderlib.drg.group` computes. Across the
tree: ids are unique. A file that does not load is a failed chart with the loader's message.

>>> from coderlib.paths import REPO_ROOT
>>> report = validate_path(REPO_ROOT / "tests/fixtures/exercises/good")
>>> report.ok, len(report.charts)
(True, 4)
"""

from __future__ import annotations

import importlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from coderlib.codes.errors import CodeError
from coderlib.codes.normalize import dotted_icd10cm
from coderlib.exercises import codesets
from coderlib.exercises.loader import ChartFileError, chart_files, load_chart
from coderlib.exercises.model import SETS, Chart
from coderlib.paths import exercises_dir

ERROR, WARNING, SKIPPED = "error", "warning", "skipped"

CHECKS = ("load", "required", "set", "ids", "codes", "modifiers", "excludes1", "sex_age",
          "principal", "drg")


@dataclass
class Finding:
    """One problem (or skipped check) on one chart."""

    check: str
    field: str
    message: str
    severity: str = ERROR


@dataclass
class ChartReport:
    """Every finding for one chart file; ``ok`` when none is an error."""

    file: str
    chart_id: str | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(f.severity == ERROR for f in self.findings)

    def add(self, check: str, field_: str, message: str, severity: str = ERROR) -> None:
        self.findings.append(Finding(check, field_, message, severity))


@dataclass
class ValidationReport:
    """Per-chart reports for a path; ``ok`` when every chart passes."""

    path: str
    charts: list[ChartReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.charts)

    @property
    def failed(self) -> list[ChartReport]:
        return [c for c in self.charts if not c.ok]

    def to_frame(self) -> pd.DataFrame:
        """One row per finding: file, chart_id, check, field, severity, message."""
        rows = [{"file": c.file, "chart_id": c.chart_id, **asdict(f)}
                for c in self.charts for f in c.findings]
        cols = ["file", "chart_id", "check", "field", "severity", "message"]
        return pd.DataFrame(rows, columns=cols)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready report."""
        return {"path": self.path, "ok": self.ok, "charts_checked": len(self.charts),
                "charts_failed": len(self.failed),
                "charts": [{"file": c.file, "chart_id": c.chart_id, "ok": c.ok,
                            "findings": [asdict(f) for f in c.findings]} for c in self.charts]}

    def render(self, verbose: bool = False) -> str:
        """Plain-text per-chart report (failures always; passing charts when ``verbose``)."""
        lines: list[str] = []
        for c in self.charts:
            if c.ok and not verbose and not any(f.severity == WARNING for f in c.findings):
                continue
            lines.append(f"{'PASS' if c.ok else 'FAIL'} {c.chart_id or '?'} ({c.file})")
            for f in c.findings:
                lines.append(f"  [{f.severity}] {f.check} {f.field}: {f.message}")
        lines.append(f"{len(self.charts)} chart(s) checked, {len(self.failed)} failed "
                     f"under {self.path}")
        return "\n".join(lines)


# ---------------------------------------------------------------- structure checks
def _check_structure(chart: Chart, rep: ChartReport) -> None:
    key = chart.key
    if chart.set not in SETS:
        rep.add("set", "set", f"folder {chart.set!r} is not an exercise set; expected one of "
                              f"{', '.join(SETS)}")
    if chart.set == "inpatient" and not chart.inpatient:
        rep.add("set", "setting", f"a chart in the inpatient set must have setting inpatient, "
                                  f"not {chart.setting}")
    if chart.set == "outpatient" and chart.inpatient:
        rep.add("set", "setting", "a chart in the outpatient set cannot be inpatient")
    if chart.set == "query" and key.query is None:
        rep.add("required", "key.query", "charts in the query set need key.query (reason and "
                                         "rationale)")
    if chart.set == "injury" and not any(d.code[:1] in "ST" for d in key.all_dx):
        rep.add("set", "key", "an injury chart needs at least one S or T injury code",
                WARNING)
    if chart.inpatient:
        if chart.dates.admission is None or chart.dates.discharge is None:
            rep.add("required", "dates", "inpatient charts need admission and discharge dates")
        if chart.discharge_status is None:
            rep.add("required", "discharge_status", "inpatient charts need a discharge status")
        if key.drg is None:
            rep.add("required", "key.drg", "inpatient charts need the expected MS-DRG")
        for i, dx in enumerate(key.all_dx):
            if dx.poa is None:
                rep.add("required", _dx_field(i) + ".poa", f"{dotted_icd10cm(dx.code)}: "
                        "inpatient diagnoses need a POA indicator (Y, N, U, W or 1)")
        for i, line in enumerate(key.lines):
            rep.add("required", f"key.lines[{i}]", f"{line.code}: CPT/HCPCS lines belong to "
                    "outpatient or pro-fee charts, not the inpatient facility key")
    else:
        if chart.dates.service is None:
            rep.add("required", "dates.service", "outpatient charts need a date of service")
        if key.drg is not None:
            rep.add("required", "key.drg", "MS-DRG applies to inpatient charts only")
        for i, proc in enumerate(key.procedures):
            rep.add("required", f"key.procedures[{i}]", f"{proc.code}: ICD-10-PCS procedures "
                    "belong to inpatient charts; report outpatient services as lines")
        if chart.discharge_status is not None:
            rep.add("required", "discharge_status", "discharge status is for inpatient charts",
                    WARNING)
        for i, dx in enumerate(key.all_dx):
            if dx.poa is not None:
                rep.add("required", _dx_field(i) + ".poa", "POA is reported on inpatient "
                        "claims only", WARNING)
        if not key.lines:
            rep.add("required", "key.lines", "no CPT/HCPCS lines in an outpatient key",
                    WARNING)
    _check_duplicates(chart, rep)


def _dx_field(i: int) -> str:
    return "key.principal_dx" if i == 0 else f"key.secondary_dx[{i - 1}]"


def _check_duplicates(chart: Chart, rep: ChartReport) -> None:
    seen: dict[str, str] = {}
    for i, dx in enumerate(chart.key.all_dx):
        if dx.code in seen:
            rep.add("required", _dx_field(i), f"{dotted_icd10cm(dx.code)} is already in the key "
                                              f"at {seen[dx.code]}")
        seen.setdefault(dx.code, _dx_field(i))
    procs: dict[str, int] = {}
    for i, p in enumerate(chart.key.procedures):
        if p.code in procs:
            rep.add("required", f"key.procedures[{i}]", f"{p.code} repeats "
                    f"key.procedures[{procs[p.code]}]", WARNING)
        procs.setdefault(p.code, i)
    lines: dict[tuple[str, tuple[str, ...]], int] = {}
    for i, ln in enumerate(chart.key.lines):
        k = (ln.code, tuple(sorted(ln.modifiers)))
        if k in lines:
            rep.add("required", f"key.lines[{i}]", f"{ln.code} with the same modifiers repeats "
                    f"key.lines[{lines[k]}]; use units")
        lines.setdefault(k, i)


# ---------------------------------------------------------------- code checks
def _code_fields(chart: Chart) -> Iterable[tuple[str, str, str]]:
    """(system, code, field) for every code in the key."""
    for i, dx in enumerate(chart.key.all_dx):
        yield "icd10cm", dx.code, _dx_field(i)
    for i, p in enumerate(chart.key.procedures):
        yield "icd10pcs", p.code, f"key.procedures[{i}]"
    for i, ln in enumerate(chart.key.lines):
        yield codesets.line_system(ln.code), ln.code, f"key.lines[{i}]"


def _check_codes(chart: Chart, rep: ChartReport) -> None:
    on = chart.date_of_service
    missing: set[str] = set()
    for system, code, fld in _code_fields(chart):
        if system in missing:
            continue
        try:
            codesets.require_billable(system, code, on)
        except codesets.CodeSetUnavailable as exc:
            missing.add(system)
            rep.add("codes", fld, f"{exc}; {codesets.SYSTEM_LABELS[system]} codes not checked",
                    SKIPPED)
        except CodeError as exc:
            rep.add("codes", fld, f"{codesets.SYSTEM_LABELS[system]} {code} on {on}: {exc}")


def _check_modifiers(chart: Chart, rep: ChartReport) -> None:
    if not any(ln.modifiers for ln in chart.key.lines):
        return
    try:
        mods = importlib.import_module("coderlib.codes.modifiers")
    except ImportError:
        rep.add("modifiers", "key.lines", "coderlib.codes.modifiers is not available; "
                "modifiers not checked", SKIPPED)
        return
    for i, ln in enumerate(chart.key.lines):
        known = True
        for m in ln.modifiers:
            try:
                mods.get(m)
            except CodeError as exc:
                known = False
                rep.add("modifiers", f"key.lines[{i}].modifiers", f"{ln.code}-{m}: {exc}")
        if known and len(ln.modifiers) > 1:
            for conflict in mods.check(ln.modifiers):
                rep.add("modifiers", f"key.lines[{i}].modifiers", f"{ln.code}: "
                        f"{conflict.message}",
                        WARNING if conflict.rule == "pricing_order" else ERROR)


def _check_excludes1(chart: Chart, rep: ChartReport) -> None:
    codes = [dx.code for dx in chart.key.all_dx]
    if len(codes) < 2:
        return
    try:
        from coderlib.codes.icd10cm import excludes1_conflicts
    except ImportError:
        rep.add("excludes1", "key", "coderlib.codes.icd10cm.excludes1_conflicts is not "
                "available; Excludes1 not checked", SKIPPED)
        return
    known = []
    for code in codes:  # unknown codes are reported by the codes check
        try:
            codesets.lookup("icd10cm", code)
        except CodeError:
            continue
        known.append(code)
    for conflict in excludes1_conflicts(known):
        rep.add("excludes1", "key", str(conflict))


#: MCE edits reported by the sex/age and principal-diagnosis checks
_SEX_AGE_EDITS = ("sex_conflict", "age_conflict")
_PRINCIPAL_EDITS = ("manifestation_pdx", "unacceptable_pdx", "external_cause_pdx")


def _check_demographics(chart: Chart, rep: ChartReport) -> None:
    """Sex/age plausibility and principal-dx acceptability from the MCE-style edits.

    The edits of :mod:`coderlib.drg.mce` (sex from the code's MDC — MDC 12 male, 13/14
    female —, newborn codes at age 0, maternity ages 9-64, manifestation and secondary-only
    codes as principal) run on every chart, outpatient ones included, with the chart's date.
    """
    try:
        from coderlib.drg import Encounter, mce
        from coderlib.drg.engine import engine_for_date
    except ImportError:
        rep.add("sex_age", "key", "coderlib.drg (MCE edits) is not available; sex, age and "
                "principal dx edits not checked", SKIPPED)
        return
    key = chart.key
    try:
        enc = Encounter(pdx=key.principal_dx.code,
                        sdx=[(d.code, d.poa or "") for d in key.secondary_dx],
                        procedures=[p.code for p in key.procedures], age=chart.patient.age,
                        sex=chart.patient.sex, discharge_status=chart.discharge_status or "01",
                        discharge_date=chart.date_of_service)
        edits = mce.check(enc, engine_for_date(chart.date_of_service))
    except ValueError as exc:  # EncounterError, VersionError
        rep.add("sex_age", "key", f"MCE edits could not run: {exc}")
        return
    for e in edits:
        fld = "key.principal_dx" if e.field == "pdx" else \
            e.field.replace("sdx[", "key.secondary_dx[") if e.field.startswith("sdx[") else \
            f"key.{e.field}" if e.field.startswith("procedures") else e.field
        if e.edit in _SEX_AGE_EDITS:
            rep.add("sex_age", fld, e.message.split(": ", 1)[-1])
        elif e.edit in _PRINCIPAL_EDITS:
            rep.add("principal", fld, e.message.split(": ", 1)[-1])
        elif e.edit == "invalid_discharge_status" and chart.inpatient:
            rep.add("required", "discharge_status", e.message.split(": ", 1)[-1])
    for i, dx in enumerate(key.all_dx):
        if dx.code.startswith("O") and not 12 <= chart.patient.age <= 55:
            rep.add("sex_age", _dx_field(i), f"{dotted_icd10cm(dx.code)}: a pregnancy code at "
                    f"age {chart.patient.age}, outside the usual 12-55 range", WARNING)


def _check_drg(chart: Chart, rep: ChartReport) -> None:
    if not chart.inpatient or chart.key.drg is None:
        return
    try:
        result = group_chart_codes(chart, [d.code for d in chart.key.all_dx],
                                   [d.poa for d in chart.key.all_dx],
                                   [p.code for p in chart.key.procedures])
    except ImportError:
        rep.add("drg", "key.drg", "coderlib.drg.group is not available; DRG not checked",
                SKIPPED)
        return
    except (CodeError, ValueError) as exc:
        rep.add("drg", "key.drg", f"the key's codes cannot be grouped: {exc}")
        return
    if result.drg != chart.key.drg:
        rep.add("drg", "key.drg", f"key says MS-DRG {chart.key.drg} but the key's codes group "
                                  f"to MS-DRG {result.drg}"
                                  + (f" ({result.title})" if result.title else ""))


def group_chart_codes(chart: Chart, dx: list[str], poa: list[str | None],
                      procedures: list[str]) -> Any:
    """Group a set of codes with the chart's demographics via :func:`coderlib.drg.group`.

    ``dx[0]`` is the principal diagnosis. Raises ``ImportError`` when the grouper is absent.
    """
    from coderlib.drg import Encounter, group

    if not isinstance(dx, list) or not dx:
        raise ValueError("no principal diagnosis to group")
    enc = Encounter(pdx=dx[0], sdx=[(c, p or "") for c, p in zip(dx[1:], poa[1:], strict=True)],
                    procedures=list(procedures), age=chart.patient.age, sex=chart.patient.sex,
                    discharge_status=chart.discharge_status or "01",
                    discharge_date=chart.date_of_service)
    return group(enc, explain_result=False)


CHART_CHECKS: tuple[Callable[[Chart, ChartReport], None], ...] = (
    _check_structure, _check_codes, _check_modifiers, _check_excludes1, _check_demographics,
    _check_drg)


def validate_chart(chart: Chart, file: str | Path = "") -> ChartReport:
    """Run every per-chart check on an already-loaded chart."""
    rep = ChartReport(str(file), chart.id)
    for check in CHART_CHECKS:
        check(chart, rep)
    return rep


def validate_path(path: str | Path | None = None) -> ValidationReport:
    """Load and check every chart under ``path`` (a file, a set folder or the root).

    Files that fail to load become failed chart reports naming the file, field and problem.
    """
    path = exercises_dir() if path is None else Path(path)
    report = ValidationReport(str(path))
    if not path.exists():
        rep = ChartReport(str(path), None)
        rep.add("load", "", "path does not exist")
        report.charts.append(rep)
        return report
    by_id: dict[str, list[ChartReport]] = defaultdict(list)
    for file in chart_files(path):
        try:
            chart = load_chart(file)
        except ChartFileError as exc:
            rep = ChartReport(str(file), None)
            for fld, problem in exc.problems:
                rep.add("load", fld, problem)
            report.charts.append(rep)
            continue
        rep = validate_chart(chart, file)
        by_id[chart.id].append(rep)
        report.charts.append(rep)
    for chart_id, reps in by_id.items():
        if len(reps) > 1:
            for rep in reps:
                others = ", ".join(r.file for r in reps if r is not rep)
                rep.add("ids", "id", f"id {chart_id!r} is also used by {others}")
    return report

