"""Machine checks on every answer key: a wrong key teaches the wrong thing.

Per chart: required fields and setting rules, set equals folder, every code (and every
``accept:`` alternate) exists and is billable on the chart's date of service (7th-character
and placeholder-X problems reported as ``seventh``; CPT codes outside the teaching subset as
the softer ``cpt_unverified``), modifiers are known, no Excludes1 conflict inside the key,
sex and age plausibility (MCE-style edits), the principal diagnosis is acceptable as
principal, the coding conventions of :mod:`coderlib.exercises.key_rules` (POA exempt list,
external-cause 7th character, same-day E/M with a global procedure, underdosing paired with
its Z91.1- code, no give-away phrases in the documentation), and the stored MS-DRG equals
what :func:`coderlib.drg.group` computes. Across the tree: ids are unique. A file that does
not load is a failed chart with the loader's message.

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
from coderlib.exercises import codesets, key_rules
from coderlib.exercises.loader import ChartFileError, chart_files, load_chart
from coderlib.exercises.model import SETS, Chart
from coderlib.paths import exercises_dir

ERROR, WARNING, SKIPPED = "error", "warning", "skipped"

CHECKS = ("load", "required", "set", "ids", "codes", "seventh", "cpt_unverified", "modifiers",
          "excludes1", "sex_age", "principal", "poa_exempt", "external_cause", "em_global",
          "underdosing", "giveaway", "drg")


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
            if dx.poa is None and not key_rules.is_poa_exempt(dx.code):
                rep.add("required", _dx_field(i) + ".poa", f"{dotted_icd10cm(dx.code)}: "
                        "inpatient diagnoses need a POA indicator (Y, N, U, W; 1 or blank "
                        "only for POA-exempt codes)")
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
    if key.principal_dx.optional:
        rep.add("required", "key.principal_dx.optional", "the principal diagnosis cannot be "
                "optional")
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
    """(system, code, field) for every code in the key, ``accept:`` alternates included."""
    for i, dx in enumerate(chart.key.all_dx):
        yield "icd10cm", dx.code, _dx_field(i)
        for j, alt in enumerate(dx.accept):
            yield "icd10cm", alt.code, f"{_dx_field(i)}.accept[{j}]"
    for i, p in enumerate(chart.key.procedures):
        yield "icd10pcs", p.code, f"key.procedures[{i}]"
        for j, alt in enumerate(p.accept):
            yield "icd10pcs", alt.code, f"key.procedures[{i}].accept[{j}]"
    for i, ln in enumerate(chart.key.lines):
        yield codesets.line_system(ln.code), ln.code, f"key.lines[{i}]"
        for j, alt in enumerate(ln.accept):
            yield codesets.line_system(alt.code), alt.code, f"key.lines[{i}].accept[{j}]"


_SEVENTH_WORDS = ("7th character", "placeholder X")


def _check_codes(chart: Chart, rep: ChartReport) -> None:
    """Every code exists and is billable on the date of service.

    A 7th-character or placeholder-X problem is reported under ``seventh``; a well-formed
    CPT code outside coderlib's teaching subset under ``cpt_unverified`` as a warning (it
    cannot be verified without a licensed CPT file, which is not the same as not existing).
    """
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
            label = codesets.SYSTEM_LABELS[system]
            if system == "cpt" and exc.reason == "unknown" and "teaching subset" in str(exc):
                rep.add("cpt_unverified", fld, f"CPT {code} cannot be verified without a "
                        "licensed CPT file (it is outside coderlib's teaching subset; load "
                        "one with CODERLIB_CPT_FILE to check it)", WARNING)
            elif system == "icd10cm" and any(w in str(exc) for w in _SEVENTH_WORDS):
                rep.add("seventh", fld, f"{label} {code} on {on}: {exc}")
            else:
                rep.add("codes", fld, f"{label} {code} on {on}: {exc}")


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
        elif e.edit == "unacceptable_pdx" and not chart.inpatient:
            continue  # an inpatient (MCE) edit: a first-listed outpatient code follows OCG IV
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


# ---------------------------------------------------------------- coding conventions
def _check_poa_exempt(chart: Chart, rep: ChartReport) -> None:
    """POA ``1`` only on exempt codes; exempt codes carry ``1`` or nothing (Appendix I)."""
    if not chart.inpatient:
        return
    for i, dx in enumerate(chart.key.all_dx):
        entry = key_rules.poa_exempt_entry(dx.code)
        soft = WARNING if entry is not None and entry.uncertain else ERROR
        shown = dotted_icd10cm(dx.code)
        if dx.poa == "1" and entry is None:
            rep.add("poa_exempt", _dx_field(i) + ".poa", f"{shown} has POA 1 but is not on "
                    "the POA-exempt list (OCG Appendix I): report Y, N, U or W")
        elif entry is not None and dx.poa not in (None, "1"):
            rep.add("poa_exempt", _dx_field(i) + ".poa", f"{shown} is POA-exempt "
                    f"({entry.title}, OCG Appendix I): report 1 or leave blank, not "
                    f"{dx.poa}", soft)


def _check_external_cause(chart: Chart, rep: ChartReport) -> None:
    """An external-cause code's 7th character matches the injury it accompanies."""
    codes = [d.code for d in chart.key.all_dx]
    wanted = {e for c in codes if (e := key_rules.external_cause_encounter(c))}
    if not wanted:
        return
    for i, code in enumerate(codes):
        if code.startswith(("Y92", "Y93")) and "A" not in wanted:
            rep.add("external_cause", _dx_field(i), f"{dotted_icd10cm(code)}: place and "
                    "activity codes are reported once, at the initial encounter (OCG "
                    "I.C.20.b/c); every injury here is a subsequent or sequela encounter",
                    WARNING)
        if key_rules.is_external_cause_with_7th(code) and code[6] not in wanted:
            rep.add("external_cause", _dx_field(i), f"{dotted_icd10cm(code)}: 7th character "
                    f"{code[6]} does not match the injury's encounter "
                    f"({'/'.join(sorted(wanted))}); OCG I.C.20.a.3: the external cause takes "
                    "the 7th character of the encounter for the injury")


def _check_em_global(chart: Chart, rep: ChartReport) -> None:
    """Same-day E/M beside a global procedure carries 25 (minor) or 57 (major)."""
    lines = chart.key.lines
    procs = [(ln.code, key_rules.global_days(ln.code)) for ln in lines]
    procs = [(c, d) for c, d in procs if d is not None]
    if not procs:
        return
    major = any(d == "090" for _, d in procs)
    ems = [(i, ln) for i, ln in enumerate(lines) if key_rules.is_em(ln.code)]
    shown = ", ".join(f"{c} ({d}-day global)" for c, d in procs)
    soft = WARNING if all(key_rules.global_days_uncertain(c) for c, _ in procs) else ERROR
    for i, ln in ems:
        mods = set(ln.modifiers)
        if not mods & {"25", "57"}:
            need = "57 (decision for surgery) or 25" if major else "25"
            rep.add("em_global", f"key.lines[{i}].modifiers", f"{ln.code} is billed on the "
                    f"same date as {shown}: the E/M needs modifier {need}, or leave the E/M "
                    "out and say why in key.no_separate_em", soft)
        elif "57" in mods and not major:
            rep.add("em_global", f"key.lines[{i}].modifiers", f"{ln.code}-57 marks a decision "
                    f"for major surgery, but {shown} is a minor procedure: use 25", soft)
    if not ems and not chart.key.no_separate_em:
        rep.add("em_global", "key.no_separate_em", f"{shown} has a global period and the "
                "key reports no E/M: say why in key.no_separate_em (e.g. the visit was the "
                "decision-making included in the procedure)", WARNING)


def _check_underdosing(chart: Chart, rep: ChartReport) -> None:
    """Underdosing (T36-T50, 6th character 6) needs its noncompliance/intent code.

    A note that reads like underdosing ("ran out of", "stopped her ...") with no underdosing
    code in the key gets a warning: the key may be missing it (OCG I.C.19.e.5.c).
    """
    codes = [d.code for d in chart.key.all_dx]
    hint = key_rules.underdosing_hint(chart.chart_text())
    if hint and not any(key_rules.is_underdosing(c) for c in codes):
        rep.add("underdosing", "key", f"the documentation says {hint!r} but the key has no "
                "underdosing code (T36-T50, 6th character 6): check whether a prescribed drug "
                "was taken less than prescribed (OCG I.C.19.e.5.c), or say in a rationale why "
                "not", WARNING)
    if not any(key_rules.is_underdosing_partner(c) for c in codes):
        for i, code in enumerate(codes):
            if key_rules.is_underdosing(code):
                rep.add("underdosing", _dx_field(i), f"{dotted_icd10cm(code)} is underdosing: "
                        "add the noncompliance or failure-in-dosage code that says why "
                        "(Z91.12-/Z91.13-/Z91.14-, Z91.A-, or Y63.6-Y63.9; OCG I.C.19.e.5.c)")


def _check_giveaways(chart: Chart, rep: ChartReport) -> None:
    """The documentation must not hand over the answer (``data/giveaway_phrases.yaml``)."""
    for i, doc in enumerate(chart.documentation):
        for text, why in key_rules.find_giveaways(doc.text):
            rep.add("giveaway", f"documentation[{i}]", f"{doc.section}: {text!r} ({why}); "
                    "write what the physician did and found, not the coding answer")


CHART_CHECKS: tuple[Callable[[Chart, ChartReport], None], ...] = (
    _check_structure, _check_codes, _check_modifiers, _check_excludes1, _check_demographics,
    _check_poa_exempt, _check_external_cause, _check_em_global, _check_underdosing,
    _check_giveaways, _check_drg)


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

