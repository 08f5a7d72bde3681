"""The app served by ``streamlit run`` on a free port of 127.0.0.1, as README command 1 serves it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from .ports import free_port

__all__ = ["ROOT", "serve", "served_app"]

ROOT = Path(__file__).resolve().parents[1]


def serve(args: list[str] | None = None, *, cwd: Path = ROOT, env: dict | None = None, log: IO | int | None = None,
          timeout: float = 90, env_replace: dict | None = None) -> tuple[subprocess.Popen, str]:
    """Start ``streamlit <args>`` (default: ``run app.py``) headless; its process and its address once it answers.

    The server's environment is this process's (or ``env_replace`` instead), updated with ``env``."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", *(args or ["run", str(ROOT / "app.py")]), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=cwd, stdout=log if log is not None else subprocess.DEVNULL, stderr=subprocess.STDOUT,
        env={**(os.environ if env_replace is None else env_replace), "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the Streamlit server did not answer within {timeout:.0f} s")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


@contextmanager
def served_app(**options) -> Iterator[tuple[str, subprocess.Popen]]:
    """The app served for a ``with`` block: its address and its server process (whose children are the workers)."""
    process, url = serve(**options)
    try:
        yield url, process
    finally:
        stop(process)
