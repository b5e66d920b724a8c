"""Customers across channels: customers, their addresses, and who and where each order and
reservation is for (customer or guest e-mail, name, phone, locale, postal address as given and
how its destination was located).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

base = importlib.import_module("oms.db.migrations.versions.0001_initial")

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(name: str, length: int, nullable: bool = True) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def _contact() -> list[sa.Column[object]]:
    return [
        base._id("customer_id", nullable=True),
        _text("email", 254),
        _text("customer_name", 200),
        _text("phone", 32),
        _text("locale", 8),
        base._json("address", nullable=True),
        _text("located_by", 32),
    ]


def upgrade() -> None:
    op.create_table(
        "customers",
        base._id("id"),
        _text("email", 254, nullable=False),
        _text("name", 200),
        _text("phone", 32),
        sa.Column("locale", sa.String(length=8), server_default="en", nullable=False),
        _text("external_id", 200),
        base._ts("created_at"),
        base._ts("updated_at"),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        base._pk("customers", "id"),
        base._uq("customers", "external_id"),
    )
    op.create_index("ix_customers_email", "customers", ["email"])
    op.create_index("ix_customers_phone", "customers", ["phone"])
    op.create_table(
        "customer_addresses",
        base._id("id"),
        base._id("customer_id"),
        _text("line1", 200, nullable=False),
        _text("line2", 200),
        _text("postcode", 16, nullable=False),
        _text("city", 100, nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        base._float("lat", nullable=True),
        base._float("lon", nullable=True),
        _text("located_by", 32),
        base._ts("created_at"),
        base._pk("customer_addresses", "id"),
        base._fk("customer_id", "customers.id", "customer_addresses", ondelete="CASCADE"),
    )
    op.create_index("ix_customer_addresses_customer_id", "customer_addresses", ["customer_id"])
    for table in ("reservations", "orders"):
        with op.batch_alter_table(table) as batch:
            for column in _contact():
                batch.add_column(column)
            batch.create_foreign_key(
                f"fk_{table}_customer_id_customers", "customers", ["customer_id"], ["id"]
            )
    op.create_index("ix_orders_customer_id", "orders", ["customer_id"])
    op.create_index("ix_orders_email", "orders", ["email"])


def downgrade() -> None:
    op.drop_index("ix_orders_email", table_name="orders")
    op.drop_index("ix_orders_customer_id", table_name="orders")
    for table in ("orders", "reservations"):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_customer_id_customers", type_="foreignkey")
            for column in reversed(_contact()):
                batch.drop_column(str(column.name))
    op.drop_table("customer_addresses")
    op.drop_table("customers")
