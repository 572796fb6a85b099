"""Class hand-outs: a student bundle without keys, its key file, grading of returned answers,
an Anki deck (genanki) and an nbgrader source notebook.

A bundle's id is a hash of its items and keys; the answer template and every answer file
carry it on their first line, so an answer file for another bundle is refused by name.

>>> from coderlib.drills.model import Item
>>> it = Item.model_validate({"id": "x-001", "area": "icd10cm", "topic": "t",
...     "difficulty": "easy", "type": "icd10cm", "stem": "Essential hypertension.",
...     "answer": "I10", "distractors": {"I11.9": "a", "I12.9": "b", "I15.9": "c"},
...     "rationale": "OCG I.C.9.a applies here."})
>>> parse_answers("bundle: abc\\nx-001: a\\n", "answers.txt")
('abc', {'x-001': 'A'})
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from coderlib.drills.model import Item

BUNDLE_FILE, KEY_FILE, TEMPLATE_FILE = "bundle.json", "key.json", "answers.txt"
_LINE = re.compile(r"^\s*([a-z0-9][a-z0-9-]*)\s*[:=,]\s*([A-Da-d]?)\s*$")


class AnswerFileError(ValueError):
    """An answer file that cannot be graded: which file, which line, what is wrong."""


def bundle_id(items: Sequence[Item]) -> str:
    """A short stable id for a set of items and their keys."""
    text = "\n".join(f"{i.id}={i.key}" for i in items)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def write_bundle(items: Sequence[Item], out: str | Path, *, title: str, seed: int) -> dict:
    """Write ``bundle.json`` (no keys), ``key.json`` and ``answers.txt`` into ``out``."""
    items = [i for i in items if i.type != "chart"]
    if not items:
        raise ValueError("no multiple-choice items to hand out")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    bid = bundle_id(items)
    public = {"bundle": bid, "title": title, "seed": seed, "count": len(items),
              "instructions": "Answer each item with one letter in answers.txt "
                              "(keep the first line).",
              "items": [i.public() for i in items]}
    key = {"bundle": bid, "title": title, "seed": seed,
           "keys": {i.id: {"key": i.key, "answer": i.options[i.key], "area": i.area,
                           "rationale": i.rationale, "why": i.why} for i in items}}
    (out / BUNDLE_FILE).write_text(json.dumps(public, indent=2), encoding="utf-8")
    (out / KEY_FILE).write_text(json.dumps(key, indent=2), encoding="utf-8")
    (out / TEMPLATE_FILE).write_text(f"bundle: {bid}\n" + "".join(f"{i.id}: \n" for i in items),
                                     encoding="utf-8")
    return {"bundle": bid, "items": len(items), "out": str(out),
            "files": [BUNDLE_FILE, KEY_FILE, TEMPLATE_FILE]}


def parse_answers(text: str, name: str = "answers") -> tuple[str, dict[str, str]]:
    """``(bundle id, {item id: letter})`` from an answer file; errors name the line."""
    lines = text.splitlines()
    if not lines or not lines[0].lower().startswith("bundle:"):
        raise AnswerFileError(f"{name}: line 1: expected 'bundle: <id>' (the first line of "
                              "the answers.txt handed out)")
    bid = lines[0].split(":", 1)[1].strip()
    out: dict[str, str] = {}
    for n, line in enumerate(lines[1:], start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _LINE.match(line)
        if not m:
            raise AnswerFileError(f"{name}: line {n}: expected '<item id>: <A-D>', got "
                                  f"{line.strip()[:60]!r}")
        if m.group(1) in out:
            raise AnswerFileError(f"{name}: line {n}: item {m.group(1)} answered twice")
        out[m.group(1)] = m.group(2).upper()
    return bid, out


@dataclass
class BundleGrade:
    """A graded answer file."""

    bundle: str
    right: int
    total: int
    table: pd.DataFrame

    @property
    def score(self) -> float:
        return self.right / self.total if self.total else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"bundle": self.bundle, "right": self.right, "total": self.total,
                "score": round(self.score, 4), "items": self.table.to_dict("records")}


def grade_bundle(bundle_dir: str | Path, answers_file: str | Path) -> BundleGrade:
    """Grade a returned answer file against its own bundle's key file.

    Refuses (``AnswerFileError``) an answer file for another bundle, unknown item ids and
    corrupt lines, always with the reason.
    """
    bundle_dir, answers_file = Path(bundle_dir), Path(answers_file)
    try:
        key = json.loads((bundle_dir / KEY_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AnswerFileError(f"{bundle_dir}: no {KEY_FILE} (is this a bundle folder?)") \
            from None
    except json.JSONDecodeError as exc:
        raise AnswerFileError(f"{bundle_dir / KEY_FILE}: line {exc.lineno}: not valid JSON") \
            from None
    try:
        text = answers_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AnswerFileError(f"{answers_file}: cannot read: {exc}") from None
    bid, given = parse_answers(text, str(answers_file))
    if bid != key["bundle"]:
        raise AnswerFileError(f"{answers_file}: it answers bundle {bid!r}, but {bundle_dir} is "
                              f"bundle {key['bundle']!r} ({key.get('title', '')}); grade it "
                              "against its own bundle")
    unknown = sorted(set(given) - set(key["keys"]))
    if unknown:
        raise AnswerFileError(f"{answers_file}: item(s) not in bundle {bid}: "
                              f"{', '.join(unknown)}")
    rows = []
    for iid, k in key["keys"].items():
        choice = given.get(iid) or None
        rows.append({"item_id": iid, "area": k["area"], "choice": choice, "key": k["key"],
                     "correct": choice == k["key"],
                     "note": k["rationale"] if choice == k["key"] else
                     (k["why"].get(choice or "", "") or "no answer") + " | " + k["rationale"]})
    df = pd.DataFrame(rows)
    return BundleGrade(bid, int(df["correct"].sum()), len(df), df)


def write_anki(items: Sequence[Item], path: str | Path, *, title: str) -> dict:
    """An ``.apkg`` deck (genanki): front = stem and options, back = key and rationale."""
    import genanki

    items = [i for i in items if i.type != "chart"]
    bid = bundle_id(items)
    model = genanki.Model(
        1607392314, "coderlib drill item",
        fields=[{"name": "ItemId"}, {"name": "Question"}, {"name": "Options"},
                {"name": "Answer"}, {"name": "Rationale"}],
        templates=[{"name": "Card 1",
                    "qfmt": "{{Question}}<br><br>{{Options}}",
                    "afmt": "{{FrontSide}}<hr id=answer><b>{{Answer}}</b><br>{{Rationale}}"}])
    deck = genanki.Deck(int(bid[:8], 16), title)
    import html

    for i in items:
        opts = "<br>".join(f"{k}. {html.escape(v)}" for k, v in i.options.items())
        deck.add_note(genanki.Note(model=model, guid=genanki.guid_for(i.id), fields=[
            i.id, html.escape(i.stem), opts, f"{i.key}. {html.escape(i.options[i.key])}",
            html.escape(i.rationale)]))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    genanki.Package(deck).write_to_file(str(path))
    return {"bundle": bid, "notes": len(items), "out": str(path)}


def _cell(kind: str, source: str, **nb: Any) -> dict:
    cell: dict[str, Any] = {"cell_type": kind, "metadata": {}, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    if nb:
        cell["metadata"]["nbgrader"] = {"schema_version": 3, "locked": False,
                                        "solution": False, "grade": False, **nb}
    return cell


def write_nbgrader(items: Sequence[Item], course_dir: str | Path, assignment: str) -> dict:
    """An nbgrader *source* notebook: one answer cell and one hidden-test cell per item.

    Layout: ``<course_dir>/source/<assignment>/<assignment>.ipynb``; run nbgrader's
    ``generate_assignment`` to make the student version (solutions and hidden tests removed).
    """
    items = [i for i in items if i.type != "chart"]
    if not re.match(r"^[A-Za-z0-9_-]+$", assignment):
        raise ValueError(f"assignment name {assignment!r}: letters, digits, _ and - only")
    cells = [_cell("markdown", f"# {assignment}\n\nFor each item, set the variable to one "
                               "letter (\"A\" to \"D\") and run the cell.")]
    for n, i in enumerate(items, 1):
        var = "answer_" + re.sub(r"\W", "_", i.id)
        opts = "\n".join(f"- **{k}.** {v}" for k, v in i.options.items())
        cells.append(_cell("markdown", f"**{n}. ({i.area})** {i.stem}\n\n{opts}"))
        cells.append(_cell("code", f"### BEGIN SOLUTION\n{var} = \"{i.key}\"\n"
                                   "### END SOLUTION", solution=True,
                           grade_id=f"{var}_answer"))
        cells.append(_cell("code", f"assert {var} in ('A', 'B', 'C', 'D'), 'answer with one "
                                   f"letter'\n### BEGIN HIDDEN TESTS\nassert {var} == "
                                   f"\"{i.key}\"\n### END HIDDEN TESTS", grade=True,
                           locked=True, points=1, grade_id=f"{var}_test"))
    nb = {"cells": cells, "metadata": {"kernelspec": {"name": "python3",
                                                      "display_name": "Python 3",
                                                      "language": "python"},
                                       "language_info": {"name": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    src = Path(course_dir) / "source" / assignment
    src.mkdir(parents=True, exist_ok=True)
    path = src / f"{assignment}.ipynb"
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return {"bundle": bundle_id(items), "items": len(items), "out": str(path)}
