"""A quiet, quick CLI: a toy ``train`` against a bare ``import tensorflow, keras`` in the same machine state.

Goal (issue 19): the toy run's wall time at most TensorFlow's import + 3 s, and no TensorFlow log line on stderr.
Runs the two commands alternately (each a fresh process, so both pay a cold start), ``--rounds`` times, and prints
each pair, the medians, their difference and ratio, and the stderr lines of the toy runs.

    python bench/cli_speed.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = [sys.executable, "-c", "import tensorflow, keras"]
TOY = [sys.executable, "-m", "imbalance_core", "train", "--builtin", "moons", "--strategy", "smote"]


def timed(command: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    return time.perf_counter() - start, done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    timed(REFERENCE)  # the first process of all reads the libraries from disk: not counted
    imports, toys, stderr = [], [], set()
    for i in range(rounds):
        reference, _ = timed(REFERENCE)
        toy, done = timed(TOY)
        if done.returncode != 0:
            sys.exit(f"the toy run failed ({done.returncode}): {done.stderr.strip()[-500:]}")
        stderr.update(line for line in done.stderr.splitlines() if line.strip())
        imports.append(reference)
        toys.append(toy)
        print(f"round {i + 1}: import tensorflow, keras {reference:5.2f} s   toy train {toy:5.2f} s   "
              f"(+{toy - reference:.2f} s)")
    ref, toy = statistics.median(imports), statistics.median(toys)
    print(f"median: import {ref:.2f} s, toy train {toy:.2f} s: +{toy - ref:.2f} s over the import "
          f"({toy / ref:.2f}x; goal at most +3 s)")
    print(f"stderr lines of the toy runs: {len(stderr)}" + "".join(f"\n  {line}" for line in sorted(stderr)))


if __name__ == "__main__":
    main()
