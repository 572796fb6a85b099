"""The apps in a real browser: Voilà as `make app` serves it, driven by Playwright + Chromium.

One Voilà server (landing page, pre-heated kernels, short cull timeout) is started on a free
loopback port with the user's store in a temporary folder, and stopped at the end. Each flow
saves screenshots to build/screenshots/ and the measured times to
build/screenshots/timings.json. Debian's chromium is used (``executable_path``); when it is
missing the tests skip with the reason (``make setup`` installs it when run as root).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "build" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
APPS = ("02_coding_practice", "03_chart_audit", "01_code_lookup", "06_drg_what_if")
CULL_IDLE, CULL_EVERY = 8, 2
TIMINGS: dict[str, object] = {}

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not "
                                     "installed (pip install -e '.[dev]')")
if not Path(CHROMIUM).exists():
    pytest.skip("chromium is not installed: run `make setup` as root (apt-get install "
                "chromium) to enable the browser tests", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _kernels(pid: int) -> list:
    import psutil

    try:
        kids = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    found = []
    for k in kids:
        try:
            if k.status() != psutil.STATUS_ZOMBIE and "ipykernel_launcher" in " ".join(
                    k.cmdline()):
                found.append(k)
        except psutil.Error:  # ended meanwhile
            continue
    return found


class Server:
    """A Voilà server for the tests (landing page and every app)."""

    def __init__(self, tmp: Path) -> None:
        from coderlib.ui.serve import voila_command

        self.port = _free_port()
        self.store = tmp / "user.sqlite"
        self.log = tmp / "voila.log"
        argv, env = voila_command(port=self.port, extra=[
            f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE}",
            f"--MappingKernelManager.cull_interval={CULL_EVERY}"])
        env["CODERLIB_STORE"] = str(self.store)
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                     stderr=self.log.open("w"))
        self.url = f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 240) -> None:
        """Wait until every app's pre-heated kernel is ready."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"voila exited: {self.log.read_text()[-2000:]}")
            text = self.log.read_text()
            if all(f"Kernel pool of {app}.ipynb is filled" in text for app in APPS):
                return
            time.sleep(0.5)
        pytest.fail(f"voila pools not ready in {timeout} s: {self.log.read_text()[-2000:]}")

    def wait_idle(self, timeout: float = 90) -> None:
        """Wait until no kernel is busy (pre-heating or refilling the pool uses the CPU)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            kernels = _kernels(self.proc.pid)
            for k in kernels:
                k.cpu_percent(None)
            time.sleep(1.0)
            try:
                if all(k.cpu_percent(None) < 10 for k in kernels):
                    return
            except Exception:  # a kernel went away meanwhile: look again
                continue

    def kernels(self) -> int:
        return len(_kernels(self.proc.pid))

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("voila"))
    try:
        srv.wait_ready()
        yield srv
    finally:
        srv.stop()
        SHOTS.mkdir(parents=True, exist_ok=True)
        (SHOTS / "timings.json").write_text(json.dumps(TIMINGS, indent=2) + "\n")


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _open(browser, server, app: str, ready: str, width: int = 1100):
    server.wait_idle()
    page = browser.new_page(viewport={"width": width, "height": 900})
    start = time.perf_counter()
    page.goto(f"{server.url}/voila/render/{app}.ipynb")
    page.locator(ready).first.wait_for(state="visible", timeout=120_000)
    TIMINGS.setdefault("page_to_usable_s", {}).setdefault(app, []).append(
        round(time.perf_counter() - start, 2))
    return page


def _axe(page, name: str) -> None:
    axe_js = Path(__import__("axe_playwright_python").__file__).with_name("axe.min.js")
    page.add_script_tag(path=str(axe_js))
    res = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [f"{v['impact']} {v['id']}: {v['nodes'][0]['html'][:160]}" for v in res["violations"]
           if v["impact"] in ("critical", "serious")]
    TIMINGS.setdefault("axe", {})[name] = sorted(f"{v['impact']} {v['id']}"
                                                 for v in res["violations"])
    assert not bad, f"axe-core on {name}: " + "; ".join(bad)


def _attempts(store: Path) -> int:
    con = sqlite3.connect(store)
    try:
        return con.execute("SELECT COUNT(*) FROM exercise_attempts").fetchone()[0]
    finally:
        con.close()


def test_landing_page_lists_the_apps(server, browser) -> None:
    page = browser.new_page()
    page.goto(server.url + "/")
    names = page.locator("main a").all_inner_texts()
    assert {"Coding practice", "Code lookup", "Chart audit", "MS-DRG what-if"} <= set(names)
    _shot(page, "00-landing")
    page.close()


def test_trainee_codes_submits_once_and_sees_the_result(server, browser) -> None:
    page = _open(browser, server, "02_coding_practice", "button:has-text('Submit for grading')")
    _shot(page, "02-1-practice-loaded")
    body = page.inner_text("body")
    title = "Sepsis due to acute pyelonephritis, organism not identified"
    assert title not in body and "sepsis sequencing" not in body, "the answer is given away"
    assert "Inpatient stay, 68-year-old woman, 4 days" in body
    _axe(page, "02_coding_practice")
    page.get_by_label("Find a code").fill("sepsis unspecified organism")
    page.locator("select option", has_text="A41.9").first.wait_for(state="attached")
    page.get_by_label("Suggestions").select_option(
        label=page.locator("select option", has_text="A41.9").first.inner_text())
    page.get_by_role("button", name="Add code").click()
    codes = page.get_by_label("Your codes")
    page.wait_for_function("() => [...document.querySelectorAll('textarea')].some("
                           "t => t.value.includes('A41.9'))")
    codes.fill(codes.input_value() + "; SDX: N10:Y")
    codes.press("Tab")
    _shot(page, "02-2-codes-typed")
    before = _attempts(server.store) if server.store.exists() else 0
    start = time.perf_counter()
    page.get_by_role("button", name="Submit for grading").dblclick()
    page.get_by_text(re.compile(r"Score \d")).first.wait_for(timeout=120_000)
    TIMINGS["submit_to_graded_s"] = round(time.perf_counter() - start, 3)
    page.wait_for_timeout(1500)  # let any queued second click be handled
    _shot(page, "02-3-graded")
    body = page.inner_text("body")
    assert "rationale" in body.lower() and title in body  # revealed after submitting
    assert _attempts(server.store) == before + 1, "a double click saved two attempts"
    page.set_viewport_size({"width": 640, "height": 900})
    page.wait_for_timeout(300)
    width = page.evaluate("() => document.documentElement.scrollWidth")
    _shot(page, "02-4-640px")
    assert width <= 660, f"page is {width}px wide at 640px"
    page.close()


def test_auditor_draws_records_reloads_and_resumes(server, browser) -> None:
    demo = ROOT / "build" / "audit_demo.sqlite"
    digest = hashlib.sha256(demo.read_bytes()).hexdigest() if demo.exists() else None
    page = _open(browser, server, "03_chart_audit", "button:has-text('Draw sample')")
    _axe(page, "03_chart_audit")
    page.get_by_role("button", name="Draw sample").click()
    page.get_by_text("Drew 30 encounters").wait_for(timeout=60_000)
    _shot(page, "03-1-sample-drawn")
    page.get_by_role("button", name="Save finding").click()
    page.get_by_text(re.compile("Saved finding for")).wait_for(timeout=60_000)
    _shot(page, "03-2-finding-saved")
    page.reload()
    page.get_by_role("button", name="Resume").wait_for(timeout=120_000)
    page.get_by_role("button", name="Resume").click()
    page.get_by_text(re.compile(r"Resumed srs-30-seed2026-1: 1 of 30 audited")).wait_for(
        timeout=60_000)
    _shot(page, "03-3-resumed")
    page.close()
    con = sqlite3.connect(server.store)
    ids = [r[0] for r in con.execute("SELECT audit_id FROM audit")]
    con.close()
    assert ids == ["srs-30-seed2026-1"]
    if digest is not None:
        assert hashlib.sha256(demo.read_bytes()).hexdigest() == digest


def test_encoder_finds_a_code_and_opens_it(server, browser) -> None:
    page = _open(browser, server, "01_code_lookup", "h1:has-text('Code lookup')")
    _axe(page, "01_code_lookup")
    search = page.get_by_label("Search")
    search.fill("diabetic neuropathy")
    search.press("Enter")
    option = page.locator("select option", has_text="E11.40").first
    option.wait_for(state="attached", timeout=30_000)
    page.get_by_label("Results").select_option(label=option.inner_text())
    page.locator("h2", has_text="E11.40").wait_for(timeout=30_000)
    _shot(page, "01-1-detail")
    page.close()


def test_what_if_changes_the_drg(server, browser) -> None:
    page = _open(browser, server, "06_drg_what_if", "h1:has-text('MS-DRG what-if')")
    _axe(page, "06_drg_what_if")
    first = re.search(r"MS-DRG (\d{3})", page.inner_text("body")).group(1)
    box = page.get_by_label("Add a secondary")
    box.fill("J96.01")
    box.press("Enter")
    page.get_by_text("added J96.01").wait_for(timeout=30_000)
    after = re.search(r"MS-DRG (\d{3})", page.inner_text("body")).group(1)
    _shot(page, "06-1-added")
    assert after != first
    page.close()


def _preheated() -> int:
    """Kernels the server keeps warm: one per notebook not on voila.json's preheat denylist."""
    deny = json.loads((ROOT / "voila.json").read_text())["VoilaKernelManager"][
        "preheat_denylist"]
    return sum(nb.name not in deny for nb in (ROOT / "notebooks").glob("*.ipynb"))


def test_closed_tabs_leave_no_kernels(server, browser) -> None:
    pool = _preheated()
    page = _open(browser, server, "06_drg_what_if", "h1:has-text('MS-DRG what-if')")
    for context in browser.contexts:  # every tab of this run, also one a failed test left
        for tab in context.pages:
            tab.close()
    assert page.is_closed()
    deadline = time.monotonic() + CULL_IDLE + 3 * CULL_EVERY + 30
    while server.kernels() > pool and time.monotonic() < deadline:
        time.sleep(1)
    TIMINGS["kernels_after_tabs_closed"] = server.kernels()
    assert server.kernels() <= pool, f"{server.kernels()} kernels left, pool is {pool}"
