"""Exports of a finished run: each is a valid file that says what the app says."""

import io
import json
import pickle
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from imbalance_core import dataset_from_table, run_experiment
from imbalance_core.outputs.files import keras_file, training_rows
from imbalance_core.outputs.report import report_html
from imbalance_core.outputs.script import script_source

from .helpers import CODE, TINY_NETWORK, hostile_config, hostile_dataset, tiny_config


def _run_scripts(tmp_path, sources: list[str]) -> list[dict]:
    """Run each script as ``__main__`` in one fresh interpreter (one TensorFlow start), outside the project."""
    paths = []
    for i, source in enumerate(sources):
        paths.append(tmp_path / f"reproduce_{i}.py")
        paths[-1].write_text(source)
    runner = ("import runpy, sys\nfor path in sys.argv[1:]:\n    sys.argv = [path]\n"
              "    runpy.run_path(path, run_name='__main__')\n    print('\\x1e')")
    done = subprocess.run([sys.executable, "-c", runner, *map(str, paths)], capture_output=True, text=True,
                          timeout=600, cwd=tmp_path,
                          env={"PATH": "/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "3", "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(part) for part in done.stdout.split("\x1e") if part.strip()]


def _table_with_categories():
    rng = np.random.default_rng(4)
    n = 220
    frame = pd.DataFrame({
        "amount": np.where(np.arange(n) % 11 == 0, np.nan, rng.gamma(2, 30, n).round(2)),
        "channel": rng.choice(["web", "shop", "None"], n),  # "None" is a value, not a missing marker
        "label": np.where(rng.random(n) < 0.15, "fraud", "ok"),
    })
    return dataset_from_table(frame, target="label", name="tx.csv")


def test_standalone_scripts_reproduce_their_runs_without_the_app(tmp_path, moons):
    """An ensemble with focal loss on a table with text and missing values; and cluster oversampling (its class
    travels with the script) with early stopping, on a table whose every name is hostile."""
    import inspect

    from imbalance_core.portable import kernel
    from imbalance_core.portable import steps as portable

    ensemble = run_experiment(_table_with_categories(), tiny_config("ensemble+focal_loss", params={"n_members": 2},
                                                                    network=replace(TINY_NETWORK, l2=0.01)))
    # early stopping and dropout travel with the script too
    stopping = replace(TINY_NETWORK, epochs=40, patience=2, dropout=0.3)
    cluster = run_experiment(hostile_dataset(), replace(hostile_config(), strategy="cluster_oversampling",
                                                        network=stopping))
    assert "Early stopping (patience 2): stopped after epoch" in " ".join(cluster.notes)
    sources = [script_source(ensemble, threshold=0.35), script_source(cluster, filename=f'x"""{CODE}\n.py')]
    for source in sources:
        assert "import imbalance_core" not in source and "from imbalance_core" not in source  # libraries only
        for module in (kernel, portable):  # the app's own code, verbatim: the two cannot drift apart
            assert inspect.getsource(module).replace("from __future__ import annotations\n", "").strip() in source
    assert "class ClusterOversampler(BaseOverSampler)" in sources[1]
    printed = _run_scripts(tmp_path, sources)
    assert len(printed) == 2 and not (tmp_path / "pwned").exists()  # code in a column name runs nowhere
    for result, threshold, out in zip((ensemble, cluster), (0.35, 0.5), printed):
        assert out["test_rows"] == len(result.prepared.y_test)
        for name, value in result.evaluate_at(threshold).metrics.items():
            assert out["metrics"][name] == pytest.approx(value, abs=1e-6), name


@pytest.mark.parametrize("strategy", ["class_weight", "ensemble"])
def test_keras_file_loads_and_predicts_what_the_app_predicted(tmp_path, moons, strategy):
    import keras

    regularised = replace(TINY_NETWORK, l2=0.01, dropout=0.2)  # Keras' own L2 and Dropout layers in the file
    result = run_experiment(moons, tiny_config(strategy, params={"n_members": 3} if strategy == "ensemble" else {},
                                               network=regularised if strategy == "ensemble" else TINY_NETWORK))
    path = tmp_path / "model.keras"
    path.write_bytes(keras_file(result.network(), result.weights))
    model = keras.saving.load_model(path)
    out = np.asarray(model(result.prepared.X_test, training=False))[:, 0]
    np.testing.assert_allclose(out, result.proba_test[:, 1], atol=1e-5)


@pytest.mark.parametrize("strategy, params", [("smote", {}), ("ensemble", {"n_members": 2})])
def test_training_rows_are_rebuilt_exactly_and_map_real_ones_to_the_data(moons, strategy, params):
    """The download's rows, rebuilt from the data and the settings (as a worker does, without training), are
    the rows the run trained on: synthetic rows marked, real ones mapped to their training row, features
    as the network saw them."""
    result = run_experiment(moons, tiny_config(strategy, params=params))
    table = training_rows(moons, result.config)
    assert len(table) == sum(len(r.y) for r in result.resampled)
    names = result.prepared.feature_names
    np.testing.assert_array_equal(table[names].to_numpy(), np.vstack([r.X for r in result.resampled]))
    labels = np.concatenate([r.y for r in result.resampled])
    np.testing.assert_array_equal(table["class"], np.asarray(result.classes)[labels])
    if strategy == "ensemble":
        assert table["network"].tolist() == [m + 1 for m, r in enumerate(result.resampled) for _ in r.y]
    assert table["is_synthetic"].sum() == sum(r.n_synthetic for r in result.resampled)
    assert table.loc[table["is_synthetic"], "source_row"].isna().all()
    real = table[~table["is_synthetic"]]
    assert set(real["source_row"]) <= set(result.source_rows_fit)  # training rows only, never test rows
    assert not set(real["source_row"]) & set(result.source_rows_test)
    position = {row: i for i, row in enumerate(result.source_rows_fit)}
    np.testing.assert_allclose(real[names].to_numpy(), result.prepared.X_fit[[position[r] for r in real["source_row"]]],
                               atol=1e-6)


def test_a_result_leaves_its_worker_without_feature_rows_and_every_view_still_works(moons):
    """What a worker sends back: no data set, no feature rows (labels, row positions and sources stay); the
    pictures were drawn there; the page's figures, counts and other thresholds need nothing else."""
    from imbalance_core.compute.jobs import RowsJob, TrainJob, execute
    from imbalance_core.outputs.figures import result_figures

    class Channel:
        def report(self, snapshot):
            pass

        def should_stop(self):
            return False

    config = tiny_config("smote")
    full = run_experiment(moons, config, replay=True)
    sent = execute(TrainJob(config), moons, Channel())
    assert sent.dataset is None and sent.views.prepared is None
    assert sent.prepared.X_fit.shape == (0, full.prepared.n_features)
    assert len(sent.prepared.y_fit) == len(full.prepared.y_fit)
    assert all(r.X.shape[0] == 0 for r in sent.resampled)
    full.boundary, full.view, full.replay  # noqa: B018  (drawn, as the sent one was)
    assert sent.replay.epochs == full.replay.epochs and sent.frames == []  # its pictures travel, not its weights
    assert b"imbalance_core.portable" not in pickle.dumps(sent)  # unpickling it never imports the kernel (TensorFlow)
    rows_bytes = sum(a.nbytes for a in (full.prepared.X_fit, full.prepared.X_val, full.prepared.X_test,
                                        full.resampled[0].X[full.resampled[0].is_synthetic]))
    assert len(pickle.dumps(full)) - len(pickle.dumps(sent)) >= rows_bytes
    assert sent.counts == full.counts
    np.testing.assert_array_equal(sent.view.synthetic_points, full.view.synthetic_points)
    assert set(result_figures(sent, threshold=0.3)) == set(result_figures(full, threshold=0.3))
    assert sent.evaluate_at(0.3).metrics == full.evaluate_at(0.3).metrics
    rows = pd.read_csv(io.StringIO(execute(RowsJob(config), moons, Channel())))
    assert len(rows) == len(full.resampled[0].y) and rows["is_synthetic"].sum() == full.resampled[0].n_synthetic


def test_html_report_is_self_contained_with_setup_metrics_and_figures(moons):
    result = run_experiment(moons, tiny_config("ensemble", params={"n_members": 2},
                                               network=replace(TINY_NETWORK, l2=0.005, dropout=0.25)), replay=True)
    page = report_html(result, threshold=0.3)
    assert "L2 weight decay 0.005; dropout 0.25" in page  # the network as it was trained
    boundary = json.loads(page.split('data-target="chart-boundary">')[1].split("</script>")[0])
    epochs = [f"epoch {e} of {TINY_NETWORK.epochs}" for e in range(TINY_NETWORK.epochs + 1)]
    assert [frame["name"] for frame in boundary["frames"]] == epochs  # the replay, animated in the browser
    assert [step["label"] for step in boundary["layout"]["sliders"][0]["steps"]] == epochs
    assert boundary["frames"][1]["layout"]["title"]["text"].startswith(
        "Decision boundary - Balanced ensemble (average of 2 networks) - epoch 1 of")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert '<script src="http' not in page and 'id="plotly-gz"' in page  # library inlined (packed), no CDN
    for name in ("boundary", "members", "confusion", "roc", "pr", "balance", "history"):
        assert f'id="chart-{name}"' in page
    recall = result.evaluate_at(0.3).metrics["recall"]
    assert f"{recall:.3f}" in page and "Decision threshold" in page and "0.30" in page
    assert "Balanced ensemble" in page and result.dataset_name in page


def test_html_report_fits_in_an_email_with_plotly_inside():
    """The default data and network, an ensemble (the most figures) with its replay: at most 4 MB, plotly.js once,
    packed."""
    import base64
    import gzip
    import re

    from plotly.offline import get_plotlyjs

    from imbalance_core import ExperimentConfig, load_builtin

    page = report_html(run_experiment(load_builtin("moons"), ExperimentConfig(strategy="ensemble"), replay=True))
    assert '"frames"' in page
    assert len(page.encode("utf-8")) <= 4_000_000
    packed = re.search(r'<script type="application/octet-stream" id="plotly-gz">([^<]+)</script>', page).group(1)
    assert gzip.decompress(base64.b64decode(packed)).decode("utf-8") == get_plotlyjs()  # the library, whole
    assert page.count('class="figure"') == 7 and 'src="http' not in page
