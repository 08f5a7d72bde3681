"""The benchmark over the KEEL corpus on this machine, against its 300 s budget (issue 21), and where the time goes.

Runs, as a user would, ``python -m imbalance_core benchmark --corpus keel --strategies none,class_weight,smote,
focal_loss --seeds 1 --out ... --json`` on the embedded pool of worker processes (``IMBALANCE_LAB_ENGINE=local``),
and as a reference in the same process reads every table of the corpus once (the part no training can avoid).
Prints the wall time and its ratio to the budget, the reading's share, the tables that cost most (the ``seconds``
column: each table's reading, training of every strategy together and both baselines), and that the JSON's
wins / ties / losses match the CSV.

    python bench/corpus_benchmark.py [--strategies none,class_weight,smote,focal_loss] [--max-rows N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BUDGET = 300.0


def read_everything() -> float:
    """Seconds to read every keel table once, in this process (the reference)."""
    from imbalance_core.data.corpus import corpus_tables, load_table
    from imbalance_core.errors import UserError

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for table in corpus_tables("keel"):
            try:
                load_table(table)
            except UserError:
                pass
    return time.perf_counter() - start


def main() -> None:
    import pandas as pd

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strategies", default="none,class_weight,smote,focal_loss")
    parser.add_argument("--max-rows", type=int)
    args = parser.parse_args()
    reading = read_everything()
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "r.csv"
        command = [sys.executable, "-m", "imbalance_core", "benchmark", "--corpus", "keel", "--strategies",
                   args.strategies, "--seeds", "1", "--out", str(out), "--json"]
        if args.max_rows:
            command += ["--max-rows", str(args.max_rows)]
        start = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ, "IMBALANCE_LAB_ENGINE": "local"})
        wall = time.perf_counter() - start
        if done.returncode != 0:
            sys.exit(f"the benchmark failed ({done.returncode}): {done.stderr.strip()[-800:]}")
        report, rows = json.loads(done.stdout), pd.read_csv(out)
    per_table = rows.groupby("data")["seconds"].max().dropna().sort_values(ascending=False)
    trained = per_table.sum()
    print(f"benchmark over {report['tables']} tables ({report['statistics']['tables']} complete, "
          f"{len(report['failed_tables'])} with a reason): {wall:.1f} s wall = {wall / BUDGET:.2f}x the {BUDGET:.0f} s "
          f"budget")
    print(f"reference: reading every table once in one process {reading:.1f} s ({reading / wall:.0%} of the wall)")
    print(f"per-table work summed over the workers {trained:.1f} s (reading, training together, baselines); "
          f"the rest of the wall ({wall - trained / 2:.1f} s with two worker threads) is the pool's start and "
          "TensorFlow's "
          "import and first trace in each worker")
    print("costliest tables: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in per_table.head(6).items()))
    for metric, by in report["statistics"]["versus_none"].items():
        scores = rows.dropna(subset=[metric]).pivot_table(index="data", columns="strategy", values=metric)
        for strategy, counts in by.items():
            difference = scores[strategy] - scores["none"]
            wins, losses = int((difference > 0.001).sum()), int((difference < -0.001).sum())
            assert (counts["wins"], counts["losses"]) == (wins, losses), (metric, strategy)
    print("JSON wins / ties / losses match the CSV for every metric and strategy")


if __name__ == "__main__":
    main()
