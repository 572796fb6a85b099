"""pyproject.toml and environment.yml must list the same pinned dependencies."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def _name(req: str) -> str:
    return re.split(r"[<>=!~\[ ;]", req, maxsplit=1)[0].strip().lower().replace("_", "-")


def _pyproject() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = project["dependencies"] + project["optional-dependencies"]["dev"]
    return {_name(r): r.replace(" ", "") for r in reqs}


def _conda() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    return {_name(r): r.replace(" ", "") for r in pip if not r.startswith("-e")}


def test_environment_yml_matches_pyproject() -> None:
    py, conda = _pyproject(), _conda()
    missing = sorted(set(py) - set(conda))
    extra = sorted(set(conda) - set(py))
    differ = sorted(n for n in set(py) & set(conda) if py[n] != conda[n])
    assert not missing, f"environment.yml lacks {missing}"
    assert not extra, f"environment.yml has extra {extra}"
    assert not differ, f"pins differ: {[(py[n], conda[n]) for n in differ]}"


def test_runtime_dependencies_are_pinned() -> None:
    loose = [r for r in _pyproject().values() if "==" not in r and not r.startswith("setuptools")]
    assert not loose, f"unpinned dependencies in pyproject.toml: {loose}"


def test_conda_python_satisfies_requires_python() -> None:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    version = tuple(int(x) for x in python.split("=")[-1].split("."))
    floor = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert version >= tuple(int(x) for x in floor.lstrip(">=").split("."))
