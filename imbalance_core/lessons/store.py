"""Where lessons and runs are kept: one database for the app's servers and the CLI.

``IMBALANCE_LAB_DATABASE_URL`` names it (``postgresql://user:password@host/db`` for several web servers;
psycopg 3 drives it); without it, an SQLite file in ``IMBALANCE_LAB_DATA_DIR`` (default: ``var/`` in the
checkout) in WAL mode, so readers never wait for a writer. The schema is made and brought up to date by
Alembic the first time a process opens the database (PostgreSQL: under an advisory lock, so servers that
start together migrate once).

Every failure of the database itself (down, locked, refused) becomes :class:`DatabaseUnavailable`, a
:class:`~imbalance_core.errors.UserError` with a message for a person, never a driver's traceback.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator, Mapping

from ..data.spec import BuiltinSpec, CorpusSpec, DataSpec, UploadSpec, content_digest
from ..errors import UserError
from ..text import shorten
from .lesson import PURGE_DAYS, RUN_CAP, RUN_GAP_SECONDS, Lesson, LessonPlan, LessonRun, nickname
from . import schema

__all__ = ["DatabaseUnavailable", "LessonClosed", "LessonNotFound", "NotTeacher", "RunRefused", "Store",
           "database_url", "open_store"]

DATABASE_URL = "IMBALANCE_LAB_DATABASE_URL"
DATA_DIR = "IMBALANCE_LAB_DATA_DIR"
MIGRATIONS = Path(__file__).with_name("migrations")
PROJECT = Path(__file__).resolve().parents[2]
_MIGRATION_LOCK = 4_810_517  # a PostgreSQL advisory lock id of ours


class DatabaseUnavailable(UserError):
    """The database did not answer (down, locked, refused): the run is not kept, the rest works on."""


class LessonNotFound(UserError):
    pass


class LessonClosed(UserError):
    pass


class NotTeacher(UserError):
    pass


class RunRefused(UserError):
    """A run not stored: too soon after the session's last one, or the lesson is full."""


def database_url() -> str:
    """The database this process uses (see the module's docstring)."""
    url = os.environ.get(DATABASE_URL, "").strip()
    if url:
        return url
    folder = Path(os.environ.get(DATA_DIR) or PROJECT / "var")
    return f"sqlite:///{folder / 'imbalance-lab.sqlite3'}"


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands datetimes back without their zone: they were written in UTC."""
    return value if value is None or value.tzinfo else value.replace(tzinfo=timezone.utc)


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _unavailable(exc: Exception, url: str) -> DatabaseUnavailable:
    from sqlalchemy.engine import make_url

    where = make_url(url).render_as_string(hide_password=True)
    first = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    locked = "locked" in first.lower()
    why = "it is busy (locked by another writer)" if locked else "it did not answer"
    return DatabaseUnavailable(f"The class database ({shorten(where, 120)}) cannot be used now: {why} "
                               f"({shorten(first, 160)}). Lessons and the class board wait for it; training works on.")


class Store:
    """Lessons and their runs in one database. Thread-safe; one per process and URL (:func:`open_store`)."""

    def __init__(self, url: str | None = None) -> None:
        from sqlalchemy import create_engine, event
        from sqlalchemy.engine import make_url

        self.url = url or database_url()
        parsed = make_url(self.url)
        options: dict[str, Any] = {"pool_pre_ping": True}
        if parsed.get_backend_name() == "sqlite":
            database = parsed.database or ""
            if database and database != ":memory:":
                try:
                    Path(database).parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise DatabaseUnavailable(
                        f"The class database's folder {shorten(str(Path(database).parent), 120)!r} cannot be made "
                        f"({exc.strerror or exc}); set {DATA_DIR} to a folder this server may write to.") from None
            options["connect_args"] = {"timeout": 5, "check_same_thread": False}
        elif parsed.get_backend_name() == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
            options["connect_args"] = {"connect_timeout": 5}
        self.engine = create_engine(parsed, **options)
        if parsed.get_backend_name() == "sqlite":
            @event.listens_for(self.engine, "connect")
            def _sqlite_settings(connection, _record) -> None:
                connection.isolation_level = None  # transactions begin as _sqlite_begin says, not as pysqlite guesses
                cursor = connection.cursor()
                cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
                cursor.execute("PRAGMA busy_timeout=5000")
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.close()

            @event.listens_for(self.engine, "begin")
            def _sqlite_begin(connection) -> None:
                # a write takes the write lock first (BEGIN IMMEDIATE): the checks it makes (the cap, the last run
                # of a session, the student's number) hold until it commits; reads never wait (WAL)
                immediate = connection.get_execution_options().get("write", False)
                connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
        self._migrated = False
        self._lock = threading.Lock()

    # ----------------------------------------------------------------- plumbing

    @contextmanager
    def _begin(self, write: bool = False) -> Iterator[Any]:
        """A transaction (``write``: one that changes what it checked); the database's own failures become
        :class:`DatabaseUnavailable`."""
        from sqlalchemy.exc import DBAPIError, OperationalError

        self.migrate()
        try:
            with self.engine.connect().execution_options(write=write) as connection, connection.begin():
                yield connection
        except (OperationalError, DBAPIError) as exc:
            raise _unavailable(exc, self.url) from None

    def migrate(self) -> None:
        """Bring the schema up to date (once per process; Alembic does nothing when it already is)."""
        if self._migrated:
            return
        from alembic import command
        from alembic.config import Config
        from sqlalchemy import text
        from sqlalchemy.exc import DBAPIError, OperationalError

        with self._lock:
            if self._migrated:
                return
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            try:
                with self.engine.begin() as connection:
                    if connection.dialect.name == "postgresql":
                        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK})
                    config.attributes["connection"] = connection
                    command.upgrade(config, "head")
            except (OperationalError, DBAPIError) as exc:
                raise _unavailable(exc, self.url) from None
            self._migrated = True

    # ----------------------------------------------------------------- lessons

    def create_lesson(self, plan: LessonPlan) -> tuple[Lesson, str]:
        """Store a lesson; returns it and its teacher key (shown once; only its hash is kept)."""
        plan = plan.checked()
        lesson_id, key = secrets.token_urlsafe(12), secrets.token_urlsafe(24)
        now = _now()
        data, digest = _data_row(plan)
        with self._begin(write=True) as db:
            if digest is not None:
                from sqlalchemy import select

                if db.execute(select(schema.tables.c.digest).where(schema.tables.c.digest == digest)).first() is None:
                    db.execute(schema.tables.insert().values(digest=digest, filename=plan.data.filename,
                                                             content=plan.data.data, created_at=now))
            db.execute(schema.lessons.insert().values(
                id=lesson_id, key_hash=_key_hash(key), created_at=now, closed_at=None, question=plan.question,
                data=data, table_digest=digest, strategies=list(plan.strategies), settable=list(plan.settable),
                network=_jsonable(plan.network), seed=int(plan.seed), test_size=float(plan.test_size), run_count=0))
        return self.lesson(lesson_id), key

    def lesson(self, lesson_id: str) -> Lesson:
        """A lesson by its id (raises :class:`LessonNotFound`)."""
        from sqlalchemy import select

        with self._begin() as db:
            row = db.execute(select(schema.lessons).where(schema.lessons.c.id == str(lesson_id)[:32])).mappings().first()
        if row is None:
            raise LessonNotFound("No lesson has this id: the link may have been mistyped, or the lesson was "
                                 "removed. Ask your teacher for the link again.")
        return _lesson(row)

    def lesson_data(self, lesson: Lesson) -> DataSpec:
        """The lesson's data as a spec that loads: an uploaded table with its bytes from the database."""
        from sqlalchemy import select

        data = lesson.plan.data
        if not isinstance(data, UploadSpec):
            return data
        with self._begin() as db:
            content = db.execute(select(schema.tables.c.content).where(schema.tables.c.digest == data.digest)).scalar()
        if content is None:
            raise LessonNotFound("This lesson's table is no longer stored; ask your teacher to make the lesson again.")
        return UploadSpec(data.filename, data.target, data.positive, data.features, data.digest, bytes(content))

    def is_teacher(self, lesson_id: str, key: str | None) -> bool:
        """Whether ``key`` is the lesson's teacher key (compared in constant time)."""
        with self._begin() as db:
            return self._key_matches(db, lesson_id, key) is True

    @staticmethod
    def _key_matches(db, lesson_id: str, key: str | None) -> bool | None:
        """Whether ``key`` is the lesson's teacher key (None: no such lesson); compared in constant time."""
        from sqlalchemy import select

        stored = db.execute(select(schema.lessons.c.key_hash).where(schema.lessons.c.id == str(lesson_id)[:32])).scalar()
        if stored is None:
            return None
        return bool(key) and hmac.compare_digest(stored, _key_hash(str(key)[:200]))

    def _teacher(self, db, lesson_id: str, key: str | None) -> None:
        matches = self._key_matches(db, lesson_id, key)
        if matches is None:
            raise LessonNotFound("No lesson has this id.")
        if not matches:
            raise NotTeacher("Only the lesson's teacher (with the teacher link) can do this.")

    def close(self, lesson_id: str, key: str | None = None, *, admin: bool = False) -> None:
        """Close a lesson: its board stays, students see that it is closed and no new run is stored."""
        with self._begin(write=True) as db:
            if not admin:
                self._teacher(db, lesson_id, key)
            done = db.execute(schema.lessons.update().where(schema.lessons.c.id == lesson_id)
                              .values(closed_at=_now()))
            if done.rowcount == 0:
                raise LessonNotFound(f"No lesson has the id {shorten(lesson_id)!r}.")

    def purge(self, older_than_days: float = PURGE_DAYS) -> int:
        """Remove lessons made more than ``older_than_days`` ago, with their runs and unused tables; how many."""
        from sqlalchemy import delete, select

        cutoff = _now() - timedelta(days=older_than_days)
        with self._begin(write=True) as db:
            old = [r[0] for r in db.execute(select(schema.lessons.c.id).where(schema.lessons.c.created_at < cutoff))]
            if old:
                db.execute(delete(schema.runs).where(schema.runs.c.lesson_id.in_(old)))
                db.execute(delete(schema.lessons).where(schema.lessons.c.id.in_(old)))
            used = select(schema.lessons.c.table_digest).where(schema.lessons.c.table_digest.is_not(None))
            db.execute(delete(schema.tables).where(schema.tables.c.digest.not_in(used)))
        return len(old)

    # ----------------------------------------------------------------- runs

    def add_run(self, lesson_id: str, *, session: str, strategy: str, setup: Mapping[str, Any],
                metrics: Mapping[str, float], threshold: float, nickname_text: str | None = None) -> LessonRun:
        """Keep one student's run on the board (raises :class:`RunRefused` when too soon or the lesson is full,
        :class:`LessonClosed` when the lesson is closed)."""
        from sqlalchemy import func, select

        name = nickname(nickname_text)
        who = hashlib.sha256(session.encode()).hexdigest()
        now = _now()
        c = schema.runs.c
        with self._begin(write=True) as db:
            lesson = db.execute(select(schema.lessons.c.closed_at, schema.lessons.c.run_count)
                                .where(schema.lessons.c.id == lesson_id).with_for_update()).first()
            if lesson is None:
                raise LessonNotFound("No lesson has this link.")
            if lesson.closed_at is not None:
                raise LessonClosed("This lesson is closed: runs are no longer added to its board.")
            if lesson.run_count >= RUN_CAP:
                raise RunRefused(f"This lesson's board is full ({RUN_CAP:,} runs): this run is not on it. "
                                 "Your teacher can clear the board.")
            last = db.execute(select(func.max(c.created_at), func.max(c.student))
                              .where(c.lesson_id == lesson_id, c.session == who)).first()
            if last[0] is not None and (now - _aware(last[0])).total_seconds() < RUN_GAP_SECONDS:
                raise RunRefused(f"Runs reach the board at most once every {RUN_GAP_SECONDS:.0f} s per student; "
                                 "this one was too soon after your last. Train again to add it.")
            student = last[1] or (db.execute(select(func.count(func.distinct(c.session)))
                                             .where(c.lesson_id == lesson_id)).scalar() or 0) + 1
            run_id = db.execute(schema.runs.insert().values(
                lesson_id=lesson_id, session=who, student=student, nickname=name, created_at=now,
                strategy=strategy[:200], setup=_jsonable(setup), metrics=_jsonable(metrics),
                threshold=float(threshold), hidden=False)).inserted_primary_key[0]
            db.execute(schema.lessons.update().where(schema.lessons.c.id == lesson_id)
                       .values(run_count=schema.lessons.c.run_count + 1))
        return LessonRun(int(run_id), lesson_id, name, now, strategy, dict(setup), dict(metrics), float(threshold),
                         False, int(student))

    def runs(self, lesson_id: str, *, include_hidden: bool = False) -> list[LessonRun]:
        """The lesson's runs, newest first (one query)."""
        from sqlalchemy import select

        c = schema.runs.c
        query = select(schema.runs).where(c.lesson_id == lesson_id).order_by(c.created_at.desc(), c.id.desc())
        if not include_hidden:
            query = query.where(c.hidden.is_(False))
        with self._begin() as db:
            rows = db.execute(query).mappings().all()
        return [LessonRun(r["id"], r["lesson_id"], r["nickname"], _aware(r["created_at"]), r["strategy"],
                          r["setup"], r["metrics"], r["threshold"], bool(r["hidden"]), r["student"]) for r in rows]

    def hide_run(self, lesson_id: str, run_id: int, key: str | None, *, hidden: bool = True) -> None:
        with self._begin(write=True) as db:
            self._teacher(db, lesson_id, key)
            db.execute(schema.runs.update().where(schema.runs.c.lesson_id == lesson_id, schema.runs.c.id == int(run_id))
                       .values(hidden=hidden))

    def clear(self, lesson_id: str, key: str | None) -> int:
        """Remove every run from the lesson's board; how many."""
        from sqlalchemy import delete

        with self._begin(write=True) as db:
            self._teacher(db, lesson_id, key)
            gone = db.execute(delete(schema.runs).where(schema.runs.c.lesson_id == lesson_id)).rowcount
            db.execute(schema.lessons.update().where(schema.lessons.c.id == lesson_id).values(run_count=0))
        return int(gone or 0)


_STORES: dict[str, Store] = {}
_STORES_LOCK = threading.Lock()


def open_store(url: str | None = None) -> Store:
    """The process's store for ``url`` (default :func:`database_url`), made once."""
    url = url or database_url()
    with _STORES_LOCK:
        if url not in _STORES:
            _STORES[url] = Store(url)
        return _STORES[url]


def _jsonable(value: Any) -> Any:
    """Settings and metrics as JSON (tuples as lists, NaN as null)."""
    import math

    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):  # a NumPy scalar
        return _jsonable(value.item())
    return value


def _data_row(plan: LessonPlan) -> tuple[dict[str, Any], str | None]:
    data = plan.data
    if isinstance(data, BuiltinSpec):
        return {"builtin": data.key, "settings": _jsonable(data.settings)}, None
    if isinstance(data, CorpusSpec):
        return {"corpus": data.corpus, "table": data.name}, None
    digest = data.digest or content_digest(data.data)
    return {"upload": data.filename, "target": data.target, "positive": data.positive,
            "features": list(data.features) if data.features is not None else None, "digest": digest}, digest


def _lesson(row: Mapping[str, Any]) -> Lesson:
    data = row["data"]
    if "builtin" in data:
        spec: DataSpec = BuiltinSpec.of(data["builtin"], data.get("settings") or {})
    elif "corpus" in data:
        spec = CorpusSpec(data["corpus"], data["table"])
    else:
        features = tuple(data["features"]) if data.get("features") is not None else None
        spec = UploadSpec(data["upload"], data.get("target"), data.get("positive"), features, data.get("digest"))
    plan = LessonPlan(spec, row["question"], tuple(row["strategies"]), tuple(row["settable"]), dict(row["network"]),
                      int(row["seed"]), float(row["test_size"]))
    return Lesson(row["id"], plan, _aware(row["created_at"]), _aware(row["closed_at"]), int(row["run_count"]))
