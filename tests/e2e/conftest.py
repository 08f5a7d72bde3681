"""Serve the app with ``streamlit run`` and drive it with Playwright in Debian's headless Chromium."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .settle import TIMEOUT as SETTLE_TIMEOUT
from .settle import settle, watch

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


def _chromium() -> str:
    path = os.environ.get("IMBALANCE_LAB_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        # never skip: a run without the browser tests is not a green run
        pytest.fail(
            "Chromium not found. Install it (Debian/Ubuntu: apt-get install -y chromium) or set "
            "IMBALANCE_LAB_CHROMIUM to a Chrome/Chromium executable.",
            pytrace=False,
        )
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def served():
    """The served app: its address and its server process (whose children are the training workers)."""
    port = _free_port()
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    env.pop("IMBALANCE_LAB_ENGINE", None)  # the served app as users run it: its own pool of worker processes
    log = open(ROOT / ".pytest_cache" / "e2e-server.log", "w") if (ROOT / ".pytest_cache").exists() else subprocess.DEVNULL
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        server.kill()
        pytest.fail("the Streamlit server did not start within 90 s")
    yield url, server
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()


@pytest.fixture(scope="session")
def app_url(served):
    return served[0]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=_chromium(), headless=True, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, app_url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = watch(context.new_page())  # follows the app's websocket: rerun() waits for finished runs
    tab.set_default_timeout(SETTLE_TIMEOUT)
    tab.goto(app_url)
    tab.get_by_role("button", name="Train", exact=True).wait_for()
    settle(tab)
    yield tab
    context.close()
