"""`make app APP=05_exam_drills`: Voilà serves the drills notebook and it renders its app."""

from __future__ import annotations

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


def test_voila_serves_the_drills_notebook(tmp_path: Path) -> None:
    port = _free_port()
    cmd, env = voila_command("05_exam_drills", port=port)  # what `make app` runs
    env["CODERLIB_STORE"] = str(tmp_path / "learner.sqlite")
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=env)
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
        assert "There was an error when executing cell" not in page
        assert "Traceback" not in page
        assert "widget-view+json" in page, "the drill app should render its widgets"
        assert "practice session has 10 items" in page
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    # served as an app the learner's own store is used (here the temporary one)
    assert (tmp_path / "learner.sqlite").exists()
