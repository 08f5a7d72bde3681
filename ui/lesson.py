"""The lab in a lesson, seen by a student: the lesson's question on top, only its strategies and the settings it
lets students change, a nickname, and each run put on the class board once, when its result is shown.

A lesson is opened from its student link (``?lesson=<id>``): :func:`open_lesson` reads it from the database
(:mod:`imbalance_core.lessons.store`) and turns the link's setup into one the lesson allows. The database
never stops the lab: if it cannot be reached, the student is told and trains on; the run is simply not on the
board.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import streamlit as st

from imbalance_core import UserError

from .keys import LESSON
from .text import md_escape

if TYPE_CHECKING:
    from imbalance_core import ExperimentResult
    from imbalance_core.data.spec import DataSpec
    from imbalance_core.lessons.lesson import Lesson

    from .links import LabSetup

__all__ = ["ActiveLesson", "active", "allowed_setup", "app_url", "banner", "keep", "open_lesson", "prepare_database",
           "student_link", "teacher_link"]


@dataclass(frozen=True)
class ActiveLesson:
    """The lesson a session's lab is in, and its data (an uploaded table with its bytes, read once)."""

    lesson: Lesson
    spec: DataSpec

    @property
    def id(self) -> str:
        return self.lesson.id

    def allows(self, group: str) -> bool:
        return self.lesson.allows(group)

    def network(self, counts: dict[int, int]) -> dict[str, Any]:
        """The lesson's network settings, every one (those it leaves out take their defaults for this data)."""
        from imbalance_core import NETWORK_PARAMS

        return {p.name: self.lesson.plan.network.get(p.name, p.default_for(counts)) for p in NETWORK_PARAMS}


def active() -> ActiveLesson | None:
    return st.session_state.get(LESSON.active)


def _store():
    from imbalance_core.lessons.store import open_store

    return open_store()


def open_lesson(asked: LabSetup) -> LabSetup | None:
    """The lesson a link names, made this session's lesson; returns the setup it allows from the link's (None, and
    the reason kept for :func:`banner`, when it cannot be opened)."""
    try:
        from imbalance_core.lessons.store import database_url

        lesson, spec = _lesson_and_data(database_url(), asked.lesson)
    except UserError as exc:
        st.session_state[LESSON.problem] = str(exc)
        st.session_state.pop(LESSON.active, None)
        return None
    st.session_state[LESSON.active] = ActiveLesson(lesson, spec)
    return allowed_setup(lesson, spec, asked)


@st.cache_resource(ttl=60, show_spinner=False, max_entries=64)
def _lesson_and_data(database: str, lesson_id: str) -> tuple[Lesson, DataSpec]:
    """A lesson and its data, read from the database at most once a minute per server however many students open
    its link at once (shared, read-only: what a lesson trains never changes; whether it is still open is read
    apart, by :func:`_is_open`). A lesson that cannot be read raises, and is asked again next time."""
    from imbalance_core.lessons.store import open_store

    store = open_store(database)
    lesson = store.lesson(lesson_id)
    return lesson, store.lesson_data(lesson)


def allowed_setup(lesson: Lesson, spec: DataSpec, asked: LabSetup) -> LabSetup:
    """What a link asks for, within the lesson: one of its strategies, its data, and its fixed settings for every
    group it does not let students change."""
    plan = lesson.plan
    strategy = asked.strategy if asked.strategy in plan.strategies else plan.strategies[0]
    params = dict(asked.params) if lesson.allows("strategy_settings") and strategy == asked.strategy else {}
    network = {**plan.network, **(asked.network if lesson.allows("network") else {})}
    seed, test_size = (asked.seed, asked.test_size) if lesson.allows("seed") else (plan.seed, plan.test_size)
    return replace(asked, data=spec, strategy=strategy, params=params, network=network, seed=seed,
                   test_size=test_size, data_id=spec.identity, lesson=lesson.id)


@st.cache_data(ttl=5, show_spinner=False, max_entries=256)
def _is_open(lesson_id: str) -> bool:
    """Whether the lesson still takes runs (read at most every 5 s per server, however many students)."""
    return _store().lesson(lesson_id).open


def banner() -> ActiveLesson | None:
    """On top of the lab: why a lesson link could not be opened (once), or the lesson's question, whether it is
    closed, and the student's nickname for the board. Returns the session's lesson."""
    problem = st.session_state.pop(LESSON.problem, None)
    if problem:
        st.error(f"This lesson could not be opened: {md_escape(problem, limit=None)} The lab works as usual.",
                 icon=":material/school:")
    lesson = active()
    if lesson is None:
        return None
    question = lesson.lesson.plan.question
    st.info(f"**Lesson:** {md_escape(question, limit=None)}" if question else
            "**Lesson:** try the strategies your teacher chose; each result you train goes on the class board.",
            icon=":material/school:")
    try:
        is_open = _is_open(lesson.id)
    except UserError:
        is_open = True  # said when a run is kept
    if not is_open:
        st.warning("This lesson is closed: you can still train, but runs no longer go on the class board.",
                   icon=":material/lock:")
    from imbalance_core.lessons.lesson import MAX_NICKNAME

    st.text_input("Your nickname on the board (optional)", key=LESSON.nickname, max_chars=MAX_NICKNAME,
                  placeholder="shown as 'student N' without one",
                  help="Up to 40 characters, on the runs you train from now on. Everyone in the lesson sees it on the class "
                       "board.")
    return lesson


def keep(result: ExperimentResult, setup: LabSetup, lesson: ActiveLesson) -> None:
    """Put a shown result on the lesson's board once (the first time it is shown), and say what became of it."""
    kept = st.session_state.get(LESSON.kept)
    if kept is None or kept[0] is not result:
        evaluation = result.evaluate_at(setup.threshold)
        metrics: dict[str, Any] = {**evaluation.metrics, **(evaluation.operating_point or {})}
        query = {k: v for k, v in setup.query().items() if k != "lesson"}
        from .jobs import session_id

        try:
            run = _store().add_run(lesson.id, session=session_id(), strategy=setup.strategy, setup=query,
                                   metrics=metrics, threshold=setup.threshold,
                                   nickname_text=st.session_state.get(LESSON.nickname))
            said = ("ok", f"On the class board as **{md_escape(run.who, 60)}** (PR AUC "
                          f"{run.metric('pr_auc'):.3f} at threshold {setup.threshold:.2f}).")
        except UserError as exc:
            said = ("no", f"This run is not on the class board: {md_escape(str(exc), limit=None)}")
        kept = (result, said)
        st.session_state[LESSON.kept] = kept
    kind, text = kept[1]
    if kind == "ok":
        st.success(text, icon=":material/leaderboard:")
    else:
        st.warning(text, icon=":material/cloud_off:")


def app_url() -> str:
    """The app's address as the browser sees it (its root), for links to hand out."""
    url = (st.context.url or "http://localhost:8501/").split("?")[0]
    for page in ("lessons", "board", "lab"):
        if url.rstrip("/").endswith("/" + page):
            url = url.rstrip("/")[: -len(page)]
    return url if url.endswith("/") else url + "/"


def student_link(lesson_id: str) -> str:
    from imbalance_core.lessons.commands import lesson_links

    return lesson_links(lesson_id, "", app_url())["student_link"]


def teacher_link(lesson_id: str, key: str) -> str:
    from imbalance_core.lessons.commands import lesson_links

    return lesson_links(lesson_id, key, app_url())["teacher_link"]


_PREPARED = threading.Event()


def prepare_database() -> None:
    """Once per server, after the first page is drawn: apply pending migrations in the background (a database that
    cannot be reached is said where a lesson needs it)."""
    if _PREPARED.is_set():
        return
    _PREPARED.set()

    def migrate() -> None:
        try:
            _store().migrate()
        except UserError:
            pass

    threading.Thread(target=migrate, name="lessons-migrate", daemon=True).start()
