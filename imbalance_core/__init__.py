"""Imbalance Lab's headless core: data, strategies, training and evaluation for imbalanced data.

The public names below load their module on first use (PEP 562), so importing the package is
instant and TensorFlow is imported only when something is trained.

>>> from imbalance_core import load_builtin, run_experiment, ExperimentConfig
>>> result = run_experiment(load_builtin("moons"), ExperimentConfig(strategy="smote"))
>>> result.metrics["recall"]  # doctest: +SKIP
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "cost": ["ARRIVAL_BUDGET", "RunCost", "estimate_cost"],
    "datasets": ["BUILTIN_DATASETS", "Dataset", "dataset_from_table", "load_builtin", "read_table"],
    "errors": ["ConfigError", "DataError", "UserError"],
    "evaluation": ["METRIC_LABELS", "THRESHOLD", "Evaluation", "evaluate"],
    "experiment": ["SEED", "TEST_SIZE", "ExperimentConfig", "ExperimentResult", "LiveUpdate", "run_experiment"],
    "models": ["NETWORK_PARAMS", "NetworkConfig"],
    "params": ["Param"],
    "preprocessing": ["training_class_counts"],
    "strategies": ["STRATEGIES", "Resampled", "Strategy", "get_strategy", "resample"],
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'imbalance_core' has no attribute {name!r}")
    value = getattr(import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # for editors and type checkers
    from .cost import ARRIVAL_BUDGET, RunCost, estimate_cost
    from .datasets import BUILTIN_DATASETS, Dataset, dataset_from_table, load_builtin, read_table
    from .errors import ConfigError, DataError, UserError
    from .evaluation import METRIC_LABELS, THRESHOLD, Evaluation, evaluate
    from .experiment import SEED, TEST_SIZE, ExperimentConfig, ExperimentResult, LiveUpdate, run_experiment
    from .models import NETWORK_PARAMS, NetworkConfig
    from .params import Param
    from .preprocessing import training_class_counts
    from .strategies import STRATEGIES, Resampled, Strategy, get_strategy, resample
