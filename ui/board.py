"""The class board (teacher side): who ran what, each run's operating point, the best run per strategy, and the
teacher's actions. Every name on it comes from students: shown as text, never as Markdown or HTML."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

import streamlit as st

from imbalance_core import UserError

from .keys import BOARD
from .text import md_escape

if TYPE_CHECKING:
    import pandas as pd

    from imbalance_core.lessons.lesson import Lesson
    from imbalance_core.lessons.store import Store

REFRESH_SECONDS = 2.0


def strategy_label(key: str) -> str:
    from imbalance_core.lessons.board import strategy_label as label

    return label(key)


def _ago(when: datetime) -> str:
    seconds = max(0, int((datetime.now(timezone.utc) - when).total_seconds()))
    return f"{seconds} s ago" if seconds < 90 else f"{seconds // 60} min ago" if seconds < 5400 else \
        when.strftime("%H:%M")


def leaderboard_table(board: pd.DataFrame) -> None:
    """The leaderboard: best PR AUC first; a click on a run's link opens it in the lab."""
    shown = board.copy()
    shown["when"] = [_ago(w) for w in shown["when"]]
    columns = {"who": "Student", "strategy": "Strategy", "settings": "Settings", "pr_auc": "PR AUC",
               "recall": "Recall", "precision": "Precision", "f1": "F1", "when": "When", "link": "Open"}
    number = {name: st.column_config.NumberColumn(label, format="%.3f")
              for name, label in columns.items() if name in ("pr_auc", "recall", "precision", "f1")}
    st.dataframe(shown[list(columns)], hide_index=True, width="stretch", column_config={
        **{k: v for k, v in columns.items() if k not in number and k != "link"}, **number,
        "link": st.column_config.LinkColumn("Open", display_text="open in lab",
                                            help="Open this run's setup in the lab (a new tab)"),
    }, height=min(36 * (len(shown) + 1) + 4, 420))


def operating_points(board: pd.DataFrame) -> None:
    """Each run's operating point on one PR and one ROC chart, a colour per strategy."""
    from imbalance_core.outputs.plots import make_operating_points_figure

    charts = (("pr", "recall", "precision", "Each run on the PR plane"),
              ("roc", "fpr", "recall", "Each run on the ROC plane"))
    for column, (kind, x, y, title) in zip(st.columns(2), charts):
        groups = {label: (part[x], part[y], list(part["who"])) for label, part in board.groupby("strategy", sort=False)}
        column.plotly_chart(make_operating_points_figure(groups, kind=kind, title=title), key=f"chart.board.{kind}")


def best_runs(board: pd.DataFrame) -> None:
    from imbalance_core.lessons.board import best_per_strategy

    best = best_per_strategy(board)
    if not len(best):
        return
    st.markdown("**Best run per strategy** (by PR AUC)")
    st.dataframe(best[["strategy", "who", "settings", "pr_auc", "recall", "precision", "link"]], hide_index=True,
                 width="stretch", column_config={
                     "strategy": "Strategy", "who": "Student", "settings": "Settings",
                     "pr_auc": st.column_config.NumberColumn("PR AUC", format="%.3f"),
                     "recall": st.column_config.NumberColumn("Recall", format="%.3f"),
                     "precision": st.column_config.NumberColumn("Precision", format="%.3f"),
                     "link": st.column_config.LinkColumn("Open", display_text="open in lab")})


def teacher_actions(store: Store, lesson: Lesson, key: str, board: pd.DataFrame, runs: list) -> None:
    """Hide a run, clear the board, close the lesson, download every run (``runs``, as the board read them) as
    CSV."""
    from imbalance_core.lessons.board import runs_csv

    message = st.session_state.pop(BOARD.message, None)
    if message:
        st.toast(message)
    left, middle, right = st.columns(3)
    with left:
        choices = {int(r.id): f"#{r.id} {r.who} - {r.strategy}" + (" (hidden)" if r.hidden else "")
                   for r in board.itertuples()}
        chosen = st.selectbox("Run", list(choices), format_func=choices.get, key=BOARD.hide_run, index=None,
                              placeholder="Choose a run to hide or show")
        if st.button("Hide / show this run", key=BOARD.hide, disabled=chosen is None):
            hidden = bool(board.loc[board["id"] == chosen, "hidden"].iloc[0])
            _act(lambda: store.hide_run(lesson.id, chosen, key, hidden=not hidden),
                 f"Run #{chosen} {'shown' if hidden else 'hidden'}.")
    with middle:
        sure = st.checkbox("Yes, remove every run", key=BOARD.confirm_clear)
        if st.button("Clear the board", key=BOARD.clear, disabled=not sure):
            _act(lambda: store.clear(lesson.id, key), "The board is clear.")
    with right:
        if lesson.open:
            if st.button("Close the lesson", key=BOARD.close, help="Students see that it is closed; their runs no "
                                                                   "longer reach the board. The board stays."):
                _act(lambda: store.close(lesson.id, key), "The lesson is closed.")
        else:
            st.caption("This lesson is closed.")
        st.download_button("All runs (CSV)", runs_csv(runs),
                           file_name=f"lesson-{lesson.id}-runs.csv", mime="text/csv", key="board.download",
                           on_click="ignore", icon=":material/download:")


def _act(action, done: str) -> None:
    try:
        action()
    except UserError as exc:
        st.session_state[BOARD.message] = f"Not done: {md_escape(str(exc), limit=None)}"
    else:
        st.session_state[BOARD.message] = done
    st.rerun()
