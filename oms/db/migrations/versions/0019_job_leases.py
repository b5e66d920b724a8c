"""Job leases (issue 18): a named lock with an expiry, so that one re-optimisation of open
orders runs at a time across processes.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

base = importlib.import_module("oms.db.migrations.versions.0001_initial")

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_leases",
        sa.Column("name", sa.String(64), nullable=False),
        base._id("holder"),
        base._ts("expires_at"),
        base._pk("job_leases", "name"),
    )


def downgrade() -> None:
    op.drop_table("job_leases")
