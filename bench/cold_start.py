"""The first minutes on a cold server: README command 1's server started afresh, a browser opens the lab at once
and presses Train as soon as it can (goal: the first Train's result within 10 s of the click; the page usable within
about 3 s).

Each round starts a fresh ``streamlit run app.py`` (cold imports, a new worker process) and times, in headless
Chromium, from navigation: the first heading (first paint), the Train button visible (usable), then the click ->
the result on screen ("Trained in ..."). The reference, measured in the same process before the rounds: a fresh
Python importing TensorFlow and Keras (what any cold training process pays first), to read the Train time against.

    python bench/cold_start.py [rounds]
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from support.browser import launch  # noqa: E402
from support.served import serve, stop  # noqa: E402
from support.settle import settle, watch  # noqa: E402

TRAINED = re.compile(r"Trained in \d")


def import_tensorflow() -> float:
    """Seconds a fresh Python takes to import TensorFlow and Keras."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import tensorflow, keras"], check=True, capture_output=True)
    return time.perf_counter() - start


def cold_round(browser) -> dict[str, float]:
    started = time.perf_counter()
    server, url = serve()
    answered = time.perf_counter() - started
    try:
        page = watch(browser.new_page(viewport={"width": 1280, "height": 720}))
        begin = time.perf_counter()
        page.goto(url)
        page.locator("h1").first.wait_for(timeout=60_000)
        painted = time.perf_counter() - begin
        train = page.get_by_role("button", name="Train", exact=True)
        train.wait_for(timeout=60_000)
        usable = time.perf_counter() - begin
        click = time.perf_counter()
        train.click()
        page.get_by_text(TRAINED).first.wait_for(timeout=180_000)
        settle(page)
        result = time.perf_counter() - click
        page.close()
        return {"server answers": answered, "first paint": painted, "Train visible": usable, "Train -> result": result}
    finally:
        stop(server)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    reference = statistics.median(import_tensorflow() for _ in range(3))
    print(f"reference: a fresh Python imports TensorFlow and Keras in {reference:.2f} s (median of 3)")
    with sync_playwright() as playwright:
        browser = launch(playwright)
        runs = [cold_round(browser) for _ in range(rounds)]
        browser.close()
    for name in runs[0]:
        values = [r[name] for r in runs]
        print(f"{name:>15}: median {statistics.median(values):5.2f} s  ({', '.join(f'{v:.2f}' for v in values)})")
    train = statistics.median(r["Train -> result"] for r in runs)
    print(f"first Train -> result: {train:.2f} s = {train / reference:.1f}x the TensorFlow import (goal: <= 10 s); "
          f"usable after {statistics.median(r['Train visible'] for r in runs):.2f} s (goal: about 3 s)")


if __name__ == "__main__":
    main()
