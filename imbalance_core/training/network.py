"""The network's settings: shape and training, declared once for widgets, links, CLI flags and validation.

``NETWORK_PARAMS`` is the one declaration; :class:`NetworkConfig` takes its defaults and ranges from it.
The network itself is built and trained by :mod:`imbalance_core.portable.kernel`.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING, Any, Mapping

from ..errors import ConfigError
from ..params import Param
from ..text import shorten

if TYPE_CHECKING:
    from ..portable.kernel import Network

__all__ = ["BATCH_SIZE", "DROPOUT", "L2", "NETWORK_PARAMS", "NetworkConfig", "PATIENCE", "default_batch_size", "parse_layers"]

ACTIVATIONS = ("relu", "tanh", "sigmoid", "elu", "gelu")
MAX_HIDDEN_LAYERS = 6
MAX_UNITS = 1024


def default_batch_size(training_rows: int) -> int:
    """The batch size a run uses unless told otherwise: about a hundredth of the training rows, as a power of
    two from 32 (the toy sets: a few hundred rows) to 2048 (the TensorFlow imbalanced-data tutorial's batch for its
    285k-row credit-card table), so an epoch is about a hundred gradient steps at any size."""
    if training_rows <= 0:
        return 32
    return int(min(2048, max(32, 2 ** round(math.log2(training_rows / 100)))))


def _batch_for(class_counts) -> int:
    return default_batch_size(sum(class_counts.values()))


HIDDEN_LAYERS = Param("hidden_layers", "choice", "16,16", "Hidden layers", "Units per hidden layer, comma separated.",
                      choices=("8", "16", "32", "8,8", "16,16", "32,16", "32,32", "64,32", "64,64,32"), flag="--hidden")
ACTIVATION = Param("activation", "choice", "relu", "Activation", "Non-linearity of the hidden layers.",
                   choices=ACTIVATIONS)
LEARNING_RATE = Param("learning_rate", "float", 0.01, "Learning rate", "Step size of the Adam optimiser.",
                      low=0.0001, high=0.5, step=0.001)
EPOCHS = Param("epochs", "int", 60, "Epochs", "Passes over the (resampled) training data.", low=1, high=1000, step=1)
BATCH_SIZE = Param("batch_size", "int", 32, "Batch size",
                   "Rows per gradient step. By default about a hundredth of the training rows (a power of two from 32 "
                   "to 2048), so an epoch is about a hundred steps at any size.", low=4, high=4096, step=4,
                   default_from=_batch_for)
PRIOR_BIAS = Param("prior_bias", "bool", False, "Start from the class priors",
                   "Initialise the output bias so the untrained network predicts each class at its share of the "
                   "training rows, instead of 50/50. The loss at epoch 0 is lower and the first epochs are not spent "
                   "learning the priors.")
PATIENCE = Param("patience", "int", 0, "Early stopping patience",
                 "Epochs without a better validation PR AUC before a network stops training; it keeps the weights of "
                 "its best epoch (as the TensorFlow imbalanced-data tutorial does, with 10). 0 trains every epoch.",
                 low=0, high=200, step=1)
L2 = Param("l2", "float", 0.0, "L2 weight decay",
           "Adds this times the sum of the squared weights of every layer's kernel to the loss (Keras' L2 "
           "regulariser): large weights cost, so the network cannot bend its boundary around each rare row. "
           "0 turns it off; 0.001 to 0.01 is usual.", low=0.0, high=0.1, step=0.001)
DROPOUT = Param("dropout", "float", 0.0, "Dropout",
                "While training, each hidden unit is switched off for a row with this probability (Keras' Dropout "
                "after each hidden layer; off when the network predicts), so no unit can memorise a few rare rows. "
                "0 turns it off; 0.1 to 0.5 is usual.", low=0.0, high=0.9, step=0.05)
NETWORK_PARAMS: tuple[Param, ...] = (HIDDEN_LAYERS, ACTIVATION, LEARNING_RATE, EPOCHS, BATCH_SIZE, PRIOR_BIAS, PATIENCE,
                                     L2, DROPOUT)


def parse_layers(layers: Any) -> tuple[int, ...]:
    """Hidden layer sizes from ``"32,16"`` (or a sequence of numbers), checked: 1 to 6 layers of 1 to 1024 units."""
    if isinstance(layers, str):
        try:
            layers = tuple(int(part) for part in layers.replace(" ", "").split(",") if part)
        except ValueError:
            raise ConfigError("hidden layers must be whole numbers separated by commas; "
                              f"got {shorten(repr(layers))}") from None
    layers = tuple(layers)
    if not 1 <= len(layers) <= MAX_HIDDEN_LAYERS or any(
            isinstance(u, bool) or not isinstance(u, numbers.Integral) or not 1 <= u <= MAX_UNITS for u in layers):
        raise ConfigError(f"hidden layers must be 1 to {MAX_HIDDEN_LAYERS} layers of 1 to {MAX_UNITS} units each; "
                          f"got {shorten(layers)}")
    return tuple(int(u) for u in layers)


@dataclass(frozen=True)
class NetworkConfig:
    """A small multi-layer perceptron and how to train it (defaults and ranges: ``NETWORK_PARAMS``)."""

    hidden_layers: tuple[int, ...] = parse_layers(HIDDEN_LAYERS.default)
    activation: str = ACTIVATION.default
    learning_rate: float = LEARNING_RATE.default
    epochs: int = EPOCHS.default
    batch_size: int = BATCH_SIZE.default
    prior_bias: bool = PRIOR_BIAS.default
    patience: int = PATIENCE.default  # early stopping on validation PR AUC (0: off)
    l2: float = L2.default  # L2 weight decay on the dense kernels (0: off)
    dropout: float = DROPOUT.default  # dropout after each hidden layer while training (0: off)

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden_layers", parse_layers(self.hidden_layers))
        for param in NETWORK_PARAMS[1:]:  # every setting but the layers (any sizes, not only the offered choices)
            object.__setattr__(self, param.name, param.check(getattr(self, param.name)))

    @classmethod
    def from_values(cls, values: Mapping[str, Any], training_rows: int | None = None) -> "NetworkConfig":
        """From widget / CLI values; ``hidden_layers`` may be a string like ``"32,16"``. Without a batch size
        (or with None), :func:`default_batch_size` of ``training_rows`` when given."""
        values = dict(values)
        if values.get("batch_size") is None:
            values.pop("batch_size", None)
            if training_rows is not None:
                values["batch_size"] = default_batch_size(training_rows)
        unknown = set(values) - {f.name for f in fields(cls)}
        if unknown:
            raise ConfigError(f"unknown network setting {', '.join(sorted(unknown))}")
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["hidden_layers"] = list(self.hidden_layers)
        return out

    def kernel_network(self, n_features: int, n_classes: int) -> Network:
        """The kernel's ``Network`` for these settings (imports the kernel, and so TensorFlow: on a worker)."""
        from ..portable.kernel import Network

        return Network(n_features=n_features, n_classes=n_classes, hidden=self.hidden_layers,
                       activation=self.activation, learning_rate=self.learning_rate, epochs=self.epochs,
                       batch_size=self.batch_size, patience=self.patience, l2=self.l2, dropout=self.dropout)
