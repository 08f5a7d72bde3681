"""The class board: a lesson's runs as they arrive, for its teacher (opened from the teacher link)."""

import streamlit as st

from ui.routing import require_router

require_router()

st.title("Class board")

# imported after the title is on screen
from imbalance_core import UserError  # noqa: E402
from imbalance_core.lessons.board import leaderboard  # noqa: E402
from imbalance_core.lessons.store import open_store  # noqa: E402
from ui import board as views  # noqa: E402
from ui.lesson import student_link  # noqa: E402
from ui.text import md_escape  # noqa: E402

lesson_id, key = st.query_params.get("lesson", "")[:32], st.query_params.get("key", "")[:200]
if not lesson_id:
    st.info("A class board belongs to a lesson. Make one on the Lessons page; its teacher link opens its board.")
    st.page_link("pages/lessons.py", label="Make a lesson", icon=":material/school:")
    st.stop()
try:
    store = open_store()
    lesson = store.lesson(lesson_id)
    teacher = store.is_teacher(lesson_id, key)
except UserError as exc:
    st.error(md_escape(str(exc), limit=None), icon=":material/cloud_off:")
    st.stop()
if not teacher:  # the same answer with or without a key: nothing of the lesson is shown
    st.warning("This board is for the lesson's teacher: its address needs the teacher's key. Students: open the "
               "student link your teacher gave you.", icon=":material/lock:")
    st.page_link("pages/lab.py", label="Go to the lab", icon=":material/science:")
    st.stop()

plan = lesson.plan
st.markdown(f"**{md_escape(plan.question, limit=None) or 'No question set'}**  \n"
            f"{md_escape(plan.data.label, 80)} - students pick from: "
            + ", ".join(md_escape(views.strategy_label(s), 60) for s in plan.strategies)
            + ("" if lesson.open else "  \n:red[This lesson is closed: new runs no longer reach the board.]"))
with st.expander("Student link (share it with the class)"):
    st.code(student_link(lesson.id), language=None)


@st.fragment(run_every=views.REFRESH_SECONDS)
def live_board() -> None:
    """Refreshes itself every two seconds with one query (the table, the charts and the CSV all come from it)."""
    try:
        runs = store.runs(lesson.id, include_hidden=True)
    except UserError as exc:
        st.warning(md_escape(str(exc), limit=None), icon=":material/cloud_off:")
        return
    board = leaderboard(runs, lesson.id, plan.settable)
    visible = board[~board["hidden"]]
    students = visible["who"].nunique()
    st.caption(f"{len(visible)} run{'s' if len(visible) != 1 else ''} from {students} student"
               f"{'s' if students != 1 else ''}" + (f" ({len(board) - len(visible)} hidden)" if len(visible) < len(board)
                                                     else "") + "; refreshes every 2 s.")
    if not len(visible):
        st.info("No runs yet. Each result a student trains in the lesson appears here within a few seconds.")
    else:
        views.leaderboard_table(visible)
        views.operating_points(visible)
        views.best_runs(visible)
    with st.expander("Teacher's actions"):
        views.teacher_actions(store, lesson, key, board, runs)


live_board()
