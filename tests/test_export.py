"""Exports of a finished run: each is a valid file that says what the app says."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from imbalance_core import dataset_from_table, run_experiment
from imbalance_core.export import model_bytes, report_html, resampled_table, script_source

from .conftest import tiny_config


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
    """An ensemble with focal loss on a table with text and missing values, and cluster oversampling (its
    class travels with the script); test_hostile runs SMOTE's script."""
    import inspect

    from imbalance_core import kernel, portable

    ensemble = run_experiment(_table_with_categories(), tiny_config("ensemble+focal_loss", params={"n_members": 2}))
    cluster = run_experiment(moons, tiny_config("cluster_oversampling"))
    sources = [script_source(ensemble, threshold=0.35), script_source(cluster)]
    for source in sources:
        assert "import imbalance_core" not in source and "from imbalance_core" not in source  # libraries only
        for module in (kernel, portable):  # the app's own code, verbatim: the two cannot drift apart
            assert inspect.getsource(module).replace("from __future__ import annotations\n", "").strip() in source
    assert "class ClusterOversampler(BaseOverSampler)" in sources[1]
    printed = _run_scripts(tmp_path, sources)
    for result, threshold, out in zip((ensemble, cluster), (0.35, 0.5), printed):
        assert out["test_rows"] == len(result.prepared.y_test)
        for name, value in result.evaluate_at(threshold).metrics.items():
            assert out["metrics"][name] == pytest.approx(value, abs=1e-6), name


@pytest.mark.parametrize("strategy", ["class_weight", "ensemble"])
def test_keras_file_loads_and_predicts_what_the_app_predicted(tmp_path, moons, strategy):
    import keras

    result = run_experiment(moons, tiny_config(strategy, params={"n_members": 3} if strategy == "ensemble" else {}))
    path = tmp_path / "model.keras"
    path.write_bytes(model_bytes(result))
    model = keras.saving.load_model(path)
    out = np.asarray(model(result.prepared.X_test, training=False))[:, 0]
    np.testing.assert_allclose(out, result.proba_test[:, 1], atol=1e-5)


def test_resampled_table_marks_synthetic_rows_and_maps_real_ones_to_the_data(moons):
    result = run_experiment(moons, tiny_config("smote"))
    table = resampled_table(result)
    data = result.resampled[0]
    assert len(table) == len(data.y)
    assert table["is_synthetic"].sum() == data.n_synthetic > 0
    assert table.loc[table["is_synthetic"], "source_row"].isna().all()
    real = table[~table["is_synthetic"]]
    assert set(real["source_row"]) <= set(result.source_rows_fit)  # training rows only, never test rows
    assert not set(real["source_row"]) & set(result.source_rows_test)
    position = {row: i for i, row in enumerate(result.source_rows_fit)}
    np.testing.assert_allclose(real[result.prepared.feature_names].to_numpy(),
                               result.prepared.X_fit[[position[r] for r in real["source_row"]]], atol=1e-6)
    assert (table["class"].isin(result.classes)).all()


def test_html_report_is_self_contained_with_setup_metrics_and_figures(moons):
    result = run_experiment(moons, tiny_config("ensemble", params={"n_members": 2}))
    page = report_html(result, threshold=0.3)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert '<script src="http' not in page and 'id="plotly-gz"' in page  # library inlined (packed), no CDN
    for name in ("boundary", "members", "confusion", "roc", "pr", "balance", "history"):
        assert f'id="chart-{name}"' in page
    recall = result.evaluate_at(0.3).metrics["recall"]
    assert f"{recall:.3f}" in page and "Decision threshold" in page and "0.30" in page
    assert "Balanced ensemble" in page and result.dataset_name in page


def test_html_report_fits_in_an_email_with_plotly_inside():
    """The default data and network, an ensemble (the most figures): at most 4 MB, plotly.js once, packed."""
    import base64
    import gzip
    import re

    from plotly.offline import get_plotlyjs

    from imbalance_core import ExperimentConfig, load_builtin

    page = report_html(run_experiment(load_builtin("moons"), ExperimentConfig(strategy="ensemble")))
    assert len(page.encode("utf-8")) <= 4_000_000
    packed = re.search(r'<script type="application/octet-stream" id="plotly-gz">([^<]+)</script>', page).group(1)
    assert gzip.decompress(base64.b64decode(packed)).decode("utf-8") == get_plotlyjs()  # the library, whole
    assert page.count('class="figure"') == 7 and 'src="http' not in page
