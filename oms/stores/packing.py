"""Pack and ship from a store: the picked shipments that leave it, the packing slip of one,
and shipping it in one or more parcels (the shipment ships as ``fulfilment.ship`` ships it,
its tracking number the first parcel's; the customer's message follows ``Shipped``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from oms.domain.errors import ValidationError
from oms.domain.events import ParcelsShipped
from oms.orders.model import DeliveryMethod, Order, Shipment, ShipmentStatus
from oms.orders.queries import require_own_store
from oms.orders.views import OrderView, order_view
from oms.stores import fulfilment
from oms.stores.counter_model import MAX_PARCELS, Parcel
from oms.stores.counter_ports import CounterUnitOfWork
from oms.stores.shipments import shipment_units


class ParcelSpec(NamedTuple):
    """A parcel as the associate enters it (or scans its label)."""

    carrier: str
    tracking: str
    weight_g: int | None = None


@dataclass(frozen=True)
class SlipLine:
    line_id: str
    sku: str
    name: str
    qty: int


@dataclass(frozen=True)
class ToPack:
    """A picked shipment waiting to leave the store: for the customer's address, or (a
    transfer) for the pickup store ``ship_to_store``."""

    shipment_id: str
    order_id: str
    customer_name: str | None
    ordered_at: datetime
    promised_at: datetime | None
    ship_to_store: str | None
    lines: list[SlipLine]


@dataclass(frozen=True)
class Slip:
    """What the packing slip prints: the order, its lines and where the parcel goes."""

    shipment: ToPack
    node: str
    email: str | None
    phone: str | None
    address: list[str]


@dataclass(frozen=True)
class ShippedInParcels:
    order: OrderView
    parcels: list[Parcel]


def to_pack(uow: CounterUnitOfWork, node_id: str) -> list[ToPack]:
    """The store's picked shipments that leave it, the most urgent first."""
    found = []
    for shipment in uow.shipments.list_by(node_id=node_id, status=ShipmentStatus.PICKED):
        order = uow.orders.get(shipment.order_id)
        if _collected_here(order, shipment):
            continue
        found.append(_to_pack(uow, order, shipment))
    return sorted(found, key=lambda p: (p.promised_at or p.ordered_at, p.shipment_id))


def packing_slip(uow: CounterUnitOfWork, node_id: str, shipment_id: str) -> Slip:
    """The slip of one of the store's shipments (403 for another store's)."""
    shipment = uow.shipments.get(shipment_id)
    require_own_store(node_id, shipment.node_id)
    order = uow.orders.get(shipment.order_id)
    return Slip(
        shipment=_to_pack(uow, order, shipment),
        node=node_id,
        email=order.email,
        phone=order.phone,
        address=_address_lines(order.address),
    )


def ship_in_parcels(
    uow: CounterUnitOfWork,
    node_id: str,
    shipment_id: str,
    parcels: Sequence[ParcelSpec],
    now: datetime | None = None,
) -> ShippedInParcels:
    """The shipment leaves the store in these parcels (1 to ``MAX_PARCELS``)."""
    if not 1 <= len(parcels) <= MAX_PARCELS:
        raise ValidationError([f"parcels: give 1 to {MAX_PARCELS} parcels, got {len(parcels)}"])
    require_own_store(node_id, uow.shipments.get(shipment_id).node_id)
    first = parcels[0]
    order = fulfilment.shipped(
        uow, shipment_id, first.tracking, store=node_id, now=now, carrier=first.carrier
    )
    rows = [
        Parcel(shipment_id=shipment_id, parcel_no=n, **p._asdict())
        for n, p in enumerate(parcels, start=1)
    ]
    for row in rows:
        uow.parcels.add(row)
    recorded: list[dict[str, Any]] = [p._asdict() for p in parcels]
    uow.emit(
        ParcelsShipped(order_id=order.id, shipment=shipment_id, store=node_id, parcels=recorded)
    )
    view = order_view(uow, order)
    uow.commit()
    return ShippedInParcels(order=view, parcels=rows)


def _collected_here(order: Order, shipment: Shipment) -> bool:
    return order.method is DeliveryMethod.PICKUP and shipment.node_id == order.pickup_node


def _to_pack(uow: CounterUnitOfWork, order: Order, shipment: Shipment) -> ToPack:
    transfer = order.method is DeliveryMethod.PICKUP
    return ToPack(
        shipment_id=shipment.id,
        order_id=order.id,
        customer_name=order.customer_name,
        ordered_at=order.created_at,
        promised_at=shipment.promised_at,
        ship_to_store=order.pickup_node if transfer else None,
        lines=[
            SlipLine(u.order_line_id, u.sku_id, _name(uow, u.sku_id), u.qty)
            for u in shipment_units(uow, shipment)
        ],
    )


def _name(uow: CounterUnitOfWork, sku_id: str) -> str:
    sku = uow.skus.find(sku_id)
    return sku.name if sku is not None else sku_id


def _address_lines(address: object) -> list[str]:
    """The postal address as printed on a label: lines, postcode and city, country."""
    if not isinstance(address, dict):
        return []
    town = " ".join(str(address[k]) for k in ("postcode", "city") if address.get(k))
    parts = [address.get("line1"), address.get("line2"), town, address.get("country")]
    return [str(p) for p in parts if p]
