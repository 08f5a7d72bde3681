"""Real-size tables: the credit-card fraud table's shape (284,807 rows x 31 columns, 492 positives), and 1,000,000
rows x 20 features, generated from a fixed seed (nothing is downloaded), through the served app in headless Chromium.

For each table: upload -> preview drawn; Train with the defaults -> every chart drawn; the peak RSS of the server and
its training workers together (sampled every 0.2 s); the bytes the browser received over the app's websocket from the
click on Train to the last chart; for the fraud table, Compare of the 8 seed strategies -> leaderboard.

    python bench/real_size.py [--skip-million]
"""

import os
import re
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from support.browser import launch  # noqa: E402
from support.processes import rss_mb, tree  # noqa: E402
from support.served import serve  # noqa: E402
from support.settle import SETTLED  # noqa: E402

OUT = Path("/tmp/imbalance-lab-bench")


def fraud_like(path: Path) -> None:
    """284,807 rows: Time, V1..V28 (standardised, the rare class shifted on a few), Amount, Class (492 ones)."""
    rng = np.random.default_rng(2013)
    n = 284_807
    y = np.zeros(n, dtype=np.int8)
    y[rng.choice(n, 492, replace=False)] = 1
    features = rng.normal(size=(n, 28)).astype(np.float32)
    features[y == 1, :6] += rng.normal(1.5, 0.8, size=(492, 6)).astype(np.float32)
    frame = pd.DataFrame(features, columns=[f"V{i}" for i in range(1, 29)])
    frame.insert(0, "Time", np.sort(rng.uniform(0, 172_792, n)).round(0))
    frame["Amount"] = rng.gamma(1.3, 70, n).round(2)
    frame["Class"] = y
    frame.to_csv(path, index=False, float_format="%.6f")


def million(path: Path) -> None:
    rng = np.random.default_rng(7)
    n = 1_000_000
    X = rng.normal(size=(n, 20)).astype(np.float32)
    y = (X[:, 0] + 0.8 * X[:, 1] - 0.5 * X[:, 2] + rng.normal(0, 0.7, n) > 3.2).astype(np.int8)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(20)])
    frame["label"] = y
    frame.to_parquet(path, index=False)


class Peak:
    """The largest RSS of a process tree, sampled in the background."""

    def __init__(self, pid: int):
        self.pid, self.peak, self._stop = pid, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb(tree(self.pid)))
            time.sleep(0.2)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak


def run(path: Path, target: str, compare: bool) -> None:
    size = path.stat().st_size / 2**20
    server, url = serve()
    peak = Peak(server.pid)
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            received = [0]
            page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: received.__setitem__(
                0, received[0] + len(payload))))
            page.goto(f"{url}/data")
            page.wait_for_function(SETTLED, timeout=120_000)
            page.get_by_test_id("stRadioGroup").get_by_text("Upload CSV or Parquet").click()
            page.get_by_test_id("stFileUploader").wait_for()
            page.wait_for_function(SETTLED, timeout=120_000)
            start = time.perf_counter()
            page.get_by_test_id("stFileUploader").locator("input[type=file]").set_input_files(str(path))
            page.get_by_test_id("stDataFrame").first.wait_for(timeout=600_000)
            page.wait_for_function(SETTLED, timeout=600_000)
            preview = time.perf_counter() - start
            page.get_by_test_id("stSelectbox").filter(has_text="Class column").click()
            page.get_by_role("option", name=target, exact=True).click()
            page.wait_for_function(SETTLED, timeout=600_000)
            page.get_by_test_id("stSidebarNav").get_by_text("Lab", exact=True).click()
            page.get_by_role("button", name="Train", exact=True).wait_for(timeout=600_000)
            page.wait_for_function(SETTLED, timeout=600_000)
            batch = [t for t in page.get_by_text(re.compile(r"Batch size [\d,]+ for [\d,]+ training rows"))
                     .all_text_contents() if t]
            sent_before, start = received[0], time.perf_counter()
            page.get_by_role("button", name="Train", exact=True).click()
            page.get_by_text(re.compile(r"Trained in \d")).first.wait_for(timeout=1_800_000)
            page.locator(".gtitle", has_text="Training history").wait_for(timeout=600_000)
            page.wait_for_function(SETTLED, timeout=600_000)
            trained = time.perf_counter() - start
            sent = (received[0] - sent_before) / 2**20
            recall = page.get_by_test_id("stMetric").filter(has_text="Recall").first.inner_text().split("\n")[-1]
            page.screenshot(path=str(OUT / f"{path.stem}-lab.png"))
            print(f"{path.name} ({size:,.0f} MB): upload -> preview {preview:.1f} s (goal <= 10 s); Train with the "
                  f"defaults -> every chart {trained:.1f} s (goal <= 60 s); {batch[0] if batch else 'batch 32'}; "
                  f"recall {recall}; browser received {sent:.1f} MB during training (goal <= 10 MB); peak RSS of the "
                  f"server and its workers so far {peak.peak:,.0f} MB", flush=True)
            if compare:
                page.get_by_test_id("stSidebarNav").get_by_text("Compare", exact=True).click()
                page.get_by_role("button", name="Compare", exact=True).wait_for(timeout=600_000)
                page.wait_for_function(SETTLED, timeout=600_000)
                start = time.perf_counter()
                page.get_by_role("button", name="Compare", exact=True).click()
                page.get_by_text(re.compile(r"8 strategies trained together")).wait_for(timeout=3_600_000)
                page.wait_for_function(SETTLED, timeout=600_000)
                print(f"{path.name}: Compare of the 8 seed strategies -> leaderboard {time.perf_counter() - start:.1f} s",
                      flush=True)
            browser.close()
    finally:
        print(f"{path.name}: peak RSS of the server and its workers together {peak.stop():,.0f} MB", flush=True)
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    os.environ.pop("IMBALANCE_LAB_ENGINE", None)
    fraud = OUT / "creditcard_like.csv"
    if not fraud.exists():
        fraud_like(fraud)
    run(fraud, "Class", compare=True)
    if "--skip-million" not in sys.argv:
        big = OUT / "million_x20.parquet"
        if not big.exists():
            million(big)
        run(big, "label", compare=False)


if __name__ == "__main__":
    main()
