"""Imbalance Lab's headless core: data, strategies, training and evaluation for imbalanced data.

The layers, each using only those below it (``.importlinter`` holds the contract that checks it):

- ``cli``: the command line; ``compute``: jobs, the executor and the training workers;
- ``outputs``: figures, the HTML report, the standalone script, model and row files;
- ``runs``: one run (prepare -> plan -> train -> evaluate), comparisons, leakage, evaluation;
- ``training``: the strategy registry, samplers, resampling, the network's settings;
- ``data``: built-in sets, uploaded tables, the typed data spec, the split and preprocessing;
- ``params``, ``settings``, ``errors``, ``text``: what every layer shares;
- ``portable``: the steps around training and the training kernel, carried verbatim by the exported script.

The public names below load their module on first use (PEP 562), so importing the package is
instant and TensorFlow is imported only when something is trained.

>>> from imbalance_core import load_builtin, run_experiment, ExperimentConfig
>>> result = run_experiment(load_builtin("moons"), ExperimentConfig(strategy="smote"))
>>> result.metrics["recall"]  # doctest: +SKIP
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "data.builtins": ["BUILTIN_DATASETS", "load_builtin"],
    "data.dataset": ["Dataset"],
    "data.preprocessing": ["training_class_counts"],
    "data.spec": ["BuiltinSpec", "DataSpec", "UploadSpec"],
    "data.tables": ["dataset_from_table", "read_table"],
    "errors": ["ConfigError", "DataError", "UserError"],
    "outputs.report": ["report_html"],
    "outputs.script": ["script_source"],
    "params": ["Param"],
    "runs.compare": ["Comparison", "compare_strategies"],
    "runs.cost": ["ARRIVAL_BUDGET", "RunCost", "estimate_cost"],
    "runs.evaluation": ["IMBALANCE_METRICS", "METRIC_LABELS", "Evaluation", "evaluate"],
    "runs.config": ["ExperimentConfig"],
    "runs.experiment": ["run_experiment"],
    "runs.leakage": ["leakage_demo"],
    "runs.progress": ["Progress"],
    "runs.result": ["ExperimentResult"],
    "settings": ["SEED", "TEST_SIZE", "THRESHOLD", "VALIDATION_SIZE"],
    "training.network": ["NETWORK_PARAMS", "NetworkConfig"],
    "training.resampling": ["Resampled", "resample"],
    "training.strategies": ["STRATEGIES", "Strategy", "get_strategy"],
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
    from .data.builtins import BUILTIN_DATASETS, load_builtin
    from .data.dataset import Dataset
    from .data.preprocessing import training_class_counts
    from .data.spec import BuiltinSpec, DataSpec, UploadSpec
    from .data.tables import dataset_from_table, read_table
    from .errors import ConfigError, DataError, UserError
    from .outputs.report import report_html
    from .outputs.script import script_source
    from .params import Param
    from .runs.compare import Comparison, compare_strategies
    from .runs.cost import ARRIVAL_BUDGET, RunCost, estimate_cost
    from .runs.evaluation import IMBALANCE_METRICS, METRIC_LABELS, Evaluation, evaluate
    from .runs.config import ExperimentConfig
    from .runs.experiment import run_experiment
    from .runs.leakage import leakage_demo
    from .runs.progress import Progress
    from .runs.result import ExperimentResult
    from .settings import SEED, TEST_SIZE, THRESHOLD, VALIDATION_SIZE
    from .training.network import NETWORK_PARAMS, NetworkConfig
    from .training.resampling import Resampled, resample
    from .training.strategies import STRATEGIES, Strategy, get_strategy
