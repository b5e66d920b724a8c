"""The store's Today page (``/stores/{node}``, where a store key lands after signing in): the
count of each queue with a link to it, the store's hours today and capacity left. The same
service as ``GET /v1/stores/{node}/today``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from oms.api import store_page_access as access
from oms.api.deps import StateDep
from oms.domain.errors import OmsError
from oms.domain.events import utcnow
from oms.stores.today import today

router = APIRouter(prefix="/stores", tags=["store pages"], include_in_schema=False)

# Each queue on the page: its field in QueueCounts, its label, the page that works it.
QUEUES = (
    ("to_pick", "To pick", "picklist"),
    ("to_pack", "To pack", "pack"),
    ("ready_for_pickup", "Ready for pickup", "pickups"),
    ("overdue_pickups", "Overdue pickups", "pickups"),
    ("incoming_transfers", "Incoming transfers", "incoming"),
    ("returns_to_receive", "Returns to receive", "returns"),
    ("counts_requested", "Counts requested", "counts"),
)


@router.get("/{node_id}", response_class=HTMLResponse)
def today_page(request: Request, node_id: str, state: StateDep) -> HTMLResponse:
    try:
        visitor = access.store_visitor(request, state, node_id)
        with state.read_uow() as reads:
            day = today(reads, node_id, utcnow())
    except OmsError as exc:
        return access.refused(request, exc)
    queues = [(label, getattr(day.queues, name), page, name) for name, label, page in QUEUES]
    return access.page(
        request,
        "store_today.html",
        node=node_id,
        day=day,
        queues=queues,
        csrf=visitor.csrf,
        signed_in=visitor.session is not None,
    )
