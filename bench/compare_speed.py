"""How long the compare page's work takes for the seed strategies, and how much of it is training.

Runs ``compare_strategies`` headless on the default data set (Moons 1:10, 600 rows) with the default
network (16-16, 60 epochs) and prints the wall time, the pure training time summed over the
strategies, and their ratio (the overhead of splitting, resampling, evaluation, boundaries and
calibration). The same work in the browser adds drawing; the closing notes quote that time.
"""

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from imbalance_core import ExperimentConfig, load_builtin  # noqa: E402
from imbalance_core.compare import SEED_STRATEGIES, compare_strategies  # noqa: E402


def main() -> None:
    dataset = load_builtin("moons")
    import imbalance_core.training  # noqa: F401  (TensorFlow import is not part of the measurement)

    start = time.perf_counter()
    comparison = compare_strategies(dataset, SEED_STRATEGIES, ExperimentConfig())
    wall = time.perf_counter() - start
    training = sum(r.train_seconds for r in comparison.results.values())
    for key, result in comparison.results.items():
        print(f"  {result.strategy_label:<28} {result.train_seconds:6.1f} s  PR AUC {result.metrics['pr_auc']:.3f}")
    print(f"all {len(SEED_STRATEGIES)} seed strategies: {wall:.1f} s wall, {training:.1f} s training")
    print(f"ratio wall / training: {wall / training:.2f}")


if __name__ == "__main__":
    main()
