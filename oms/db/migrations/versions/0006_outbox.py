"""The transactional outbox (public events written with their change, sequenced into commit
order after commit) and named counters (the outbox's last position).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

base = importlib.import_module("oms.db.migrations.versions.0001_initial")

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        base._serial("id"),
        sa.Column("event_id", sa.String(length=40), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("ordering_key", sa.String(length=200), nullable=False),
        base._json("data"),
        base._ts("occurred_at"),
        sa.Column("position", sa.BigInteger(), nullable=True),
        base._pk("outbox", "id"),
        base._uq("outbox", "event_id"),
        base._uq("outbox", "position"),
    )
    op.create_index(
        "ix_outbox_unsequenced",
        "outbox",
        ["id"],
        postgresql_where=sa.text("position IS NULL"),
        sqlite_where=sa.text("position IS NULL"),
    )
    op.create_table(
        "counters",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        base._pk("counters", "name"),
    )
    op.execute(sa.text("INSERT INTO counters (name, value) VALUES ('outbox', 0)"))


def downgrade() -> None:
    op.drop_table("counters")
    op.drop_index("ix_outbox_unsequenced", table_name="outbox")
    op.drop_table("outbox")
