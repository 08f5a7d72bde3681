"""Lessons: a teacher makes one for a class (the data, a question, the strategies, what students may change) and
gets a student link and a teacher link."""

import streamlit as st

from ui.keys import LESSON
from ui.routing import require_router

require_router()

st.title("Lessons")
st.write("Make a lesson for a class: everyone who opens its student link gets the lab on your data, with your "
         "question on top and only the strategies and settings you choose. Each result they train appears on your "
         "class board within seconds.")

# imported after the title is on screen
from imbalance_core import STRATEGIES, UserError, get_strategy  # noqa: E402
from imbalance_core.lessons.lesson import DEFAULT_STRATEGIES, MAX_QUESTION, SETTABLE, LessonPlan  # noqa: E402
from imbalance_core.lessons.store import open_store  # noqa: E402
from imbalance_core.training.network import EPOCHS, HIDDEN_LAYERS, LEARNING_RATE  # noqa: E402
from imbalance_core.training.strategies import combinations  # noqa: E402
from ui.lesson import student_link, teacher_link  # noqa: E402
from ui.state import active_dataset  # noqa: E402
from ui.text import md_escape  # noqa: E402
from ui.widgets import param_widgets  # noqa: E402

spec, dataset = active_dataset()
counts = " : ".join(f"{n:,}" for n in dataset.class_counts.values())
st.markdown(f"**Data:** {md_escape(dataset.name)} - {len(dataset.labels):,} rows, {counts}")
st.page_link("pages/data.py", label="Choose other data (the lesson takes the data chosen there)",
             icon=":material/table_chart:")

question = st.text_input("The lesson's question", max_chars=MAX_QUESTION, key=LESSON.question,
                         placeholder="e.g. Which remedy finds the rare class without flooding us with false alarms?")
options = [*STRATEGIES, *combinations()]
st.session_state.setdefault(LESSON.strategies, list(DEFAULT_STRATEGIES))
strategies = st.multiselect("Strategies students may pick", options, key=LESSON.strategies,
                            format_func=lambda k: get_strategy(k).label)
st.session_state.setdefault(LESSON.settable, ["strategy_settings"])
settable = st.multiselect("What students may change (the rest is fixed and hidden)", list(SETTABLE),
                          key=LESSON.settable, format_func=lambda k: SETTABLE[k])
columns = st.columns(3)
network = {}
for column, param in zip(columns, (HIDDEN_LAYERS, EPOCHS, LEARNING_RATE)):
    with column:
        network.update(param_widgets([param], key_prefix="lesson.net"))

if st.button("Make the lesson", type="primary", key=LESSON.make, disabled=not strategies):
    try:
        lesson, key = open_store().create_lesson(LessonPlan(spec, question, tuple(strategies), tuple(settable),
                                                            network))
    except UserError as exc:
        st.error(f"The lesson was not made: {md_escape(str(exc), limit=None)}")
    else:
        st.session_state[LESSON.made] = (lesson.id, key)

made = st.session_state.get(LESSON.made)
if made:
    lesson_id, key = made
    st.success("The lesson is ready.", icon=":material/school:")
    st.markdown("**Student link**: give it to the class (on the board, in a chat).")
    st.code(student_link(lesson_id), language=None)
    st.markdown("**Teacher link**: opens the class board and its actions. Keep it to yourself: it carries the "
                "lesson's key, shown only here.")
    st.code(teacher_link(lesson_id, key), language=None)
    st.link_button("Open the class board", teacher_link(lesson_id, key), icon=":material/leaderboard:")

with st.expander("The same from the command line"):
    st.code("python -m imbalance_core lesson create --builtin moons --dataset-param imbalance_ratio=10 \\\n"
            "    --strategies none,smote,class_weight,focal_loss --question 'Which remedy wins?' --json\n"
            "python -m imbalance_core lesson runs LESSON_ID --out runs.csv\n"
            "python -m imbalance_core lesson close LESSON_ID", language="bash")
