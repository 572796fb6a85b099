"""Load exercise charts from YAML, with errors that name the file, the field and the problem.

Layout: ``<root>/<set>/<id>.yaml`` (``.yml`` accepted). The folder a file lives in is its
set; a ``set:`` field in the file, when present, must agree with it.

>>> from coderlib.paths import exercises_dir
>>> from coderlib.exercises.model import SETS
>>> charts = load_all(exercises_dir())   # every chart shipped with the suite
>>> all(c.set in SETS for c in charts)
True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from coderlib.exercises.model import Chart
from coderlib.paths import exercises_dir

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass
class ChartFileError(ValueError):
    """A chart file that cannot be loaded: which file, which field, what is wrong.

    ``problems`` holds every ``(field, problem)`` pair found (the first is also in ``field`` /
    ``problem``), so one run reports all mistakes in a file.

    >>> err = ChartFileError("exercises/inpatient/x.yaml", "key.drg", "MS-DRG must be 3 digits")
    >>> str(err)
    'exercises/inpatient/x.yaml: key.drg: MS-DRG must be 3 digits'
    """

    file: str
    field: str
    problem: str
    problems: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.problems:
            self.problems = [(self.field, self.problem)]
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(f"{self.file}: {f or '(file)'}: {p}" for f, p in self.problems)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for ``--json`` output."""
        return {"file": self.file, "problems": [{"field": f, "problem": p}
                                                 for f, p in self.problems]}


def _loc_text(loc: Iterable[Any]) -> str:
    """Pydantic location tuple -> ``key.secondary_dx[1].poa``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif str(part).startswith(("function-", "literal[")):
            continue
        else:
            out += f".{part}" if out else str(part)
    return out


def _problem_text(err: dict[str, Any]) -> str:
    """A pydantic error in plain words, with the offending value when it helps."""
    kind = err.get("type", "")
    msg = str(err.get("msg", "invalid"))
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field (check the spelling against the chart schema)"
    msg = msg.removeprefix("Value error, ")
    value = err.get("input")
    if kind.startswith(("literal_error", "int_", "date_", "string_", "too_short", "greater",
                        "less", "bool_")) and not isinstance(value, (dict, list)):
        return f"{msg} (got {value!r})"
    return msg


def parse_chart(data: Any, file: str | Path, set_name: str | None = None) -> Chart:
    """Validate an already-parsed YAML mapping into a :class:`Chart`.

    ``set_name`` is the folder the chart came from; it fills ``Chart.set`` and must match a
    ``set:`` field when the file has one.
    """
    file = str(file)
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        raise ChartFileError(file, "", f"expected a mapping of chart fields, got {kind}")
    try:
        chart = Chart.model_validate(data)
    except ValidationError as exc:
        problems = [(_loc_text(e["loc"]), _problem_text(e)) for e in exc.errors()]
        raise ChartFileError(file, problems[0][0], problems[0][1], problems) from None
    if set_name is not None:
        if chart.set is not None and chart.set != set_name:
            raise ChartFileError(file, "set", f"set {chart.set!r} does not match the folder "
                                              f"{set_name!r} the file is in")
        chart.set = set_name
    stem = Path(file).stem
    if Path(file).suffix in YAML_SUFFIXES and stem != chart.id:
        raise ChartFileError(file, "id", f"id {chart.id!r} does not match the file name "
                                         f"{stem!r} (one chart per file, named <id>.yaml)")
    return chart


def load_chart(path: str | Path) -> Chart:
    """Load one chart; its set is the name of the folder holding it.

    Raises :class:`ChartFileError` for unreadable files, YAML syntax errors and schema
    problems, always naming the file and field.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ChartFileError(str(path), "", "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ChartFileError(str(path), "", f"cannot read file: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(yaml)"
        problem = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context", None)
        detail = f"YAML syntax error: {problem}" + (f" ({context})" if context else "")
        raise ChartFileError(str(path), where, detail) from None
    return parse_chart(data, path, path.parent.name)


def chart_files(root: str | Path | None = None) -> list[Path]:
    """Every chart file under ``root`` (a file, a set folder or the exercises root), sorted."""
    root = exercises_dir() if root is None else Path(root)
    if root.is_file():
        return [root]
    if not root.exists():
        raise FileNotFoundError(f"exercise path {root} does not exist")
    return sorted(p for p in root.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file()
                  and "drills" not in p.relative_to(root).parts)  # drill bank: own loader


def load_set(folder: str | Path) -> list[Chart]:
    """Load every chart in one set folder (e.g. ``exercises/inpatient``), sorted by id."""
    return sorted((load_chart(p) for p in chart_files(folder)), key=lambda c: c.id)


def load_all(root: str | Path | None = None) -> list[Chart]:
    """Load every chart under ``root`` (default :func:`coderlib.paths.exercises_dir`).

    Raises the first :class:`ChartFileError`; use ``coderlib.exercises.validate`` to get a
    report on every file instead.
    """
    root = exercises_dir() if root is None else Path(root)
    if not root.exists():
        return []
    return sorted((load_chart(p) for p in chart_files(root)), key=lambda c: c.id)


def load_lenient(root: str | Path | None = None) -> tuple[list[Chart], list[ChartFileError]]:
    """Every chart that loads under ``root``, plus the errors of those that do not.

    For the practice app: one broken file must not hide the other charts.

    >>> charts, errors = load_lenient("/no/such/folder")
    >>> charts, errors
    ([], [])
    """
    root = exercises_dir() if root is None else Path(root)
    if not root.exists():
        return [], []
    charts, errors = [], []
    for p in chart_files(root):
        try:
            charts.append(load_chart(p))
        except ChartFileError as exc:
            errors.append(exc)
    return sorted(charts, key=lambda c: c.id), errors


def find_chart(chart: str | Path, root: str | Path | None = None) -> Chart:
    """A chart by id (searched under ``root``) or by path to its YAML file.

    >>> find_chart("no-such-chart", root=".")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    KeyError: "no chart with id 'no-such-chart' under ..."
    """
    path = Path(chart)
    if path.suffix in YAML_SUFFIXES and path.exists():
        return load_chart(path)
    root = exercises_dir() if root is None else Path(root)
    for p in chart_files(root) if root.exists() else []:
        if p.stem == str(chart):
            return load_chart(p)
    raise KeyError(f"no chart with id {str(chart)!r} under {root}")
