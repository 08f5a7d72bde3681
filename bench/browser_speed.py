"""What a user waits for in the browser, on a warm server: Train -> every chart, Compare 8 -> leaderboard.

Serves the app, opens it in headless Chromium at 1400x1000, trains once and compares once to warm the
server up (TensorFlow imported, the kernel traced), then times, best of a few rounds:

- lab: from the click on **Train** (default Moons, no treatment, then SMOTE) until all six charts are drawn;
- compare: from the click on **Compare** (the 8 seed strategies) until the leaderboard and its five
  charts are drawn.

Goals: Train -> every chart <= 2 s; Compare 8 -> leaderboard <= 8 s.

    python bench/browser_speed.py [rounds]
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from support.browser import launch  # noqa: E402
from support.served import serve  # noqa: E402
from support.settle import rerun, settle, watch  # noqa: E402

DRAWN = "n => document.querySelectorAll('.js-plotly-plot .main-svg').length >= n"


def charts_drawn(page, count: int) -> None:
    page.wait_for_function(f"() => ({DRAWN})({count}) && "
                           f"document.querySelectorAll('.js-plotly-plot').length === {count}", timeout=180_000)


def time_train(page, strategy: str) -> float:
    choose = page.get_by_test_id("stSelectbox").filter(has_text="Strategy")

    def pick() -> None:
        choose.click()
        page.keyboard.type(strategy)
        page.get_by_role("option", name=strategy, exact=True).click()

    if choose.locator("input").input_value() != strategy:
        rerun(page, pick)
    settle(page)
    start = time.perf_counter()  # the run that trains ends with the server's script_finished; then the charts draw
    rerun(page, lambda: page.get_by_role("button", name="Train", exact=True).click(), idle_first=False)
    charts_drawn(page, 6)
    return time.perf_counter() - start


def time_compare(page) -> float:
    settle(page)
    start = time.perf_counter()
    rerun(page, lambda: page.get_by_role("button", name="Compare", exact=True).click(), idle_first=False)
    page.get_by_test_id("stDataFrame").first.wait_for()
    charts_drawn(page, 5)
    return time.perf_counter() - start


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    server, url = serve()
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            page = watch(browser.new_page(viewport={"width": 1400, "height": 1000}))
            page.set_default_timeout(180_000)
            page.goto(url)
            page.get_by_role("button", name="Train", exact=True).wait_for()
            settle(page)
            time_train(page, "No treatment")  # warm-up
            train = {s: min(time_train(page, s) for _ in range(rounds)) for s in ("No treatment", "SMOTE")}
            rerun(page, lambda: page.get_by_test_id("stSidebarNav").get_by_text("Compare", exact=True).click())
            time_compare(page)  # warm-up
            compare = min(time_compare(page) for _ in range(rounds))
            browser.close()
    finally:
        server.terminate()
    for strategy, seconds in train.items():
        print(f"Train -> every chart ({strategy}): {seconds:.2f} s (goal <= 2 s)")
    print(f"Compare 8 seed strategies -> leaderboard and charts: {compare:.2f} s (goal <= 8 s)")
    print(f"best of {rounds} on a warm server, 1400x1000, headless Chromium")


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    main()
