"""Live KPIs: what promises found available, tallied per hour (promise_tallies), and page
sessions for ops keys (store_sessions.node_id may be null: an ops session has no store).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

base = importlib.import_module("oms.db.migrations.versions.0001_initial")

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _count(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger(), server_default=sa.text("0"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "promise_tallies",
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        _count("lines"),
        _count("available"),
        base._pk("promise_tallies", "hour"),
    )
    with op.batch_alter_table("store_sessions") as batch:
        batch.alter_column("node_id", existing_type=sa.String(length=64), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM store_sessions WHERE node_id IS NULL")
    with op.batch_alter_table("store_sessions") as batch:
        batch.alter_column("node_id", existing_type=sa.String(length=64), nullable=False)
    op.drop_table("promise_tallies")
