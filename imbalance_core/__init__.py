"""Imbalance Lab's headless core: data, strategies, training and evaluation for imbalanced data.

Importing this package does not import TensorFlow; training does, on first use.

>>> from imbalance_core import load_builtin, run_experiment, ExperimentConfig
>>> result = run_experiment(load_builtin("moons"), ExperimentConfig(strategy="smote"))
>>> result.metrics["recall"]  # doctest: +SKIP
"""

from .datasets import BUILTIN_DATASETS, Dataset, dataset_from_table, load_builtin, read_table
from .errors import ConfigError, DataError, UserError
from .evaluation import METRIC_LABELS, Evaluation, evaluate
from .experiment import ExperimentConfig, ExperimentResult, LiveUpdate, run_experiment
from .models import NETWORK_PARAMS, NetworkConfig
from .params import Param
from .strategies import STRATEGIES, Resampled, Strategy, get_strategy, resample
from .warmup import warm_up

__all__ = [
    "BUILTIN_DATASETS",
    "ConfigError",
    "DataError",
    "Dataset",
    "Evaluation",
    "ExperimentConfig",
    "ExperimentResult",
    "LiveUpdate",
    "METRIC_LABELS",
    "NETWORK_PARAMS",
    "NetworkConfig",
    "Param",
    "Resampled",
    "STRATEGIES",
    "Strategy",
    "UserError",
    "dataset_from_table",
    "evaluate",
    "get_strategy",
    "load_builtin",
    "read_table",
    "resample",
    "run_experiment",
    "warm_up",
]
