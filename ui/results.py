"""How the lab shows a run: live progress while training, then the finished result."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import streamlit as st

import numpy as np

from imbalance_core import METRIC_LABELS
from imbalance_core.losses import focal_loss_curves
from imbalance_core.plots import make_focal_loss_figure
from imbalance_core.report import live_figures, result_figures

if TYPE_CHECKING:
    from imbalance_core import ExperimentResult, LiveUpdate


class LiveView:
    """A progress bar plus the boundary and history redrawn in place while a network trains.

    Pass :meth:`update` as ``on_update`` to ``run_experiment`` (the core throttles the calls).
    """

    def __init__(self) -> None:
        self.progress = st.progress(0.0, text="Preparing the data and starting TensorFlow...")
        self.boundary = st.empty()
        self.history = st.empty()

    def update(self, update: LiveUpdate) -> None:
        loss = update.history[-1].get("loss", [math.nan])[-1]
        who = f"network {update.member + 1}/{update.n_members}, " if update.n_members > 1 else ""
        self.progress.progress(update.fraction, text=f"{who}epoch {update.epoch + 1}/{update.epochs} - loss {loss:.4f}")
        figures = live_figures(update)
        # no keys: each redraw replaces the chart in place (the figures differ, so no duplicate ids)
        self.boundary.plotly_chart(figures["boundary"])
        self.history.plotly_chart(figures["history"])

    def clear(self) -> None:
        """Drop the live charts; the final ones replace them."""
        self.boundary.empty()
        self.history.empty()


def focal_explorer(gamma: float, alpha: float):
    """The focal-loss explorer: how gamma and alpha reshape the loss of one example."""
    p_true = np.linspace(0.01, 0.99, 99)
    return make_focal_loss_figure(focal_loss_curves(gamma, alpha, p_true), p_true, gamma=gamma, alpha=alpha)


def show_metrics(metrics: dict[str, float]) -> None:
    names = list(METRIC_LABELS)
    for row in (names[:5], names[5:]):
        for column, name in zip(st.columns(5), row):
            value = metrics[name]
            column.metric(METRIC_LABELS[name], "n/a" if math.isnan(value) else f"{value:.3f}")


@st.fragment
def show_result(result: ExperimentResult) -> None:
    """Every chart and number of a finished run. View options rerun only this fragment."""
    st.subheader(f"{result.strategy_label} on {result.dataset_name}")
    binary = len(result.classes) == 2
    threshold = 0.5
    if binary:
        threshold = st.slider(
            f"Decision threshold: predict {result.positive_class!r} when its probability is at least", 0.01, 0.99,
            0.5, 0.01, key="lab.view.threshold",
            help="Moving it trades precision for recall. The network is not retrained: the same test-split "
                 "probabilities are cut at another point.",
        )
    evaluation = result.evaluate_at(threshold)
    show_metrics(evaluation.metrics)
    rule = f"threshold {threshold:.2f}" if binary else "predicted class = most probable"
    scope = f"positive class {result.positive_class!r}" if binary else "macro averages"
    st.caption(f"Test split: {len(result.prepared.y_test)} untouched rows; {rule}. Precision, recall and F1 are "
               f"for the {scope}. Trained in {result.train_seconds:.1f} s.")
    for note in result.notes:
        st.info(note, icon=":material/info:")
    options = st.columns(3)
    normalize = options[0].toggle("Confusion matrix as shares", value=False, key="lab.view.normalize")
    show_synthetic = show_removed = True
    if len(result.view.synthetic_points):
        show_synthetic = options[1].toggle("Show synthetic points", value=True, key="lab.view.synthetic")
    if len(result.view.removed_points):
        show_removed = options[2].toggle("Show removed points", value=True, key="lab.view.removed")
    figures = result_figures(result, normalize_confusion=normalize, show_synthetic=show_synthetic,
                             show_removed=show_removed, threshold=threshold)
    st.plotly_chart(figures["boundary"], key="chart.boundary")
    left, right = st.columns(2)
    left.plotly_chart(figures["confusion"], key="chart.confusion")
    right.plotly_chart(figures["balance"], key="chart.balance")
    left.plotly_chart(figures["roc"], key="chart.roc")
    right.plotly_chart(figures["pr"], key="chart.pr")
    st.plotly_chart(figures["history"], key="chart.history")
    st.markdown("**Per class (test split)**")
    st.dataframe(evaluation.per_class, hide_index=True,
                 column_config={c: st.column_config.NumberColumn(format="%.3f") for c in ("precision", "recall", "f1")})
    if result.class_weights:
        st.caption("Class weights used: " + ", ".join(
            f"{result.classes[c]} = {w:.2f}" for c, w in result.class_weights.items()))
