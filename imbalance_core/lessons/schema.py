"""The database's tables (SQLAlchemy Core), as the newest migration leaves them.

The migrations in ``migrations/versions`` make and change the schema; this module is what the queries use.
"""

from __future__ import annotations

from sqlalchemy import (JSON, Boolean, Column, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, MetaData,
                        String, Table, Text)

metadata = MetaData()

tables = Table(  # an uploaded table a lesson trains on, stored once (by its content's digest)
    "lesson_tables", metadata,
    Column("digest", String(64), primary_key=True),
    Column("filename", String(255), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

lessons = Table(
    "lessons", metadata,
    Column("id", String(32), primary_key=True),
    Column("key_hash", String(64), nullable=False),  # sha256 of the teacher key; the key itself is never stored
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("closed_at", DateTime(timezone=True)),
    Column("question", Text, nullable=False, default=""),
    Column("data", JSON, nullable=False),  # {"builtin": key, "settings": {...}} or {"upload": filename, ...}
    Column("table_digest", String(64), ForeignKey("lesson_tables.digest")),
    Column("strategies", JSON, nullable=False),
    Column("settable", JSON, nullable=False),
    Column("network", JSON, nullable=False),
    Column("seed", Integer, nullable=False),
    Column("test_size", Float, nullable=False),
    Column("run_count", Integer, nullable=False, default=0),
)

runs = Table(
    "lesson_runs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("lesson_id", String(32), ForeignKey("lessons.id", ondelete="CASCADE"), nullable=False),
    Column("session", String(64), nullable=False),  # a hash of the browser session: rate limit, "student N"
    Column("student", Integer, nullable=False),
    Column("nickname", String(40)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("strategy", String(200), nullable=False),
    Column("setup", JSON, nullable=False),
    Column("metrics", JSON, nullable=False),
    Column("threshold", Float, nullable=False),
    Column("hidden", Boolean, nullable=False, default=False),
    Index("ix_lesson_runs_lesson_created", "lesson_id", "created_at"),
    Index("ix_lesson_runs_lesson_session", "lesson_id", "session", "created_at"),
)
