"""Build (not fit) the Keras network. Keras is imported only when a model is built."""

from __future__ import annotations

import numbers
from dataclasses import asdict, dataclass
from typing import Any, Mapping

from .errors import ConfigError
from .params import Param
from .text import shorten

__all__ = ["NETWORK_PARAMS", "NetworkConfig", "build_model"]

ACTIVATIONS = ("relu", "tanh", "sigmoid", "elu", "gelu")
MAX_HIDDEN_LAYERS = 6

NETWORK_PARAMS: tuple[Param, ...] = (
    Param("hidden_layers", "choice", "16,16", "Hidden layers", "Units per hidden layer, comma separated.",
          choices=("8", "16", "32", "8,8", "16,16", "32,16", "32,32", "64,32", "64,64,32")),
    Param("activation", "choice", "relu", "Activation", "Non-linearity of the hidden layers.", choices=ACTIVATIONS),
    Param("learning_rate", "float", 0.01, "Learning rate", "Step size of the Adam optimiser.", low=0.0001, high=0.5, step=0.001),
    Param("epochs", "int", 60, "Epochs", "Passes over the (resampled) training data.", low=1, high=1000, step=1),
    Param("batch_size", "int", 32, "Batch size", "Rows per gradient step.", low=4, high=4096, step=4),
    Param("prior_bias", "bool", False, "Start from the class priors",
          "Initialise the output bias so the untrained network predicts each class at its share of the training "
          "rows, instead of 50/50. The loss at epoch 0 is lower and the first epochs are not spent learning the priors."),
)


@dataclass(frozen=True)
class NetworkConfig:
    """A small multi-layer perceptron and how to train it."""

    hidden_layers: tuple[int, ...] = (16, 16)
    activation: str = "relu"
    learning_rate: float = 0.01
    epochs: int = 60
    batch_size: int = 32
    prior_bias: bool = False

    def __post_init__(self) -> None:
        if not 1 <= len(self.hidden_layers) <= MAX_HIDDEN_LAYERS or any(
                isinstance(u, bool) or not isinstance(u, numbers.Integral) or not 1 <= u <= 1024 for u in self.hidden_layers):
            raise ConfigError(f"hidden layers must be 1 to {MAX_HIDDEN_LAYERS} layers of 1 to 1024 units each; "
                              f"got {shorten(self.hidden_layers)}")
        if self.activation not in ACTIVATIONS:
            raise ConfigError(f"activation must be one of {', '.join(ACTIVATIONS)}; got {shorten(repr(self.activation))}")
        for p in NETWORK_PARAMS[2:5]:  # learning rate, epochs, batch size: finite and in range
            object.__setattr__(self, p.name, p.check(getattr(self, p.name)))

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> "NetworkConfig":
        """From widget / CLI values; ``hidden_layers`` may be a string like ``"32,16"``."""
        values = dict(values)
        layers = values.get("hidden_layers", cls.hidden_layers)
        if isinstance(layers, str):
            try:
                layers = tuple(int(part) for part in layers.replace(" ", "").split(",") if part)
            except ValueError:
                raise ConfigError("hidden layers must be whole numbers separated by commas; "
                                  f"got {shorten(repr(layers))}") from None
        values["hidden_layers"] = tuple(int(u) for u in layers)
        unknown = set(values) - {f for f in cls.__dataclass_fields__}
        if unknown:
            raise ConfigError(f"unknown network setting {', '.join(sorted(unknown))}")
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["hidden_layers"] = list(self.hidden_layers)
        return out


def build_model(
    n_features: int,
    n_classes: int,
    config: NetworkConfig,
    *,
    seed: int,
    loss: Any = None,
    steps_per_execution: int = 1,
    output_bias: Any = None,
):
    """A compiled Keras MLP: sigmoid output for two classes, softmax for more.

    Every initializer gets its own explicit seed, so the same seed gives the same initial
    weights without touching global random state.
    """
    import keras

    binary = n_classes == 2
    layers: list[Any] = [keras.Input(shape=(n_features,))]
    for i, units in enumerate(config.hidden_layers):
        layers.append(keras.layers.Dense(
            units, activation=config.activation,
            kernel_initializer=keras.initializers.GlorotUniform(seed=seed * 100 + i),
        ))
    layers.append(keras.layers.Dense(
        1 if binary else n_classes,
        activation="sigmoid" if binary else "softmax",
        kernel_initializer=keras.initializers.GlorotUniform(seed=seed * 100 + 99),
        bias_initializer="zeros" if output_bias is None else keras.initializers.Constant(output_bias),
    ))
    model = keras.Sequential(layers)
    if loss is None:
        loss = keras.losses.BinaryCrossentropy() if binary else keras.losses.CategoricalCrossentropy()
    if binary:
        metric = keras.metrics.AUC(curve="PR", name="pr_auc")
    else:
        metric = keras.metrics.AUC(curve="PR", multi_label=True, num_labels=n_classes, name="pr_auc")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=config.learning_rate),
        loss=loss,
        metrics=[metric],
        steps_per_execution=max(1, int(steps_per_execution)),
    )
    return model



def prior_bias(y, n_classes: int):
    """Output bias that makes an untrained network predict the class shares of ``y``.

    Sigmoid: log(p / (1 - p)) of the positive share; softmax: log of each class share.
    """
    import numpy as np

    shares = np.bincount(y, minlength=n_classes) / max(1, len(y))
    shares = np.clip(shares, 1e-6, 1.0)
    if n_classes == 2:
        return np.array([np.log(shares[1] / shares[0])], dtype=np.float32)
    return np.log(shares).astype(np.float32)
