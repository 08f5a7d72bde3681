"""What a run will cost, known before it starts: so that a link cannot start more work than anyone clicked for.

The estimate needs only the data's class counts and the settings (no preprocessing, no training):
gradient steps (each has a fixed framework overhead) and arithmetic (rows x epochs x networks x
the network's weights, forward and backward).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..data.dataset import Dataset
from ..training.strategies import get_strategy
from .config import ExperimentConfig

__all__ = ["ARRIVAL_BUDGET", "Budget", "RunCost", "estimate_cost"]


@dataclass(frozen=True)
class Budget:
    """The most work a run may do without someone pressing a button for it."""

    steps: int
    operations: float


# under a minute of training on a 2-core machine; the default lab run is about a tenth of it, every
# Learn preset fits, and a link asking for 1,000 epochs at batch 4 on 15 networks (170 budgets) does not
ARRIVAL_BUDGET = Budget(steps=12_000, operations=2e10)


@dataclass(frozen=True)
class RunCost:
    """An estimate of one run's training work.

    Attributes
    ----------
    rows : int
        Training rows per network after the strategy (an upper estimate for samplers).
    networks, epochs, batch_size : int
    weights : int
        Multiply-adds for one row through the network.
    """

    rows: int
    networks: int
    epochs: int
    batch_size: int
    weights: int

    @property
    def steps(self) -> int:
        """Gradient steps in all networks together."""
        return math.ceil(self.rows / self.batch_size) * self.epochs * self.networks

    @property
    def operations(self) -> float:
        """Multiply-adds in all (a forward and a backward pass: about 3 per weight and row)."""
        return 3.0 * self.rows * self.epochs * self.networks * self.weights

    def within(self, budget: Budget = ARRIVAL_BUDGET) -> bool:
        return self.steps <= budget.steps and self.operations <= budget.operations

    def times_budget(self, budget: Budget = ARRIVAL_BUDGET) -> float:
        """How many budgets this run takes (the larger of the two measures)."""
        return max(self.steps / budget.steps, self.operations / budget.operations)


def estimate_cost(dataset: Dataset, config: ExperimentConfig) -> RunCost:
    """The training work ``run_experiment(dataset, config)`` would do, estimated from class counts.

    Raises ``ConfigError`` for a strategy name or setting that cannot be used (as the run would).
    """
    strategy = get_strategy(config.strategy)
    share = (1.0 - config.test_size) * (1.0 - config.validation_size)
    counts = [max(1, int(round(n * share))) for n in dataset.class_counts.values()]
    params = strategy.resolve(config.params, dict(enumerate(counts)))
    if not strategy.changes_data or not strategy.balances:
        rows = sum(counts)  # untouched, or a light clean-up such as Tomek links
    elif strategy.removes_rows and not strategy.creates_synthetic:
        rows = len(counts) * min(counts)  # undersampled to the smallest class
    else:
        rows = len(counts) * max(counts)  # oversampled to the largest class
    network = config.network
    widths = [dataset.encoded_width, *network.hidden_layers, 1 if len(counts) == 2 else len(counts)]
    weights = sum(a * b for a, b in zip(widths, widths[1:]))
    return RunCost(rows=rows, networks=strategy.n_members(params), epochs=network.epochs,
                   batch_size=network.batch_size, weights=weights)
