"""What defines a run: its strategy and settings, the network, the split and the seed (same config, same data: same
numbers)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from ..settings import SEED, TEST_SIZE, VALIDATION_SIZE
from ..training.network import NetworkConfig

__all__ = ["ExperimentConfig", "GRID_RESOLUTION"]

GRID_RESOLUTION = 80  # the pictures' grid: cells per side of the decision boundary's heat map


@dataclass(frozen=True)
class ExperimentConfig:
    """Everything that defines a run; same config + same data => same numbers.

    The seed and the split sizes are checked against ``SEED``, ``TEST_SIZE`` and ``VALIDATION_SIZE`` (in
    :mod:`imbalance_core.settings`) when the config is made.
    """

    strategy: str = "none"
    params: Mapping[str, Any] = field(default_factory=dict)
    network: NetworkConfig = field(default_factory=NetworkConfig)
    test_size: float = TEST_SIZE.default
    validation_size: float = VALIDATION_SIZE.default
    seed: int = SEED.default
    grid_resolution: int = GRID_RESOLUTION

    def __post_init__(self) -> None:
        for param in (SEED, TEST_SIZE, VALIDATION_SIZE):
            object.__setattr__(self, param.name, param.check(getattr(self, param.name)))

    @property
    def group_key(self) -> tuple:
        """What runs must share to train together as one kernel group (the split, the seed, the network and the
        pictures' grid): every setting but the strategy and its settings. Each network trains exactly as alone."""
        return (self.network, self.test_size, self.validation_size, self.seed, self.grid_resolution)
