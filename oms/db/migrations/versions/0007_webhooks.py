"""Webhooks: endpoints, deliveries (one per event and endpoint) and their attempts.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

base = importlib.import_module("oms.db.migrations.versions.0001_initial")

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PENDING = sa.text("status = 'pending'")


def _when(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=True)


def upgrade() -> None:
    op.create_table(
        "webhook_endpoints",
        base._id("id"),
        sa.Column("url", sa.String(length=2000), nullable=False),
        base._json("events"),
        sa.Column("description", sa.String(length=200), nullable=True),
        sa.Column("secret", sa.String(length=100), nullable=False),
        base._status("status"),
        sa.Column("disabled_reason", sa.String(length=500), nullable=True),
        base._counter("consecutive_failures"),
        _when("failing_since"),
        base._ts("created_at"),
        base._ts("updated_at"),
        base._pk("webhook_endpoints", "id"),
    )
    op.create_table(
        "webhook_deliveries",
        base._id("id"),
        base._id("endpoint_id"),
        sa.Column("event_id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=True),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("ordering_key", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        base._status("status"),
        base._counter("attempts"),
        base._int("max_attempts"),
        _when("next_attempt_at"),
        _when("lease_until"),
        sa.Column("lease_token", sa.String(length=40), nullable=True),
        base._int("last_status_code", nullable=True),
        base._int("last_response_ms", nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        _when("last_attempt_at"),
        _when("completed_at"),
        base._ts("created_at"),
        base._fk("endpoint_id", "webhook_endpoints.id", "webhook_deliveries", "CASCADE"),
        base._pk("webhook_deliveries", "id"),
        sa.UniqueConstraint(
            "endpoint_id", "event_id", name=op.f("uq_webhook_deliveries_endpoint_event")
        ),
    )
    op.create_index(
        "ix_webhook_deliveries_due",
        "webhook_deliveries",
        ["next_attempt_at"],
        postgresql_where=_PENDING,
        sqlite_where=_PENDING,
    )
    op.create_index(
        "ix_webhook_deliveries_ordering",
        "webhook_deliveries",
        ["endpoint_id", "ordering_key", "position"],
    )
    op.create_index(
        "ix_webhook_deliveries_log", "webhook_deliveries", ["endpoint_id", "created_at"]
    )
    op.create_table(
        "webhook_attempts",
        base._serial("id"),
        base._id("delivery_id"),
        base._int("number"),
        base._ts("attempted_at"),
        base._int("status_code", nullable=True),
        base._int("response_ms", nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        base._fk("delivery_id", "webhook_deliveries.id", "webhook_attempts", "CASCADE"),
        base._pk("webhook_attempts", "id"),
    )
    op.create_index(op.f("ix_webhook_attempts_delivery_id"), "webhook_attempts", ["delivery_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_webhook_attempts_delivery_id"), table_name="webhook_attempts")
    op.drop_table("webhook_attempts")
    op.drop_index("ix_webhook_deliveries_log", table_name="webhook_deliveries")
    op.drop_index("ix_webhook_deliveries_ordering", table_name="webhook_deliveries")
    op.drop_index("ix_webhook_deliveries_due", table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_endpoints")
