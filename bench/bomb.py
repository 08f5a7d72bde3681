"""A refused file costs little: a 2 MB gzip file that inflates to 2 GB of CSV, given to the CLI and uploaded to the
served app in headless Chromium (goal: refused with its real size, peak memory of the process at most 400 MB).

Prints the peak resident memory of a CLI process refusing it (against the same CLI listing the built-in data
sets, its floor), and the web server's peak before and after the upload.

    python bench/bomb.py
"""

from __future__ import annotations

import gzip
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from support.browser import launch  # noqa: E402
from support.served import serve, stop  # noqa: E402
from support.settle import settle, watch  # noqa: E402

INFLATES_TO = 2048  # MB


def make_bomb(path: Path) -> None:
    chunk = b"0,0\n" * (1 << 18)  # 1 MB
    with gzip.open(path, "wb", compresslevel=6) as handle:
        handle.write(b"a,b\n")
        for _ in range(INFLATES_TO):
            handle.write(chunk)


def peak_mb(pid: int) -> float:
    """A live process's peak resident memory so far (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cli_peak(*args: str) -> tuple[float, str]:
    """Peak resident memory (MB) of one CLI run, and its last stderr line."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    done = subprocess.run([sys.executable, "-m", "imbalance_core", *args], cwd=ROOT, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(before, after) / 1024, (done.stderr.strip().splitlines() or [""])[-1]


def main() -> None:
    bomb = Path(tempfile.mkdtemp(prefix="imbalance-lab-bomb-")) / "bomb.csv.gz"
    make_bomb(bomb)
    print(f"bomb: {bomb.stat().st_size / 2**20:.1f} MB on disk, {INFLATES_TO:,} MB of CSV inside")
    floor, _ = cli_peak("datasets")
    peak, said = cli_peak("train", "--data", str(bomb), "--strategy", "none")
    print(f"CLI: peak {peak:.0f} MB refusing it (floor: {floor:.0f} MB listing the data sets; goal <= 400 MB)")
    print(f"     {said}")
    process, url = serve()
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            page = watch(browser.new_page())
            page.goto(url + "/data")
            settle(page)
            page.get_by_text("Upload CSV or Parquet").click()
            settle(page)
            before = peak_mb(process.pid)
            page.locator('input[type="file"]').set_input_files(str(bomb))
            message = page.get_by_text("once decompressed").first
            message.wait_for(timeout=180_000)
            settle(page)
            after = peak_mb(process.pid)
            print(f"web server: peak {before:.0f} MB before the upload, {after:.0f} MB after it (goal <= 400 MB)")
            print(f"     {message.inner_text()[:200]}")
            browser.close()
    finally:
        stop(process)


if __name__ == "__main__":
    main()
