"""From a result (or a run's progress) to the set of figures the lab shows."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ..data.dataset import Dataset
from ..data.preprocessing import prepare
from ..runs.evaluation import Evaluation
from ..runs.progress import Progress
from ..runs.projection import Projection
from ..runs.result import ExperimentResult
from ..settings import SEED, TEST_SIZE, THRESHOLD
from .plots import (
    animate_boundary,
    make_boundary_figure,
    make_boundary_grid_figure,
    make_class_balance_figure,
    make_confusion_figure,
    make_data_figure,
    make_history_figure,
    make_pr_figure,
    make_roc_figure,
)

__all__ = ["data_figure", "live_figures", "result_figures"]


def data_figure(dataset: Dataset, *, seed: int = SEED.default, test_size: float = TEST_SIZE.default) -> go.Figure:
    """The data before any training, in the view the lab's boundary will use for the same seed and split
    (scaled on the training rows; the first two principal components beyond two features)."""
    prepared = prepare(dataset, test_size=test_size, seed=seed)
    projection = Projection(prepared.feature_names).fit(prepared.X_fit, seed=seed)
    train_rows = np.concatenate([prepared.X_fit, prepared.X_val])
    train_labels = np.concatenate([prepared.y_fit, prepared.y_val])
    return make_data_figure(projection.transform(train_rows), train_labels, projection.transform(prepared.X_test),
                            prepared.y_test, classes=dataset.classes, positive_index=dataset.positive_index,
                            axis_titles=projection.axis_titles, is_pca=projection.is_pca,
                            counts=dataset.class_counts)


def result_figures(
    result: ExperimentResult,
    *,
    normalize_confusion: bool = False,
    show_synthetic: bool = True,
    show_removed: bool = True,
    show_lineage: bool = False,
    threshold: float = THRESHOLD.default,
    evaluation: Evaluation | None = None,
    frame: int | None = None,
    animate: bool = False,
) -> dict[str, go.Figure]:
    """Every chart of a finished run, keyed by name (no retraining: views only).

    ``threshold`` moves a binary classifier's decision point: the confusion matrix and the
    operating point on the ROC and PR curves follow it. Pass ``evaluation`` (at that threshold)
    when the caller already has it. ``frame``: a frame of the run's replay, whose epoch the boundary, the
    confusion matrix, the curves (``evaluation`` is then that epoch's) and a marker on the history show.
    ``animate``: the boundary replays the run in the browser (frames, a slider and a play button: the report).
    """
    replay = result.replay if frame is not None else None
    evaluation = evaluation or (replay.evaluation(frame, result.prepared.y_test, result.classes, result.positive_index,
                                                  threshold) if replay else result.evaluate_at(threshold))
    point = evaluation.operating_point
    counts = result.counts
    stages = {"training,\noriginal": counts["train"], "training,\nresampled": counts["train_resampled"],
              "test,\nuntouched": counts["test"]}
    first = result.resampled[0]
    synthetic = {result.classes[c]: int((first.y[first.is_synthetic] == c).sum()) for c in range(len(result.classes))}
    title = f"Decision boundary - {result.strategy_label}"
    if result.n_members > 1:
        title += f" (average of {result.n_members} networks)"
    if replay:
        title += f" - epoch {replay.epochs[frame]} of {replay.total}"
    figures = {
        "boundary": make_boundary_figure(
            replay.boundary(frame) if replay else result.boundary, result.view, show_synthetic=show_synthetic,
            show_removed=show_removed,
            show_lineage=show_lineage, threshold=threshold, title=title,
        ),
        "confusion": make_confusion_figure(evaluation.confusion, result.classes, normalize=normalize_confusion),
        "roc": make_roc_figure(evaluation.roc, operating_point=point, threshold=threshold),
        "pr": make_pr_figure(evaluation.pr, positive_rate=evaluation.positive_rate if point else None,
                             operating_point=point, threshold=threshold),
        "balance": make_class_balance_figure(
            stages, classes=result.classes, synthetic=synthetic, positive_index=result.positive_index,
            title="Rows per class",
        ),
        "history": make_history_figure(
            result.history, total_epochs=result.config.network.epochs,
            initial_loss=result.initial_loss["prior_bias" if result.config.network.prior_bias else "zero_bias"],
            best_epochs=result.best_epochs, marker=replay.epochs[frame] if replay else None,
        ),
    }
    if animate and result.replay is not None:  # the report: the replay as a Plotly animation
        kept = result.replay
        # every other grid point: the 31 frames weigh ~0.5 MB, so a report still fits in an e-mail
        frames = [(f"epoch {e} of {kept.total}", kept.boundary(i).coarse(2)) for i, e in enumerate(kept.epochs)]
        animate_boundary(figures["boundary"], frames, result.view, threshold=threshold)
    if result.member_panels:
        panels = [("Combined (average)", result.boundary, result.view)] + [
            (f"Network {i + 1}", boundary, view) for i, (boundary, view) in enumerate(result.member_panels)
        ]
        if replay and replay.members is not None:  # each network at the replay's epoch too
            panels = [(f"{name} - epoch {replay.epochs[frame]}", replay.boundary(frame) if i == 0 else
                       replay.member_boundary(frame, i - 1), view) for i, (name, _, view) in enumerate(panels)]
        figures["members"] = make_boundary_grid_figure(
            panels, threshold=threshold,
            title="Each network beside their average (each with its own training rows)",
        )
    return figures


def live_figures(progress: Progress) -> dict[str, go.Figure]:
    """The boundary and history as they are mid-training (progress without a boundary gives the history only)."""
    members = f", average of {progress.n_members} networks" if progress.n_members > 1 else ""
    figures = {
        "history": make_history_figure(progress.history, total_epochs=progress.epochs,
                                       title="Training history (live)"),
    }
    if progress.boundary is not None and progress.view is not None:
        figures["boundary"] = make_boundary_figure(
            progress.boundary, progress.view, title=f"Decision boundary - epoch {progress.epoch}{members} (training...)")
    return figures
