"""The delivery service a reservation and an order were made for (standard, express or
click_and_collect): an order's promise and its shipments' follow it.

Rows from before were all promised as standard, or click-and-collect for a pickup: they are
given that service.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("reservations", "orders")


def _service() -> sa.Column[str]:
    return sa.Column("service", sa.String(length=32), server_default="standard", nullable=False)


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as t:
            t.add_column(_service())
        op.execute(
            sa.text(f"UPDATE {table} SET service = 'click_and_collect' WHERE method = 'pickup'")
        )


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as t:
            t.drop_column("service")
