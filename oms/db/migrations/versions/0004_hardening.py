"""Hardening: idempotency keys scoped to the API key that sent them, key lifecycle (name,
expiry, revocation time), server-side store page sessions.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

base = importlib.import_module("oms.db.migrations.versions.0001_initial")

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _ts_null(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=True)


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        base._id("scope"),
        base._id("endpoint"),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        base._id("resource_id"),
        base._ts("created_at"),
        base._pk("idempotency_keys", "scope", "endpoint", "key"),
    )
    op.create_table(
        "store_sessions",
        base._id("id"),
        base._id("key_id"),
        base._id("node_id"),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        base._ts("created_at"),
        base._ts("expires_at"),
        base._fk("key_id", "api_keys.id", "store_sessions", ondelete="CASCADE"),
        base._fk("node_id", "nodes.id", "store_sessions"),
        base._pk("store_sessions", "id"),
    )
    op.create_index("ix_store_sessions_expires_at", "store_sessions", ["expires_at"])
    op.create_index("ix_store_sessions_key_id", "store_sessions", ["key_id"])
    with op.batch_alter_table("api_keys") as t:
        t.add_column(sa.Column("name", sa.String(length=200), nullable=True))
        t.add_column(_ts_null("expires_at"))
        t.add_column(_ts_null("revoked_at"))
    # Uniqueness moves to idempotency_keys, per API key: two clients may use the same key.
    with op.batch_alter_table("reservations") as t:
        t.drop_constraint(op.f("uq_reservations_idempotency_key"), type_="unique")
    with op.batch_alter_table("orders") as t:
        t.drop_constraint(op.f("uq_orders_idempotency_key"), type_="unique")


def downgrade() -> None:
    with op.batch_alter_table("orders") as t:
        t.create_unique_constraint(op.f("uq_orders_idempotency_key"), ["idempotency_key"])
    with op.batch_alter_table("reservations") as t:
        t.create_unique_constraint(op.f("uq_reservations_idempotency_key"), ["idempotency_key"])
    with op.batch_alter_table("api_keys") as t:
        t.drop_column("revoked_at")
        t.drop_column("expires_at")
        t.drop_column("name")
    op.drop_table("store_sessions")
    op.drop_table("idempotency_keys")
