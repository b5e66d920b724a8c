"""A parcel a shipment left in: several per shipment when its units do not fit in one box.
Plain class mapped by oms/db/orm.py (``shipment_parcels``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from oms.domain.events import utcnow

MAX_PARCELS = 20


@dataclass(eq=False, kw_only=True)
class Parcel:
    """Parcel ``parcel_no`` (from 1) of a shipment: its carrier, tracking number and weight."""

    shipment_id: str
    parcel_no: int
    carrier: str
    tracking: str
    weight_g: int | None = None
    created_at: datetime = field(default_factory=utcnow)
