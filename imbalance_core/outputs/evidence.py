"""The benchmark's figures (Plotly, no Streamlit): the critical-difference diagram and each table's gain over no
treatment against its imbalance ratio. Table and strategy names are plain text, escaped before Plotly sees them."""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..runs.evaluation import METRIC_LABELS
from ..runs.statistics import BenchmarkSummary, table_scores
from .plots import PALETTE, _label

__all__ = ["make_cd_figure", "make_gain_figure"]


def _spaced(text: str, right: bool) -> str:
    """A label clear of the line it ends (an en space on the line's side)."""
    return f"\u2002{text}" if right else f"{text}\u2002"


def make_cd_figure(summary: BenchmarkSummary, labels: Mapping[str, str] | None = None) -> go.Figure:
    """Average ranks on one axis (1 = best, at the left); a bar joins strategies the Nemenyi test does not tell
    apart (alpha 0.05); the critical difference is drawn to scale above the axis."""
    labels = labels or {}
    ranks = summary.ranks
    k = len(ranks)
    fig = go.Figure()
    names = list(ranks.index)
    for row, name in enumerate(names):  # each strategy: a label row, a line down to its rank on the axis
        y = -1.0 - row * 0.5
        fig.add_trace(go.Scatter(
            x=[ranks[name], ranks[name]], y=[0, y], mode="lines+markers+text", line=dict(color="#555", width=1),
            marker=dict(size=[9, 0], color=PALETTE[row % len(PALETTE)]),
            text=["", _spaced(_label(labels.get(name, name)), ranks[name] <= (k + 1) / 2)],
            textposition="middle right" if ranks[name] <= (k + 1) / 2 else "middle left",
            hovertemplate=f"{_label(labels.get(name, name))}<br>average rank %{{x:.2f}}<extra></extra>",
            showlegend=False))
    for level, group in enumerate(summary.groups):  # the not-told-apart bars, just under the axis
        low, high = float(ranks[group].min()), float(ranks[group].max())
        y = -0.25 - level * 0.15
        fig.add_trace(go.Scatter(x=[low, high], y=[y, y], mode="lines", line=dict(color="#222", width=5),
                                 hovertemplate="not told apart: " + _label(", ".join(labels.get(g, g) for g in group))
                                 + "<extra></extra>", showlegend=False))
    cd = summary.critical_difference
    if np.isfinite(cd):
        fig.add_trace(go.Scatter(x=[1, 1 + cd], y=[0.45, 0.45], mode="lines+text", line=dict(color="#E45756", width=3),
                                 text=["", f"CD = {cd:.2f}"], textposition="middle right", showlegend=False,
                                 hovertemplate=f"critical difference {cd:.2f} ranks (Nemenyi, alpha 0.05)"
                                               "<extra></extra>"))
    metric = METRIC_LABELS.get(summary.metric, summary.metric)
    friedman = ("" if not np.isfinite(summary.friedman_p) else
                f"; Friedman p = {summary.friedman_p:.2g}")
    fig.update_layout(
        title=dict(text=f"Average rank on {_label(metric)} over {summary.tables} tables (1 = best){friedman}",
                   font=dict(size=15)),
        height=160 + 34 * k + 14 * len(summary.groups), margin=dict(l=20, r=20, t=60, b=20),
        plot_bgcolor="white",
        xaxis=dict(range=[0.6, k + 0.4], side="top", dtick=1, showgrid=False, zeroline=False, title=None,
                   showline=True, linecolor="#222", ticks="outside"),
        yaxis=dict(visible=False, range=[-1.3 - (k - 1) * 0.5, 0.7]),
    )
    return fig


def make_gain_figure(frame: pd.DataFrame, metric: str, strategies: list[str],
                     labels: Mapping[str, str] | None = None) -> go.Figure:
    """Each table's gain over ``none`` on ``metric`` (strategy minus none, seeds averaged) against its imbalance
    ratio (log axis); one colour per strategy. Hover names the table; a point's ``customdata`` is its table name
    (a click opens it)."""
    labels = labels or {}
    scores = table_scores(frame, metric)
    about = frame.dropna(subset=["imbalance_ratio"]).groupby("data")[["imbalance_ratio", "rows", "features"]].first()
    fig = go.Figure()
    for i, strategy in enumerate(strategies):
        if strategy not in scores.columns or strategy == "none" or "none" not in scores.columns:
            continue
        gain = (scores[strategy] - scores["none"]).dropna()
        tables = gain.index.intersection(about.index)
        gain = gain[tables]
        info = about.loc[tables]
        names = [_label(t) for t in tables]
        fig.add_trace(go.Scatter(
            x=info["imbalance_ratio"], y=gain, mode="markers", name=_label(labels.get(strategy, strategy)),
            marker=dict(size=8, color=PALETTE[(i + 1) % len(PALETTE)], opacity=0.8,
                        line=dict(width=0.5, color="white")),
            customdata=np.column_stack([list(tables), names, info["rows"], info["features"]]),
            hovertemplate="<b>%{customdata[1]}</b><br>imbalance %{x:.1f} : 1, %{customdata[2]} rows, "
                          "%{customdata[3]} features<br>gain %{y:+.3f}<extra>%{fullData.name}</extra>"))
    fig.add_hline(y=0, line=dict(color="#444", width=1, dash="dot"))
    metric_label = METRIC_LABELS.get(metric, metric)
    fig.update_layout(
        title=dict(text=f"Gain over no treatment on {_label(metric_label)}, per table (above 0: the strategy "
                        "did better)", font=dict(size=15)),
        xaxis=dict(type="log", title="imbalance ratio (majority : minority rows), log scale"),
        yaxis=dict(title=f"{_label(metric_label)} minus no treatment's", zeroline=False),
        height=460, margin=dict(l=60, r=20, t=60, b=60), legend=dict(orientation="h", y=-0.2),
        plot_bgcolor="white", clickmode="event+select",
    )
    fig.update_xaxes(gridcolor="#eee")
    fig.update_yaxes(gridcolor="#eee")
    return fig
