"""Lessons and their runs on a real database: an SQLite file and a real PostgreSQL server, migrated by Alembic."""

import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import text

from imbalance_core.cli import main
from imbalance_core.data.spec import BuiltinSpec, UploadSpec, content_digest
from imbalance_core.errors import ConfigError
from imbalance_core.lessons import lesson as lesson_rules
from imbalance_core.lessons import store as lesson_store
from imbalance_core.lessons.board import best_per_strategy, leaderboard, runs_csv, runs_json
from imbalance_core.lessons.lesson import LessonPlan
from imbalance_core.lessons.store import (DatabaseUnavailable, LessonClosed, LessonNotFound, NotTeacher, RunRefused,
                                          Store)
from support.postgres import postgres_server

PLAN = LessonPlan(BuiltinSpec.of("moons", {"imbalance_ratio": 10}), question="  Which remedy finds the rare class? ",
                  strategies=("none", "smote", "focal_loss"), network={"epochs": 30})
METRICS = {"pr_auc": 0.8, "recall": 0.7, "precision": 0.6, "f1": 0.65, "fpr": 0.05, "roc_auc": float("nan")}


@pytest.fixture(scope="module")
def postgres_url():
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        made = Store(f"sqlite:///{tmp_path / 'lab.sqlite3'}")
    else:
        url = request.getfixturevalue("postgres_url")
        made = Store(url)
        made.migrate()
        with made.engine.begin() as db:  # each test starts from an empty board
            db.execute(text("DELETE FROM lesson_runs; DELETE FROM lessons; DELETE FROM lesson_tables"))
    yield made
    made.engine.dispose()


def add(store, lesson_id, session="s1", strategy="smote", **metrics):
    return store.add_run(lesson_id, session=session, strategy=strategy, setup={"strategy": strategy, "s.k_neighbors": "3"},
                         metrics={**METRICS, **metrics}, threshold=0.5)


def test_migrations_make_exactly_the_schema_the_queries_use(store):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    store.migrate()
    with store.engine.connect() as db:
        assert db.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0001"
        assert compare_metadata(MigrationContext.configure(db), lesson_store.schema.metadata) == []
    again = Store(store.url)  # a second server starting on the same database: nothing left to do
    again.migrate()
    again.engine.dispose()
    if store.engine.dialect.name == "sqlite":
        with store.engine.connect() as db:
            assert db.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_a_lesson_reads_back_as_planned_and_only_its_key_makes_a_teacher(store):
    lesson, key = store.create_lesson(PLAN)
    again = store.lesson(lesson.id)
    assert again.plan == PLAN.checked() and again.open
    assert again.plan.question == "Which remedy finds the rare class?"
    assert len(lesson.id) >= 16 and len(key) >= 32 and key not in lesson.id
    assert store.is_teacher(lesson.id, key)
    assert not store.is_teacher(lesson.id, key[:-1] + ("A" if key[-1] != "A" else "B"))
    assert not store.is_teacher(lesson.id, "") and not store.is_teacher("unknown", key)
    with store.engine.connect() as db:  # the key itself is never stored
        assert key not in json.dumps([list(map(str, r)) for r in db.execute(text("SELECT * FROM lessons"))])
    with pytest.raises(LessonNotFound, match="No lesson has this id"):
        store.lesson("no-such-lesson")


def test_an_uploaded_table_is_stored_once_and_loads_back(store, tmp_path):
    content = b"x1,x2,label\n" + b"".join(f"{i},{i % 7},{'rare' if i % 9 == 0 else 'common'}\n".encode()
                                          for i in range(90))
    spec = UploadSpec("class table.csv", "label", "rare", None, content_digest(content), content)
    first, _ = store.create_lesson(LessonPlan(spec, strategies=("smote",)))
    second, _ = store.create_lesson(LessonPlan(spec, strategies=("none",)))
    loaded = store.lesson_data(store.lesson(second.id))
    assert loaded.data == content and loaded.identity == spec.identity
    assert loaded.load().class_counts == {"common": 80, "rare": 10}
    with store.engine.connect() as db:
        assert db.execute(text("SELECT count(*) FROM lesson_tables")).scalar() == 1


def test_a_lesson_on_a_public_table_reads_back_and_loads_it(store):
    from imbalance_core.data.spec import CorpusSpec

    lesson, _ = store.create_lesson(LessonPlan(CorpusSpec("keel", "ecoli1"), strategies=("smote",)))
    spec = store.lesson_data(store.lesson(lesson.id))
    assert spec == CorpusSpec("keel", "ecoli1") and spec.load().class_counts == {"negative": 259, "positive": 77}


def test_plans_that_cannot_be_used_say_what_is_wrong():
    with pytest.raises(ConfigError, match="no strategy|unknown strategy|Unknown strategy"):
        LessonPlan(strategies=("no_such_strategy",)).checked()
    with pytest.raises(ConfigError, match="setting group 'colours'"):
        LessonPlan(settable=("colours",)).checked()
    with pytest.raises(ConfigError, match="at most 300 characters"):
        LessonPlan(question="why " * 100).checked()
    with pytest.raises(ConfigError, match="epochs"):
        LessonPlan(network={"epochs": 10**9}).checked()
    with pytest.raises(ConfigError, match="at most 40 characters"):
        lesson_rules.nickname("x" * 41)
    assert lesson_rules.nickname("  Ana \n B ") == "Ana B" and lesson_rules.nickname("   ") is None


def test_runs_are_kept_once_per_session_every_few_seconds_up_to_the_cap(store, monkeypatch):
    lesson, key = store.create_lesson(PLAN)
    first = add(store, lesson.id, "alice")
    with pytest.raises(RunRefused, match="at most once every 3 s"):
        add(store, lesson.id, "alice")
    add(store, lesson.id, "bob", strategy="none", pr_auc=0.4)
    with store.engine.begin() as db:  # alice's run is older now
        db.execute(text("UPDATE lesson_runs SET created_at = :t WHERE id = :id"),
                   {"t": first.created_at - timedelta(seconds=10), "id": first.id})
    add(store, lesson.id, "alice", strategy="focal_loss", pr_auc=0.9)
    runs = store.runs(lesson.id)
    assert [(r.who, r.strategy) for r in runs] == [("student 1", "focal_loss"), ("student 2", "none"),
                                                   ("student 1", "smote")]
    assert store.lesson(lesson.id).runs == 3
    monkeypatch.setattr(lesson_store, "RUN_CAP", 3)
    with pytest.raises(RunRefused, match="board is full"):
        add(store, lesson.id, "carol")


def test_only_the_teacher_hides_clears_and_closes_and_a_closed_lesson_takes_no_run(store):
    lesson, key = store.create_lesson(PLAN)
    run = add(store, lesson.id, "alice")
    add(store, lesson.id, "bob")
    for action in (lambda k: store.hide_run(lesson.id, run.id, k), lambda k: store.clear(lesson.id, k),
                   lambda k: store.close(lesson.id, k)):
        for wrong in (None, "", "guess", key + "x"):
            with pytest.raises(NotTeacher):
                action(wrong)
    store.hide_run(lesson.id, run.id, key)
    assert [r.id for r in store.runs(lesson.id)] != [] and run.id not in [r.id for r in store.runs(lesson.id)]
    assert run.id in [r.id for r in store.runs(lesson.id, include_hidden=True)]
    assert store.clear(lesson.id, key) == 2 and store.runs(lesson.id, include_hidden=True) == []
    store.close(lesson.id, key)
    assert not store.lesson(lesson.id).open
    with pytest.raises(LessonClosed, match="closed"):
        add(store, lesson.id, "carol")


def test_twenty_students_at_once_are_all_on_the_board(store):
    lesson, _ = store.create_lesson(PLAN)
    errors = []

    def student(i):
        try:
            store.add_run(lesson.id, session=f"student-{i}", strategy=PLAN.strategies[i % 3], setup={},
                          metrics={"pr_auc": i / 20}, threshold=0.5, nickname_text=f"s{i}")
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=student, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    runs = store.runs(lesson.id)
    assert len(runs) == 20 == store.lesson(lesson.id).runs
    assert sorted(r.student for r in runs) == list(range(1, 21))


def test_old_lessons_are_purged_with_their_runs(store):
    old, _ = store.create_lesson(PLAN)
    new, _ = store.create_lesson(PLAN)
    add(store, old.id, "alice")
    with store.engine.begin() as db:
        db.execute(text("UPDATE lessons SET created_at = :t WHERE id = :id"),
                   {"t": old.created_at - timedelta(days=31), "id": old.id})
    assert store.purge(30) == 1
    with pytest.raises(LessonNotFound):
        store.lesson(old.id)
    assert store.lesson(new.id).open


def test_a_database_that_does_not_answer_is_said_plainly():
    down = Store("postgresql://nobody@127.0.0.1:9/nowhere")
    with pytest.raises(DatabaseUnavailable, match="cannot be used now: it did not answer"):
        down.lesson("abc")


def test_the_board_ranks_runs_and_keeps_the_best_of_each_strategy(store):
    lesson, _ = store.create_lesson(PLAN)
    add(store, lesson.id, "a", strategy="smote", pr_auc=0.7)
    add(store, lesson.id, "b", strategy="smote", pr_auc=0.9)
    add(store, lesson.id, "c", strategy="none", pr_auc=0.3)
    add(store, lesson.id, "d", strategy="focal_loss", pr_auc=None)
    board = leaderboard(store.runs(lesson.id), lesson.id)
    assert list(board["pr_auc"].fillna(-1)) == [0.9, 0.7, 0.3, -1]
    assert board["link"][0].startswith(f"./?lesson={lesson.id}&strategy=smote")
    best = best_per_strategy(board)
    assert list(zip(best["key"], best["pr_auc"])) == [("smote", 0.9), ("none", 0.3)]
    csv = runs_csv(store.runs(lesson.id))
    assert csv.splitlines()[0].startswith("run,who,nickname,created_at,strategy,settings,threshold,hidden")
    assert len(csv.splitlines()) == 5
    as_json = runs_json(store.runs(lesson.id))
    assert as_json[0]["metrics"]["roc_auc"] is None and as_json[0]["setup"]["s.k_neighbors"] == "3"


def test_the_cli_makes_a_lesson_reads_its_runs_and_closes_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("IMBALANCE_LAB_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    assert main(["lesson", "create", "--builtin", "moons", "--dataset-param", "imbalance_ratio=10", "--strategies",
                 "none,smote,class_weight,focal_loss", "--question", "Which one?", "--epochs", "20",
                 "--base-url", "http://lab.example:8501", "--json"]) == 0
    made = json.loads(capsys.readouterr().out)
    assert made["student_link"] == f"http://lab.example:8501/?lesson={made['id']}"
    key = made["teacher_link"].split("key=")[1]
    assert made["teacher_link"] == f"http://lab.example:8501/board?lesson={made['id']}&key={key}"
    assert "key" not in made["student_link"]
    store = lesson_store.open_store()
    lesson = store.lesson(made["id"])
    assert lesson.plan.network["epochs"] == 20 and lesson.plan.strategies == ("none", "smote", "class_weight",
                                                                              "focal_loss")
    assert store.is_teacher(lesson.id, key)
    store.add_run(lesson.id, session="x", strategy="smote", setup={"strategy": "smote"}, metrics=METRICS,
                  threshold=0.5, nickname_text="Ana")
    assert main(["lesson", "runs", lesson.id, "--json"]) == 0
    runs = json.loads(capsys.readouterr().out)
    assert runs[0]["nickname"] == "Ana" and runs[0]["metrics"]["pr_auc"] == 0.8 and runs[0]["strategy"] == "smote"
    assert main(["lesson", "runs", lesson.id, "--out", str(tmp_path / "runs.csv")]) == 0
    assert (tmp_path / "runs.csv").read_text().count("\n") == 2
    assert main(["lesson", "close", lesson.id]) == 0 and not store.lesson(lesson.id).open
    capsys.readouterr()
    assert main(["lesson", "runs", "nope"]) == 2
    said = capsys.readouterr().err.splitlines()  # line by line: a thread of an earlier test may log here too
    assert any(line.startswith("error: No lesson has this id") for line in said), said
    assert main(["lesson", "create", "--builtin", "moons", "--strategies", "magic"]) == 2
    assert main(["lesson", "create", "--builtin", "moons", "--settable", "colours"]) == 2
    assert main(["lesson", "purge", "--older-than-days", "0"]) == 0
    with pytest.raises(LessonNotFound):
        store.lesson(lesson.id)
