"""`make app`: Voilà serves the apps on 127.0.0.1 and they render."""

from __future__ import annotations

import re
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from coderlib.ui.serve import voila_command

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _served_page(notebook: str, *, extra: list[str] | None = None,
                 env: dict[str, str] | None = None) -> str:
    """Start Voilà as `make app` does, fetch the app's page (status 200), stop the server."""
    port = _free_port()
    argv, full_env = voila_command(notebook, port=port, extra=extra)
    full_env.update(env or {})
    proc = subprocess.Popen(argv, cwd=ROOT, env=full_env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail(f"voila did not start: {proc.stderr.read().decode()[-2000:]}")
                time.sleep(0.5)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=300) as resp:
            assert resp.status == 200
            return resp.read().decode("utf-8", "replace")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.parametrize("notebook", ["02_coding_practice", "01_code_lookup"])
def test_voila_serves_trainee_notebook(notebook: str) -> None:
    page = _served_page(notebook, extra=["--VoilaConfiguration.preheat_kernel=False"])
    assert "jp-OutputArea" in page or "output_area" in page
    assert "There was an error when executing cell" not in page
    assert "Traceback" not in page
    assert "widget-view+json" in page, "the app should render its widgets"


def test_voila_serves_the_drills_notebook(tmp_path: Path) -> None:
    """`make app APP=05_exam_drills`: the drill app renders, using the learner's own store."""
    page = _served_page("05_exam_drills",
                        env={"CODERLIB_STORE": str(tmp_path / "learner.sqlite")})
    assert "There was an error when executing cell" not in page
    assert "Traceback" not in page
    assert "widget-view+json" in page, "the drill app should render its widgets"
    assert "practice session has 10 items" in page
    # served as an app the learner's own store is used (here the temporary one)
    assert (tmp_path / "learner.sqlite").exists()


def test_landing_page_lists_every_notebook() -> None:
    """`make app`'s landing page names each app; a new notebook must be added to it."""
    page = (ROOT / "share/jupyter/voila/templates/coderlib/tree.html").read_text()
    listed = set(re.findall(r"\('(\d\d_\w+\.ipynb)'", page))
    assert listed == {nb.name for nb in (ROOT / "notebooks").glob("*.ipynb")}
