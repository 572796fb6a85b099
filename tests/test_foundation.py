"""The foundation: console script, notebook harness, Makefile guard."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from typer.testing import CliRunner

from coderlib import __version__
from coderlib.cli import app
from coderlib.notebooks import (
    NotebookParameterError,
    check_parameters,
    declared_parameters,
    list_notebooks,
    run_notebook,
)

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def _notebook(tmp_path: Path, params: str, body: str) -> Path:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(params)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# t"), cell, nbformat.v4.new_code_cell(body)]
    nb.metadata["kernelspec"] = {"name": "coderlib", "display_name": "x", "language": "python"}
    path = tmp_path / "99_t.ipynb"
    nbformat.write(nb, str(path))
    return path


def test_version_and_help() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"coderlib {__version__}"
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0 and "notebooks" in result.output


def test_console_script_installed() -> None:
    exe = Path(sys.executable).with_name("coderlib")
    out = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"coderlib {__version__}"


def test_every_notebook_has_parameters_cell_and_project_kernel() -> None:
    notebooks = list_notebooks()
    assert notebooks and notebooks[0].name == "00_welcome.ipynb"
    for path in notebooks:
        nb = json.loads(path.read_text())
        tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1, f"{path.name}: needs exactly one cell tagged 'parameters'"
        assert nb["metadata"]["kernelspec"]["name"] == "coderlib", path.name


def test_declared_parameters_types(tmp_path: Path) -> None:
    path = _notebook(tmp_path, "query = 'sepsis'\nlimit = 5\nrate: float = 1.5\nflag = True", "")
    declared = declared_parameters(path)
    assert {k: v["type"] for k, v in declared.items()} == {
        "query": "str", "limit": "int", "rate": "float", "flag": "bool"}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"limit": "ten"}, "parameter 'limit' must be int"),
        ({"limit": True}, "parameter 'limit' must be int"),
        ({"query": 3}, "parameter 'query' must be str"),
        ({"nope": 1}, "unknown parameter 'nope'"),
    ],
)
def test_wrong_parameter_fails_before_run(tmp_path: Path, params: dict, message: str) -> None:
    path = _notebook(tmp_path, "query = 'sepsis'\nlimit = 5", "raise SystemExit('ran')")
    with pytest.raises(NotebookParameterError, match=message):
        check_parameters(path, params)
    with pytest.raises(NotebookParameterError, match=message):
        run_notebook(path, params, out_dir=tmp_path / "build")
    assert not (tmp_path / "build" / "notebooks" / path.name).exists()


def test_int_accepted_for_float(tmp_path: Path) -> None:
    check_parameters(_notebook(tmp_path, "rate = 1.5", ""), {"rate": 2})


def test_run_reports_failing_cell_and_writes_html(tmp_path: Path) -> None:
    path = _notebook(tmp_path, "n = 1", "assert n == 2, 'n must be 2'")
    run = run_notebook(path, {"n": 1}, out_dir=tmp_path / "build")
    assert not run.ok and "n must be 2" in run.error and run.failed_cell is not None
    assert "FAILED at cell" in run.summary_line()
    ok = run_notebook(path, {"n": 2}, out_dir=tmp_path / "build")
    assert ok.ok and Path(ok.html).read_text().lstrip().lower().startswith("<!doctype html")


def test_make_refuses_old_python(tmp_path: Path) -> None:
    fake = tmp_path / "python3"
    fake.write_text("#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'Python 3.8.10'; exit 0; fi\n"
                    "exit 1\n")
    fake.chmod(0o755)
    out = subprocess.run(
        ["make", "-C", str(ROOT), f"PYTHON={fake}", f"VENV={tmp_path / 'venv'}", "setup"],
        capture_output=True, text=True,
    )
    assert out.returncode != 0
    assert "needs python3 >= 3.10 (found: Python 3.8.10)" in out.stdout + out.stderr
