"""What the store counter keeps: the parcels a shipment left in, and the expired pickups
whose units are still to go back on the shelf. Plain classes mapped by oms/db/orm.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from oms.domain.events import utcnow

MAX_PARCELS = 20


@dataclass(eq=False, kw_only=True)
class Parcel:
    """Parcel ``parcel_no`` (from 1) of a shipment: its carrier, tracking number and weight
    (``shipment_parcels``). Several per shipment when its units do not fit in one box."""

    shipment_id: str
    parcel_no: int
    carrier: str
    tracking: str
    weight_g: int | None = None
    created_at: datetime = field(default_factory=utcnow)


@dataclass(eq=False, kw_only=True)
class PickupToReshelve:
    """An expired pickup at its store, until the associate puts its units back on the shelf
    (``pickups_to_reshelve``, a work queue: the row goes when that is done). ``released``: the
    units its expiry gave back, ``[node, sku, qty]`` rows."""

    order_id: str
    node_id: str
    expired_at: datetime
    released: list[list[Any]]
