"""What a process tree costs, read from ``/proc``: its members, their memory and CPU time."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cpu_seconds", "idle", "rss_mb", "tree"]


def tree(pid: int) -> list[int]:
    """A process and its descendants."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        try:
            tasks = list(Path(f"/proc/{current}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass
    return out


def rss_mb(pids: list[int]) -> float:
    """The resident memory of these processes together, in MB."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def idle(pids: list[int], *, window: float = 0.5, busy: float = 0.1, timeout: float = 180.0) -> bool:
    """Wait until these processes and their descendants are idle: less than ``busy`` of a core over ``window``
    seconds (a worker compiling in the background, a server still warming, have settled). Whether they did
    within ``timeout``."""
    import time

    def used() -> float:
        return sum(cpu_seconds(p) for root in pids for p in tree(root))

    deadline = time.monotonic() + timeout
    before = used()
    while time.monotonic() < deadline:
        time.sleep(window)
        now = used()
        if now - before < busy * window:
            return True
        before = now
    return False
