"""How the compare page shows a comparison: leaderboard, overlaid curves, small multiples."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from imbalance_core.compare import LOWER_IS_BETTER
from imbalance_core.evaluation import Curve
from imbalance_core.plots import (
    make_boundary_grid_figure,
    make_confusion_grid_figure,
    make_pr_figure,
    make_reliability_figure,
    make_roc_figure,
)

if TYPE_CHECKING:
    from imbalance_core.compare import Comparison

HIGHLIGHT = "background-color: #d8efd9; font-weight: 600"


def _positive_curves(comparison: Comparison, kind: str) -> list[Curve]:
    curves = []
    for result in comparison.results.values():
        for curve in getattr(result.evaluation, kind):
            if curve.name == result.positive_class:
                curves.append(Curve(result.strategy_label, curve.x, curve.y, curve.area))
    return curves


def show_comparison(comparison: Comparison) -> None:
    first = next(iter(comparison.results.values()))
    st.subheader(f"{len(comparison.results)} strategies on {first.dataset_name}")
    board = comparison.leaderboard()
    means = [c for c in board.columns if c != "Strategy" and not c.endswith("±")]
    higher = [c for c in means if c not in LOWER_IS_BETTER]
    lower = [c for c in means if c in LOWER_IS_BETTER]
    styled = (board.style.format({c: "{:.3f}" for c in board.columns if c != "Strategy"})
              .highlight_max(subset=higher, props=HIGHLIGHT).highlight_min(subset=lower, props=HIGHLIGHT))
    st.dataframe(styled, hide_index=True, key="compare.leaderboard")
    scope = (f"positive class {first.positive_class!r}, threshold 0.5" if len(first.classes) == 2
             else "macro averages, most probable class")
    repeats = comparison.repeats
    st.caption(f"Test split of {len(first.prepared.y_test)} untouched rows; {scope}; best value per column highlighted; "
               + (f"mean and ± standard deviation over {repeats} seeds." if repeats > 1 else "one seed.")
               + " Click a column header to sort.")
    close = comparison.within_spread("pr_auc")
    if close:
        names = {k: r.strategy_label for k, r in comparison.results.items()}
        st.info("PR AUC differs by less than the seed-to-seed spread between: "
                + "; ".join(f"{names[a]} and {names[b]}" for a, b in close)
                + ". Treat those as ties.", icon=":material/info:")
    left, right = st.columns(2)
    rare = f" - class {first.positive_class!r}"
    left.plotly_chart(make_roc_figure(_positive_curves(comparison, "roc"), title="ROC curves (test split)" + rare),
                      key="compare.roc")
    right.plotly_chart(make_pr_figure(_positive_curves(comparison, "pr"), positive_rate=first.evaluation.positive_rate,
                                      title="Precision-recall curves (test split)" + rare), key="compare.pr")
    panels = [(r.strategy_label, r.boundary, r.view) for r in comparison.results.values()]
    st.plotly_chart(make_boundary_grid_figure(panels, title="Decision boundaries, same axes and colour scale"),
                    key="compare.boundaries")
    st.plotly_chart(make_confusion_grid_figure(
        [(r.strategy_label, r.evaluation.confusion) for r in comparison.results.values()], first.classes),
        key="compare.confusions")
    st.plotly_chart(make_reliability_figure(
        {r.strategy_label: comparison.calibrations[k] for k, r in comparison.results.items()}),
        key="compare.calibration")
    st.caption("Resampling and class weights train the network as if the rare class were common, so its predicted "
               "probabilities run high: good for ranking (ROC/PR), but read them as scores, not as real-world rates.")
