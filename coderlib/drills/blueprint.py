"""Exam blueprints (CPC, CCS): items per area, time limit and pass mark, from an editable file.

The file is ``exercises/drills/blueprint.yaml``; an educator may change counts, minutes or
the pass mark and every exam session follows it.

>>> bp = load_blueprint()
>>> cpc = bp["CPC"]
>>> cpc.total, cpc.minutes, cpc.pass_mark, len(cpc.areas)
(100, 240, 0.7, 17)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from coderlib.drills.bank import ItemFileError, drills_dir, read_yaml


@dataclass(frozen=True)
class Area:
    """One area of knowledge and how many exam items it gets."""

    id: str
    title: str
    items: int


@dataclass(frozen=True)
class Exam:
    """One exam's blueprint."""

    name: str
    title: str
    minutes: int
    pass_mark: float
    areas: tuple[Area, ...]
    scenarios: int = 0
    source: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def total(self) -> int:
        """Multiple-choice items in one exam."""
        return sum(a.items for a in self.areas)

    def area(self, area_id: str) -> Area:
        """The area with ``area_id`` (``KeyError`` naming the exam's areas otherwise)."""
        for a in self.areas:
            if a.id == area_id:
                return a
        raise KeyError(f"{self.name} has no area {area_id!r}; areas: "
                       f"{', '.join(a.id for a in self.areas)}")


def blueprint_path() -> Path:
    """The shipped blueprint file."""
    return drills_dir() / "blueprint.yaml"


def load_blueprint(path: str | Path | None = None) -> dict[str, Exam]:
    """Read the blueprint file into ``{exam name: Exam}``; errors name the field."""
    path = blueprint_path() if path is None else Path(path)
    data = read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("exams"), dict):
        raise ItemFileError(str(path), "exams", "expected a mapping 'exams: {NAME: {...}}'")
    out: dict[str, Exam] = {}
    for name, spec in data["exams"].items():
        where = f"exams.{name}"
        if not isinstance(spec, dict):
            raise ItemFileError(str(path), where, "expected a mapping")
        try:
            areas = tuple(Area(str(a), str(v["title"]), int(v["items"]))
                          for a, v in (spec.get("areas") or {}).items())
            exam = Exam(str(name), str(spec["title"]), int(spec["minutes"]),
                        float(spec["pass_mark"]), areas, int(spec.get("scenarios", 0)),
                        str(spec.get("source", "")),
                        {k: v for k, v in spec.items() if k not in
                         ("title", "minutes", "pass_mark", "areas", "scenarios", "source")})
        except (KeyError, TypeError, ValueError) as exc:
            raise ItemFileError(str(path), where, f"missing or bad field: {exc}") from None
        if not areas:
            raise ItemFileError(str(path), f"{where}.areas", "an exam needs at least one area")
        if not 0 < exam.pass_mark <= 1:
            raise ItemFileError(str(path), f"{where}.pass_mark",
                                f"pass mark must be a fraction in (0, 1], got {exam.pass_mark}")
        if any(a.items < 0 for a in areas) or exam.minutes <= 0:
            raise ItemFileError(str(path), where, "counts and minutes must be positive")
        out[str(name)] = exam
    return out


def exam_of_area(area: str, blueprint: dict[str, Exam] | None = None) -> str:
    """The exam an area belongs to (``KeyError`` when no blueprint lists it).

    >>> exam_of_area("poa")
    'CCS'
    """
    blueprint = load_blueprint() if blueprint is None else blueprint
    for exam in blueprint.values():
        if any(a.id == area for a in exam.areas):
            return exam.name
    known = sorted(a.id for e in blueprint.values() for a in e.areas)
    raise KeyError(f"area {area!r} is in no exam blueprint; known areas: {', '.join(known)}")
