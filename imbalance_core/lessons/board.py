"""A lesson's runs as the class board reads them: the leaderboard, the best run per strategy, and the runs as
CSV or JSON (the board's download and ``lesson runs``)."""

from __future__ import annotations

import math
from typing import Any, Sequence
from urllib.parse import urlencode

import pandas as pd

from ..errors import UserError
from ..outputs.files import csv_text
from ..runs.evaluation import METRIC_LABELS
from ..training.strategies import get_strategy
from .lesson import LessonRun

__all__ = ["BOARD_METRICS", "best_per_strategy", "leaderboard", "run_link", "runs_csv", "runs_json"]

BOARD_METRICS = ("pr_auc", "recall", "precision", "f1")  # the leaderboard's columns, the first sorts it
SETUP_SKIP = {"data", "file", "target", "positive", "feature", "present", "lesson"}


def strategy_label(key: str) -> str:
    try:
        return get_strategy(key).label
    except UserError:  # a key from the database that this version does not know
        return key


def settings_text(run: LessonRun, settable: Sequence[str] = ("strategy_settings", "network", "seed")) -> str:
    """The run's settings a student could change (the lesson's ``settable`` groups), in one short line."""
    groups = {"strategy_settings": lambda k: k.startswith("s."), "network": lambda k: k.startswith("n."),
              "seed": lambda k: k in ("seed", "test_size")}
    shown = [groups[g] for g in settable if g in groups]
    parts = [f"{k.split('.', 1)[-1]}={v}" for k, v in run.setup.items() if any(test(k) for test in shown)]
    return ", ".join(parts)[:200]


def run_link(run: LessonRun, lesson_id: str) -> str:
    """The run's lab link, relative to the app (opens its setup in the lab, in its lesson)."""
    query = {k: v for k, v in run.setup.items() if k != "lesson"}
    return "./?" + urlencode({"lesson": lesson_id, **query}, doseq=True)


def leaderboard(runs: Sequence[LessonRun], lesson_id: str,
                settable: Sequence[str] = ("strategy_settings", "network", "seed")) -> pd.DataFrame:
    """One row per run, best PR AUC first (a run without one last); its settings column shows the ``settable``
    groups (what the lesson let students change)."""
    rows = [{"id": r.id, "who": r.who, "strategy": strategy_label(r.strategy), "key": r.strategy,
             "settings": settings_text(r, settable), **{m: r.metric(m) for m in BOARD_METRICS},
             "fpr": r.metric("fpr"), "when": r.created_at, "hidden": r.hidden, "link": run_link(r, lesson_id)}
            for r in runs]
    frame = pd.DataFrame(rows, columns=["id", "who", "strategy", "key", "settings", *BOARD_METRICS, "fpr", "when",
                                        "hidden", "link"])
    frame = frame.astype({"hidden": bool, **{m: float for m in (*BOARD_METRICS, "fpr")}})  # an empty board too
    return frame.sort_values(BOARD_METRICS[0], ascending=False, na_position="last", kind="stable",
                             ignore_index=True)


def best_per_strategy(board: pd.DataFrame) -> pd.DataFrame:
    """The best run (by PR AUC) of each strategy tried, best first."""
    shown = board[~board["hidden"]] if len(board) else board
    if not len(shown):
        return shown
    ranked = shown.dropna(subset=[BOARD_METRICS[0]])
    return ranked.drop_duplicates("key", keep="first").reset_index(drop=True)


def _metric_value(value: float) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else round(float(value), 6)


def runs_json(runs: Sequence[LessonRun]) -> list[dict[str, Any]]:
    """Each run with its setup, nickname, time and a ``metrics`` object like ``train --json``'s."""
    return [{"id": r.id, "nickname": r.nickname, "student": r.student, "who": r.who,
             "created_at": r.created_at.isoformat(), "strategy": r.strategy, "setup": dict(r.setup),
             "threshold": r.threshold, "hidden": r.hidden,
             "metrics": {k: _metric_value(v) for k, v in r.metrics.items()}} for r in runs]


def runs_csv(runs: Sequence[LessonRun]) -> str:
    """One CSV line per run (spreadsheet-safe): who, when, strategy, settings, threshold and every metric."""
    names = [m for m in METRIC_LABELS if any(m in r.metrics for r in runs)] or list(METRIC_LABELS)
    frame = pd.DataFrame([{"run": r.id, "who": r.who, "nickname": r.nickname or "", "created_at":
                           r.created_at.isoformat(), "strategy": r.strategy, "settings": settings_text(r),
                           "threshold": r.threshold, "hidden": r.hidden, **{m: r.metric(m) for m in names}}
                          for r in runs],
                         columns=["run", "who", "nickname", "created_at", "strategy", "settings", "threshold",
                                  "hidden", *names])
    return csv_text(frame)
