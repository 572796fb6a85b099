"""`make app`: Voilà serves the trainee-facing notebooks on 127.0.0.1 and they render."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VOILA = Path(sys.executable).with_name("voila")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("notebook", ["02_coding_practice", "01_code_lookup"])
def test_voila_serves_trainee_notebook(notebook: str) -> None:
    from coderlib.ui.serve import voila_command

    port = _free_port()
    argv, env = voila_command(notebook, port=port,
                              extra=["--VoilaConfiguration.preheat_kernel=False"])
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
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
            page = resp.read().decode("utf-8", "replace")
        assert resp.status == 200
        assert "jp-OutputArea" in page or "output_area" in page
        assert "There was an error when executing cell" not in page
        assert "Traceback" not in page
        assert "widget-view+json" in page, "the app should render its widgets"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_landing_page_lists_every_notebook() -> None:
    """`make app`'s landing page names each app; a new notebook must be added to it."""
    page = (ROOT / "share/jupyter/voila/templates/coderlib/tree.html").read_text()
    listed = set(re.findall(r"\('(\d\d_\w+\.ipynb)'", page))
    assert listed == {nb.name for nb in (ROOT / "notebooks").glob("*.ipynb")}
