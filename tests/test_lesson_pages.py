"""A class in the app (Streamlit's AppTest): the student link opens the lab in the lesson, each shown result goes
on the board once, the board is the teacher's alone, and a database that does not answer never stops the lab."""

import pytest
from streamlit.testing.v1 import AppTest

from imbalance_core.data.spec import BuiltinSpec, UploadSpec, content_digest
from imbalance_core.lessons.lesson import LessonPlan
from imbalance_core.lessons.store import open_store
from tests.helpers import HTML, LINK, TIMEOUT, assert_inert, lab_result

QUESTION = f"Which remedy wins? {LINK} {HTML}"
NICK = "[Ana](https://evil.example)"  # 27 characters: a nickname fits 40
PLAN = LessonPlan(BuiltinSpec.of("moons", {"imbalance_ratio": 10}), question=QUESTION,
                  strategies=("smote", "class_weight"), network={"epochs": 4, "hidden_layers": "8"}, seed=3)


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("IMBALANCE_LAB_DATABASE_URL", f"sqlite:///{tmp_path / 'class.sqlite3'}")
    return open_store()


def student(lesson_id: str, **query) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    at.query_params["lesson"] = lesson_id
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def board(lesson_id: str, key: str | None) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    at.query_params["lesson"] = lesson_id
    if key is not None:
        at.query_params["key"] = key
    at.switch_page("pages/board.py")
    return at.run()


def test_a_student_link_opens_the_lab_in_the_lesson_and_each_result_goes_on_the_board_once(store):
    lesson, _ = store.create_lesson(PLAN)
    at = student(lesson.id, strategy="class_weight")
    assert not at.exception and not at.error
    assert at.info[0].value.startswith("**Lesson:** Which remedy wins")
    assert_inert(at)  # the question is the teacher's text, shown as text
    assert at.selectbox(key="lesson.strategy").options == ["SMOTE", "Class weighting"]
    assert not any(e.key and e.key.startswith("lab.net.") for e in [*at.selectbox, *at.slider, *at.number_input])
    assert any("The lesson fixes the network (8 units, 4 epochs), the seed (3)" in c.value for c in at.caption)
    result = lab_result(at)
    assert result.strategy == "class_weight" and result.config.network.epochs == 4 and result.config.seed == 3
    assert result.config.network.hidden_layers == (8,)
    runs = store.runs(lesson.id)
    assert len(runs) == 1 and runs[0].who == "student 1" and runs[0].strategy == "class_weight"
    assert runs[0].metric("pr_auc") == pytest.approx(result.metrics["pr_auc"])
    assert runs[0].setup["strategy"] == "class_weight" and "lesson" not in runs[0].setup
    assert "On the class board as **student 1**" in at.success[0].value
    at.run()  # a rerun shows the same result: not stored again
    assert len(store.runs(lesson.id)) == 1
    assert at.query_params["lesson"] == lesson.id  # a reload reopens the lesson


def test_a_link_cannot_step_outside_the_lesson(store):
    lesson, _ = store.create_lesson(PLAN)
    at = student(lesson.id, strategy="focal_loss", **{"n.epochs": "300", "seed": "9", "data": "circles"})
    result = lab_result(at)
    assert result.strategy == "smote"  # the lesson's first strategy
    assert result.config.network.epochs == 4 and result.config.seed == 3
    assert result.dataset_name.startswith("Moons")


def test_a_nickname_goes_on_the_next_runs_and_a_run_too_soon_is_said(store):
    lesson, _ = store.create_lesson(PLAN)
    at = student(lesson.id)
    at.text_input(key="lesson.nickname").input("Ana <img src=x>").run()
    at.selectbox(key="lesson.strategy").select("class_weight").run()
    at.button(key="lab.train").click().run()
    assert "not on the class board" in at.warning[0].value and "at most once every 3 s" in at.warning[0].value
    assert len(store.runs(lesson.id)) == 1


def test_a_closed_or_unknown_lesson_says_so_and_the_lab_trains(store):
    lesson, key = store.create_lesson(PLAN)
    store.close(lesson.id, key)
    at = student(lesson.id)
    assert any("This lesson is closed" in w.value for w in at.warning)
    assert lab_result(at) is not None and store.runs(lesson.id) == []
    assert any(w.value.startswith("This run is not on the class board") and "closed" in w.value for w in at.warning)
    unknown = student("no-such-lesson")
    assert "This lesson could not be opened: No lesson has this id" in unknown.error[0].value
    assert not unknown.exception and unknown.button(key="lab.train")


def test_a_database_that_does_not_answer_leaves_the_lab_working(store, monkeypatch):
    lesson, _ = store.create_lesson(PLAN)
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    at.query_params["lesson"] = lesson.id
    monkeypatch.setenv("IMBALANCE_LAB_DATABASE_URL", "postgresql://nobody@127.0.0.1:9/nowhere")
    at.run()
    assert not at.exception
    assert "This lesson could not be opened: The class database" in at.error[0].value
    assert "cannot be used now" in at.error[0].value
    assert at.button(key="lab.train")


def test_an_uploaded_table_travels_with_its_lesson(store):
    content = b"a,b,label\n" + b"".join(f"{i % 13},{(i * 7) % 11},{'rare' if i % 8 == 0 else 'common'}\n".encode()
                                        for i in range(160))
    spec = UploadSpec("class table.csv", "label", "rare", None, content_digest(content), content)
    lesson, _ = store.create_lesson(LessonPlan(spec, strategies=("none",), network={"epochs": 3}))
    at = student(lesson.id)
    assert not at.exception and not at.warning
    assert lab_result(at).dataset_name == "class table.csv"
    assert len(store.runs(lesson.id)) == 1


def test_the_board_is_the_teachers_and_its_actions_work(store):
    lesson, key = store.create_lesson(PLAN)
    store.add_run(lesson.id, session="a", strategy="smote", setup={"strategy": "smote", "s.k_neighbors": "3"},
                  metrics={"pr_auc": 0.8, "recall": 0.7, "precision": 0.6, "f1": 0.65, "fpr": 0.1}, threshold=0.5,
                  nickname_text=NICK)
    store.add_run(lesson.id, session="b", strategy="class_weight", setup={"strategy": "class_weight"},
                  metrics={"pr_auc": 0.6, "recall": 0.9, "precision": 0.3, "f1": 0.45, "fpr": 0.3}, threshold=0.5)
    for wrong in (None, "", key[:-2], "x" * 500):
        at = board(lesson.id, wrong)
        assert "This board is for the lesson's teacher" in at.warning[0].value
        assert len(at.dataframe) == 0 and not at.get("plotly_chart") and not at.button
        assert QUESTION[:10] not in " ".join(m.value for m in at.markdown)
    at = board(lesson.id, key)
    assert not at.exception and not at.error
    assert_inert(at)
    table = at.dataframe[0].value
    assert list(table["who"]) == [NICK, "student 2"] and list(table["pr_auc"]) == [0.8, 0.6]
    assert table["settings"][0] == "k_neighbors=3"  # what the lesson lets students change, nothing else
    assert table["link"][0].startswith(f"./?lesson={lesson.id}&strategy=smote")
    assert "2 runs from 2 students" in at.caption[0].value
    assert len(at.get("plotly_chart")) == 2
    first = store.runs(lesson.id)[-1]  # Ana's
    at.selectbox(key="board.hide_run").select(first.id).run()
    at.button(key="board.hide").click().run()
    assert [r.who for r in store.runs(lesson.id)] == ["student 2"]
    at.checkbox(key="board.confirm_clear").check().run()
    at.button(key="board.clear").click().run()
    assert store.runs(lesson.id, include_hidden=True) == []
    at.button(key="board.close").click().run()
    assert not store.lesson(lesson.id).open
    assert any("This lesson is closed" in m.value for m in at.markdown)


def test_the_lessons_page_makes_a_lesson_with_two_links(store):
    at = AppTest.from_file("../app.py", default_timeout=TIMEOUT)
    at.switch_page("pages/lessons.py")
    at.run()
    at.text_input(key="lesson.make.question").input("Does SMOTE beat class weights?").run()
    at.multiselect(key="lesson.make.strategies").set_value(["smote", "class_weight"]).run()
    at.button(key="lesson.make.go").click().run()
    assert not at.exception and not at.error
    student_link, teacher_link = (c.value for c in at.code[:2])
    lesson_id = student_link.split("lesson=")[1]
    key = teacher_link.split("key=")[1]
    assert "key" not in student_link and student_link.endswith(f"/?lesson={lesson_id}")
    assert teacher_link.endswith(f"/board?lesson={lesson_id}&key={key}")
    lesson = store.lesson(lesson_id)
    assert lesson.plan.question == "Does SMOTE beat class weights?"
    assert lesson.plan.strategies == ("smote", "class_weight") and store.is_teacher(lesson_id, key)
