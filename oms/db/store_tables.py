"""Tables of store operations (issue 5): pickup slots, picks and their lines, customer
notifications and refunds. Same Base and conventions as oms.db.tables; migration 0002."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from oms.db.statuses import PickStatus
from oms.db.tables import (
    Base,
    Counter,
    CreatedAt,
    Currency,
    IdPk,
    Json,
    MinorUnits,
    Qty,
    Text,
    Timestamp,
    node_fk,
)
from oms.db.types import BigIntPk, UtcDateTime, str_enum


def _order_fk() -> ForeignKey:
    return ForeignKey("orders.id", ondelete="CASCADE")


class PickupSlot(Base):
    """A window in which customers collect at a store, with how many orders it takes."""

    __tablename__ = "pickup_slots"
    __table_args__ = (
        UniqueConstraint("node_id", "starts_at"),
        CheckConstraint("booked >= 0 AND booked <= capacity", name="booked_within_capacity"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[IdPk]
    node_id: Mapped[str] = mapped_column(String(64), node_fk())
    starts_at: Mapped[Timestamp]
    ends_at: Mapped[Timestamp]
    capacity: Mapped[Qty]
    booked: Mapped[Counter]


class Pick(Base):
    """The work of one shipment at a store: released when the order is sourced there."""

    __tablename__ = "picks"
    __table_args__ = (Index("ix_picks_node_id_status", "node_id", "status"),)

    id: Mapped[IdPk]
    order_id: Mapped[str] = mapped_column(String(64), _order_fk(), index=True)
    shipment_id: Mapped[str] = mapped_column(String(64), ForeignKey("shipments.id"), unique=True)
    node_id: Mapped[str] = mapped_column(String(64), node_fk())
    status: Mapped[PickStatus] = mapped_column(str_enum(PickStatus))
    created_at: Mapped[CreatedAt]
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class PickLine(Base):
    __tablename__ = "pick_lines"
    __table_args__ = (CheckConstraint("qty > 0", name="qty_positive"),)

    pick_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("picks.id", ondelete="CASCADE"), primary_key=True
    )
    order_line_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("order_lines.id", ondelete="CASCADE"), primary_key=True
    )
    sku_id: Mapped[str] = mapped_column(String(64), ForeignKey("skus.id"))
    bin_location: Mapped[str | None] = mapped_column(String(32))
    qty: Mapped[Qty]
    picked: Mapped[int | None] = mapped_column(Integer)


class Notification(Base):
    """A message owed to the customer (ready for pickup, expired...), for the mailer to send."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(BigIntPk, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(String(64), _order_fk(), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[CreatedAt]
    payload: Mapped[Json]


class Refund(Base):
    """Money owed back to the customer, in minor units, and why."""

    __tablename__ = "refunds"
    __table_args__ = (CheckConstraint("amount_minor > 0", name="amount_positive"),)

    id: Mapped[IdPk]
    order_id: Mapped[str] = mapped_column(String(64), _order_fk(), index=True)
    order_line_id: Mapped[str | None] = mapped_column(String(64), ForeignKey("order_lines.id"))
    amount_minor: Mapped[MinorUnits]
    currency: Mapped[Currency]
    reason: Mapped[Text]
    created_at: Mapped[CreatedAt]
    return_id: Mapped[str | None] = mapped_column(String(64), ForeignKey("returns.id"))


class ReturnAuthorization(Base):
    """An RMA: units of one order coming back, by mail to a routed node or dropped in a store."""

    __tablename__ = "returns"

    id: Mapped[IdPk]
    order_id: Mapped[str] = mapped_column(String(64), _order_fk(), index=True)
    status: Mapped[str] = mapped_column(String(32))  # oms.returns.ReturnStatus
    method: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(64))
    destination: Mapped[str] = mapped_column(String(64), node_fk())
    purchase_channel: Mapped[str] = mapped_column(String(32))
    cross_channel: Mapped[bool]
    exchange: Mapped[Json | None]  # replacement lines asked for, [[sku, qty], ...]
    exchange_order_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[CreatedAt]
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    refunded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    restocked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ReturnLine(Base):
    __tablename__ = "return_lines"
    __table_args__ = (CheckConstraint("qty > 0", name="qty_positive"),)

    return_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("returns.id", ondelete="CASCADE"), primary_key=True
    )
    order_line_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("order_lines.id"), primary_key=True
    )
    sku_id: Mapped[str] = mapped_column(String(64), ForeignKey("skus.id"))
    qty: Mapped[Qty]
    condition: Mapped[str | None] = mapped_column(String(32))
    disposition: Mapped[str | None] = mapped_column(String(32))
    target_node: Mapped[str | None] = mapped_column(String(64), node_fk())
    refund_minor: Mapped[int | None] = mapped_column(BigInteger)
