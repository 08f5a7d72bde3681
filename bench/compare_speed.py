"""How long the compare page's work takes for the seed strategies, cold and warm, and how much is training.

Runs ``compare_strategies`` headless on the default data set (Moons 1:10, 600 rows) with the default
network (16-16, 60 epochs): once cold (TensorFlow imported before, but the kernel neither traced nor
compiled for this group) and once warm. Prints the wall time, the training time of the group (all 8
strategies, 12 networks, train together) and each strategy's gradient steps and PR AUC.
"""

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from imbalance_core import ExperimentConfig, load_builtin  # noqa: E402
from imbalance_core.runs.compare import compare_strategies  # noqa: E402
from imbalance_core.training.strategies import SEED_STRATEGIES  # noqa: E402


def main() -> None:
    dataset = load_builtin("moons")
    import tensorflow  # noqa: F401  (the import is not part of the measurement)

    for label in ("cold", "warm"):
        start = time.perf_counter()
        comparison = compare_strategies(dataset, SEED_STRATEGIES, ExperimentConfig())
        wall = time.perf_counter() - start
        print(f"{label}: all {len(SEED_STRATEGIES)} seed strategies in {wall:.2f} s wall, "
              f"{comparison.seconds[0]:.2f} s of it training (one group)")
    for result in comparison.results.values():
        print(f"  {result.strategy_label:<28} {result.gradient_steps:6d} gradient steps  "
              f"PR AUC {result.metrics['pr_auc']:.3f}")


if __name__ == "__main__":
    main()
