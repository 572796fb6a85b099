"""Serve the apps with Voilà on 127.0.0.1: a landing page listing them, pre-heated kernels,
idle kernels culled once their tab has gone.

``make app`` runs ``python -m coderlib.ui.serve`` (``APP=02_coding_practice`` serves one app);
the browser tests start the server through :func:`voila_command` too, so what is tested is
what a user runs. The settings live in ``voila.json`` at the repository root (pre-heated pool
of one kernel per app, culling of kernels idle for 60 s with no tab connected, checked every
10 s; IPC kernel transport, so no kernel listens on TCP), and the landing page is the
``coderlib`` template under ``share/jupyter/voila/templates``.

>>> argv, env = voila_command(port=8870)
>>> argv[-3:], env["JUPYTER_PATH"].endswith("share/jupyter")
(['notebooks', '--port=8870', '--no-browser'], True)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from coderlib.paths import REPO_ROOT

#: seconds a kernel may sit idle with no tab connected before it is shut down
CULL_IDLE_TIMEOUT = 60
#: how often (seconds) idle kernels are looked for
CULL_INTERVAL = 10


def voila_command(app: str | None = None, *, port: int = 8866,
                  extra: list[str] | None = None) -> tuple[list[str], dict[str, str]]:
    """The Voilà command line and environment: the landing page (``app=None``) or one app."""
    voila = Path(sys.executable).with_name("voila")
    target = f"notebooks/{app.removesuffix('.ipynb')}.ipynb" if app else "notebooks"
    env = dict(os.environ)
    share = str(REPO_ROOT / "share" / "jupyter")
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (share, env.get("JUPYTER_PATH")) if p)
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return [str(voila), *(extra or []), target, f"--port={port}", "--no-browser"], env


def main(argv: list[str] | None = None) -> int:
    """``python -m coderlib.ui.serve [APP] [--port N]``: serve until Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("app", nargs="?", default="", help="one notebook, e.g. "
                        "02_coding_practice (default: the landing page listing every app)")
    parser.add_argument("--port", type=int, default=8866)
    args = parser.parse_args(argv)
    cmd, env = voila_command(args.app or None, port=args.port)
    where = f"http://127.0.0.1:{args.port}/"
    print(f"coderlib apps on {where} (Ctrl-C stops the server)", flush=True)
    try:
        return subprocess.call(cmd, cwd=REPO_ROOT, env=env)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
