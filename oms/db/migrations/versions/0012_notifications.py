"""Customer notifications sent by e-mail: on each notification its stable key (the Message-ID),
recipient, locale and sending state (status, attempts, next attempt, lease, last error, sent
at), with the mailer's partial index of the pending ones; on orders the pickup code checked at
handover and when the customer was reminded that the pickup hold ends.

Notifications recorded before this revision are marked skipped: nobody sent them then, and
sending them now, days late, would only confuse their customers.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BEFORE = "recorded before sending existed"


def _when(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=True)


def upgrade() -> None:
    with op.batch_alter_table("notifications") as t:
        t.add_column(sa.Column("key", sa.String(length=40), nullable=True))
        t.add_column(sa.Column("recipient", sa.String(length=254), nullable=True))
        t.add_column(sa.Column("locale", sa.String(length=8), server_default="en", nullable=False))
        t.add_column(
            sa.Column("status", sa.String(length=32), server_default="pending", nullable=False)
        )
        t.add_column(
            sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        t.add_column(_when("next_attempt_at"))
        t.add_column(_when("lease_until"))
        t.add_column(sa.Column("lease_token", sa.String(length=40), nullable=True))
        t.add_column(sa.Column("last_error", sa.String(length=500), nullable=True))
        t.add_column(_when("sent_at"))
    op.execute(
        sa.text(
            "UPDATE notifications SET key = 'ntf_before_' || CAST(id AS VARCHAR(20)), "
            "status = 'skipped', last_error = :why"
        ).bindparams(why=_BEFORE)
    )
    with op.batch_alter_table("notifications") as t:
        t.alter_column("key", existing_type=sa.String(length=40), nullable=False)
        t.create_unique_constraint("uq_notifications_key", ["key"])
    op.create_index(
        "ix_notifications_due",
        "notifications",
        ["next_attempt_at"],
        postgresql_where=sa.text("status = 'pending'"),
        sqlite_where=sa.text("status = 'pending'"),
    )
    with op.batch_alter_table("orders") as t:
        t.add_column(sa.Column("pickup_code", sa.String(length=6), nullable=True))
        t.add_column(_when("reminded_at"))


def downgrade() -> None:
    with op.batch_alter_table("orders") as t:
        t.drop_column("reminded_at")
        t.drop_column("pickup_code")
    op.drop_index("ix_notifications_due", table_name="notifications")
    with op.batch_alter_table("notifications") as t:
        t.drop_constraint("uq_notifications_key", type_="unique")
        for name in (
            "sent_at",
            "last_error",
            "lease_token",
            "lease_until",
            "next_attempt_at",
            "attempts",
            "status",
            "locale",
            "recipient",
            "key",
        ):
            t.drop_column(name)
