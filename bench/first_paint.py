"""First paint of Imbalance Lab against `streamlit hello` (goal: ratio <= 1.2).

Each round starts a fresh server (cold imports) and times, in headless Chromium, from
navigation to the first heading on screen. Prints the medians and their ratio.

    python bench/first_paint.py [rounds]
"""

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from support.browser import launch  # noqa: E402
from support.served import serve  # noqa: E402


def first_paint(browser, args: list[str]) -> float:
    server, url = serve(args)
    try:
        page = browser.new_page()
        start = time.perf_counter()
        page.goto(url)
        page.locator("h1").first.wait_for(timeout=60_000)
        elapsed = time.perf_counter() - start
        page.close()
        return elapsed
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with sync_playwright() as playwright:
        browser = launch(playwright)
        hello = [first_paint(browser, ["hello"]) for _ in range(rounds)]
        lab = [first_paint(browser, ["run", str(ROOT / "app.py")]) for _ in range(rounds)]
        browser.close()
    h, l = statistics.median(hello), statistics.median(lab)
    print(f"streamlit hello first paint: median {h:.2f} s  ({', '.join(f'{v:.2f}' for v in hello)})")
    print(f"Imbalance Lab first paint:   median {l:.2f} s  ({', '.join(f'{v:.2f}' for v in lab)})")
    print(f"ratio lab / hello: {l / h:.2f} (goal <= 1.20)")


if __name__ == "__main__":
    main()
