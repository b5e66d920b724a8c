"""Pack and ship, and the pickup counter: the parcels each shipment left in
(shipment_parcels, numbered from 1), and on orders when an expired pickup's units were put
back on the shelf (reshelved_at).

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

base = importlib.import_module("oms.db.migrations.versions.0001_initial")

revision: str = "0016"
down_revision: str | None = "0014"
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
    with op.batch_alter_table("orders") as t:
        t.add_column(sa.Column("reshelved_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders") as t:
        t.drop_column("reshelved_at")
    op.drop_table("shipment_parcels")
