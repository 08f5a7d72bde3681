"""Headless Chromium for the browser tests and benchmarks: Debian's ``chromium`` (Playwright downloads none)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

__all__ = ["CHROMIUM_FLAGS", "chromium_path", "launch"]

# as root in a sandboxless container, with the machine's network closed: no background connections
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"]


def chromium_path() -> str | None:
    """``IMBALANCE_LAB_CHROMIUM``, else the ``chromium`` on the PATH, else Debian's; None when there is none."""
    path = os.environ.get("IMBALANCE_LAB_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    return path if Path(path).exists() else None


def launch(playwright, **options):
    """A headless Chromium browser from a started ``sync_playwright()``; raises ``FileNotFoundError`` saying how to
    get one when there is none."""
    path = chromium_path()
    if path is None:
        raise FileNotFoundError("Chromium not found. Install it (Debian/Ubuntu: apt-get install -y chromium) or set "
                                "IMBALANCE_LAB_CHROMIUM to a Chrome/Chromium executable.")
    return playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_FLAGS, **options)
