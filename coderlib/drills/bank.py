"""Load drill items from YAML, with errors that name the file, the item and the field.

Layout: ``exercises/drills/items/<name>.yaml``, each a mapping with optional ``defaults``
(fields every item in the file shares, e.g. ``area``) and ``items`` (a list of items).

>>> from coderlib.paths import REPO_ROOT
>>> items = load_items(REPO_ROOT / "tests/fixtures/drills/good")
>>> [i.id for i in items][:2], items[0].key
(['fx-cm-001', 'fx-cpt-001'], 'A')
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from coderlib.drills.model import Item
from coderlib.exercises.loader import ChartFileError, _loc_text, _problem_text
from coderlib.paths import exercises_dir

YAML_SUFFIXES = (".yaml", ".yml")


def drills_dir() -> Path:
    """The drills folder inside the exercises root (blueprint and item bank)."""
    return exercises_dir() / "drills"


def items_dir() -> Path:
    """Where the authored item files live."""
    return drills_dir() / "items"


class ItemFileError(ChartFileError):
    """An item file that cannot be loaded: which file, which field, what is wrong.

    The same report as a chart file's (every ``(field, problem)`` pair in ``problems``).

    >>> str(ItemFileError("items/em.yaml", "items[2].answer", "answer is missing"))
    'items/em.yaml: items[2].answer: answer is missing'
    """


def read_yaml(path: Path) -> Any:
    """Parse one YAML file; an :class:`ItemFileError` names the line of a syntax error."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ItemFileError(str(path), "", "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ItemFileError(str(path), "", f"cannot read file: {exc}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(yaml)"
        raise ItemFileError(str(path), where,
                            f"YAML syntax error: {getattr(exc, 'problem', None) or exc}") from None


def parse_items(data: Any, file: str | Path) -> list[Item]:
    """Validate a parsed item file into items; every problem in the file is reported."""
    file = str(file)
    if isinstance(data, list):
        data = {"items": data}
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise ItemFileError(file, "items", "expected a mapping with an 'items' list")
    unknown = set(data) - {"defaults", "items"}
    if unknown:
        raise ItemFileError(file, ", ".join(sorted(unknown)), "unknown top-level field "
                                                              "(expected defaults, items)")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise ItemFileError(file, "defaults", "defaults must be a mapping of item fields")
    items, problems = [], []
    for i, raw in enumerate(data["items"]):
        if not isinstance(raw, dict):
            problems.append((f"items[{i}]", f"expected a mapping, got {type(raw).__name__}"))
            continue
        label = f"items[{i}]" + (f" ({raw['id']})" if "id" in raw else "")
        try:
            items.append(Item.model_validate({**defaults, **raw}))
        except ValidationError as exc:
            for e in exc.errors():
                loc = _loc_text(e["loc"])
                problems.append((f"{label}.{loc}" if loc else label, _problem_text(e)))
    if problems:
        raise ItemFileError(file, problems[0][0], problems[0][1], problems)
    return items


def item_files(root: str | Path | None = None) -> list[Path]:
    """Every item file under ``root`` (a file or folder; default the shipped bank), sorted."""
    root = items_dir() if root is None else Path(root)
    if root.is_file():
        return [root]
    if not root.exists():
        raise FileNotFoundError(f"drill item path {root} does not exist")
    return sorted(p for p in root.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file())


def load_file(path: str | Path) -> list[Item]:
    """Load the items of one file (raises :class:`ItemFileError`)."""
    path = Path(path)
    return parse_items(read_yaml(path), path)


def load_items(root: str | Path | None = None) -> list[Item]:
    """Load every item under ``root``, sorted by id; duplicate ids are an error."""
    out: dict[str, tuple[Item, Path]] = {}
    for path in item_files(root):
        for item in load_file(path):
            if item.id in out:
                raise ItemFileError(str(path), f"id {item.id}",
                                    f"id {item.id!r} is also used in {out[item.id][1]}")
            out[item.id] = (item, path)
    return sorted((v[0] for v in out.values()), key=lambda i: i.id)
