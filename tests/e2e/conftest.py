"""Serve the app with ``streamlit run`` and drive it with Playwright in Debian's headless Chromium."""

import os

import pytest

from support.browser import chromium_path, launch
from support.postgres import postgres_server
from support.served import ROOT, served_app
from support.settle import TIMEOUT as SETTLE_TIMEOUT
from support.settle import settle, watch


@pytest.fixture(scope="session")
def class_database():
    """A real PostgreSQL server for lessons and boards, as several web servers share one."""
    with postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
def served(class_database):
    """The served app: its address and its server process (whose children are the training workers)."""
    log_path = ROOT / ".pytest_cache" / "e2e-server.log"
    log = open(log_path, "w") if log_path.parent.exists() else None
    # the served app as users run it: its own pool of worker processes; lessons on PostgreSQL
    env = {key: value for key, value in os.environ.items() if key != "IMBALANCE_LAB_ENGINE"}
    env["IMBALANCE_LAB_DATABASE_URL"] = class_database
    try:
        with served_app(log=log, env_replace=env) as (url, process):
            yield url, process
    finally:
        if log is not None:
            log.close()


@pytest.fixture(scope="session")
def app_url(served):
    return served[0]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if chromium_path() is None:  # never skip: a run without the browser tests is not a green run
        pytest.fail("Chromium not found. Install it (Debian/Ubuntu: apt-get install -y chromium) or set "
                    "IMBALANCE_LAB_CHROMIUM to a Chrome/Chromium executable.", pytrace=False)
    with sync_playwright() as playwright:
        instance = launch(playwright)
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def context(browser):
    """One browser profile for the tests: its HTTP cache keeps the app's scripts and the chart library once, as a
    returning visitor's browser does. Each test opens its own page: a page is its own Streamlit session."""
    shared = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield shared
    shared.close()


@pytest.fixture
def tab(context):
    """A new, empty browser tab, watched (``rerun()`` waits for finished runs); for a test that opens a link."""
    new = watch(context.new_page())
    new.set_default_timeout(SETTLE_TIMEOUT)
    yield new
    new.close()


@pytest.fixture
def page(tab, app_url):
    """A tab on the lab, ready to train."""
    tab.goto(app_url)
    tab.get_by_role("button", name="Train", exact=True).wait_for()
    settle(tab)
    return tab


def open_link(tab, app_url: str, query: dict) -> None:
    """Open the app at a link (its settings in the address), as someone following it does."""
    from urllib.parse import urlencode

    tab.goto(f"{app_url}/?{urlencode(query)}")
