"""A partial index of the stock rows that hold units, per node: the promise reads the units
held at each node once a second, and a retail catalogue's millions of idle rows (5M measured:
~0.5 s a read) must not be scanned for it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_inventory_held",
        "inventory",
        ["node_id", "reserved"],
        postgresql_where=sa.text("reserved > 0"),
        sqlite_where=sa.text("reserved > 0"),
    )


def downgrade() -> None:
    op.drop_index("ix_inventory_held", table_name="inventory")
