"""Apps in a real browser: page-to-usable per app, submit -> graded result, and the kernels
and memory left after 30 page loads, against the December 2026 review of main at 3ef5830
(practice page 2.8-4.4 s, what-if 6.5-11.9 s, first inpatient grading 3.4-5.9 s, 34 kernels
holding 8.7 GB after ~34 page loads).

Needs Debian's chromium and the dev extra (playwright). Serves with `voila.json` exactly as
`make app` does (cull after 60 s idle, checked every 10 s), so the last step waits ~80 s.
Usage: .venv/bin/python bench/apps_browser.py [--loads 30]
"""

from __future__ import annotations

import argparse
import re
import socket
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import psutil
from playwright.sync_api import sync_playwright

from coderlib.ui.serve import CULL_IDLE_TIMEOUT, CULL_INTERVAL, voila_command

ROOT = Path(__file__).resolve().parents[1]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
READY = {"02_coding_practice": "button:has-text('Submit for grading')",
         "01_code_lookup": "h1:has-text('Code lookup')",
         "03_chart_audit": "button:has-text('Draw sample')",
         "06_drg_what_if": "h1:has-text('MS-DRG what-if')"}
BASELINE = {"02_coding_practice": 2.8, "01_code_lookup": 2.6, "03_chart_audit": 3.7,
            "06_drg_what_if": 6.5}  # the review's best (second-round) times, seconds
BASE_SUBMIT, BASE_KERNELS, BASE_GB = 3.4, 34, 8.7


def kernels(pid: int) -> list[psutil.Process]:
    out = []
    for k in psutil.Process(pid).children(recursive=True):
        try:
            if k.status() != psutil.STATUS_ZOMBIE and "ipykernel_launcher" in " ".join(
                    k.cmdline()):
                out.append(k)
        except psutil.Error:
            continue
    return out


def wait_idle(pid: int, timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        ks = kernels(pid)
        for k in ks:
            k.cpu_percent(None)
        time.sleep(1)
        try:
            if all(k.cpu_percent(None) < 10 for k in ks):
                return
        except psutil.Error:
            continue


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--loads", type=int, default=30)
    args = ap.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    tmp = Path(tempfile.mkdtemp())
    argv, env = voila_command(port=port)
    env["CODERLIB_STORE"] = str(tmp / "user.sqlite")
    log = tmp / "voila.log"
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=log.open("w"))
    url = f"http://127.0.0.1:{port}/voila/render"
    try:
        while log.read_text().count("is filled") < len(READY):
            time.sleep(0.5)
        wait_idle(proc.pid)
        pool = len(kernels(proc.pid))
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)
            times: dict[str, list[float]] = {a: [] for a in READY}
            for _round in range(2):
                for app, sel in READY.items():
                    wait_idle(proc.pid)
                    page = b.new_page()
                    t = time.perf_counter()
                    page.goto(f"{url}/{app}.ipynb")
                    page.locator(sel).first.wait_for(timeout=120_000)
                    times[app].append(time.perf_counter() - t)
                    if app == "02_coding_practice":
                        box = page.get_by_label("Your codes")
                        box.fill("PDX: A41.9:Y; SDX: N10:Y")
                        box.press("Tab")
                        page.wait_for_timeout(300)
                        t = time.perf_counter()
                        page.get_by_role("button", name="Submit for grading").click()
                        page.get_by_text(re.compile(r"Score \d")).first.wait_for()
                        submit = time.perf_counter() - t
                        print(f"submit -> graded (first on this page): {submit:.3f} s "
                              f"(baseline {BASE_SUBMIT} s: x{BASE_SUBMIT / submit:.1f} faster)")
                    page.close()
            for app, ts in times.items():
                best = min(ts)
                print(f"{app:<20} page-to-usable {', '.join(f'{x:.2f}' for x in ts)} s; "
                      f"best {best:.2f} s vs baseline {BASELINE[app]} s: "
                      f"x{BASELINE[app] / best:.1f}")
            apps = list(READY.items())
            for i in range(args.loads):
                app, sel = apps[i % len(apps)]
                page = b.new_page()
                page.goto(f"{url}/{app}.ipynb")
                page.locator(sel).first.wait_for(timeout=120_000)
                page.close()
            b.close()
        peak = kernels(proc.pid)
        print(f"after {args.loads} page loads (tabs closed): {len(peak)} kernels")
        time.sleep(CULL_IDLE_TIMEOUT + 2 * CULL_INTERVAL + 5)
        wait_idle(proc.pid)
        left = kernels(proc.pid)
        rss = sum(k.memory_info().rss for k in left) / 1e9
        print(f"after the cull interval: {len(left)} kernels ({pool} pre-heated pool), "
              f"{rss:.2f} GB RSS; baseline {BASE_KERNELS} kernels / {BASE_GB} GB "
              f"(x{BASE_GB / max(rss, 0.01):.1f} less memory)")
        print("median page-to-usable over apps:",
              f"{statistics.median(min(t) for t in times.values()):.2f} s")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
