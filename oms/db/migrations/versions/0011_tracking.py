"""Shipment tracking: the carrier and tracking page of each shipment (its tracking number stays
in ``tracking``), and each shipment's status history as carriers and the OMS report it.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

base = importlib.import_module("oms.db.migrations.versions.0001_initial")

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "shipment_tracking_events"


def upgrade() -> None:
    with op.batch_alter_table("shipments") as batch:
        batch.add_column(sa.Column("carrier", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("tracking_url", sa.String(length=2000), nullable=True))
    op.create_table(
        TABLE,
        base._serial("id"),
        base._id("shipment_id"),
        base._status("status"),
        base._ts("occurred_at"),
        sa.Column("carrier_event_id", sa.String(length=200), nullable=True),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("description", sa.String(length=500), nullable=True),
        base._status("source"),
        base._ts("created_at"),
        base._fk("shipment_id", "shipments.id", TABLE, ondelete="CASCADE"),
        base._pk(TABLE, "id"),
        base._uq(TABLE, "shipment_id", "carrier_event_id"),
    )
    op.create_index(
        "ix_shipment_tracking_events_shipment_id_occurred_at",
        TABLE,
        ["shipment_id", "occurred_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_shipment_tracking_events_shipment_id_occurred_at", table_name=TABLE)
    op.drop_table(TABLE)
    with op.batch_alter_table("shipments") as batch:
        batch.drop_column("tracking_url")
        batch.drop_column("carrier")
