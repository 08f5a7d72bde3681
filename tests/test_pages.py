"""The app through Streamlit's AppTest: every page, real (tiny) training, no exception."""

import json
import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from imbalance_core import STRATEGIES, get_strategy, load_builtin, training_class_counts
from imbalance_core.training.strategies import focal_alphas

from .helpers import app, chart_keys, charts, lab_result, lab_run, plotly_values


def _app() -> AppTest:
    return app()


def _train(at: AppTest, strategy: str = "none", epochs: int = 3) -> AppTest:
    at.selectbox(key="lab.strategy").set_value(strategy).run()
    at.number_input(key="lab.net.epochs").set_value(epochs)
    at.button(key="lab.train").click().run()
    return at


RESULT_CHARTS = {"chart.boundary", "chart.confusion", "chart.balance", "chart.roc", "chart.pr", "chart.history"}
_charts, _chart_keys, _values = charts, chart_keys, plotly_values


def test_lab_opens_on_a_builtin_data_set_ready_to_train():
    at = _app()
    assert not at.exception
    assert at.title[0].value == "Imbalance Lab"
    assert any("Moons" in m.value for m in at.markdown)
    assert at.button(key="lab.train").label == "Train"
    assert at.selectbox(key="lab.strategy").value == "none"
    assert len(at.selectbox(key="lab.strategy").options) == len(STRATEGIES)
    assert lab_result(at) is None
    # before any training the picture is the data itself, with its class balance; the boundary takes its place
    assert _chart_keys(at) == {"chart.data"}
    points = next(c for c in _charts(at) if c.key == "chart.data")
    assert "600 rows, classes 545 : 55" in points.proto.spec
    at = _train(at, "none", epochs=2)
    keys = [c.key for c in _charts(at)]
    assert "chart.data" not in keys and keys[0] == "chart.boundary"  # the boundary comes first, before the metrics


def test_data_that_cannot_be_loaded_is_said_and_takes_the_train_button_back():
    # Train is drawn before the data is loaded (a cold server's first page); data that fails to load takes it back
    from imbalance_core.data.spec import BuiltinSpec
    from ui.keys import SHARED

    at = AppTest.from_file("../app.py", default_timeout=60)
    at.session_state[SHARED.dataset_spec] = BuiltinSpec.of("moons", {"n_samples": 3})
    at.run()
    assert not at.exception
    assert "The chosen data set cannot be used: n\\_samples must be a whole number" in at.error[0].value
    assert not [b for b in at.button if b.key == "lab.train"]


# the core tests train every strategy; the app is checked on one of each kind: untouched, synthetic rows,
# removed rows, several networks, a loss of its own
REPRESENTATIVE = ["none", "smote", "random_undersampling", "ensemble", "focal_loss"]


@pytest.mark.parametrize("strategy", REPRESENTATIVE)
def test_representative_strategies_train_in_the_app_and_show_every_chart(strategy):
    at = _train(_app(), strategy)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert _chart_keys(at) >= RESULT_CHARTS
    # + the focal-loss explorer; + the ensemble's per-network boundaries
    assert len(_charts(at)) == 6 + (strategy == "focal_loss") + (strategy == "ensemble")
    labels = [m.label for m in at.metric]
    assert labels == ["Accuracy", "Balanced accuracy", "Precision", "Recall", "F1", "ROC AUC", "PR AUC", "G-mean", "MCC"]
    assert lab_result(at).strategy == strategy


def test_a_sampler_can_be_combined_with_a_loss_in_the_lab():
    at = _app()
    at.selectbox(key="lab.strategy").set_value("smote").run()
    at.selectbox(key="lab.combine_with").set_value("focal_loss").run()
    assert at.slider(key="lab.smote+focal_loss.alpha").value == 0.5
    assert "chart.focal_explorer" in _chart_keys(at)
    at.number_input(key="lab.net.epochs").set_value(2)
    at.button(key="lab.train").click().run()
    assert not at.exception and not at.error
    result = lab_result(at)
    assert result.strategy == "smote+focal_loss" and result.counts["synthetic"] > 0
    assert at.subheader[0].value.startswith("SMOTE + focal loss")


def test_view_options_never_retrain():
    at = _train(_app(), "smote")
    result = lab_result(at)
    at.toggle(key="lab.view.normalize").set_value(True).run()
    at.toggle(key="lab.view.synthetic").set_value(False).run()
    at.toggle(key="lab.view.lineage").set_value(True).run()
    assert not at.exception
    boundary = next(c for c in _charts(at) if c.key == "chart.boundary")
    assert "parents of synthetic points" in boundary.proto.spec
    assert lab_result(at) is result
    assert _chart_keys(at) == RESULT_CHARTS
    # the replay: its slider names the epoch; moving it redraws boundary, numbers and history from the result
    replay = next(s for s in at.select_slider if s.key == "lab.view.replay")
    assert replay.label == "Replay: epoch 3 of 3" and replay.options == ["epoch 0", "epoch 1", "epoch 2", "epoch 3"]
    replay.set_value(1).run()
    assert not at.exception and lab_result(at) is result
    assert next(s for s in at.select_slider if s.key == "lab.view.replay").label == "Replay: epoch 1 of 3"
    specs = {c.key: json.loads(c.proto.spec) for c in _charts(at)}
    assert specs["chart.boundary"]["layout"]["title"]["text"].startswith("Decision boundary - SMOTE - epoch 1 of 3")
    assert [shape["x0"] for shape in specs["chart.history"]["layout"]["shapes"]] == [1, 1]
    from sklearn.metrics import recall_score

    positive = result.replay.proba_test[1].astype(np.float32)[:, 0]  # two classes: the second's probability kept
    expected = recall_score(result.prepared.y_test, positive >= 0.5)
    assert {m.label: m.value for m in at.metric}["Recall"] == f"{expected:.3f}"
    assert any(c.value.startswith("Replaying epoch 1 of 3") for c in at.caption)
    # Play: from the epoch on screen, one kept epoch per rerun of the results (a timer's, in the browser), to the end
    play = at.button(key="lab.view.play")
    assert play.label == "Play"
    play.click().run()
    seen = [next(s for s in at.select_slider if s.key == "lab.view.replay").label]
    while at.button(key="lab.view.play").label == "Pause" and len(seen) < 6:
        at.run()
        seen.append(next(s for s in at.select_slider if s.key == "lab.view.replay").label)
    assert seen == [f"Replay: epoch {e} of 3" for e in (1, 2, 3)] and not at.exception
    assert at.button(key="lab.view.play").label == "Play" and lab_result(at) is result  # ended at the end; no run
    title = json.loads(next(c for c in _charts(at) if c.key == "chart.boundary").proto.spec)["layout"]["title"]["text"]
    assert "epoch" not in title  # the last epoch is the trained result itself
    at.button(key="lab.view.play").click().run()  # at the end, Play starts again from the first epoch
    assert next(s for s in at.select_slider if s.key == "lab.view.replay").label == "Replay: epoch 0 of 3"
    at.button(key="lab.view.play").click().run()  # Pause: it stays where it is
    at.run()
    assert next(s for s in at.select_slider if s.key == "lab.view.replay").label == "Replay: epoch 0 of 3"
    assert at.button(key="lab.view.play").label == "Play" and not at.exception


def test_train_more_epochs_goes_on_from_the_result_as_one_longer_run():
    from dataclasses import replace

    from imbalance_core import load_builtin, run_experiment

    at = _train(_app(), "smote", epochs=3)
    first = lab_result(at)
    assert at.button(key="lab.train_more").label == "Train 3 more epochs"
    at.number_input(key="lab.view.more").set_value(2).run()
    at.button(key="lab.train_more").click().run()
    assert not at.exception and not at.error
    result = lab_result(at)
    assert result is not first and result.config.network.epochs == 5 and len(result.history[0]["loss"]) == 5
    assert result.notes[0].startswith("Trained on from epoch 3 for 2 more")
    assert at.number_input(key="lab.net.epochs").value == 5  # the setup (and its link) is the run of 5 epochs
    assert next(s for s in at.select_slider if s.key == "lab.view.replay").label == "Replay: epoch 5 of 5"
    alone = run_experiment(load_builtin("moons"), replace(first.config, network=replace(first.config.network,
                                                                                          epochs=5)))
    np.testing.assert_array_equal(result.proba_test, alone.proba_test)  # the numbers of one run of 5 epochs
    assert result.history == alone.history and not any(i.value.startswith("Settings changed") for i in at.info)
    at.selectbox(key="lab.strategy").set_value("none").run()  # a result of other settings is not trained on
    assert not [b for b in at.button if b.key == "lab.train_more"]


def test_threshold_slider_moves_metrics_without_retraining():
    at = _train(_app(), "class_weight")
    result = lab_result(at)
    recall = {m.label: m.value for m in at.metric}["Recall"]
    at.slider(key="lab.view.threshold").set_value(0.99).run()
    assert not at.exception
    assert lab_result(at) is result
    strict = {m.label: m.value for m in at.metric}
    assert float(strict["Recall"]) <= float(recall)
    assert strict["Recall"] == f"{result.evaluate_at(0.99).metrics['recall']:.3f}"
    assert any("threshold 0.99" in c.value for c in at.caption)


def test_cost_based_threshold_is_applied_with_one_click():
    at = _train(_app(), "none", epochs=5)
    result = lab_result(at)
    assert "lab.view.cost_fn" not in [n.key for n in at.number_input]  # a closed box works nothing out
    at.session_state["lab.view.cost_open"] = True  # the cost box opened
    at.run()
    at.number_input(key="lab.view.cost_fn").set_value(50.0).run()
    choice = result.cost_threshold(50.0, 1.0)
    assert any(f"**{choice.threshold:.2f}**" in m.value and "validation split" in m.value for m in at.markdown)
    at.button(key="lab.view.use_cost_threshold").click().run()
    assert not at.exception
    assert at.slider(key="lab.view.threshold").value == pytest.approx(round(choice.threshold, 2))
    assert lab_result(at) is result


def test_prior_bias_option_shows_the_epoch_zero_loss():
    at = _app()
    at.toggle(key="lab.net.prior_bias").set_value(True)
    at = _train(at, "none")
    assert not at.exception
    result = lab_result(at)
    assert result.config.network.prior_bias is True
    assert any("Loss before training (with the output bias" in c.value for c in at.caption)


def test_early_stopping_in_the_lab_says_where_it_stopped_and_marks_the_kept_epoch():
    at = _app()
    at.slider(key="lab.net.patience").set_value(5)
    at = _train(at, "smote", epochs=300)
    assert not at.exception
    result = lab_result(at)
    assert result.config.network.patience == 5
    ran, best = len(result.history[0]["loss"]), result.best_epochs[0]
    assert ran == best + 5 < 300  # stopped 5 epochs after its best
    assert any(f"stopped after epoch {ran} of 300\\; the weights of epoch {best}\\," in i.value for i in at.info)
    history = json.loads(next(c for c in _charts(at) if c.key == "chart.history").proto.spec)
    kept = [t for t in history["data"] if t.get("name") == "best epoch (weights kept)"]
    assert len(kept) == 1 and _values(kept[0]["x"]) == [best]
    assert "n.patience=5" in lab_run(at).result_setup.url(0.5)  # a link keeps the setting


def test_changed_settings_mark_the_result_as_stale():
    at = _train(_app(), "none")
    at.selectbox(key="lab.strategy").set_value("smote").run()
    assert any("Settings changed" in i.value for i in at.info)


def test_focal_loss_explorer_follows_the_sliders():
    at = _app()
    at.selectbox(key="lab.strategy").set_value("focal_loss").run()
    assert "chart.focal_explorer" in _chart_keys(at)
    at.slider(key="lab.focal_loss.gamma").set_value(4.0).run()
    assert not at.exception
    assert any("gamma 4.00" in str(chart.proto) for chart in _charts(at))


def test_data_page_switches_to_another_builtin_and_the_lab_uses_it():
    at = _app()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    at.selectbox(key="data.builtin").set_value("wine_thinned").run()
    assert not at.exception
    assert at.session_state["dataset_spec"].key == "wine_thinned"
    assert _chart_keys(at) == {"chart.data_balance", "chart.data_points"}  # class balance and the rows themselves
    at.switch_page("pages/lab.py").run()
    at = _train(at, "focal_loss")
    assert not at.exception
    assert lab_result(at).dataset_name.startswith("Wine")


def _upload(at: AppTest, name: str, raw: bytes, mime: str) -> AppTest:
    """Upload a file on the Data page, as a user does."""
    at.switch_page("pages/data.py").run()
    at.radio(key="data.source").set_value("Upload CSV or Parquet").run()
    at.file_uploader(key="data.upload").set_value((name, raw, mime)).run()
    return at


def _upload_and_train(name: str, raw: bytes, mime: str, *, target: str, strategy: str):
    """Upload a table, check the class column the Data page proposes, train it in the lab; the shown result."""
    at = _upload(_app(), name, raw, mime)
    assert not at.exception and not at.error
    assert at.selectbox(key="data.target").value == target
    assert at.session_state["dataset_spec"].filename == name
    at.switch_page("pages/lab.py").run()
    at = _train(at, strategy)
    assert not at.exception and not at.error
    return lab_result(at)


def test_malformed_upload_gets_a_clear_message_and_the_lab_still_trains():
    at = _upload(_app(), "broken.csv", b'{"not": "a table"}', "text/csv")
    assert not at.exception
    assert any("looks like JSON" in e.value for e in at.error)
    assert at.session_state["dataset_spec"].key == "moons"
    at.switch_page("pages/lab.py").run()
    at = _train(at, "class_weight")
    assert not at.exception and _chart_keys(at) >= RESULT_CHARTS


def test_uploaded_csv_with_categories_and_missing_values_trains():
    rows = ["amount,channel,country,label"] + [
        f"{'' if i % 10 == 0 else i % 37},{['web', 'shop', 'phone'][i % 3]},{'NA' if i % 7 == 0 else 'DE'},"
        f"{'fraud' if i % 8 == 0 else 'ok'}"
        for i in range(160)
    ]
    result = _upload_and_train("tx.csv", "\n".join(rows).encode(), "text/csv", target="label", strategy="smote")
    assert result.positive_class == "fraud" and result.counts["synthetic"] > 0


def test_an_uploaded_space_separated_table_without_a_header_trains():
    """UCI's german.data shape (spaces between columns, no header row, categorical codes): read with numbered
    columns, the last one the class, and trained."""
    from tests.test_datasets import german_like

    result = _upload_and_train("german.data", german_like(), "application/octet-stream", target="column_7",
                               strategy="smote")
    assert result.positive_class == "2" and len(result.prepared.y_test) == 30


def test_uploaded_parquet_file_trains_in_the_lab():
    import io

    import pandas as pd

    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"amount": rng.gamma(2, 30, 240), "channel": rng.choice(["web", "shop"], 240),
                          "label": np.where(rng.random(240) < 0.12, "fraud", "ok")})
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    result = _upload_and_train("tx.parquet", buffer.getvalue(), "application/octet-stream", target="label",
                               strategy="class_weight")
    assert result.dataset_name == "tx.parquet" and result.positive_class == "fraud"
    assert sum(result.counts["test"].values()) == 60  # the default quarter of the 240 rows, untouched


def test_leakage_page_shows_both_ways_side_by_side():
    at = _app()
    at.switch_page("pages/leakage.py").run()
    assert not at.exception
    at.number_input(key="leakage.net.epochs").set_value(3)
    at.button(key="leakage.run").click().run()
    assert not at.exception and not at.error
    demo = at.session_state["leakage.result"]
    table = at.dataframe[0].value
    assert table.columns.tolist() == ["Metric", "Right: resample after the split", "Wrong: resample before the split",
                                      "Inflation"]
    assert _chart_keys(at) == {"leakage.boundaries", "leakage.confusions"}
    text = next(re.sub(r"\\(.)", r"\1", m.value) for m in at.markdown if "of its" in m.value)  # Markdown-escaped
    assert f"{demo.leaked_test_rows} of its {demo.wrong_test_rows} test rows" in text
    moves = demo.moves()
    # the page names every metric that moved, each on the side it moved to, with its change
    higher, _, lower = text.partition("; lower on ")
    for move in moves["rose"]:
        assert f"{move.label} {move.change:+.3f}" in higher
    for move in moves["fell"]:
        assert f"{move.label} {move.change:+.3f}" in lower
    # every sentence about this run comes from its own numbers: the page's bullets are the demo's explanation, then
    # the one that holds for any run
    bullets = [line[2:] for line in text.splitlines() if line.startswith("- ")]
    assert bullets[:-1] == demo.explanation() and bullets[-1].startswith("The preprocessing of the wrong way")
    # the page's default network memorises, so the lesson (the wrong way looks better) shows with the defaults
    assert at.session_state["leakage.net.hidden_layers"] == "64,64,32"


def test_compare_page_trains_the_chosen_strategies_and_shows_table_and_charts():
    at = _app()
    at.switch_page("pages/compare.py").run()
    assert not at.exception
    assert at.multiselect(key="compare.strategies").value == [
        "none", "random_oversampling", "random_undersampling", "smote", "cluster_oversampling", "class_weight",
        "focal_loss", "ensemble"]
    at.multiselect(key="compare.strategies").set_value(["none", "smote"]).run()
    at.number_input(key="compare.net.epochs").set_value(2)
    at.button(key="compare.run").click().run()
    assert not at.exception and not at.error
    assert _chart_keys(at) == {"compare.roc", "compare.pr", "compare.boundaries", "compare.confusions",
                               "compare.calibration"}
    board = at.dataframe[0].value
    assert board["Strategy"].tolist() == ["No treatment", "SMOTE"]
    comparison = at.session_state["compare.result"]
    # thresholds from costs: a Threshold column, the table re-cut, nothing retrained
    at.radio(key="compare.view.threshold_mode").set_value("Cheapest for given costs").run()
    assert not at.exception and at.session_state["compare.result"] is comparison
    board = at.dataframe[0].value
    expected = comparison.scores_at(costs=(10.0, 1.0))
    assert board["Threshold"].tolist() == pytest.approx([expected[k][0]["threshold"] for k in ("none", "smote")])
    assert board["Recall"].tolist() == pytest.approx([expected[k][0]["recall"] for k in ("none", "smote")])
    assert any("cheapest on its validation split" in c.value for c in at.caption)
    # one replay slider moves every boundary to an epoch, from the results: nothing retrained
    replay = next(s for s in at.select_slider if s.key == "compare.view.replay")
    assert replay.label == "Replay: epoch 2 of 2"
    replay.set_value(1).run()
    assert not at.exception and at.session_state["compare.result"] is comparison
    spec = json.loads(next(c for c in _charts(at) if c.key == "compare.boundaries").proto.spec)
    assert spec["layout"]["title"]["text"].endswith("epoch 1 of 2")
    # several seeds: one compact table (mean ± spread in one cell, a rank with ties marked), no prose list of pairs
    at.slider(key="compare.repeats").set_value(2)
    at.button(key="compare.run").click().run()
    assert not at.exception and not at.error
    assert next(s for s in at.select_slider if s.key == "compare.view.replay").label == "Replay: epoch 2 of 2"
    shown = at.dataframe[0].value
    assert [c for c in shown.columns if c.endswith("±")] == [] and "Rank" in shown.columns
    comparison = at.session_state["compare.result"]
    ranks = comparison.ranks()
    labels = {comparison.results[k].strategy_label: k for k in comparison.results}
    assert {s: r for s, r in zip(shown["Strategy"], shown["Rank"])} == {s: ranks[k] for s, k in labels.items()}
    assert shown["PR AUC"].is_monotonic_decreasing  # a leaderboard: best first
    assert [i.value for i in at.info] == []  # ties live in the Rank column: no prose about them beside the table
    # revisiting the page does not retrain
    at.switch_page("pages/lab.py").run()
    at.switch_page("pages/compare.py").run()
    assert at.session_state["compare.result"] is comparison
    assert len(_charts(at)) == 5


def test_focal_explorer_on_multiclass_data_shows_each_class_alpha_used():
    at = _app()
    at.switch_page("pages/data.py").run()
    at.selectbox(key="data.builtin").set_value("wine_thinned").run()
    at.switch_page("pages/lab.py").run()
    at.selectbox(key="lab.strategy").set_value("focal_loss").run()
    assert not at.exception
    explorer = json.loads(next(c for c in _charts(at) if c.key == "chart.focal_explorer").proto.spec)
    # one curve per class, each with the alpha training uses for it (inverse frequency), beside cross-entropy
    dataset = load_builtin("wine_thinned")
    counts = training_class_counts(dataset.y, 3)
    alphas = focal_alphas(get_strategy("focal_loss").resolve({}, counts), counts, 3)
    assert [t["name"] for t in explorer["data"]] == ["cross-entropy"] + [
        f"focal, a {name} example (alpha {alpha:.2f})" for name, alpha in zip(dataset.classes, alphas)]
    assert any("Each class's alpha" in c.value and "class_2" in re.sub(r"\\(.)", r"\1", c.value) for c in at.caption)


def test_the_lab_batch_size_follows_the_data_until_the_user_sets_it():
    import pandas as pd

    rng = np.random.default_rng(2)
    table = pd.DataFrame({"a": rng.normal(size=34_000).round(3), "label": np.where(rng.random(34_000) < 0.05, "r", "c")})
    at = _app()
    assert at.number_input(key="lab.net.batch_size").value == 32  # Moons: 360 training rows
    _upload(at, "big.csv", table.to_csv(index=False).encode(), "text/csv")
    at.switch_page("pages/lab.py").run()
    assert not at.exception
    assert at.number_input(key="lab.net.batch_size").value == 256
    assert any("Batch size 256 for 20,400 training rows" in c.value for c in at.caption)
    at.number_input(key="lab.net.batch_size").set_value(100).run()  # the user's choice stays...
    at.switch_page("pages/data.py").run()
    at.radio(key="data.source").set_value("Built-in data set").run()
    at.switch_page("pages/lab.py").run()
    assert at.number_input(key="lab.net.batch_size").value == 100  # ...whatever the data
