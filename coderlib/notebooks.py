"""The notebook harness: run every notebook headless, check parameters, keep outputs stable.

Notebooks run in the project's own Jupyter kernel (``coderlib``, registered inside the
virtual environment), never a system kernel. ``run_all`` executes each notebook with
papermill into ``build/notebooks/`` and writes an HTML copy to ``build/html/``;
``refresh`` re-executes a notebook in place so its stored outputs (compared by nbval)
match a fresh run.

>>> [p.name for p in list_notebooks()][:1]
['00_welcome.ipynb']
"""

from __future__ import annotations

import ast
import json
import re
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from coderlib.atomic import OutputError, write_text
from coderlib.paths import REPO_ROOT, build_dir, notebooks_dir

KERNEL_NAME = "coderlib"
KERNEL_DISPLAY = "Python (coderlib)"
CELL_TIMEOUT_S = 900

_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "list": (list, tuple),
    "dict": (dict,),
}


class NotebookParameterError(ValueError):
    """A papermill parameter that the notebook does not take, or of the wrong type."""


@dataclass
class NotebookRun:
    """The outcome of one headless notebook run."""

    name: str
    seconds: float
    ok: bool
    output: str
    html: str
    failed_cell: int | None = None
    error: str = ""

    def summary_line(self) -> str:
        """One line for the console summary, e.g. ``00_welcome.ipynb  3.1 s  ok``."""
        status = "ok" if self.ok else f"FAILED at cell {self.failed_cell}: {self.error}"
        return f"{self.name:<32} {self.seconds:7.1f} s  {status}"


def list_notebooks(folder: Path | None = None) -> list[Path]:
    """The suite's notebooks in order (``NN_name.ipynb``)."""
    folder = folder or notebooks_dir()
    return sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))


def ensure_kernel() -> str:
    """Register the ``coderlib`` kernel inside this environment if it is missing."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
        if Path(spec.argv[0]).resolve() == Path(sys.executable).resolve():
            return KERNEL_NAME
    except NoSuchKernel:
        pass
    from ipykernel.kernelspec import install

    install(kernel_name=KERNEL_NAME, display_name=KERNEL_DISPLAY, prefix=sys.prefix)
    return KERNEL_NAME


def declared_parameters(path: Path) -> dict[str, dict[str, Any]]:
    """The parameters a notebook declares in its ``parameters`` cell, with inferred types.

    >>> sorted(declared_parameters(list_notebooks()[0]))  # doctest: +SKIP
    ['show_counts']
    """
    nb = read_notebook_json(path)
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            try:
                return _parse_parameters("".join(cell["source"]))
            except SyntaxError as exc:
                raise NotebookParameterError(f"{path}: the parameters cell is not valid Python "
                                             f"({exc.msg}, line {exc.lineno})") from None
    return {}


def read_notebook_json(path: Path) -> dict[str, Any]:
    """A notebook file's JSON; ``NotebookParameterError`` naming the path when it is not one.

    >>> read_notebook_json(Path("/nope.ipynb"))
    Traceback (most recent call last):
    ...
    coderlib.notebooks.NotebookParameterError: /nope.ipynb: no such notebook
    """
    path = Path(path)
    if not path.exists():
        raise NotebookParameterError(f"{path}: no such notebook")
    if path.is_dir():
        raise NotebookParameterError(f"{path}: is a folder, not a notebook (.ipynb)")
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, OSError) as exc:
        raise NotebookParameterError(f"{path}: not a Jupyter notebook (.ipynb JSON): "
                                     f"{exc}") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise NotebookParameterError(f"{path}: not a Jupyter notebook (no cells)")
    return nb


def _parse_parameters(source: str) -> dict[str, dict[str, Any]]:
    params: dict[str, dict[str, Any]] = {}
    for node in ast.parse(source).body:
        target, value = None, None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        if not isinstance(target, ast.Name) or value is None:
            continue
        try:
            default = ast.literal_eval(value)
        except ValueError:
            default = None
        kind = None if default is None else type(default).__name__
        if kind == "tuple":
            kind = "list"
        params[target.id] = {"default": default, "type": kind}
    return params


def check_parameters(path: Path, parameters: dict[str, Any]) -> None:
    """Fail before a run when a parameter is unknown or of the wrong type.

    Raises ``NotebookParameterError`` naming the notebook, the parameter and the reason.
    """
    declared = declared_parameters(path)
    for name, value in parameters.items():
        if name not in declared:
            known = ", ".join(sorted(declared)) or "none"
            raise NotebookParameterError(
                f"{Path(path).name}: unknown parameter {name!r} (this notebook takes: {known})"
            )
        kind = declared[name]["type"]
        if kind is None or value is None:
            continue
        allowed = _TYPES.get(kind)
        if allowed is None:
            continue
        wrong_bool = isinstance(value, bool) and kind in ("int", "float")
        if wrong_bool or not isinstance(value, allowed):
            raise NotebookParameterError(
                f"{Path(path).name}: parameter {name!r} must be {kind} "
                f"(default {declared[name]['default']!r}), got {type(value).__name__} {value!r}"
            )


class KernelUnavailableError(RuntimeError):
    """The Jupyter kernel cannot be started here (for example no loopback network)."""


def check_loopback() -> None:
    """Fail fast, with advice, when 127.0.0.1 is unusable (Jupyter kernels talk over it).

    Without this, a run inside a network namespace with ``lo`` down waits 60 s and ends in
    "Kernel didn't respond".
    """
    import socket

    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
            server.bind(("127.0.0.1", 0))
            server.listen(1)
            with socket.create_connection(server.getsockname(), timeout=5):
                pass
    except OSError as exc:
        raise KernelUnavailableError(
            f"cannot reach 127.0.0.1 ({exc.strerror or exc}): Jupyter kernels talk to this "
            "program over the loopback interface, which is down or missing here. Bring it up "
            "(`ip link set lo up`, or run outside the network sandbox); lookup, group and "
            "search work without it.") from None


def _failed_cell(nb: dict[str, Any]) -> tuple[int | None, str]:
    for index, cell in enumerate(nb.get("cells", [])):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return index, f"{out.get('ename')}: {out.get('evalue')}"
    return None, ""


def kernel_config() -> Any:
    """Kernel settings for headless runs: IPC sockets in the temporary folder instead of
    loopback TCP (nothing listens on a port, and ipykernel has no transport to warn about).

    >>> kernel_config().KernelManager.transport
    'ipc'
    """
    import os
    import tempfile

    from traitlets.config import Config

    ip = os.path.join(tempfile.gettempdir(), f"coderlib-kernel-{os.getpid()}-ipc")
    return Config({"KernelManager": {"transport": "ipc", "ip": ip}})


def run_notebook(
    path: Path, parameters: dict[str, Any] | None = None, out_dir: Path | None = None
) -> NotebookRun:
    """Execute one notebook with papermill into ``out_dir`` and export it to HTML."""
    import nbformat
    import papermill as pm

    parameters = parameters or {}
    check_parameters(path, parameters)
    check_loopback()
    out_dir = out_dir or build_dir()
    (out_dir / "notebooks").mkdir(parents=True, exist_ok=True)
    (out_dir / "html").mkdir(parents=True, exist_ok=True)
    output = out_dir / "notebooks" / path.name
    html = out_dir / "html" / path.with_suffix(".html").name
    start = time.perf_counter()
    ok, failed, error = True, None, ""
    try:
        pm.execute_notebook(
            str(path), str(output), parameters=parameters, kernel_name=ensure_kernel(),
            cwd=str(REPO_ROOT), progress_bar=False, execution_timeout=CELL_TIMEOUT_S,
            config=kernel_config(),
        )
    except pm.PapermillExecutionError as exc:
        ok, failed, error = False, exc.cell_index, f"{exc.ename}: {exc.evalue}"
    seconds = time.perf_counter() - start
    if output.exists():
        nb = nbformat.read(str(output), as_version=4)
        if ok:
            failed, error = _failed_cell(nb)
            ok = failed is None
        write_text(html, offline_html(nb))
    return NotebookRun(path.name, seconds, ok, str(output), str(html), failed, error)


WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
STATIC_APP_NOTE = (
    "<div style='border:1px solid #c9d1d9;border-radius:6px;padding:0.6em 1em;"
    "background:#f6f8fb;color:#1f2328;text-align:left'><b>Interactive app.</b> This static "
    "copy cannot run it: serve the apps with <code>make app</code> (Voilà, on this computer) "
    "or open the notebook with <code>make lab</code>.</div>")


def offline_html(nb: Any) -> str:
    """The notebook as HTML that reads offline: each widget output is replaced by a static
    note (a widget view needs a live kernel or a widget manager from the internet), and no
    widget state is embedded, so the page loads no widget manager from a CDN.

    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("app", outputs=[
    ...     nbformat.v4.new_output("display_data", {WIDGET_MIME: {"model_id": "x"},
    ...                                             "text/plain": "VBox()"})])])
    >>> page = offline_html(nb)
    >>> "Interactive app." in page and "VBox()" not in page
    True
    >>> "https://" in "".join(re.findall(r"<script[^>]*>", page))
    False
    """
    import copy

    from nbconvert import HTMLExporter

    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if WIDGET_MIME in data:
                data.pop(WIDGET_MIME)
                data.pop("text/plain", None)
                data["text/html"] = STATIC_APP_NOTE
    body, _ = HTMLExporter().from_notebook_node(nb)
    # require.js (only used to render widgets) and MathJax (no maths here) come from a CDN
    return re.sub(r'<script src="https?://[^"]*">\s*</script>', "", body)


def run_all(folder: Path | None = None, out_dir: Path | None = None) -> list[NotebookRun]:
    """Run every notebook in order, printing one summary line each."""
    runs = []
    for path in list_notebooks(folder):
        run = run_notebook(path, out_dir=out_dir)
        print(run.summary_line(), flush=True)
        runs.append(run)
    return runs


def refresh(path: Path) -> NotebookRun:
    """Execute ``path`` in place with the project kernel so its stored outputs are current."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    check_loopback()
    nb = nbformat.read(str(path), as_version=4)
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": KERNEL_DISPLAY,
                                 "language": "python"}
    client = NotebookClient(
        nb, kernel_name=ensure_kernel(), timeout=CELL_TIMEOUT_S, config=kernel_config(),
        resources={"metadata": {"path": str(Path(path).parent)}},
    )
    start = time.perf_counter()
    ok, error = True, ""
    try:
        client.execute()
    except CellExecutionError as exc:
        ok, error = False, str(exc).strip().splitlines()[-1]
    seconds = time.perf_counter() - start
    failed, _ = _failed_cell(nb)
    if ok:
        nb.metadata.pop("widgets", None)
        text = nbformat.writes(nb)
        write_text(path, text if text.endswith("\n") else text + "\n")
    return NotebookRun(Path(path).name, seconds, ok, str(path), "", failed, error)


def register(app: Any) -> None:
    """Add ``coderlib notebooks run|refresh|params`` to the CLI."""
    import typer

    group = typer.Typer(help="Run the notebooks headless, refresh stored outputs, list parameters.")

    @group.command("run")
    def run_cmd(
        notebook: list[Path] = typer.Argument(None, help="Notebooks to run (default: all)."),
        param: list[str] = typer.Option(
            [], "-p", "--param", help="NAME=VALUE (VALUE as a Python literal), one notebook only."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Execute notebooks with papermill into build/ and print a summary."""
        paths = list(notebook) if notebook else list_notebooks()
        try:
            parameters = _parse_cli_params(param)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--param") from exc
        if parameters and len(paths) != 1:
            raise typer.BadParameter("--param needs exactly one notebook")
        runs = []
        for path in paths:
            try:
                run = run_notebook(Path(path), parameters)
            except (NotebookParameterError, KernelUnavailableError, OutputError) as exc:
                typer.echo(f"error: {exc}", err=True)
                raise typer.Exit(2) from exc
            if not as_json:
                typer.echo(run.summary_line())
            runs.append(run)
        failed = [r for r in runs if not r.ok]
        if as_json:
            typer.echo(json.dumps([asdict(r) for r in runs], indent=2))
        else:
            total = sum(r.seconds for r in runs)
            typer.echo(f"{len(runs) - len(failed)}/{len(runs)} notebooks ok in {total:.1f} s; "
                       f"executed copies in build/notebooks, HTML in build/html")
        if failed:
            raise typer.Exit(1)

    @group.command("refresh")
    def refresh_cmd(
        notebook: list[Path] = typer.Argument(None, help="Notebooks to refresh (default: all)."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """Re-execute notebooks in place so the outputs nbval compares are current."""
        try:
            runs = [refresh(Path(p)) for p in (notebook or list_notebooks())]
        except (KernelUnavailableError, OutputError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
        if as_json:
            typer.echo(json.dumps([asdict(r) for r in runs], indent=2))
        else:
            for run in runs:
                typer.echo(run.summary_line())
        if any(not r.ok for r in runs):
            raise typer.Exit(1)

    @group.command("params")
    def params_cmd(
        notebook: Path,
        as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    ) -> None:
        """List a notebook's papermill parameters, defaults and types."""
        try:
            declared = declared_parameters(notebook)
        except NotebookParameterError as exc:
            if as_json:
                typer.echo(json.dumps({"ok": False, "error": str(exc)}))
            else:
                typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
        if as_json:
            typer.echo(json.dumps(declared, indent=2, default=str))
        else:
            for name, info in declared.items():
                typer.echo(f"{name:<20} {info['type'] or '?':<6} default={info['default']!r}")

    app.add_typer(group, name="notebooks")


def _parse_cli_params(items: list[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep or not name:
            raise ValueError(f"--param {item!r}: expected NAME=VALUE")
        try:
            params[name] = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            params[name] = raw
    return params


def notebook_map(folder: Path | None = None) -> list[dict[str, str]]:
    """Each notebook's file name and its title: the notebook's ``title`` metadata (an app
    notebook opens with its app, not a heading), else its first Markdown heading."""
    rows = []
    for path in list_notebooks(folder):
        nb = json.loads(path.read_text(encoding="utf-8"))
        title = str(nb.get("metadata", {}).get("title") or "")
        for cell in [] if title else nb["cells"]:
            if cell["cell_type"] == "markdown":
                first = "".join(cell["source"]).strip().splitlines()[0]
                title = first.lstrip("# ").strip()
                break
        rows.append({"notebook": path.name, "title": title})
    return rows
