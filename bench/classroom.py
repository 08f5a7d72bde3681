"""A room at once: N browser sessions open N shared links at the same moment, each training on arrival.

Serves the app (its embedded default: one worker process per core), warms it with one run, then, in
real headless Chromium (one context per person, no shared cookies):

1. solo: one session opens one link; seconds from opening it to its result (charts and metrics drawn);
2. 8 sessions open 8 different links at once: when the first and the last result appear, as ratios to
   the solo run (goals: first <= 2x, last <= 5x); every page's metrics checked against the same setup
   trained alone in this process (the CLI's numbers);
3. 30 sessions at once: all finish, no error on any page, numbers equal to solo;
4. memory: the server's and its workers' RSS before and after 50 more link opens whose pages are
   closed (goal: growth <= 100 MB);
5. a Dask cluster (``dask scheduler`` and 2 ``dask worker`` processes started here) with the app pointed
   at it through ``DASK_SCHEDULER_ADDRESS``: the 8-session run again, with the CPU time spent in the
   web server and in the workers.

Before the rooms, 8 tabs open the lab without training: the browsers' own cost, a floor under every
room time on this machine (a Streamlit page costs a Chromium tab ~2 CPU s to load).

The links differ by seed (default Moons, SMOTE, the lab's default network: 60 epochs).

The browsers run on the server's own 2 cores here, where in a room each runs on its own laptop; a
Chromium tab costs more CPU (page load, charts) than the server's and worker's work for it. So every
room is timed twice: with the browsers at normal priority (as the issue measured), and with them at
the lowest priority (``nice 19``), which leaves the server and its workers the CPU they would have if the
browsers were elsewhere. The CPU seconds of the browsers, the server and the workers are printed too.

    python bench/classroom.py [--skip-dask]
"""

import math
import os
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from support.browser import launch  # noqa: E402
from support.cluster import dask_cluster  # noqa: E402
from support.processes import cpu_seconds, rss_mb, tree  # noqa: E402
from support.served import serve  # noqa: E402

TRAINED = re.compile(r"Trained in \d")
UNTRAINED = "Press Train to fit a network"
METRICS = ("recall", "precision", "pr_auc", "mcc", "balanced_accuracy")


def link(url: str, seed: int) -> str:
    return f"{url}/?{urlencode({'strategy': 'smote', 'seed': str(seed)})}"








def metrics_of(page) -> dict[str, str]:
    out = {}
    for text in page.get_by_test_id("stMetric").all_inner_texts():
        label, value = [part.strip() for part in text.strip().split("\n") if part.strip()][:2]
        out[label] = value
    return out


def expected_metrics(seeds: list[int]) -> dict[int, dict[str, str]]:
    """The same setups trained alone in this process, as the page shows them."""
    from imbalance_core import METRIC_LABELS, ExperimentConfig, load_builtin, run_experiment

    moons = load_builtin("moons")
    out = {}
    for seed in seeds:
        result = run_experiment(moons, ExperimentConfig(strategy="smote", seed=seed))
        out[seed] = {METRIC_LABELS[m]: ("n/a" if math.isnan(result.metrics[m]) else f"{result.metrics[m]:.3f}")
                     for m in METRICS}
    return out


def chromium_pids() -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if b"chrom" in (entry / "cmdline").read_bytes().split(b"\0")[0]:
                    out.append(int(entry.name))
            except OSError:
                pass
    return out


def set_browser_priority(niceness: int) -> None:
    """Every Chromium process (and so the renderers it starts later) at this niceness."""
    for pid in chromium_pids():
        try:
            os.setpriority(os.PRIO_PROCESS, pid, niceness)
        except OSError:
            pass


def room(browser, url: str, seeds: list[int], timeout: float = 900, server=None, train: bool = True) -> dict:
    """Open one link per seed at once; when each result appears, what each page shows, CPU seconds spent.

    With ``train=False`` every tab opens the lab without a link and is done when its page is drawn
    ("Press Train"): what the browsers alone cost, the floor under any room's times on this machine.
    """
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in seeds]
    pages = [context.new_page() for context in contexts]
    processes = tree(server.pid) if server is not None else []
    cpu_before = {pid: cpu_seconds(pid) for pid in processes + chromium_pids()}
    try:
        start = time.perf_counter()
        for seed, page in zip(seeds, pages):
            page.goto(link(url, seed) if train else f"{url}/", wait_until="commit")
        done: dict[int, float] = {}
        errors = 0
        while len(done) < len(seeds):
            assert time.perf_counter() - start < timeout, f"only {len(done)} of {len(seeds)} finished"
            for i, page in enumerate(pages):
                if i in done:
                    continue
                if (page.get_by_text(TRAINED).count() and page.get_by_test_id("stMetric").count() == 9) if train \
                        else page.get_by_text(UNTRAINED).count():
                    done[i] = time.perf_counter() - start
            time.sleep(0.05)
        shown = {}
        for seed, page in zip(seeds, pages):
            errors += page.get_by_test_id("stException").count() + page.get_by_test_id("stAlertContentError").count()
            shown[seed] = metrics_of(page)
        cpu = {"browsers": sum(cpu_seconds(p) - cpu_before.get(p, 0.0) for p in chromium_pids()),
               "server": cpu_seconds(processes[0]) - cpu_before[processes[0]] if processes else 0.0,
               "workers": sum(cpu_seconds(p) - cpu_before.get(p, 0.0) for p in processes[1:])}
        return {"times": sorted(done.values()), "shown": shown, "errors": errors, "cpu": cpu}
    finally:
        for context in contexts:
            context.close()


def check(shown: dict[int, dict[str, str]], expected: dict[int, dict[str, str]]) -> int:
    """How many pages differ from their solo run."""
    return sum({k: v for k, v in page.items() if k in expected[seed]} != expected[seed] for seed, page in shown.items())




def main() -> None:
    skip_dask = "--skip-dask" in sys.argv
    env_engine = os.environ.pop("IMBALANCE_LAB_ENGINE", None)
    os.environ.pop("DASK_SCHEDULER_ADDRESS", None)
    print("training the solo references in this process...", flush=True)
    expected = expected_metrics([*range(30), 100])
    server, url = serve()
    try:
        with sync_playwright() as playwright:
            browser = launch(playwright)
            room(browser, url, [100])  # warm-up: the workers start and compile (first paint does not wait)
            for label, niceness in (("browsers at normal priority", 0), ("browsers at nice 19", 19)):
                set_browser_priority(niceness)
                solo = min(room(browser, url, [100], server=server)["times"][0] for _ in range(3))
                print(f"[{label}] solo: one link -> result {solo:.2f} s", flush=True)
                floor = room(browser, url, list(range(8)), server=server, train=False)
                print(f"[{label}] floor: 8 tabs only opening the lab (no training) at once: last page drawn "
                      f"{floor['times'][-1]:.2f} s ({floor['times'][-1] / solo:.1f}x solo); CPU s: "
                      + ", ".join(f"{k} {v:.1f}" for k, v in floor["cpu"].items()), flush=True)
                for n in (8, 30):
                    run = room(browser, url, list(range(n)), server=server)
                    first, last = run["times"][0], run["times"][-1]
                    goals = " (goals: first <= 2x, last <= 5x)" if n == 8 else ""
                    print(f"[{label}] {n} at once: all {len(run['times'])} finished; first {first:.2f} s "
                          f"({first / solo:.1f}x solo), last {last:.2f} s ({last / solo:.1f}x solo){goals}; numbers "
                          f"differing from solo: {check(run['shown'], expected)}; errors: {run['errors']}; CPU s: "
                          + ", ".join(f"{k} {v:.1f}" for k, v in run["cpu"].items()), flush=True)
            set_browser_priority(0)
            time.sleep(3)
            before = rss_mb(tree(server.pid))
            for batch in range(5):  # 50 link opens, 10 at a time, pages closed
                room(browser, url, list(range(batch * 10 % 30, batch * 10 % 30 + 10)))
            time.sleep(5)
            after = rss_mb(tree(server.pid))
            print(f"memory: server + workers {before:.0f} MB -> {after:.0f} MB after 50 link opens with pages "
                  f"closed: {after - before:+.0f} MB (goal <= +100 MB)", flush=True)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    if skip_dask:
        return
    with dask_cluster(workers=2) as (address, client):
        workers = list(client.run(os.getpid).values())
        os.environ["DASK_SCHEDULER_ADDRESS"] = address
        server, url = serve()
        try:
            with sync_playwright() as playwright:
                browser = launch(playwright)
                room(browser, url, [100])  # warm-up
                cpu_server, cpu_workers = cpu_seconds(server.pid), sum(cpu_seconds(p) for p in workers)
                eight = room(browser, url, list(range(8)), server=server)
                cpu_server = cpu_seconds(server.pid) - cpu_server
                cpu_workers = sum(cpu_seconds(p) for p in workers) - cpu_workers
                print(f"Dask cluster (scheduler + 2 workers): 8 at once, first {eight['times'][0]:.2f} s, last "
                      f"{eight['times'][-1]:.2f} s; numbers differing from solo: {check(eight['shown'], expected)}; "
                      f"CPU time: workers {cpu_workers:.1f} s, web server {cpu_server:.1f} s (no training: drawing "
                      "pages and charts)", flush=True)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
            os.environ.pop("DASK_SCHEDULER_ADDRESS", None)
            if env_engine is not None:
                os.environ["IMBALANCE_LAB_ENGINE"] = env_engine


if __name__ == "__main__":
    main()
