"""How the lab shows a finished run: the picture first, the threshold and the numbers below it, the files last."""

from __future__ import annotations

import math
import re
import threading
from typing import TYPE_CHECKING, Callable

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from imbalance_core import METRIC_LABELS, THRESHOLD
from imbalance_core.outputs.figures import result_figures
from imbalance_core.outputs.plots import make_focal_loss_figure
from imbalance_core.outputs.report import report_html
from imbalance_core.outputs.script import script_source
from imbalance_core.training.losses import focal_weight_curves
from imbalance_core.training.network import EPOCHS

from .keys import LAB
from .text import md_escape
from .widgets import cost_inputs, replay_slider

if TYPE_CHECKING:
    from imbalance_core import ExperimentResult
    from imbalance_core.data.spec import DataSpec


_DRAWING = threading.Lock()


PRESENTATION_CSS = """
<style>
.block-container { padding-top: 3rem; max-width: 100%; }
h1 { font-size: 2.2rem !important; padding-top: 0 !important; }
.stMarkdown p, .stCaption p, [data-testid="stWidgetLabel"] p { font-size: 1.15rem !important; }
[data-testid="stMetricValue"] { font-size: 2.4rem !important; }
[data-testid="stMetricLabel"] p { font-size: 1.15rem !important; }
</style>
"""


def presentation_style() -> None:
    """Presentation mode: larger text and numbers (charts are enlarged by ``sized``); the page navigation stays."""
    st.html(PRESENTATION_CSS)


def sized(fig, present: bool):
    """Figures for a room: taller, with larger text (a copy: a figure may be shared between sessions)."""
    if present:
        fig = go.Figure(fig)
        fig.update_layout(height=int((fig.layout.height or 450) * 1.3), font=dict(size=18),
                          legend=dict(font=dict(size=17)))
        fig.update_xaxes(tickfont=dict(size=16), title_font=dict(size=18))
        fig.update_yaxes(tickfont=dict(size=16), title_font=dict(size=18))
    return fig


def focal_explorer(gamma: float, weights: dict[str, float], positive: str | None = None):
    """The focal-loss explorer: how gamma and each class's alpha (``weights``, by class name) reshape the loss
    of one example."""
    p_true = np.linspace(0.01, 0.99, 99)
    return make_focal_loss_figure(focal_weight_curves(gamma, weights, p_true), p_true, gamma=gamma, weights=weights,
                                  positive=positive)


def _use_threshold(value: float) -> None:
    st.session_state[LAB.threshold] = THRESHOLD.check(round(value, 2))  # cost thresholds lie on its grid


def cost_threshold_picker(result: ExperimentResult) -> None:
    """Choose the threshold from the costs of the two mistakes, on the validation split (worked out only while the box
    is open: a room of results costs the server nothing for it)."""
    box = st.expander("Choose the threshold from what mistakes cost", key=LAB.cost_open, on_change="rerun")
    if not box.open:
        return
    with box:
        costs = cost_inputs(result.positive_class, keys=(LAB.cost_fn, LAB.cost_fp))
        if costs is None:
            return
        cost_fn, cost_fp = costs
        choice = result.cost_threshold(cost_fn, cost_fp)
        if choice is None:
            st.warning("This data has no validation split (a class is too small to spare rows), and choosing the "
                       "threshold on the test split would flatter the result. Use a larger data set.")
            return
        at = result.evaluate_at(choice.threshold)
        (tn, fp), (fn, tp) = at.confusion
        test_cost = (cost_fn * fn + cost_fp * fp) / max(1, len(result.prepared.y_test))
        st.markdown(
            f"Cheapest threshold on the **validation split** ({len(result.prepared.y_val)} rows carved from the "
            f"training data): **{choice.threshold:.2f}**, expected cost {choice.cost_per_row:.3f} per row.  \n"
            f"On the untouched test split at that threshold: recall {at.metrics['recall']:.3f}, precision "
            f"{at.metrics['precision']:.3f}, {fn} missed and {fp} false alarms, cost {test_cost:.3f} per row."
        )
        st.button("Use this threshold", key=LAB.use_cost_threshold, on_click=_use_threshold,
                  args=(choice.threshold,))


def show_metrics(metrics: dict[str, float]) -> None:
    names = list(METRIC_LABELS)
    for row in (names[:5], names[5:]):
        for column, name in zip(st.columns(5), row):
            value = metrics[name]
            column.metric(METRIC_LABELS[name], "n/a" if math.isnan(value) else f"{value:.3f}")


def share_popover(url: str, *, uploaded: bool) -> None:
    """The link that reopens the lab as it is now."""
    with st.popover("Share this setup", icon=":material/link:"):
        st.caption("Anyone opening this link gets the same data, strategy, network, seed and threshold, and the "
                   "same numbers" + (" (after uploading the same file)." if uploaded else "."))
        st.code(url, language=None, wrap_lines=True)


PLAY_SECONDS = 0.8  # a replay's step while it plays: a 31-frame replay in ~25 s, one redraw at a time per session


def show_result(result: ExperimentResult, share_link: Callable[[float], str] | None = None,
                uploaded: bool = False, spec: DataSpec | None = None, train_more: bool = False) -> None:
    """Every chart and number of a finished run, in a fragment: view options rerun only it. While its replay plays,
    the fragment reruns itself every ``PLAY_SECONDS`` (each time one epoch on); Play and Pause rerun the page, which
    starts and stops that timer."""
    playing = result.replay is not None and st.session_state.get(LAB.playing, False)
    st.fragment(_show_result, run_every=PLAY_SECONDS if playing else None)(
        result, share_link=share_link, uploaded=uploaded, spec=spec, train_more=train_more)


def _show_result(result: ExperimentResult, share_link: Callable[[float], str] | None = None,
                 uploaded: bool = False, spec: DataSpec | None = None, train_more: bool = False) -> None:
    """Every chart and number of a finished run.

    ``share_link(threshold)`` builds the link to this setup; the popover showing it lives in this
    fragment so that it follows the threshold. ``spec``: the data the run trained on (its training rows
    are rebuilt from it on a worker when downloaded). ``train_more``: offer "Train N more epochs" (a result of
    the settings on screen, where nothing fixes the network: not in a lesson that does).
    """
    st.subheader(f"{result.strategy_label} on {md_escape(result.dataset_name)}")
    binary = len(result.classes) == 2
    present = st.session_state.get(LAB.present, False)
    views = _view_options(result)  # the picture first: its view options above it, the threshold and numbers below
    frame = _replay_slider(result)
    picture = st.container()
    threshold = _threshold_slider(result) if binary else THRESHOLD.default
    evaluation = result.evaluate_at(threshold) if frame is None else result.replay.evaluation(
        frame, result.prepared.y_test, result.classes, result.positive_index, threshold)
    with _DRAWING:  # one session builds its figures at a time: in a room, results appear in order, not all at the end
        figures = result_figures(result, threshold=threshold, evaluation=evaluation, frame=frame, **views)
        figures = {name: sized(fig, present) for name, fig in figures.items()}
    picture.plotly_chart(figures["boundary"], key="chart.boundary")
    show_metrics(evaluation.metrics)
    if frame is not None:
        st.caption(f"Replaying epoch {result.replay.epochs[frame]} of {result.replay.total}: the boundary, these "
                   "numbers, the confusion matrix and the curves are the network's at that epoch (the history marks "
                   "it). Move the slider to the end for the trained result.")
    rule = f"threshold {threshold:.2f}" if binary else "predicted class = most probable"
    scope = f"positive class {md_escape(result.positive_class, 60)}" if binary else "macro averages"
    st.caption(f"Test split: {len(result.prepared.y_test)} untouched rows; {rule}. Precision, recall and F1 are "
               f"for the {scope}. Trained in {result.train_seconds:.1f} s.")
    if share_link is not None:
        share_popover(share_link(threshold), uploaded=uploaded)
    if train_more:
        _train_more(result)
    if binary:
        cost_threshold_picker(result)
    for note in result.notes:
        st.info(md_escape(note, limit=None), icon=":material/info:")
    _charts_below(result, figures, evaluation)
    downloads(result, threshold, spec)


def _view_options(result: ExperimentResult) -> dict[str, bool]:
    """The boundary's view toggles, those that apply to this run (a view change reruns this fragment only).

    Each starts through session state (a learn-page preset may set one; a value kept across pages stays)."""
    toggles = [("normalize_confusion", LAB.normalize, "Row shares", False, True,
                "Show the confusion matrix as shares of each true class instead of counts."),
               ("show_synthetic", LAB.synthetic, "Synthetic", True, len(result.view.synthetic_points) > 0,
                "Synthetic points: rows the sampler invented, drawn as crosses."),
               ("show_lineage", LAB.lineage, "Lineage", False, result.view.lineage is not None,
                "SMOTE lineage: join each synthetic point to the two real training points it was interpolated "
                "between."),
               ("show_removed", LAB.removed, "Removed", True, len(result.view.removed_points) > 0,
                "Removed points: rows undersampling left out, ghosted grey.")]
    shown = {}
    for column, (name, key, label, default, applies, help_text) in zip(st.columns(4), toggles):
        if applies:
            st.session_state.setdefault(key, default)
            shown[name] = column.toggle(label, key=key, help=help_text)
    return shown


def _train_more(result: ExperimentResult) -> None:
    """"Train N more epochs": the run goes on from where it ended (its weights and optimiser state), as one
    longer run would have; the next full script run trains it (the Epochs setting follows the new total)."""
    if result.resume is None:
        return
    done = int(result.resume["epoch"])
    room = int(EPOCHS.high) - done
    if room < 1:
        return

    def ask() -> None:
        more = int(st.session_state[LAB.more])
        st.session_state[LAB.train_on] = more
        st.session_state[LAB.network("epochs")] = done + more  # the setup (and its link) is the longer run

    amount, button = st.columns([1, 2], vertical_alignment="bottom")
    if st.session_state.setdefault(LAB.more, min(done, room)) > room:
        st.session_state[LAB.more] = room
    more = amount.number_input("More epochs", min_value=1, max_value=room, step=1, key=LAB.more)
    if button.button(f"Train {more} more epochs", key=LAB.train_more, on_click=ask, icon=":material/fast_forward:",
                     help=f"Go on from epoch {done} with the same weights, optimiser state, shuffles and dropout: "
                          "the numbers of one run of the total length. The history and the replay go on."):
        st.rerun(scope="app")


def _replay_slider(result: ExperimentResult) -> int | None:
    """The replay: which of the run's kept epochs to show (None: the last, the trained result itself), and Play /
    Pause beside it. Moving it redraws from what the result holds; nothing is trained again."""
    replay = result.replay
    if replay is None:
        return None
    playing = _play_step(replay.epochs)
    slider, button = st.columns([5, 1], vertical_alignment="bottom")
    with slider:
        epoch = replay_slider(LAB.replay, replay.epochs, replay.total,
                              "Training replayed: the boundary, the test-split numbers and the curves as they were "
                              f"after each of {len(replay.epochs) - 1} epochs kept during the run (epoch 0: before "
                              "training). No new run.")
    if button.button("Pause" if playing else "Play", key=LAB.play, width="stretch",
                     icon=":material/pause:" if playing else ":material/play_arrow:",
                     help="Step through the kept epochs by themselves, from the start when at the end; Pause stops "
                          "where it is.", on_click=_play_or_pause, args=(playing, replay.epochs)):
        st.rerun(scope="app")  # the fragment starts or stops its timer only from a page run
    return None if epoch is None else replay.epochs.index(epoch)


def _play_or_pause(playing: bool, epochs: list[int]) -> None:
    if not playing and st.session_state.get(LAB.replay) == epochs[-1]:
        st.session_state[LAB.replay] = epochs[0]  # at the end, Play starts again
    st.session_state[LAB.playing] = not playing
    st.session_state[LAB.play_hold] = True  # the first picture is the epoch Play was pressed on


def _play_step(epochs: list[int]) -> bool:
    """While the replay plays, each rerun of the results shows the next kept epoch; the last one ends the play
    (the page reruns once, which stops the timer). Whether it is playing."""
    if not st.session_state.get(LAB.playing, False):
        return False
    if st.session_state.get(LAB.play) or st.session_state.pop(LAB.play_hold, False):
        return True  # Play's click (its page run comes next) and that page run show the epoch it was pressed on
    now = st.session_state.get(LAB.replay, epochs[-1])
    step = epochs.index(now) + 1 if now in epochs else len(epochs) - 1
    st.session_state[LAB.replay] = epochs[min(step, len(epochs) - 1)]
    if step >= len(epochs) - 1:
        st.session_state[LAB.playing] = False
        st.rerun(scope="app")
    return True


def _threshold_slider(result: ExperimentResult) -> float:
    """The decision threshold (a binary run); the address bar follows it (this fragment reruns alone)."""
    st.session_state.setdefault(LAB.threshold, THRESHOLD.default)  # also set by "Use this threshold"
    threshold = st.slider(
        f"Decision threshold: predict {md_escape(result.positive_class, 60)} when its probability is at least",
        THRESHOLD.low, THRESHOLD.high, step=THRESHOLD.step, key=LAB.threshold,
        help="Moving it trades precision for recall. The network is not retrained: the same test-split "
             "probabilities are cut at another point.",
    )
    if "strategy" in st.query_params:
        st.query_params["threshold"] = f"{threshold:g}"
    return threshold


def _charts_below(result: ExperimentResult, figures: dict, evaluation) -> None:
    """Under the numbers: each network of an ensemble, the confusion matrix, class balance, curves and history."""
    if "members" in figures:
        st.plotly_chart(figures["members"], key="chart.members")
        st.caption("Each network saw every rare row but a different draw of the common rows, so each draws its own "
                   "boundary; averaging their probabilities smooths out what any single draw got wrong.")
    left, right = st.columns(2)
    left.plotly_chart(figures["confusion"], key="chart.confusion")
    right.plotly_chart(figures["balance"], key="chart.balance")
    left.plotly_chart(figures["roc"], key="chart.roc")
    right.plotly_chart(figures["pr"], key="chart.pr")
    st.plotly_chart(figures["history"], key="chart.history")
    st.caption(result.loss_note)
    st.markdown("**Per class (test split)**")
    st.dataframe(evaluation.per_class, hide_index=True,
                 column_config={c: st.column_config.NumberColumn(format="%.3f") for c in ("precision", "recall", "f1")})
    if result.class_weights:
        st.caption("Class weights used: " + ", ".join(
            f"{md_escape(result.classes[c], 60)} = {w:.2f}" for c, w in result.class_weights.items()))


def _file_stem(result: ExperimentResult) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", f"{result.dataset_name}-{result.strategy}").strip("-").lower()


def _model_file(result: ExperimentResult, session: str) -> bytes:
    """The ``.keras`` file, built by a worker (Keras is never imported in the web server)."""
    from imbalance_core.compute.jobs import ModelJob

    from . import jobs

    return jobs.submit(ModelJob.of(result), kind="model", session=session).result()


def _training_rows_file(result: ExperimentResult, spec: DataSpec | None, session: str) -> str:
    """The run's training rows as CSV, rebuilt by a worker from the data and the run's settings (a result
    does not carry them: on a large table they are hundreds of MB)."""
    from imbalance_core.compute.jobs import RowsJob

    from . import jobs

    return jobs.submit(RowsJob(result.config), spec, result.dataset, kind="rows", session=session).result()


def downloads(result: ExperimentResult, threshold: float, spec: DataSpec | None = None) -> None:
    """The run as files: built only when clicked (no cost on reruns), and clicking does not rerun."""
    from . import jobs

    st.markdown("**Take it with you**")
    stem = _file_stem(result)
    session = jobs.session_id()
    columns = st.columns(4)
    columns[0].download_button(
        "Report (HTML)", lambda: report_html(result, threshold=threshold), file_name=f"{stem}-report.html",
        mime="text/html", key=LAB.download("report"), on_click="ignore", icon=":material/description:",
        help="One self-contained page for stakeholders: setup, metrics at this threshold, interactive charts.")
    columns[1].download_button(
        "Python script", lambda: script_source(result, threshold=threshold, filename=f"{stem}.py"),
        file_name=f"{stem}.py", mime="text/x-python", key=LAB.download("script"), on_click="ignore",
        icon=":material/code:", help="Reproduces this run with scikit-learn, imbalanced-learn and Keras only, "
                                     "data included, and prints the same test metrics.")
    columns[2].download_button(
        "Model (.keras)", lambda: _model_file(result, session), file_name=f"{stem}.keras",
        mime="application/octet-stream", key=LAB.download("model"), on_click="ignore", icon=":material/neurology:",
        help="The trained network (an ensemble as one averaging model). It expects the preprocessed features, "
             "as the Python script computes them.")
    columns[3].download_button(
        "Training rows", lambda: _training_rows_file(result, spec, session),
        file_name=f"{stem}-training-rows.csv", mime="text/csv", key=LAB.download("training_rows"), on_click="ignore",
        icon=":material/table:", help="A CSV of the rows the network was trained on, after the strategy, with is_synthetic "
                                      "and the source row of each real one (features as the network saw them).")
