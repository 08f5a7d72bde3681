"""Lessons, their uploaded tables and their students' runs.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lesson_tables",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "lessons",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("table_digest", sa.String(64), sa.ForeignKey("lesson_tables.digest")),
        sa.Column("strategies", sa.JSON, nullable=False),
        sa.Column("settable", sa.JSON, nullable=False),
        sa.Column("network", sa.JSON, nullable=False),
        sa.Column("seed", sa.Integer, nullable=False),
        sa.Column("test_size", sa.Float, nullable=False),
        sa.Column("run_count", sa.Integer, nullable=False),
    )
    op.create_table(
        "lesson_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("lesson_id", sa.String(32), sa.ForeignKey("lessons.id", ondelete="CASCADE"), nullable=False),
        sa.Column("session", sa.String(64), nullable=False),
        sa.Column("student", sa.Integer, nullable=False),
        sa.Column("nickname", sa.String(40)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("strategy", sa.String(200), nullable=False),
        sa.Column("setup", sa.JSON, nullable=False),
        sa.Column("metrics", sa.JSON, nullable=False),
        sa.Column("threshold", sa.Float, nullable=False),
        sa.Column("hidden", sa.Boolean, nullable=False),
    )
    op.create_index("ix_lesson_runs_lesson_created", "lesson_runs", ["lesson_id", "created_at"])
    op.create_index("ix_lesson_runs_lesson_session", "lesson_runs", ["lesson_id", "session", "created_at"])


def downgrade() -> None:
    op.drop_table("lesson_runs")
    op.drop_table("lessons")
    op.drop_table("lesson_tables")
