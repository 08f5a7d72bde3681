"""Pure Plotly figure builders: data in, ``go.Figure`` out (no Streamlit, no ``fig.show()``)."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .evaluation import Calibration, Curve
from .projection import Boundary, PointsView

__all__ = [
    "class_colors",
    "make_boundary_figure",
    "make_class_balance_figure",
    "make_confusion_figure",
    "make_history_figure",
    "make_pr_figure",
    "make_roc_figure",
]

PALETTE = ("#4C78A8", "#E45756", "#54A24B", "#F58518", "#B279A2", "#72B7B2", "#EECA3B", "#9D755D", "#FF9DA6", "#BAB0AC")
MAX_POINTS_PER_TRACE = 2500
MAX_LINEAGE_SEGMENTS = 400  # more lines than this hide the chart instead of explaining it


def class_colors(n_classes: int, positive_index: int | None = None) -> list[str]:
    """Stable colours: in binary views the negative class is blue and the positive red."""
    if n_classes == 2:
        return [PALETTE[1], PALETTE[0]] if positive_index == 0 else [PALETTE[0], PALETTE[1]]
    return [PALETTE[i % len(PALETTE)] for i in range(n_classes)]


def _subsample(points: np.ndarray, limit: int = MAX_POINTS_PER_TRACE, seed: int = 0) -> np.ndarray:
    if len(points) <= limit:
        return points
    keep = np.random.default_rng(seed).choice(len(points), size=limit, replace=False)
    return points[np.sort(keep)]


def _layout(fig: go.Figure, title: str, x_title: str, y_title: str, **extra) -> go.Figure:
    fig.update_layout(
        title=dict(text=title, x=0.0, xanchor="left"),
        xaxis_title=x_title,
        yaxis_title=y_title,
        margin=dict(l=60, r=20, t=60, b=50),
        legend=dict(orientation="h", yanchor="top", y=-0.18, x=0.0),
        **extra,
    )
    return fig


def make_boundary_figure(
    boundary: Boundary,
    view: PointsView,
    *,
    show_synthetic: bool = True,
    show_removed: bool = True,
    show_lineage: bool = False,
    threshold: float = 0.5,
    title: str = "Decision boundary",
) -> go.Figure:
    """Predicted probability on a grid with the training points on top.

    Binary: the shading is P(positive class), with the line at ``threshold`` drawn. Multi-class: the shading
    is the predicted class. Synthetic points are their own trace(s) with an ``x`` marker;
    rows removed by undersampling are ghosted grey. With ``show_lineage`` (and a view that has it),
    each synthetic point is joined to the two real points it was interpolated between.
    """
    if boundary.proba.ndim != 3:
        raise ValueError("boundary.proba must have shape (ny, nx, n_classes)")
    classes, positive_index, points, labels = view.classes, view.positive_index, view.points, view.labels
    n_classes = len(classes)
    colors = class_colors(n_classes, positive_index)
    fig = go.Figure()
    if n_classes == 2:
        neg, pos = colors[1 - positive_index], colors[positive_index]
        fig.add_trace(go.Heatmap(
            x=boundary.x, y=boundary.y, z=boundary.proba[:, :, positive_index].astype(np.float32),
            zmin=0.0, zmax=1.0, colorscale=[[0.0, neg], [0.5, "#FFFFFF"], [1.0, pos]], opacity=0.55,
            colorbar=dict(title=dict(text=f"P({classes[positive_index]})"), thickness=12),
            name="predicted probability", hovertemplate="P=%{z:.2f}<extra></extra>",
        ))
        fig.add_trace(go.Contour(
            x=boundary.x, y=boundary.y, z=boundary.proba[:, :, positive_index].astype(np.float32),
            contours=dict(start=threshold, end=threshold, size=1.0, coloring="lines"), showscale=False,
            colorscale=[[0.0, "#222222"], [1.0, "#222222"]],
            line=dict(color="#222222", width=2), name=f"boundary (P = {threshold:.2f})", showlegend=True,
            hoverinfo="skip",
        ))
    else:
        winner = np.argmax(boundary.proba, axis=2).astype(np.float32)
        steps = []  # a discrete colour scale: one flat band per class
        for i, color in enumerate(colors):
            steps += [[i / n_classes, color], [(i + 1) / n_classes, color]]
        fig.add_trace(go.Heatmap(
            x=boundary.x, y=boundary.y, z=winner, zmin=-0.5, zmax=n_classes - 0.5,
            colorscale=steps, opacity=0.35, showscale=False, name="predicted class",
            customdata=np.asarray(classes, dtype=object)[winner.astype(int)],
            hovertemplate="predicted %{customdata}<extra></extra>",
        ))
    for c in range(n_classes):
        mine = _subsample(points[labels == c], seed=c)
        fig.add_trace(go.Scattergl(
            x=mine[:, 0], y=mine[:, 1], mode="markers", name=f"{classes[c]} (training)",
            marker=dict(color=colors[c], size=7, line=dict(color="white", width=0.8)),
        ))
    if show_removed and len(view.removed_points):
        ghost = _subsample(view.removed_points, seed=97)
        fig.add_trace(go.Scattergl(
            x=ghost[:, 0], y=ghost[:, 1], mode="markers", name="removed by undersampling",
            marker=dict(color="rgba(120,120,120,0.25)", size=6, symbol="circle-open"),
        ))
    if show_lineage and view.lineage is not None and len(view.lineage):
        shown = np.sort(np.random.default_rng(7).choice(
            len(view.lineage), size=min(len(view.lineage), MAX_LINEAGE_SEGMENTS), replace=False))
        segments = view.lineage[shown]
        gaps = np.full((len(segments), 1, 2), np.nan)
        path = np.concatenate([segments, gaps], axis=1).reshape(-1, 2)  # a, b, gap, a, b, gap, ...
        fig.add_trace(go.Scatter(
            x=path[:, 0], y=path[:, 1], mode="lines", connectgaps=False, hoverinfo="skip",
            name=f"parents of synthetic points ({len(segments)}{' shown' if len(segments) < len(view.lineage) else ''})",
            line=dict(color="rgba(60,60,60,0.45)", width=1),
        ))
    if show_synthetic and len(view.synthetic_points):
        for c in np.unique(view.synthetic_labels):
            synth = _subsample(view.synthetic_points[view.synthetic_labels == c], seed=50 + int(c))
            fig.add_trace(go.Scattergl(
                x=synth[:, 0], y=synth[:, 1], mode="markers", name=f"{classes[int(c)]} (synthetic)",
                marker=dict(color=colors[int(c)], size=8, symbol="x-thin", line=dict(color=colors[int(c)], width=2)),
            ))
    x_title, y_title = boundary.axis_titles
    if boundary.is_pca:
        title += "<br><sup>More than 2 features: a slice through the mean, along the first two principal components</sup>"
    _layout(fig, title, x_title, y_title, height=520)
    fig.update_xaxes(range=[float(boundary.x[0]), float(boundary.x[-1])], showgrid=False)
    fig.update_yaxes(range=[float(boundary.y[0]), float(boundary.y[-1])], showgrid=False)
    return fig


def make_confusion_figure(
    matrix: np.ndarray, classes: Sequence[str], *, normalize: bool = False, title: str = "Confusion matrix (test split)"
) -> go.Figure:
    """Rows are true classes, columns predicted; cells coloured by their share of the row.

    The text leads with counts, or with row shares when ``normalize`` is set.
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.shape != (len(classes), len(classes)):
        raise ValueError("matrix must be square with one row per class")
    totals = matrix.sum(axis=1, keepdims=True)
    share = np.divide(matrix, totals, out=np.zeros_like(matrix), where=totals > 0)
    # colour is always the row share (recall per class): a rare class's row stays readable
    text = [[f"{share[i, j]:.0%}<br>({int(matrix[i, j])})" if normalize else f"{int(matrix[i, j])}<br>({share[i, j]:.0%})"
             for j in range(len(classes))] for i in range(len(classes))]
    labels = [str(c) for c in classes]
    fig = go.Figure(go.Heatmap(
        z=share.astype(np.float32), x=labels, y=labels, text=text, texttemplate="%{text}", colorscale="Blues",
        zmin=0.0, zmax=1.0, showscale=False,
        hovertemplate="true %{y}, predicted %{x}: %{text}<extra></extra>",
    ))
    _layout(fig, title, "Predicted class", "True class", height=380)
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category", side="bottom")
    return fig


def _curve_color(i: int, n: int) -> str:
    # a single (binary, positive-class) curve takes the positive class's red
    return PALETTE[1] if n == 1 else PALETTE[i % len(PALETTE)]


def _curves_height(n_curves: int) -> int:
    """Room for the plot plus a legend that grows with the number of curves below it."""
    return 400 + 24 * max(0, n_curves - 2)


def _operating_point_trace(x: float, y: float, threshold: float) -> go.Scatter:
    return go.Scatter(
        x=np.array([x], dtype=np.float32), y=np.array([y], dtype=np.float32), mode="markers",
        name=f"threshold {threshold:.2f}", marker=dict(size=13, color="#222222", symbol="circle-open", line=dict(width=3)),
    )


def _curve_points_trace(curves: Sequence[Curve], points: Sequence[tuple[Mapping[str, float], float]], x: str,
                        y: str) -> go.Scatter:
    """One marker per curve, in its colour, where that curve's own threshold sits."""
    keep = [i for i, (p, _) in enumerate(points) if np.isfinite(p[x]) and np.isfinite(p[y])]
    return go.Scatter(
        x=np.array([points[i][0][x] for i in keep], dtype=np.float32),
        y=np.array([points[i][0][y] for i in keep], dtype=np.float32), mode="markers",
        name="operating points", customdata=[[curves[i].name, points[i][1]] for i in keep],
        hovertemplate="%{customdata[0]}<br>threshold %{customdata[1]:.2f}<extra></extra>",
        marker=dict(size=12, symbol="circle-open", line=dict(width=3),
                    color=[_curve_color(i, len(curves)) for i in keep]),
    )


def make_roc_figure(
    curves: Sequence[Curve], *, operating_point: Mapping[str, float] | None = None, threshold: float = 0.5,
    title: str = "ROC curve (test split)", operating_points: Sequence[tuple[Mapping[str, float], float]] | None = None,
) -> go.Figure:
    """One line per curve, AUC in the legend, the chance diagonal, and where the threshold sits.

    ``operating_points``: one ``(point, threshold)`` per curve, for overlays where each curve has its own.
    """
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="chance (AUC 0.50)",
                             line=dict(color="#999999", dash="dash", width=1)))
    for i, curve in enumerate(curves):
        fig.add_trace(go.Scatter(
            x=curve.x.astype(np.float32), y=curve.y.astype(np.float32), mode="lines",
            name=f"{curve.name} (AUC {curve.area:.3f})", line=dict(width=2.5, color=_curve_color(i, len(curves))),
        ))
    if operating_point is not None:
        fig.add_trace(_operating_point_trace(operating_point["fpr"], operating_point["tpr"], threshold))
    if operating_points:
        fig.add_trace(_curve_points_trace(curves, operating_points, "fpr", "tpr"))
    _layout(fig, title, "False positive rate", "True positive rate (recall)", height=_curves_height(len(curves)))
    fig.update_xaxes(range=[0, 1], constrain="domain")
    fig.update_yaxes(range=[0, 1.02])
    return fig


def make_pr_figure(
    curves: Sequence[Curve], *, positive_rate: float | None = None, operating_point: Mapping[str, float] | None = None,
    threshold: float = 0.5, title: str = "Precision-recall curve (test split)",
    operating_points: Sequence[tuple[Mapping[str, float], float]] | None = None,
) -> go.Figure:
    """One line per curve, average precision in the legend, the no-skill line, and where the threshold sits."""
    fig = go.Figure()
    if positive_rate is not None and np.isfinite(positive_rate):
        fig.add_trace(go.Scatter(x=[0, 1], y=[positive_rate, positive_rate], mode="lines",
                                 name=f"no skill (precision {positive_rate:.2f})",
                                 line=dict(color="#999999", dash="dash", width=1)))
    for i, curve in enumerate(curves):
        fig.add_trace(go.Scatter(
            x=curve.x.astype(np.float32), y=curve.y.astype(np.float32), mode="lines", line_shape="hv",
            name=f"{curve.name} (AP {curve.area:.3f})", line=dict(width=2.5, color=_curve_color(i, len(curves))),
        ))
    if operating_point is not None and np.isfinite(operating_point["precision"]):
        fig.add_trace(_operating_point_trace(operating_point["recall"], operating_point["precision"], threshold))
    if operating_points:
        fig.add_trace(_curve_points_trace(curves, operating_points, "recall", "precision"))
    _layout(fig, title, "Recall", "Precision", height=_curves_height(len(curves)))
    fig.update_xaxes(range=[0, 1])
    fig.update_yaxes(range=[0, 1.02])
    return fig


def make_class_balance_figure(
    stages: Mapping[str, Mapping[str, int]], *, classes: Sequence[str], synthetic: Mapping[str, int] | None = None,
    positive_index: int | None = None, title: str = "Class balance",
) -> go.Figure:
    """Grouped bars: rows per class at each stage (e.g. training set before and after resampling)."""
    fig = go.Figure()
    colors = class_colors(len(classes), positive_index)
    stage_names = list(stages)
    for c, name in enumerate(classes):
        values = np.array([stages[s].get(name, 0) for s in stage_names], dtype=np.float32)
        fig.add_trace(go.Bar(
            x=stage_names, y=values, name=str(name), marker_color=colors[c],
            text=[f"{int(v)}" for v in values], textposition="outside",
        ))
    if synthetic:
        notes = ", ".join(f"{k}: {v}" for k, v in synthetic.items() if v)
        if notes:
            title += f"<br><sup>synthetic rows among them - {notes}</sup>"
    _layout(fig, title, "", "Rows", height=400, barmode="group")
    fig.update_xaxes(tickangle=0)
    return fig


def make_history_figure(history: Sequence[Mapping[str, Sequence[float]]], *, total_epochs: int | None = None,
                        initial_loss: float | None = None, title: str = "Training history") -> go.Figure:
    """Loss and PR AUC per epoch, training and validation; ensemble members drawn one after another."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Loss", "PR AUC"), horizontal_spacing=0.1)
    styles = {"loss": ("training", PALETTE[0]), "val_loss": ("validation", PALETTE[1]),
              "pr_auc": ("training", PALETTE[0]), "val_pr_auc": ("validation", PALETTE[1])}
    shown = set()
    for m, member in enumerate(history):
        for key, (who, color) in styles.items():
            values = np.asarray(member.get(key, []), dtype=np.float32)
            if values.size == 0:
                continue
            col = 1 if key.endswith("loss") else 2
            label = who if len(history) == 1 else f"{who} (each network)"
            fig.add_trace(go.Scatter(
                x=np.arange(1, values.size + 1, dtype=np.float32), y=values, mode="lines", name=label,
                legendgroup=who, showlegend=who not in shown,
                line=dict(color=color, width=2 if len(history) == 1 else 1.5),
                opacity=1.0 if len(history) == 1 else 0.7,
                hovertemplate=f"network {m + 1}, epoch %{{x}}: %{{y:.3f}}<extra>{who}</extra>",
            ), row=1, col=col)
            shown.add(who)
    if initial_loss is not None:
        fig.add_trace(go.Scatter(x=np.array([0], dtype=np.float32), y=np.array([initial_loss], dtype=np.float32),
                                 mode="markers", name="before training", marker=dict(color="#222222", size=9)),
                      row=1, col=1)
    _layout(fig, title, "", "", height=340)
    fig.update_layout(legend=dict(orientation="v", yanchor="top", y=1.0, x=1.02))
    first = -1 if initial_loss is not None else 1  # room for the whole epoch-0 marker
    fig.update_xaxes(title_text="Epoch", range=[first, total_epochs] if total_epochs else None)
    fig.update_yaxes(range=[0, 1.02], row=1, col=2)
    return fig


def make_focal_loss_figure(curves: Mapping[str, np.ndarray], p_true: np.ndarray, *, gamma: float, alpha: float,
                           title: str = "Loss of one example") -> go.Figure:
    """Loss of one example against the probability the network gives its true class."""
    fig = go.Figure()
    styles = [
        ("cross_entropy", "cross-entropy", "#999999", "dash"),
        ("focal_positive", f"focal, positive example (weight {alpha:.2f})", PALETTE[1], None),
        ("focal_negative", f"focal, negative example (weight {1 - alpha:.2f})", PALETTE[0], None),
    ]
    for key, name, color, dash in styles:
        fig.add_trace(go.Scatter(x=np.asarray(p_true, dtype=np.float32), y=np.asarray(curves[key], dtype=np.float32),
                                 mode="lines", name=name, line=dict(color=color, dash=dash, width=2.5)))
    _layout(fig, f"{title}<br><sup>gamma {gamma:.2f}: easy examples (right) count less</sup>",
            "Probability given to the true class (p_t)", "Loss", height=400)
    fig.update_yaxes(range=[0, 2.5])
    fig.update_layout(legend=dict(orientation="v", yanchor="top", y=-0.25, x=0.0), margin=dict(b=130))
    return fig


def make_reliability_figure(calibrations: Mapping[str, Calibration], *,
                            title: str = "Calibration (test split)") -> go.Figure:
    """Reliability diagram: mean predicted probability against the observed rate, one line per model."""
    fig = go.Figure(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfectly calibrated",
                               line=dict(color="#999999", dash="dash", width=1)))
    for i, (name, cal) in enumerate(calibrations.items()):
        fig.add_trace(go.Scatter(
            x=np.asarray(cal.mean_predicted, dtype=np.float32), y=np.asarray(cal.observed_rate, dtype=np.float32),
            mode="lines+markers", name=f"{name} (Brier {cal.brier:.3f})", line=dict(color=PALETTE[i % len(PALETTE)]),
        ))
    _layout(fig, title, "Mean predicted probability of the positive class", "Observed share of positives", height=420)
    fig.update_xaxes(range=[0, 1])
    fig.update_yaxes(range=[0, 1.02])
    return fig


def _grid_shape(n: int, columns: int) -> tuple[int, int]:
    cols = min(columns, max(1, n))
    return int(np.ceil(n / cols)), cols


def make_boundary_grid_figure(panels: Sequence[tuple[str, Boundary, PointsView]], *, threshold: float = 0.5,
                              columns: int = 4, title: str = "Decision boundaries") -> go.Figure:
    """Small multiples on shared axes and one shared colour scale: one boundary per model."""
    if not panels:
        raise ValueError("no panels to draw")
    rows, cols = _grid_shape(len(panels), columns)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[p[0] for p in panels], shared_xaxes="all",
                        shared_yaxes="all", horizontal_spacing=0.03, vertical_spacing=0.08)
    for i, (name, boundary, view) in enumerate(panels):
        row, col = i // cols + 1, i % cols + 1
        colors = class_colors(len(view.classes), view.positive_index)
        if len(view.classes) == 2:
            z = boundary.proba[:, :, view.positive_index].astype(np.float32)
            fig.add_trace(go.Heatmap(x=boundary.x, y=boundary.y, z=z, coloraxis="coloraxis", opacity=0.6,
                                     hovertemplate="P=%{z:.2f}<extra></extra>"), row=row, col=col)
            fig.add_trace(go.Contour(x=boundary.x, y=boundary.y, z=z, showscale=False, hoverinfo="skip",
                                     contours=dict(start=threshold, end=threshold, size=1.0, coloring="lines"),
                                     colorscale=[[0.0, "#222222"], [1.0, "#222222"]], line=dict(width=1.5)),
                          row=row, col=col)
        else:
            winner = np.argmax(boundary.proba, axis=2).astype(np.float32)
            fig.add_trace(go.Heatmap(x=boundary.x, y=boundary.y, z=winner, coloraxis="coloraxis2", opacity=0.4,
                                     hoverinfo="skip"), row=row, col=col)
        for c in range(len(view.classes)):
            mine = _subsample(view.points[view.labels == c], limit=600, seed=c)
            fig.add_trace(go.Scattergl(x=mine[:, 0], y=mine[:, 1], mode="markers", showlegend=i == 0,
                                       name=str(view.classes[c]), legendgroup=str(c),
                                       marker=dict(color=colors[c], size=4)), row=row, col=col)
    first = panels[0][2]
    colors = class_colors(len(first.classes), first.positive_index)
    if len(first.classes) == 2:
        fig.update_layout(coloraxis=dict(
            cmin=0, cmax=1, colorscale=[[0.0, colors[1 - first.positive_index]], [0.5, "#FFFFFF"],
                                         [1.0, colors[first.positive_index]]],
            colorbar=dict(title=dict(text=f"P({first.classes[first.positive_index]})"), thickness=10)))
    else:
        n = len(first.classes)
        steps = []
        for i, color in enumerate(colors):
            steps += [[i / n, color], [(i + 1) / n, color]]
        fig.update_layout(coloraxis2=dict(cmin=-0.5, cmax=n - 0.5, colorscale=steps, showscale=False))
    x_title, y_title = panels[0][1].axis_titles
    _layout(fig, title, "", "", height=300 * rows + 80)
    fig.update_xaxes(showticklabels=False)
    fig.update_yaxes(showticklabels=False)
    fig.add_annotation(text=f"{x_title} (across) / {y_title} (up)", xref="paper", yref="paper", x=0, y=-0.04,
                       showarrow=False, font=dict(size=11, color="#666666"), xanchor="left")
    return fig


def make_confusion_grid_figure(panels: Sequence[tuple[str, np.ndarray]], classes: Sequence[str], *,
                               columns: int = 4, title: str = "Confusion matrices (test split)") -> go.Figure:
    """Small multiples of row-normalised confusion matrices on one colour scale, counts in the cells."""
    if not panels:
        raise ValueError("no panels to draw")
    rows, cols = _grid_shape(len(panels), columns)
    labels = [str(c) for c in classes]
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[p[0] for p in panels], horizontal_spacing=0.05,
                        vertical_spacing=0.12)
    for i, (name, matrix) in enumerate(panels):
        matrix = np.asarray(matrix, dtype=np.float64)
        totals = matrix.sum(axis=1, keepdims=True)
        share = np.divide(matrix, totals, out=np.zeros_like(matrix), where=totals > 0)
        fig.add_trace(go.Heatmap(z=share.astype(np.float32), x=labels, y=labels, coloraxis="coloraxis",
                                 text=matrix.astype(int), texttemplate="%{text}",
                                 hovertemplate="true %{y}, predicted %{x}: %{text}<extra></extra>"),
                      row=i // cols + 1, col=i % cols + 1)
    fig.update_layout(coloraxis=dict(cmin=0, cmax=1, colorscale="Blues", showscale=False))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category")
    _layout(fig, title + "<br><sup>rows are true classes, columns predicted; colour is the row share</sup>",
            "", "", height=260 * rows + 110)
    fig.update_layout(margin=dict(t=105))
    return fig
