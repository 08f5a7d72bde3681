"""In-app training (run_experiment with live updates) against a plain Keras model.fit.

Same data (the default moons set, training split), same network, same epochs and batch size.
The in-app side includes what the lab does while training: the live callback, boundary grid
predictions and building the live figures. Prints both times and their ratio (goal <= 1.0).

    python bench/training_speed.py [epochs]
"""

import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from imbalance_core import ExperimentConfig, NetworkConfig, load_builtin, run_experiment  # noqa: E402
from imbalance_core.preprocessing import prepare  # noqa: E402
from imbalance_core.report import live_figures  # noqa: E402


def plain_fit(prepared, network: NetworkConfig) -> float:
    model = keras.Sequential(
        [keras.Input((prepared.n_features,))]
        + [keras.layers.Dense(u, activation=network.activation) for u in network.hidden_layers]
        + [keras.layers.Dense(1, activation="sigmoid")]
    )
    model.compile(optimizer=keras.optimizers.Adam(network.learning_rate), loss="binary_crossentropy")
    start = time.perf_counter()
    model.fit(prepared.X_fit, prepared.y_fit.astype(np.float32), epochs=network.epochs,
              batch_size=network.batch_size, validation_data=(prepared.X_val, prepared.y_val.astype(np.float32)),
              verbose=0)
    return time.perf_counter() - start


def in_app(dataset, network: NetworkConfig) -> float:
    redraws = []
    result = run_experiment(dataset, ExperimentConfig(strategy="none", network=network),
                            on_update=lambda update: redraws.append(live_figures(update)))
    return result.train_seconds, len(redraws)


def main() -> None:
    epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    dataset = load_builtin("moons")
    network = NetworkConfig(epochs=epochs)
    prepared = prepare(dataset)
    plain_fit(prepared, NetworkConfig(epochs=2))  # warm TensorFlow up for both sides
    in_app(dataset, NetworkConfig(epochs=2))
    plain = min(plain_fit(prepared, network) for _ in range(3))
    runs = [in_app(dataset, network) for _ in range(3)]
    app = min(seconds for seconds, _ in runs)
    print(f"data: moons, {len(prepared.y_fit)} training rows; network {network.hidden_layers}, {epochs} epochs, batch {network.batch_size}")
    print(f"plain model.fit (with validation): {plain:.2f} s")
    print(f"in-app run_experiment + live updates: {app:.2f} s ({runs[0][1]} live redraws)")
    print(f"ratio in-app / plain: {app / plain:.2f} (goal <= 1.00)")


if __name__ == "__main__":
    main()
