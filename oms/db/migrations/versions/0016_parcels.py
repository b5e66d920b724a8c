"""The store counter: the parcels each shipment left in (shipment_parcels, numbered from 1),
and the expired pickups whose units are still to go back on the shelf (pickups_to_reshelve, a
work queue per store: a row per pickup that expires from now on).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

base = importlib.import_module("oms.db.migrations.versions.0001_initial")

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "shipment_parcels",
        base._id("shipment_id"),
        base._int("parcel_no"),
        sa.Column("carrier", sa.String(length=64), nullable=False),
        sa.Column("tracking", sa.String(length=200), nullable=False),
        base._int("weight_g", nullable=True),
        base._ts("created_at"),
        sa.CheckConstraint("parcel_no > 0", name=op.f("ck_shipment_parcels_parcel_no_positive")),
        sa.CheckConstraint(
            "weight_g IS NULL OR weight_g > 0", name=op.f("ck_shipment_parcels_weight_positive")
        ),
        base._fk("shipment_id", "shipments.id", "shipment_parcels", ondelete="CASCADE"),
        base._pk("shipment_parcels", "shipment_id", "parcel_no"),
    )
    op.create_table(
        "pickups_to_reshelve",
        base._id("order_id"),
        base._id("node_id"),
        base._ts("expired_at"),
        base._json("released"),
        base._fk("order_id", "orders.id", "pickups_to_reshelve", ondelete="CASCADE"),
        base._fk("node_id", "nodes.id", "pickups_to_reshelve"),
        base._pk("pickups_to_reshelve", "order_id"),
    )
    op.create_index(
        "ix_pickups_to_reshelve_node_id", "pickups_to_reshelve", ["node_id", "expired_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_pickups_to_reshelve_node_id", table_name="pickups_to_reshelve")
    op.drop_table("pickups_to_reshelve")
    op.drop_table("shipment_parcels")
