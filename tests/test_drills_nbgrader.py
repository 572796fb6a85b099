"""nbgrader round trip: our source notebook -> generate_assignment -> a student's answers ->
autograde, with nbgrader's own commands on a temporary course."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from coderlib.drills import handout
from coderlib.drills.session import draw, load_pool

pytest.importorskip("nbgrader")


def _nbgrader(course: Path, *args: str) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args, "--force"], cwd=course,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def test_generate_and_autograde(tmp_path: Path) -> None:
    items = draw(load_pool("CPC", generated_per_kind=0, include_cases=False), 3, 1, area="em")
    course = tmp_path / "course"
    handout.write_nbgrader(items, course, "drill1")
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.root = '.'\nc.CourseDirectory.course_id = 'x'\n")
    _nbgrader(course, "generate_assignment", "drill1", "--create")
    released = json.loads((course / "release/drill1/drill1.ipynb").read_text())
    text = json.dumps(released)
    assert "HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text
    # the student answers two right and one wrong
    wanted = {i.id.replace("-", "_"): i.key for i in items}
    last = items[-1].id.replace("-", "_")
    wanted[last] = next(x for x in items[-1].options if x != items[-1].key)
    for cell in released["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("solution"):
            var = meta["grade_id"].removesuffix("_answer")
            cell["source"] = f'{var} = "{wanted[var.removeprefix("answer_")]}"'
    sub = course / "submitted/stu1/drill1"
    sub.mkdir(parents=True)
    (sub / "drill1.ipynb").write_text(json.dumps(released))
    _nbgrader(course, "autograde", "drill1", "--create")
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        s = gb.find_submission("drill1", "stu1")
        assert (s.score, s.max_score) == (2.0, 3.0)
