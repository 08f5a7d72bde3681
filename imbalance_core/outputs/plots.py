"""Pure Plotly figure builders: data in, ``go.Figure`` out (no Streamlit, no ``fig.show()``).

Every string argument (titles, class names, curve and panel names, axis titles) is plain text: the
builders escape it before Plotly sees it, so a class label such as ``<a href=...>`` is shown as
written, never as a link. Line breaks in them become Plotly line breaks.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..runs.evaluation import Calibration, Curve
from ..runs.projection import MAX_LINEAGE_SEGMENTS, MAX_POINTS_PER_TRACE, Boundary, PointsView, drawn_positions
from ..settings import THRESHOLD
from ..text import plotly_escape

__all__ = [
    "class_colors",
    "make_boundary_figure",
    "make_boundary_grid_figure",
    "make_class_balance_figure",
    "make_confusion_figure",
    "make_confusion_grid_figure",
    "make_data_figure",
    "make_focal_loss_figure",
    "make_history_figure",
    "make_pr_figure",
    "make_reliability_figure",
    "make_roc_figure",
]

PALETTE = ("#4C78A8", "#E45756", "#54A24B", "#F58518", "#B279A2", "#72B7B2", "#EECA3B", "#9D755D", "#FF9DA6", "#BAB0AC")
GROUP_SYMBOLS = ("circle", "square", "diamond", "triangle-up", "cross", "triangle-down", "pentagon", "star")
RUG_STEP = 0.09  # 1-D views: the gap between the rows of points drawn under the probability curves


def _label(text) -> str:
    """Plain text for any Plotly string: escaped, with its own line breaks kept."""
    return plotly_escape(text).replace("\n", "<br>")


def class_colors(n_classes: int, positive_index: int | None = None) -> list[str]:
    """Stable colours: in binary views the negative class is blue and the positive red."""
    if n_classes == 2:
        return [PALETTE[1], PALETTE[0]] if positive_index == 0 else [PALETTE[0], PALETTE[1]]
    return [PALETTE[i % len(PALETTE)] for i in range(n_classes)]


def _drawn(points: np.ndarray, kind: str, class_index: int = 0, limit: int = MAX_POINTS_PER_TRACE) -> np.ndarray:
    """The points of one kind a chart draws (all, or the sample :func:`drawn_positions` chooses)."""
    shown = drawn_positions(len(points), kind, class_index, limit)
    return points if shown is None else points[shown]


def _probability_scale(colors: Sequence[str], positive_index: int) -> list:
    """P(positive class) from the negative class's colour through white (0.5) to the positive class's."""
    return [[0.0, colors[1 - positive_index]], [0.5, "#FFFFFF"], [1.0, colors[positive_index]]]


def _class_steps(colors: Sequence[str]) -> list:
    """A discrete colour scale: one flat band per class (for the predicted class, 0 .. n - 1)."""
    n, steps = len(colors), []
    for i, color in enumerate(colors):
        steps += [[i / n, color], [(i + 1) / n, color]]
    return steps


def _merged(base: Mapping, extra: Mapping) -> dict:
    """``base`` with ``extra`` written over it, nested settings merged key by key."""
    out = dict(base)
    for key, value in extra.items():
        out[key] = _merged(out[key], value) if isinstance(value, Mapping) and isinstance(out.get(key), Mapping) \
            else value
    return out


def _base_layout(title: str, x_title: str, y_title: str, xaxis: Mapping | None, yaxis: Mapping | None,
                 extra: Mapping) -> dict:
    """The layout every chart shares; ``title`` is Plotly text already (escaped by the caller), the axis titles
    plain text; ``xaxis``/``yaxis`` and ``extra`` are merged over it."""
    return _merged({
        "title": {"text": title, "x": 0.0, "xanchor": "left"},
        "xaxis": {"title": {"text": _label(x_title)}, **(xaxis or {})},
        "yaxis": {"title": {"text": _label(y_title)}, **(yaxis or {})},
        "margin": {"l": 60, "r": 20, "t": 60, "b": 50},
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0.0},
    }, extra)


def _figure(traces: Sequence, title: str, x_title: str, y_title: str, *, xaxis: Mapping | None = None,
            yaxis: Mapping | None = None, **extra) -> go.Figure:
    """A chart made in one go from its traces and :func:`_base_layout`.

    Plotly validates whatever is set on a figure, and a layout set afterwards is validated again with the
    theme's template (``update_layout`` and ``update_xaxes`` cost about 3 ms a call); a result draws six charts
    for every student of a class on one web server, so each is built with its whole layout at once."""
    return go.Figure(data=list(traces), layout=_base_layout(title, x_title, y_title, xaxis, yaxis, extra))


def _layout(fig: go.Figure, title: str, x_title: str, y_title: str, *, xaxis: Mapping | None = None,
            yaxis: Mapping | None = None, **extra) -> go.Figure:
    """:func:`_base_layout` over a figure that has a layout already (small multiples from ``make_subplots``)."""
    current = fig.layout.to_plotly_json()
    current.pop("template", None)  # the default template: put back as it was, not validated again (~20 ms)
    fig.layout = _merged(current, _base_layout(title, x_title, y_title, xaxis, yaxis, extra))
    return fig


def make_boundary_figure(
    boundary: Boundary,
    view: PointsView,
    *,
    show_synthetic: bool = True,
    show_removed: bool = True,
    show_lineage: bool = False,
    threshold: float = THRESHOLD.default,
    title: str = "Decision boundary",
) -> go.Figure:
    """Predicted probability on a grid with the training points on top.

    Binary: the shading is P(positive class), with the line at ``threshold`` drawn. Multi-class: the shading
    is the predicted class. Synthetic points are their own trace(s) with an ``x`` marker;
    rows removed by undersampling are ghosted grey. With ``show_lineage`` (and a view that has it),
    each synthetic point is joined to the two real points it was interpolated between.
    A 1-D view (one feature) draws the probability along the feature, the points in rows beneath it.
    """
    if boundary.proba.ndim != 3:
        raise ValueError("boundary.proba must have shape (ny, nx, n_classes)")
    if boundary.is_1d:
        return _boundary_1d_figure(boundary, view, show_synthetic=show_synthetic, show_removed=show_removed,
                                   show_lineage=show_lineage, threshold=threshold, title=title)
    colors = class_colors(len(view.classes), view.positive_index)
    copies = view.copies if view.copies is not None and len(view.copies) and view.copies.max() > 1 else None
    traces = _boundary_shading(boundary, view, colors, threshold) + _training_points(view, colors, copies)
    if show_removed and len(view.removed_points):
        ghost = _drawn(view.removed_points, "removed")
        traces.append(go.Scattergl(
            x=ghost[:, 0], y=ghost[:, 1], mode="markers", name="removed by undersampling",
            marker=dict(color="rgba(120,120,120,0.25)", size=6, symbol="circle-open"),
        ))
    if show_lineage and view.lineage is not None and len(view.lineage):
        segments, n_shown = _lineage_segments(view.lineage)
        traces.append(_lineage_trace(segments, n_shown, view.lineage_total or len(view.lineage)))
    if show_synthetic and len(view.synthetic_points):
        for c in np.unique(view.synthetic_labels):
            synth = _drawn(view.synthetic_points[view.synthetic_labels == c], "synthetic", int(c))
            traces.append(go.Scattergl(
                x=synth[:, 0], y=synth[:, 1], mode="markers", name=f"{_label(view.classes[int(c)])} (synthetic)",
                marker=dict(color=colors[int(c)], size=8, symbol="x-thin", line=dict(color=colors[int(c)], width=2)),
            ))
    shown_title = _label(title) + _boundary_subtitles(boundary, view, copies)
    x_title, y_title = boundary.axis_titles
    return _figure(traces, shown_title, x_title, y_title, height=520,
                   margin={"t": 95} if shown_title.count("<br>") >= 2 else {},  # two subtitle lines: room for both
                   xaxis={"range": [float(boundary.x[0]), float(boundary.x[-1])], "showgrid": False},
                   yaxis={"range": [float(boundary.y[0]), float(boundary.y[-1])], "showgrid": False})


def animate_boundary(figure: go.Figure, frames: Sequence[tuple[str, Boundary]], view: PointsView, *,
                     threshold: float = THRESHOLD.default, duration: int = 250) -> go.Figure:
    """A boundary figure (``make_boundary_figure``) that replays: one Plotly animation frame per ``(label,
    boundary)`` (its shading and threshold line swapped in), a slider naming each frame and a play button; the
    browser animates it, nothing is computed again. A 1-D boundary is returned as it is."""
    if not frames or frames[0][1].is_1d:
        return figure
    colors = class_colors(len(view.classes), view.positive_index)
    shading = [_boundary_shading(boundary, view, colors, threshold) for _, boundary in frames]
    indices = list(range(len(shading[0])))
    head, _, rest = (figure.layout.title.text or "").partition("<br>")
    animation = [go.Frame(data=traces, traces=indices, name=label,
                          layout={"title": {"text": f"{head} - {label}" + (f"<br>{rest}" if rest else "")}})
                 for (label, _), traces in zip(frames, shading)]
    still = {"mode": "immediate", "frame": {"duration": 0, "redraw": True}, "transition": {"duration": 0}}
    steps = [{"method": "animate", "label": label, "args": [[label], still]} for label, _ in frames]
    play = {"frame": {"duration": duration, "redraw": True}, "transition": {"duration": 0}, "fromcurrent": True}
    figure.frames = animation
    figure.layout.sliders = [{"active": len(frames) - 1, "steps": steps, "x": 0.12, "len": 0.88, "y": -0.2,
                              "yanchor": "top", "currentvalue": {"prefix": "Replay: "}}]
    figure.layout.updatemenus = [{"type": "buttons", "showactive": False, "x": 0.0, "y": -0.2, "xanchor": "left",
                                  "yanchor": "top", "pad": {"t": 25},
                                  "buttons": [{"label": "Play", "method": "animate",
                                               "args": [[label for label, _ in frames], play]}]}]
    figure.layout.height = (figure.layout.height or 520) + 130
    figure.layout.margin.b = 190
    return figure


def _boundary_shading(boundary: Boundary, view: PointsView, colors: Sequence[str], threshold: float) -> list:
    """The grid under the points: P(positive) and the line at the threshold (two classes), or the predicted class."""
    classes, positive_index = view.classes, view.positive_index
    if len(classes) == 2:
        z = boundary.proba[:, :, positive_index].astype(np.float32)
        return [
            go.Heatmap(x=boundary.x, y=boundary.y, z=z, zmin=0.0, zmax=1.0,
                       colorscale=_probability_scale(colors, positive_index), opacity=0.55,
                       colorbar=dict(title=dict(text=f"P({_label(classes[positive_index])})"), thickness=12),
                       name="predicted probability", hovertemplate="P=%{z:.2f}<extra></extra>"),
            go.Contour(x=boundary.x, y=boundary.y, z=z, showscale=False, hoverinfo="skip", showlegend=True,
                       contours=dict(start=threshold, end=threshold, size=1.0, coloring="lines"),
                       colorscale=[[0.0, "#222222"], [1.0, "#222222"]], line=dict(color="#222222", width=2),
                       name=f"boundary (P = {threshold:.2f})"),
        ]
    winner = np.argmax(boundary.proba, axis=2).astype(np.float32)
    return [go.Heatmap(
        x=boundary.x, y=boundary.y, z=winner, zmin=-0.5, zmax=len(classes) - 0.5,
        colorscale=_class_steps(colors), opacity=0.35, showscale=False, name="predicted class",
        customdata=np.asarray([_label(c) for c in classes], dtype=object)[winner.astype(int)],
        hovertemplate="predicted %{customdata}<extra></extra>",
    )]


def _training_points(view: PointsView, colors: Sequence[str], copies: np.ndarray | None) -> list:
    """One trace per class of real training rows; with ``copies`` (random oversampling) a row used k times is
    drawn larger, its count on hover."""
    traces = []
    for c in range(len(view.classes)):
        mine = _drawn(view.points[view.labels == c], "real", c)
        marker = dict(color=colors[c], size=7, line=dict(color="white", width=0.8))
        extra = {}
        if copies is not None:
            times = np.maximum(_drawn(copies[view.labels == c], "real", c), 1)  # the same rows as ``mine``
            marker["size"] = np.minimum(7 + 4 * np.sqrt(times - 1), 30).astype(np.float32)
            extra = dict(customdata=times, hovertemplate="in the training rows %{customdata} time(s)<extra></extra>")
        traces.append(go.Scattergl(x=mine[:, 0], y=mine[:, 1], mode="markers",
                                   name=f"{_label(view.classes[c])} (training)", marker=marker, **extra))
    return traces


def _sample_note(view: PointsView) -> str:
    """On a large table the chart draws a sample of the rows: it says how many of how many, and which."""
    counts = view.class_totals
    if counts.max() <= MAX_POINTS_PER_TRACE:
        return ""
    shown = int(np.minimum(counts, MAX_POINTS_PER_TRACE).sum())
    return (f"<br><sup>Showing {shown:,} of {int(counts.sum()):,} training rows: every row of a class "
            f"with at most {MAX_POINTS_PER_TRACE:,}, a random sample of each larger one</sup>")


def _boundary_subtitles(boundary: Boundary, view: PointsView, copies: np.ndarray | None) -> str:
    """What the reader needs to know to read the picture: a sample drawn, copies drawn larger, a PCA slice."""
    text = _sample_note(view)
    if copies is not None:
        text += (f"<br><sup>Larger dots are rows copied into the training rows (up to {int(copies.max())} "
                 "times each): the network sees the same few rare points again and again</sup>")
    if boundary.is_pca:
        text += "<br><sup>More than 2 features: a slice through the mean, along the first two principal components</sup>"
    return text


def make_data_figure(
    train_points: np.ndarray, train_labels: np.ndarray, test_points: np.ndarray, test_labels: np.ndarray, *,
    classes: Sequence[str], positive_index: int, axis_titles: tuple[str, str], is_pca: bool,
    counts: Mapping[str, int], title: str = "The data, before any training",
) -> go.Figure:
    """The rows in the view the boundary will use: training rows filled, test rows hollow, the class balance
    in the title. A 1-D view puts each class on its own row."""
    colors = class_colors(len(classes), positive_index)
    traces = []
    one_d = train_points.ndim == 1 or train_points.shape[1] == 1
    for c, name in enumerate(classes):
        for points, labels, part, filled in ((train_points, train_labels, "training", True),
                                             (test_points, test_labels, "test, held out", False)):
            mine = _drawn(np.asarray(points)[labels == c].reshape(int((labels == c).sum()), -1), "real", c)
            x = mine[:, 0]
            y = np.full(len(mine), float(c), dtype=np.float32) if one_d else mine[:, 1]
            traces.append(go.Scattergl(
                x=x, y=y, mode="markers", name=f"{_label(name)} ({part})",
                marker=dict(color=colors[c] if filled else "rgba(0,0,0,0)", size=7 if filled else 8,
                            line=dict(color="white" if filled else colors[c], width=0.8 if filled else 1.5)),
            ))
    balance = " : ".join(f"{n:,}" for n in counts.values())
    rare = min(counts.values())
    total = sum(counts.values())
    subtitle = f"{total:,} rows, classes {balance}: the rarest is {rare / max(1, total):.1%} of the rows"
    if is_pca:
        subtitle += "; more than 2 features, so the first two principal components"
    x_title, y_title = axis_titles
    return _figure(traces, f"{_label(title)}<br><sup>{_label(subtitle)}</sup>", x_title,
                   "class" if one_d else y_title, height=520,
                   yaxis={"tickvals": list(range(len(classes))), "ticktext": [_label(c) for c in classes]} if one_d
                   else None)


def _lineage_segments(lineage: np.ndarray) -> tuple[np.ndarray, int]:
    """At most ``MAX_LINEAGE_SEGMENTS`` parent pairs, chosen the same way every time."""
    shown = drawn_positions(len(lineage), "lineage", limit=MAX_LINEAGE_SEGMENTS)
    return (lineage, len(lineage)) if shown is None else (lineage[shown], len(shown))


def _lineage_trace(segments: np.ndarray, n_shown: int, n_all: int) -> go.Scatter:
    """Segments (n, 2 ends, x/y) as one line trace with gaps between them."""
    gaps = np.full((len(segments), 1, 2), np.nan)
    path = np.concatenate([segments, gaps], axis=1).reshape(-1, 2)  # a, b, gap, a, b, gap, ...
    return go.Scatter(
        x=path[:, 0], y=path[:, 1], mode="lines", connectgaps=False, hoverinfo="skip",
        name=f"parents of synthetic points ({n_shown}{' shown' if n_shown < n_all else ''})",
        line=dict(color="rgba(60,60,60,0.45)", width=1),
    )


def _rug_y(class_index: int, n: int, seed: int) -> np.ndarray:
    """1-D views: the height of a class's row of points under the curves, with a little jitter to show density."""
    jitter = np.random.default_rng(seed).uniform(-0.025, 0.025, size=n)
    return (-(class_index + 1) * RUG_STEP + jitter).astype(np.float32)


def _boundary_1d_traces(boundary: Boundary, view: PointsView, *, threshold: float, show_synthetic: bool = True,
                        show_removed: bool = True, show_lineage: bool = False, legend: bool = True,
                        max_points: int = MAX_POINTS_PER_TRACE) -> list:
    """The traces of a 1-D view: probability curve(s) along the feature and the points in a row per class."""
    classes, positive_index = view.classes, view.positive_index
    n_classes = len(classes)
    colors = class_colors(n_classes, positive_index)
    x = boundary.x
    traces: list = []
    if n_classes == 2:
        p = boundary.proba[0, :, positive_index].astype(np.float32)
        rgb = colors[positive_index].lstrip("#")
        shade = "rgba({},{},{},0.13)".format(*(int(rgb[i:i + 2], 16) for i in (0, 2, 4)))
        traces.append(go.Scatter(  # where the threshold predicts the positive class
            x=x, y=np.where(p >= threshold, 1.0, 0.0).astype(np.float32), mode="none", fill="tozeroy",
            fillcolor=shade, line_shape="hvh", hoverinfo="skip", showlegend=legend,
            name=f"predicted {_label(classes[positive_index])}"))
        traces.append(go.Scatter(
            x=x, y=p, mode="lines", line=dict(color=colors[positive_index], width=3), showlegend=legend,
            name=f"P({_label(classes[positive_index])})", hovertemplate="P=%{y:.2f}<extra></extra>"))
        traces.append(go.Scatter(
            x=np.array([x[0], x[-1]], dtype=np.float32), y=np.array([threshold, threshold], dtype=np.float32),
            mode="lines", line=dict(color="#222222", width=1.5, dash="dash"), hoverinfo="skip", showlegend=legend,
            name=f"threshold (P = {threshold:.2f})"))
    else:
        for c in range(n_classes):
            traces.append(go.Scatter(
                x=x, y=boundary.proba[0, :, c].astype(np.float32), mode="lines", showlegend=legend,
                line=dict(color=colors[c], width=2.5), name=f"P({_label(classes[c])})",
                hovertemplate="P=%{y:.2f}<extra></extra>"))
    for c in range(n_classes):
        mine = _drawn(view.points[view.labels == c], "real", c, max_points)
        traces.append(go.Scattergl(
            x=mine[:, 0], y=_rug_y(c, len(mine), seed=c), mode="markers", showlegend=legend,
            name=f"{_label(classes[c])} (training)", legendgroup=f"class{c}",
            marker=dict(color=colors[c], size=6, opacity=0.8, line=dict(color="white", width=0.5))))
    if show_removed and len(view.removed_points):  # in a row of their own, below the classes
        ghost = _drawn(view.removed_points, "removed", limit=max_points)
        traces.append(go.Scattergl(
            x=ghost[:, 0], y=_rug_y(n_classes, len(ghost), seed=97), mode="markers", showlegend=legend,
            name="removed by undersampling", marker=dict(color="rgba(120,120,120,0.35)", size=6,
                                                         symbol="circle-open")))
    synthetic_row = {}
    if show_synthetic and len(view.synthetic_points):
        for c in np.unique(view.synthetic_labels):
            synth = _drawn(view.synthetic_points[view.synthetic_labels == c], "synthetic", int(c), max_points)
            synthetic_row[int(c)] = -(int(c) + 1) * RUG_STEP + RUG_STEP / 2
            traces.append(go.Scattergl(
                x=synth[:, 0], y=np.full(len(synth), synthetic_row[int(c)], dtype=np.float32), mode="markers",
                showlegend=legend, name=f"{_label(classes[int(c)])} (synthetic)",
                marker=dict(color=colors[int(c)], size=8, symbol="x-thin", line=dict(color=colors[int(c)], width=2))))
    if show_lineage and view.lineage is not None and len(view.lineage):
        segments, n_shown = _lineage_segments(view.lineage)
        height = _rug_y(0, len(segments), seed=11) + RUG_STEP / 2  # each parent pair on its own line
        flat = np.stack([segments[:, :, 0], np.repeat(height[:, None], 2, axis=1)], axis=2)
        traces.append(_lineage_trace(flat, n_shown, view.lineage_total or len(view.lineage)))
    return traces


def _axis_1d(classes: Sequence[str], *, removed: bool) -> dict:
    """The y axis of a 1-D view: probability above 0, one labelled row of points per class below."""
    names = [_label(c) for c in classes] + (["removed"] if removed else [])
    rows = [-(i + 1) * RUG_STEP for i in range(len(names))]
    return dict(range=[-(len(names) + 0.6) * RUG_STEP, 1.04], tickvals=[*rows, 0.0, 0.5, 1.0],
                ticktext=[*names, "0", "0.5", "1"], showgrid=True, zeroline=True)


def _boundary_1d_figure(boundary: Boundary, view: PointsView, *, show_synthetic: bool, show_removed: bool,
                        show_lineage: bool, threshold: float, title: str) -> go.Figure:
    traces = _boundary_1d_traces(boundary, view, threshold=threshold, show_synthetic=show_synthetic,
                                 show_removed=show_removed, show_lineage=show_lineage)
    x_title, y_title = boundary.axis_titles
    shown_title = (_label(title) + "<br><sup>One feature: the probability along it; the points in rows below</sup>"
                   + _sample_note(view))
    return _figure(traces, shown_title, x_title, y_title, height=520,
                   margin={"t": 95} if shown_title.count("<br>") >= 2 else {},  # two subtitle lines: room for both
                   xaxis={"range": [float(boundary.x[0]), float(boundary.x[-1])], "showgrid": False},
                   yaxis=_axis_1d(view.classes, removed=show_removed and len(view.removed_points) > 0))


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
    labels = [_label(c) for c in classes]
    heatmap = go.Heatmap(
        z=share.astype(np.float32), x=labels, y=labels, text=text, texttemplate="%{text}", colorscale="Blues",
        zmin=0.0, zmax=1.0, showscale=False,
        hovertemplate="true %{y}, predicted %{x}: %{text}<extra></extra>",
    )
    return _figure([heatmap], _label(title), "Predicted class", "True class", height=380,
                   xaxis={"type": "category", "side": "bottom"}, yaxis={"autorange": "reversed", "type": "category"})


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
        name="operating points", customdata=[[_label(curves[i].name), points[i][1]] for i in keep],
        hovertemplate="%{customdata[0]}<br>threshold %{customdata[1]:.2f}<extra></extra>",
        marker=dict(size=12, symbol="circle-open", line=dict(width=3),
                    color=[_curve_color(i, len(curves)) for i in keep]),
    )


def make_roc_figure(
    curves: Sequence[Curve], *, operating_point: Mapping[str, float] | None = None, threshold: float = THRESHOLD.default,
    title: str = "ROC curve (test split)", operating_points: Sequence[tuple[Mapping[str, float], float]] | None = None,
) -> go.Figure:
    """One line per curve, AUC in the legend, the chance diagonal, and where the threshold sits.

    ``operating_points``: one ``(point, threshold)`` per curve, for overlays where each curve has its own.
    """
    traces = [go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="chance (AUC 0.50)",
                         line=dict(color="#999999", dash="dash", width=1))]
    for i, curve in enumerate(curves):
        traces.append(go.Scatter(
            x=curve.x.astype(np.float32), y=curve.y.astype(np.float32), mode="lines",
            name=f"{_label(curve.name)} (AUC {curve.area:.3f})", line=dict(width=2.5, color=_curve_color(i, len(curves))),
        ))
    if operating_point is not None:
        traces.append(_operating_point_trace(operating_point["fpr"], operating_point["tpr"], threshold))
    if operating_points:
        traces.append(_curve_points_trace(curves, operating_points, "fpr", "tpr"))
    return _figure(traces, _label(title), "False positive rate", "True positive rate (recall)",
                   height=_curves_height(len(curves)), xaxis={"range": [0, 1], "constrain": "domain"},
                   yaxis={"range": [0, 1.02]})


def make_pr_figure(
    curves: Sequence[Curve], *, positive_rate: float | None = None, operating_point: Mapping[str, float] | None = None,
    threshold: float = THRESHOLD.default, title: str = "Precision-recall curve (test split)",
    operating_points: Sequence[tuple[Mapping[str, float], float]] | None = None,
) -> go.Figure:
    """One line per curve, average precision in the legend, the no-skill line, and where the threshold sits."""
    traces = []
    if positive_rate is not None and np.isfinite(positive_rate):
        traces.append(go.Scatter(x=[0, 1], y=[positive_rate, positive_rate], mode="lines",
                                 name=f"no skill (precision {positive_rate:.2f})",
                                 line=dict(color="#999999", dash="dash", width=1)))
    for i, curve in enumerate(curves):
        traces.append(go.Scatter(
            x=curve.x.astype(np.float32), y=curve.y.astype(np.float32), mode="lines", line_shape="hv",
            name=f"{_label(curve.name)} (AP {curve.area:.3f})", line=dict(width=2.5, color=_curve_color(i, len(curves))),
        ))
    if operating_point is not None and np.isfinite(operating_point["precision"]):
        traces.append(_operating_point_trace(operating_point["recall"], operating_point["precision"], threshold))
    if operating_points:
        traces.append(_curve_points_trace(curves, operating_points, "recall", "precision"))
    return _figure(traces, _label(title), "Recall", "Precision", height=_curves_height(len(curves)),
                   xaxis={"range": [0, 1]}, yaxis={"range": [0, 1.02]})


def make_class_balance_figure(
    stages: Mapping[str, Mapping[str, int]], *, classes: Sequence[str], synthetic: Mapping[str, int] | None = None,
    positive_index: int | None = None, title: str = "Class balance",
) -> go.Figure:
    """Grouped bars: rows per class at each stage (e.g. training set before and after resampling)."""
    traces = []
    colors = class_colors(len(classes), positive_index)
    stage_names = list(stages)
    for c, name in enumerate(classes):
        values = np.array([stages[s].get(name, 0) for s in stage_names], dtype=np.float32)
        traces.append(go.Bar(
            x=[_label(s) for s in stage_names], y=values, name=_label(name), marker_color=colors[c],
            text=[f"{int(v)}" for v in values], textposition="outside",
        ))
    shown_title = _label(title)
    if synthetic:
        notes = ", ".join(f"{_label(k)}: {v}" for k, v in synthetic.items() if v)
        if notes:
            shown_title += f"<br><sup>synthetic rows among them - {notes}</sup>"
    return _figure(traces, shown_title, "", "Rows", height=400, barmode="group", xaxis={"tickangle": 0})


def make_history_figure(history: Sequence[Mapping[str, Sequence[float]]], *, total_epochs: int | None = None,
                        initial_loss: float | None = None, title: str = "Training history",
                        best_epochs: Sequence[int] | None = None, marker: int | None = None) -> go.Figure:
    """Loss and PR AUC per epoch, training and validation; ensemble members drawn one after another.
    ``best_epochs``: with early stopping, each network's kept epoch, marked on its validation PR AUC.
    ``marker``: an epoch a replay shows, a vertical line across both panels.

    Two panels side by side (loss left, PR AUC right), laid out by hand: Plotly's ``make_subplots`` and a
    ``row=, col=`` per trace cost more than all the other charts of a result together."""
    styles = {"loss": ("training", PALETTE[0]), "val_loss": ("validation", PALETTE[1]),
              "pr_auc": ("training", PALETTE[0]), "val_pr_auc": ("validation", PALETTE[1])}
    panel = {True: {"xaxis": "x", "yaxis": "y"}, False: {"xaxis": "x2", "yaxis": "y2"}}  # loss: True
    traces, shown = [], set()
    for m, member in enumerate(history):
        for key, (who, color) in styles.items():
            values = np.asarray(member.get(key, []), dtype=np.float32)
            if values.size == 0:
                continue
            label = who if len(history) == 1 else f"{who} (each network)"
            traces.append(go.Scatter(
                x=np.arange(1, values.size + 1, dtype=np.float32), y=values, mode="lines", name=label,
                legendgroup=who, showlegend=who not in shown,
                line=dict(color=color, width=2 if len(history) == 1 else 1.5),
                opacity=1.0 if len(history) == 1 else 0.7,
                hovertemplate=f"network {m + 1}, epoch %{{x}}: %{{y:.3f}}<extra>{who}</extra>",
                **panel[key.endswith("loss")]))
            shown.add(who)
    if initial_loss is not None:
        traces.append(go.Scatter(x=np.array([0], dtype=np.float32), y=np.array([initial_loss], dtype=np.float32),
                                 mode="markers", name="before training", marker=dict(color="#222222", size=9),
                                 **panel[True]))
    if best_epochs:
        kept = [(e, member["val_pr_auc"][e - 1]) for e, member in zip(best_epochs, history)
                if "val_pr_auc" in member and 1 <= e <= len(member["val_pr_auc"])]
        if kept:
            traces.append(go.Scatter(
                x=np.array([e for e, _ in kept], dtype=np.float32), y=np.array([v for _, v in kept], dtype=np.float32),
                mode="markers", name="best epoch (weights kept)", marker=dict(color="#222222", size=11, symbol="star"),
                hovertemplate="best epoch %{x}: validation PR AUC %{y:.3f}<extra></extra>", **panel[False]))
    first = -1 if initial_loss is not None else 1  # room for the whole epoch-0 marker
    epochs = {"title": {"text": "Epoch"}, "range": [first, total_epochs] if total_epochs else None}
    panel_title = {"xref": "paper", "yref": "paper", "y": 1.0, "yanchor": "bottom", "xanchor": "center",
                   "showarrow": False, "font": {"size": 16}}
    shapes = [{"type": "line", "xref": axis, "yref": "paper", "x0": marker, "x1": marker, "y0": 0, "y1": 1,
               "line": {"color": "#222222", "width": 1.5, "dash": "dot"}} for axis in ("x", "x2")] if marker else []
    return _figure(traces, _label(title if marker is None else f"{title} - replay at epoch {marker}"), "", "",
                   height=340, **({"shapes": shapes} if shapes else {}), legend={"orientation": "v", "yanchor": "top", "y": 1.0, "x": 1.02},
                   xaxis={**epochs, "domain": [0.0, 0.45], "anchor": "y"}, yaxis={"anchor": "x", "domain": [0.0, 1.0]},
                   xaxis2={**epochs, "domain": [0.55, 1.0], "anchor": "y2"},
                   yaxis2={"anchor": "x2", "domain": [0.0, 1.0], "range": [0, 1.02]},
                   annotations=[{**panel_title, "text": "Loss", "x": 0.225},
                                {**panel_title, "text": "PR AUC", "x": 0.775}])


def make_focal_loss_figure(curves: Mapping[str, np.ndarray], p_true: np.ndarray, *, gamma: float,
                           weights: Mapping[str, float], positive: str | None = None,
                           title: str = "Focal loss of one example") -> go.Figure:
    """Loss of one example against the probability the network gives its true class: cross-entropy, and the
    focal loss of an example of each class (``curves[name]``, weighted by ``weights[name]``, its alpha)."""
    traces = [go.Scatter(x=np.asarray(p_true, dtype=np.float32), y=np.asarray(curves["cross_entropy"], dtype=np.float32),
                         mode="lines", name="cross-entropy", line=dict(color="#999999", dash="dash", width=2.5))]
    names = list(weights)
    colors = class_colors(len(names), names.index(positive) if positive in names else None)
    for name, color in zip(names, colors):
        traces.append(go.Scatter(
            x=np.asarray(p_true, dtype=np.float32), y=np.asarray(curves[name], dtype=np.float32), mode="lines",
            name=f"focal, a {_label(name)} example (alpha {weights[name]:.2f})", line=dict(color=color, width=2.5)))
    if gamma == 0:
        subtitle = "gamma 0: no focusing; each class's cross-entropy is only scaled by its alpha"
    else:
        subtitle = f"gamma {gamma:.2f}: examples the network already gets right (right) count less"
    return _figure(traces, f"{_label(title)}<br><sup>{subtitle}</sup>", "Probability given to the true class", "Loss",
                   height=420, yaxis={"range": [0, 2.5]},
                   legend={"orientation": "v", "yanchor": "top", "y": -0.22, "x": 0.0},
                   margin={"t": 90, "b": 110 + 18 * len(names)})


def make_reliability_figure(calibrations: Mapping[str, Calibration], *,
                            title: str = "Calibration (test split)") -> go.Figure:
    """Reliability diagram: mean predicted probability against the observed rate, one line per model."""
    traces = [go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfectly calibrated",
                         line=dict(color="#999999", dash="dash", width=1))]
    for i, (name, cal) in enumerate(calibrations.items()):
        traces.append(go.Scatter(
            x=np.asarray(cal.mean_predicted, dtype=np.float32), y=np.asarray(cal.observed_rate, dtype=np.float32),
            mode="lines+markers", name=f"{_label(name)} (Brier {cal.brier:.3f})", line=dict(color=PALETTE[i % len(PALETTE)]),
        ))
    return _figure(traces, _label(title), "Mean predicted probability of the positive class",
                   "Observed share of positives", height=420, xaxis={"range": [0, 1]}, yaxis={"range": [0, 1.02]})


def _grid_shape(n: int, columns: int) -> tuple[int, int]:
    cols = min(columns, max(1, n))
    return int(np.ceil(n / cols)), cols


def make_boundary_grid_figure(panels: Sequence[tuple[str, Boundary, PointsView]], *, threshold: float = THRESHOLD.default,
                              columns: int = 4, title: str = "Decision boundaries") -> go.Figure:
    """Small multiples on shared axes and one shared colour scale: one boundary per model.

    1-D views (one feature) show each model's probability along the feature with the points below it.
    """
    if not panels:
        raise ValueError("no panels to draw")
    rows, cols = _grid_shape(len(panels), columns)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[_label(p[0]) for p in panels], shared_xaxes="all",
                        shared_yaxes="all", horizontal_spacing=0.03, vertical_spacing=0.08)
    one_d = panels[0][1].is_1d
    for i, (name, boundary, view) in enumerate(panels):
        row, col = i // cols + 1, i % cols + 1
        colors = class_colors(len(view.classes), view.positive_index)
        if one_d:
            for trace in _boundary_1d_traces(boundary, view, threshold=threshold, legend=i == 0, max_points=600):
                fig.add_trace(trace, row=row, col=col)
            continue
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
            mine = _drawn(view.points[view.labels == c], "real", c, limit=600)
            fig.add_trace(go.Scattergl(x=mine[:, 0], y=mine[:, 1], mode="markers", showlegend=i == 0,
                                       name=_label(view.classes[c]), legendgroup=str(c),
                                       marker=dict(color=colors[c], size=4)), row=row, col=col)
    first = panels[0][2]
    colors = class_colors(len(first.classes), first.positive_index)
    if one_d:
        pass  # the curves carry their own colours
    elif len(first.classes) == 2:
        fig.update_layout(coloraxis=dict(
            cmin=0, cmax=1, colorscale=_probability_scale(colors, first.positive_index),
            colorbar=dict(title=dict(text=f"P({_label(first.classes[first.positive_index])})"), thickness=10)))
    else:
        n = len(first.classes)
        fig.update_layout(coloraxis2=dict(cmin=-0.5, cmax=n - 0.5, colorscale=_class_steps(colors), showscale=False))
    x_title, y_title = panels[0][1].axis_titles
    _layout(fig, _label(title), "", "", height=300 * rows + 80)
    fig.update_xaxes(showticklabels=False)
    if one_d:
        axis = _axis_1d(first.classes, removed=any(len(p[2].removed_points) for p in panels))
        fig.update_yaxes(range=axis["range"])
        fig.update_yaxes(tickvals=axis["tickvals"], ticktext=axis["ticktext"], col=1)
        for c in range(2, cols + 1):
            fig.update_yaxes(showticklabels=False, col=c)
    else:
        fig.update_yaxes(showticklabels=False)
    fig.add_annotation(text=f"{_label(x_title)} (across) / {_label(y_title)} (up)", xref="paper", yref="paper",
                       x=0, y=-0.04, showarrow=False, font=dict(size=11, color="#666666"), xanchor="left")
    return fig


def make_confusion_grid_figure(panels: Sequence[tuple[str, np.ndarray]], classes: Sequence[str], *,
                               columns: int = 4, title: str = "Confusion matrices (test split)") -> go.Figure:
    """Small multiples of row-normalised confusion matrices on one colour scale, counts in the cells."""
    if not panels:
        raise ValueError("no panels to draw")
    rows, cols = _grid_shape(len(panels), columns)
    labels = [_label(c) for c in classes]
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[_label(p[0]) for p in panels], horizontal_spacing=0.05,
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
    _layout(fig, _label(title) + "<br><sup>rows are true classes, columns predicted; colour is the row share</sup>",
            "", "", height=260 * rows + 110)
    fig.update_layout(margin=dict(t=105))
    return fig


def make_operating_points_figure(groups: Mapping[str, tuple[Sequence[float], Sequence[float], Sequence[str]]], *,
                                 kind: str, title: str) -> go.Figure:
    """Many runs' operating points on one ROC (``kind="roc"``: FPR, TPR) or PR (``"pr"``: recall, precision)
    chart, one colour and hollow marker shape per group (a strategy: runs on the same point stay told apart);
    ``groups[name] = (x, y, hover names)``, every name shown as text."""
    traces = []
    if kind == "roc":
        traces.append(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="chance", hoverinfo="skip",
                                 line=dict(color="#999999", dash="dash", width=1)))
    for i, (name, (x, y, hover)) in enumerate(groups.items()):
        traces.append(go.Scatter(
            x=np.asarray(x, dtype=float), y=np.asarray(y, dtype=float), mode="markers", name=_label(name),
            text=[_label(h) for h in hover], hovertemplate="%{text}<br>(%{x:.3f}, %{y:.3f})<extra>" + _label(name)
            + "</extra>", marker=dict(size=13, color=PALETTE[i % len(PALETTE)], line=dict(width=2.5),
                                      symbol=GROUP_SYMBOLS[i % len(GROUP_SYMBOLS)] + "-open")))
    x_title, y_title = (("False positive rate", "True positive rate (recall)") if kind == "roc" else
                        ("Recall", "Precision"))
    return _figure(traces, _label(title), x_title, y_title, height=_curves_height(len(groups)),
                   xaxis={"range": [-0.04, 1.04]}, yaxis={"range": [-0.04, 1.06]})
