import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from imbalance_core.cli import main

FAST = ["--epochs", "2", "--hidden", "8"]


def test_train_builtin_prints_the_json_contract(capsys):
    assert main(["train", "--builtin", "moons", "--strategy", "smote", "--param", "k_neighbors=3", "--json", *FAST]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["metrics"]) == {"accuracy", "balanced_accuracy", "precision", "recall", "f1", "roc_auc",
                                   "pr_auc", "g_mean", "mcc"}
    assert {"train", "train_resampled", "synthetic", "test"} <= set(out["counts"])
    assert out["classes"] == ["0", "1"] and out["positive_class"] == "1"
    assert out["counts"]["synthetic"] > 0
    assert out["params"] == {"k_neighbors": 3}
    assert out["network"]["prior_bias"] is False


def test_l2_and_dropout_change_a_seeded_run_and_the_same_flags_give_the_same_numbers(capsys):
    def metrics(*flags):
        assert main(["train", "--builtin", "moons", "--strategy", "smote", "--json", "--epochs", "8", *flags]) == 0
        out = json.loads(capsys.readouterr().out)
        return out["metrics"], out["network"]

    plain, _ = metrics()
    for flags, setting in ((["--l2", "0.01"], ("l2", 0.01)), (["--dropout", "0.3"], ("dropout", 0.3))):
        once, network = metrics(*flags)
        assert network[setting[0]] == setting[1] and once != plain
        assert metrics(*flags)[0] == once


def test_train_reads_a_space_separated_table_without_a_header(tmp_path, capsys):
    from tests.test_datasets import german_like

    path = tmp_path / "german.data"
    path.write_bytes(german_like())
    assert main(["train", "--data", str(path), "--strategy", "smote", "--json", *FAST]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["classes"] == ["1", "2"] and out["positive_class"] == "2" and out["counts"]["synthetic"] > 0
    assert main(["train", "--data", str(path), "--target", "column_1", "--strategy", "none", "--json", *FAST]) == 0


def test_train_csv_writes_one_prediction_per_test_row(tmp_path, capsys):
    rows = ["id;amount;channel;label"] + [
        f"{i};{'' if i % 9 == 0 else i * 1.5};{['web', 'shop', 'NA'][i % 3]};{'fraud' if i % 6 == 0 else 'ok'}"
        for i in range(120)
    ]
    path = tmp_path / "tx.csv"
    path.write_text("\n".join(rows) + "\n")
    out_csv = tmp_path / "pred.csv"
    code = main(["train", "--data", str(path), "--strategy", "class_weight", "--test-size", "0.3",
                 "--json", "--predictions", str(out_csv), *FAST])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["positive_class"] == "fraud"
    predictions = pd.read_csv(out_csv)
    assert list(predictions.columns) == ["row", "y_true", "y_pred", "proba_ok", "proba_fraud"]
    assert len(predictions) == sum(summary["counts"]["test"].values()) == 36
    source = pd.read_csv(path, sep=";")
    assert (source["label"].to_numpy()[predictions["row"]] == predictions["y_true"].to_numpy()).all()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "--builtin", "nope", "--strategy", "none"], "unknown built-in data set 'nope'"),
        (["train", "--builtin", "moons", "--strategy", "magic"], "unknown strategy 'magic'"),
        (["train", "--builtin", "moons", "--strategy", "smote", "--param", "k=3"], "has no parameter 'k'"),
        (["train", "--builtin", "moons", "--strategy", "smote", "--param", "k_neighbors"], "NAME=VALUE"),
        (["train", "--strategy", "none"], "one of the arguments --data --builtin is required"),
        (["train", "--data", "/no/such.csv", "--strategy", "none"], "Cannot open"),
        (["train", "--builtin", "moons", "--strategy", "none", "--test-size", "0.9"], "test_size"),
        (["train", "--builtin", "moons", "--strategy", "none", "--hidden", "a,b"], "hidden layers"),
    ],
)
def test_bad_input_is_one_error_line_and_exit_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_lists_strategies_and_datasets(capsys):
    assert main(["strategies"]) == 0
    strategies = json.loads(capsys.readouterr().out)
    assert "smote" in strategies and strategies["focal_loss"]["params"][1]["default"] == "from data"
    assert "smote+focal_loss" in strategies["combinations"]
    assert main(["datasets"]) == 0
    assert "moons" in json.loads(capsys.readouterr().out)


def test_module_entry_point_runs_as_a_process(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01\x02binary")
    done = subprocess.run([sys.executable, "-m", "imbalance_core", "train", "--data", str(bad), "--strategy", "none"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [done.stderr.strip()] and "binary file" in done.stderr
    assert "Traceback" not in done.stderr
    ok = subprocess.run([sys.executable, "-m", "imbalance_core", "train", "--builtin", "article", "--strategy",
                         "random_oversampling", "--json", *FAST], capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["counts"]["train_resampled"] == {"1": 4, "0": 4}
    # a quiet CLI: TensorFlow's C++ log lines (absl, oneDNN, the CUDA probe) never reach the terminal...
    assert not [line for line in ok.stderr.splitlines() if any(
        mark in line for mark in ("I0000", "E0000", "W0000", "absl::", "oneDNN", "cuda", "CUDA", "tensorflow"))], ok.stderr
    # ...unless asked for: IMBALANCE_LAB_DEBUG=1 leaves the process's stderr as it is
    loud = subprocess.run([sys.executable, "-m", "imbalance_core", "train", "--builtin", "article", "--strategy",
                           "none", "--json", *FAST], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "IMBALANCE_LAB_DEBUG": "1", "TF_CPP_MIN_LOG_LEVEL": "0"})
    assert loud.returncode == 0 and "0000" in loud.stderr, loud.stderr


def test_the_default_batch_size_follows_the_training_rows_and_an_explicit_one_wins(tmp_path, capsys):
    import numpy as np

    from imbalance_core.training.network import default_batch_size

    assert [default_batch_size(n) for n in (360, 3_000, 20_000, 170_884, 1_000_000)] == [32, 32, 256, 2048, 2048]
    rng = np.random.default_rng(1)
    table = pd.DataFrame({"a": rng.normal(size=34_000).round(3), "b": rng.normal(size=34_000).round(3),
                          "label": np.where(rng.random(34_000) < 0.05, "rare", "common")})
    path = tmp_path / "big.csv"
    table.to_csv(path, index=False)
    assert main(["train", "--data", str(path), "--target", "label", "--strategy", "none", "--json", "--epochs", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["network"]["batch_size"] == 256  # 20,400 training rows
    assert main(["train", "--data", str(path), "--target", "label", "--strategy", "none", "--json", "--epochs", "1",
                 "--batch-size", "64"]) == 0
    assert json.loads(capsys.readouterr().out)["network"]["batch_size"] == 64
    assert main(["train", "--builtin", "moons", "--strategy", "none", "--json", *FAST]) == 0
    assert json.loads(capsys.readouterr().out)["network"]["batch_size"] == 32  # the toys keep theirs
