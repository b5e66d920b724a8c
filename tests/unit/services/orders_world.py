"""A small network in a FakeUnitOfWork for the orders and stores services: a DC in Lyon, two
Paris stores (open every day, all day), two SKUs; stock set through the fake ledger."""

from __future__ import annotations

from typing import Any

from oms.inventory.model import Node, Sku
from oms.orders.model import DeliveryMethod
from oms.orders.reservations import ReserveRequest
from oms.orders.service import OrderForm, create_order
from oms.orders.views import OrderView
from oms.promise.service import NetworkCache
from oms.stores.model import Pick, PickStatus
from tests.fakes import FakeUnitOfWork

PARIS = (48.86, 2.35)
DC, S1, S2 = "DC-LYON", "ST-PARIS-1", "ST-PARIS-2"
MUG_PRICE, TEA_PRICE = 1299, 450


def _node(node_id: str, kind: str, lat: float, lon: float, **extra: Any) -> Node:
    values: dict[str, Any] = {
        "can_ship": True,
        "can_pickup": kind == "store",
        "handling_cost": 0.35 if kind == "warehouse" else 0.5,
        "shipment_cost": 4.5 if kind == "warehouse" else 3.0,
        "cost_per_km": 0.006 if kind == "warehouse" else 0.008,
        "timezone": "Europe/Paris",
    }
    if kind == "store":
        values |= {"opens": "00:00", "closes": "23:59", "open_days": "0123456"}
        values |= {"pick_lead_minutes": 30, "capacity_units": 40}
    return Node(id=node_id, kind=kind, lat=lat, lon=lon, **(values | extra))


def world(*, dc: int = 10, store: int = 3) -> FakeUnitOfWork:
    """The network with ``dc`` units of each SKU at the DC and ``store`` at ST-PARIS-1."""
    uow = FakeUnitOfWork()
    uow.nodes.add(_node(DC, "warehouse", 45.76, 4.84))
    uow.nodes.add(_node(S1, "store", 48.86, 2.35))
    uow.nodes.add(_node(S2, "store", 48.88, 2.30))
    uow.skus.add(Sku(id="MUG", name="Mug", price_minor=MUG_PRICE, currency="EUR"))
    uow.skus.add(Sku(id="TEA", name="Tea", price_minor=TEA_PRICE, currency="EUR"))
    for sku in ("MUG", "TEA"):
        uow.stock.set_stock(DC, sku, on_hand=dc)
        uow.stock.set_stock(S1, sku, on_hand=store)
        uow.stock.set_bin(S1, sku, f"A-{sku}")
    uow.emitted.clear()  # the world's own stock events are not the test's
    return uow


def ship_request(lines: list[tuple[str, int]], ttl: int = 900) -> ReserveRequest:
    return ReserveRequest(lines, *PARIS, DeliveryMethod.SHIP, None, ttl)


def pickup_request(
    lines: list[tuple[str, int]], store: str = S1, slot_id: str | None = None
) -> ReserveRequest:
    return ReserveRequest(lines, None, None, DeliveryMethod.PICKUP, store, 900, slot_id=slot_id)


def order(
    uow: FakeUnitOfWork,
    cache: NetworkCache,
    lines: list[tuple[str, int]],
    **form: Any,
) -> OrderView:
    """An order placed from lines (shipped to Paris unless the form says otherwise)."""
    form.setdefault("destination", PARIS)
    view, _ = create_order(uow, cache, OrderForm(lines=lines, **form), key=None)
    uow.emitted.clear()
    return view


def pickup_order(
    uow: FakeUnitOfWork, cache: NetworkCache, lines: list[tuple[str, int]], store: str = S1
) -> OrderView:
    return order(uow, cache, lines, method="pickup", pickup_node=store, destination=None)


def open_picks(uow: FakeUnitOfWork, order_id: str) -> list[Pick]:
    return uow.picks.list_by(order_id=order_id, status=PickStatus.OPEN)


def held(uow: FakeUnitOfWork, node: str, sku: str) -> tuple[int, int]:
    """(on_hand, reserved) of the SKU at the node."""
    level = uow.stock.levels(node, sku)
    assert level is not None
    return level.on_hand, level.reserved


def order_events(uow: FakeUnitOfWork) -> list[str]:
    """The names of the events raised on orders (not the ledger's, nor the customer messages
    they queue: tests/unit/services/test_notifications.py has those), in order."""
    return [
        e.name for e in uow.emitted if e.aggregate == "order" and e.name != "NotificationQueued"
    ]
