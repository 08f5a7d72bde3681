import numpy as np
import pytest

from imbalance_core import run_experiment
from imbalance_core.outputs.figures import result_figures
from imbalance_core.outputs.plots import (
    make_class_balance_figure, make_confusion_figure, make_history_figure, make_pr_figure, make_roc_figure,
)
from imbalance_core.runs.evaluation import Curve

from .helpers import tiny_config


@pytest.fixture(scope="module")
def smote_result(request):
    return run_experiment(request.getfixturevalue("moons"), tiny_config("smote"))


def _names(fig):
    return [trace.name for trace in fig.data]


def test_boundary_has_probability_shading_points_and_a_separate_synthetic_trace(smote_result):
    fig = result_figures(smote_result)["boundary"]
    kinds = [trace.type for trace in fig.data]
    assert kinds[:2] == ["heatmap", "contour"]
    synthetic = [t for t in fig.data if t.name and "synthetic" in t.name]
    assert len(synthetic) == 1 and synthetic[0].marker.symbol == "x-thin"
    real = [t for t in fig.data if t.name and t.name.endswith("(training)")]
    assert len(real) == 2
    assert fig.layout.xaxis.title.text == "x1 (scaled)" and fig.layout.yaxis.title.text == "x2 (scaled)"
    hidden = result_figures(smote_result, show_synthetic=False)["boundary"]
    assert not [t for t in hidden.data if t.name and "synthetic" in t.name]


def test_boundary_for_many_features_is_in_the_pca_plane(request):
    result = run_experiment(request.getfixturevalue("wine"), tiny_config("random_undersampling"))
    fig = result_figures(result)["boundary"]
    assert fig.layout.xaxis.title.text.startswith("PC1 of the scaled features")
    assert "principal components" in fig.layout.title.text
    assert any(t.name == "removed by undersampling" for t in fig.data)
    assert fig.data[0].type == "heatmap"  # class regions


def test_confusion_counts_and_shares():
    matrix = np.array([[8, 2], [1, 3]])
    counts = make_confusion_figure(matrix, ["neg", "pos"])
    shares = make_confusion_figure(matrix, ["neg", "pos"], normalize=True)
    # colour is the row share in both views, so the rare class's row is as readable as the common one's
    for fig in (counts, shares):
        np.testing.assert_allclose(np.asarray(fig.data[0].z), [[0.8, 0.2], [0.25, 0.75]], rtol=1e-6)
    assert counts.data[0].text[1][1] == "3<br>(75%)"
    assert shares.data[0].text[1][1] == "75%<br>(3)"
    assert counts.layout.xaxis.title.text == "Predicted class"
    with pytest.raises(ValueError):
        make_confusion_figure(matrix, ["only one"])


def test_roc_and_pr_put_the_area_in_the_legend_with_reference_lines():
    curve = Curve("pos", np.array([0, 0.5, 1.0]), np.array([0, 0.9, 1.0]), 0.8772)
    roc = make_roc_figure([curve])
    assert _names(roc) == ["chance (AUC 0.50)", "pos (AUC 0.877)"]
    pr = make_pr_figure([curve], positive_rate=0.1)
    assert _names(pr)[0] == "no skill (precision 0.10)" and "AP 0.877" in _names(pr)[1]
    assert pr.layout.xaxis.title.text == "Recall"
    assert isinstance(roc.data[1].x, np.ndarray) and roc.data[1].x.dtype == np.float32


def test_class_balance_and_history():
    fig = make_class_balance_figure({"before": {"a": 90, "b": 10}, "after": {"a": 90, "b": 90}}, classes=["a", "b"],
                                    synthetic={"a": 0, "b": 80})
    assert len(fig.data) == 2 and fig.data[1].y.tolist() == [10, 90]
    assert "b: 80" in fig.layout.title.text
    history = make_history_figure([{"loss": [0.9, 0.5], "val_loss": [1.0, 0.7], "pr_auc": [0.2, 0.5]}])
    assert {t.name for t in history.data} == {"training", "validation"}
    assert len(history.data) == 3
    members = make_history_figure([{"loss": [0.9, 0.5]}] * 4)
    assert len(members.data) == 4 and sum(bool(t.showlegend) for t in members.data) == 1


def test_result_figures_cover_every_chart(smote_result):
    figures = result_figures(smote_result)
    assert set(figures) == {"boundary", "confusion", "roc", "pr", "balance", "history"}


def test_threshold_moves_the_operating_point_and_the_boundary_line(smote_result):
    default = result_figures(smote_result)
    strict = result_figures(smote_result, threshold=0.9)
    assert default["boundary"].data[1].contours.start == 0.5 and strict["boundary"].data[1].contours.start == 0.9
    point = strict["roc"].data[-1]
    assert point.name == "threshold 0.90"
    at = smote_result.evaluate_at(0.9)
    (tn, fp), (fn, tp) = at.confusion
    assert float(point.x[0]) == pytest.approx(fp / (fp + tn)) and float(point.y[0]) == pytest.approx(tp / (tp + fn))
    pr_point = strict["pr"].data[-1]
    assert float(pr_point.y[0]) == pytest.approx(at.metrics["precision"])
    assert float(pr_point.x[0]) == pytest.approx(at.metrics["recall"])
    np.testing.assert_array_equal(np.asarray(strict["confusion"].data[0].text), np.asarray(
        make_confusion_figure(at.confusion, smote_result.classes).data[0].text))


def test_focal_explorer_figure_shows_cross_entropy_and_each_class_with_its_alpha():
    from imbalance_core.outputs.plots import make_focal_loss_figure
    from imbalance_core.training.losses import focal_loss_curves, focal_weight_curves

    p_true = np.linspace(0.01, 0.99, 50)
    weights = {"positive": 0.8, "negative": 0.2}
    curves = focal_weight_curves(2.0, weights, p_true)
    np.testing.assert_allclose(curves["positive"], focal_loss_curves(2.0, 0.8, p_true)["focal_positive"])
    np.testing.assert_allclose(curves["negative"], focal_loss_curves(2.0, 0.8, p_true)["focal_negative"])
    fig = make_focal_loss_figure(curves, p_true, gamma=2.0, weights=weights, positive="positive")
    assert [t.name for t in fig.data] == ["cross-entropy", "focal, a positive example (alpha 0.80)",
                                         "focal, a negative example (alpha 0.20)"]
    assert fig.layout.xaxis.title.text == "Probability given to the true class"
    assert "count less" in fig.layout.title.text
    # gamma 0 does not focus: the subtitle must not claim that easy examples count less
    flat = make_focal_loss_figure(focal_weight_curves(0.0, weights, p_true), p_true, gamma=0.0, weights=weights)
    assert "count less" not in flat.layout.title.text and "no focusing" in flat.layout.title.text
    # multi-class: one curve per class with the alpha the kernel uses (inverse frequency)
    from imbalance_core.training.strategies import focal_alphas

    alphas = focal_alphas({"gamma": 2.0, "alpha": 0.25}, {0: 60, 1: 30, 2: 10}, 3)
    assert alphas == pytest.approx(np.array([1 / 60, 1 / 30, 1 / 10]) / sum([1 / 60, 1 / 30, 1 / 10]))
    named = dict(zip(["a", "b", "c"], alphas))
    fig3 = make_focal_loss_figure(focal_weight_curves(2.0, named, p_true), p_true, gamma=2.0, weights=named)
    assert [t.name for t in fig3.data][1:] == [f"focal, a {k} example (alpha {v:.2f})" for k, v in named.items()]


def test_lineage_segments_are_drawn_only_when_asked():
    from imbalance_core.outputs.plots import make_boundary_figure
    from imbalance_core.runs.projection import Boundary, PointsView

    boundary = Boundary(x=np.linspace(0, 1, 5), y=np.linspace(0, 1, 5), proba=np.full((5, 5, 2), 0.5),
                        axis_titles=("x", "y"), is_pca=False)
    lineage = np.array([[[0.0, 0.0], [1.0, 1.0]], [[0.2, 0.8], [0.4, 0.6]]])
    view = PointsView(points=np.array([[0.0, 0.0], [1.0, 1.0]]), labels=np.array([1, 1]),
                      synthetic_points=np.array([[0.5, 0.5], [0.3, 0.7]]), synthetic_labels=np.array([1, 1]),
                      removed_points=np.empty((0, 2)), classes=["a", "b"], positive_index=1, lineage=lineage)
    plain = make_boundary_figure(boundary, view)
    assert not any("parents" in (t.name or "") for t in plain.data)
    fig = make_boundary_figure(boundary, view, show_lineage=True)
    segments = next(t for t in fig.data if "parents" in (t.name or ""))
    xs = np.array(segments.x, dtype=float)
    ys = np.array(segments.y, dtype=float)
    np.testing.assert_array_equal(xs[[0, 1, 3, 4]], [0.0, 1.0, 0.2, 0.4])
    np.testing.assert_array_equal(ys[[0, 1, 3, 4]], [0.0, 1.0, 0.8, 0.6])
    assert np.isnan(xs[2]) and np.isnan(xs[5])  # one separate segment per synthetic point


def test_random_oversampling_copies_are_visible_by_size_and_hover(moons):
    from imbalance_core import run_experiment
    from imbalance_core.outputs.plots import make_boundary_figure

    from .helpers import tiny_config

    copied = run_experiment(moons, tiny_config("random_oversampling"))
    view = copied.view
    resampled = copied.views.resampled[0]
    np.testing.assert_array_equal(
        view.copies, np.bincount(resampled.source[resampled.source >= 0], minlength=len(copied.prepared.y_fit))[
            np.setdiff1d(np.arange(len(copied.prepared.y_fit)), resampled.dropped)])
    fig = make_boundary_figure(copied.boundary, view)
    rare = next(t for t in fig.data if t.name == f"{copied.positive_class} (training)")
    assert max(rare.marker.size) > 7 and list(rare.customdata) == list(view.copies[view.labels == copied.positive_index])
    assert "copied" in fig.layout.title.text
    plain = run_experiment(moons, tiny_config("none"))
    fig = make_boundary_figure(plain.boundary, plain.view)
    assert all(t.marker.size == 7 for t in fig.data if t.type == "scattergl") and "copied" not in fig.layout.title.text


def test_a_large_training_set_is_drawn_as_a_sample_that_keeps_every_rare_row_and_says_so():
    from imbalance_core.outputs.plots import MAX_POINTS_PER_TRACE, make_boundary_figure
    from imbalance_core.runs.projection import Boundary, PointsView

    rng = np.random.default_rng(0)
    labels = np.array([0] * 9000 + [1] * 300)
    view = PointsView(points=rng.normal(size=(len(labels), 2)), labels=labels, synthetic_points=np.empty((0, 2)),
                      synthetic_labels=np.empty(0, dtype=int), removed_points=np.empty((0, 2)), classes=["ok", "fraud"],
                      positive_index=1)
    boundary = Boundary(x=np.linspace(-3, 3, 5), y=np.linspace(-3, 3, 5), proba=np.full((5, 5, 2), 0.5),
                        axis_titles=("x", "y"), is_pca=False)
    fig = make_boundary_figure(boundary, view)
    common, rare = (next(t for t in fig.data if t.name == f"{name} (training)") for name in ("ok", "fraud"))
    assert len(common.x) == MAX_POINTS_PER_TRACE and len(rare.x) == 300  # every rare row, the common ones thinned
    assert f"Showing {MAX_POINTS_PER_TRACE + 300:,} of 9,300 training rows" in fig.layout.title.text
    small = make_boundary_figure(boundary, PointsView(points=view.points[:500], labels=labels[8700:9200],
                                                      synthetic_points=np.empty((0, 2)),
                                                      synthetic_labels=np.empty(0, dtype=int),
                                                      removed_points=np.empty((0, 2)), classes=["ok", "fraud"],
                                                      positive_index=1))
    assert "Showing" not in small.layout.title.text


@pytest.mark.parametrize("one_d", [False, True])
def test_a_thinned_view_draws_exactly_the_chart_of_the_whole_view(one_d):
    """A result carries its view thinned to what the charts draw (a few thousand points of a large table): the
    boundary chart, its "Showing N of M" note, copies, removed rows and lineage are the same as from the whole."""
    from imbalance_core.outputs.plots import make_boundary_figure
    from imbalance_core.runs.projection import Boundary, PointsView

    rng = np.random.default_rng(3)
    dims = 1 if one_d else 2
    labels = np.r_[np.zeros(7000, int), np.ones(2600, int)]
    rng.shuffle(labels)
    whole = PointsView(
        points=rng.normal(size=(len(labels), dims)).astype(np.float32), labels=labels,
        synthetic_points=rng.normal(size=(3000, dims)).astype(np.float32), synthetic_labels=np.ones(3000, int),
        removed_points=rng.normal(size=(4000, dims)).astype(np.float32), classes=["no", "yes"], positive_index=1,
        lineage=rng.normal(size=(3000, 2, dims)).astype(np.float32), copies=rng.integers(1, 4, len(labels)))
    thinned = whole.thinned()
    assert len(thinned.points) == 2500 * 2 and len(thinned.removed_points) == 2500 and len(thinned.lineage) == 400
    boundary = Boundary(x=np.linspace(-3, 3, 5), y=np.linspace(-3, 3, 1 if one_d else 5),
                        proba=np.full((1 if one_d else 5, 5, 2), 0.5), axis_titles=("a", "b"), is_pca=False)
    for lineage in (False, True):
        drawn = [make_boundary_figure(boundary, view, show_lineage=lineage, threshold=0.5, title="t").to_json()
                 for view in (whole, thinned)]
        assert drawn[0] == drawn[1]
    assert "Showing 5,000 of 9,600 training rows" in drawn[1]  # a sample of a large table says so, 2-D or 1-D
