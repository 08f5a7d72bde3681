"""The training kernel against a plain Keras ``model.fit``, on the same rows, in one process.

Default Moons (600 rows, 1:10), the lab's default 16-16 network, 60 epochs, batch 32. After a warm-up
(TensorFlow imported and every compiled function traced), it times, best of a few rounds:

- plain Keras: ``keras.Sequential(...).fit`` on the SMOTE-resampled training rows (no validation);
- one lab run: ``run_experiment`` with SMOTE, live updates drawn as the lab draws them, the
  final boundary grid and the replay's frames (what the lab shows); and the same run without the replay;
- the compare page's work for the 8 seed strategies (the 5-network ensemble included): training,
  evaluation, calibration and every strategy's boundary grid;
- an ensemble of 5 networks against one network of the same shape on the same kind of rows
  (random undersampling).

and prints each time with its ratio to the plain fit (goals: lab <= 0.5x, compare <= 2x) and the
ensemble's ratio to one network (goal <= 1.5x).

    python bench/training_speed.py [rounds]
"""

import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from imbalance_core import ExperimentConfig, NetworkConfig, load_builtin, run_experiment  # noqa: E402
from imbalance_core.runs.compare import compare_strategies  # noqa: E402
from imbalance_core.training.strategies import SEED_STRATEGIES  # noqa: E402
from imbalance_core.data.preprocessing import prepare  # noqa: E402
from imbalance_core.outputs.figures import live_figures  # noqa: E402
from imbalance_core import get_strategy, resample  # noqa: E402


def best(fn, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    dataset = load_builtin("moons")
    network = NetworkConfig()
    prepared = prepare(dataset)
    smote = get_strategy("smote")
    rows = resample(smote, smote.resolve({}, None), prepared.X_fit, prepared.y_fit, seed=0)

    def plain_fit() -> None:
        model = keras.Sequential(
            [keras.Input((prepared.n_features,))]
            + [keras.layers.Dense(u, activation=network.activation) for u in network.hidden_layers]
            + [keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer=keras.optimizers.Adam(network.learning_rate), loss="binary_crossentropy")
        model.fit(rows.X, rows.y.astype(np.float32), epochs=network.epochs, batch_size=network.batch_size, verbose=0)

    def lab_run(replay: bool = True) -> None:
        redraws = []
        result = run_experiment(dataset, ExperimentConfig(strategy="smote", network=network),
                                on_update=lambda update: redraws.append(live_figures(update)), replay=replay)
        assert result.boundary.proba.shape == (80, 80, 2) and redraws
        assert not replay or len(result.replay.epochs) == 31

    def lab_run_without_replay() -> None:
        lab_run(replay=False)

    def compare_run() -> None:
        comparison = compare_strategies(dataset, SEED_STRATEGIES, ExperimentConfig(network=network))
        for result in comparison.results.values():
            assert result.boundary is not None

    def one_network() -> None:
        run_experiment(dataset, ExperimentConfig(strategy="random_undersampling", network=network))

    def ensemble() -> None:
        run_experiment(dataset, ExperimentConfig(strategy="ensemble", params={"n_members": 5}, network=network))

    for fn in (plain_fit, lab_run, compare_run, one_network, ensemble):  # warm-up: imports, tracing
        fn()
    plain = best(plain_fit, rounds)
    lab = best(lab_run, rounds)
    bare = best(lab_run_without_replay, rounds)
    compare = best(compare_run, rounds)
    single = best(one_network, rounds)
    five = best(ensemble, rounds)
    print(f"data: moons, {len(prepared.y_fit)} training rows ({len(rows.y)} after SMOTE); network "
          f"{network.hidden_layers}, {network.epochs} epochs, batch {network.batch_size}; best of {rounds}")
    print(f"plain keras model.fit (SMOTE rows):          {plain:6.2f} s  1.00x")
    print(f"one lab run (SMOTE, live updates, grid):    {lab:6.2f} s  {lab / plain:.2f}x  (goal <= 0.5x)")
    print(f"  of which its replay (30 epochs kept):     {lab - bare:6.2f} s  {lab / bare - 1:+.0%} over the run "
          "without it (goal <= +10%)")
    print(f"compare, 8 seed strategies (+ grids):       {compare:6.2f} s  {compare / plain:.2f}x  (goal <= 2x)")
    print(f"one network (random undersampling):         {single:6.2f} s")
    print(f"ensemble of 5 networks of the same shape:   {five:6.2f} s  {five / single:.2f}x one network "
          "(goal <= 1.5x)")


if __name__ == "__main__":
    main()
