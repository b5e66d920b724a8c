"""The returns service on the fake unit of work: open, read and receive returns; refunds,
restocking (by its handler) and exchanges, and the refusals, each with its own error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from oms.domain.bus import MessageBus
from oms.domain.errors import ForbiddenError, NotFoundError, ValidationError
from oms.domain.events import Exchanged, Refunded, Restocked, ReturnReceived, StockChanged
from oms.inventory.model import Node, Sku
from oms.orders import service as orders_service
from oms.orders.lifecycle import OrderStatus
from oms.orders.model import (
    Allocation,
    DeliveryMethod,
    Order,
    OrderLine,
    OrderLineStatus,
    Shipment,
    ShipmentStatus,
)
from oms.promise.service import NetworkCache
from oms.returns import IllegalReturnTransition, RequestLine, ReturnRefused, ReturnRequest
from oms.returns import service as svc
from oms.returns.facts import SHIPPING_REFUND
from tests.fakes import FakeUnitOfWork

NOW = datetime(2030, 3, 12, 10, 0, tzinfo=UTC)
PRICES = {"MUG": 1299, "TEA": 450}


# ---------------------------------------------------------------- the world


def node(node_id: str, kind: str, lat: float, lon: float, **extra: Any) -> Node:
    return Node(
        id=node_id,
        kind=kind,
        lat=lat,
        lon=lon,
        can_ship=True,
        can_pickup=kind == "store",
        handling_cost=0.5,
        shipment_cost=3.0,
        cost_per_km=0.008,
        **extra,
    )


def network(bus: MessageBus | None = None) -> FakeUnitOfWork:
    """A DC in Lyon, a Lyon store that takes returns, a Paris store that does not."""
    uow = FakeUnitOfWork(bus)
    uow.nodes.add(node("DC-LYON", "warehouse", 45.75, 4.85))
    uow.nodes.add(node("ST-LYON", "store", 45.76, 4.83, accepts_returns=True))
    uow.nodes.add(node("ST-PARIS-1", "store", 48.86, 2.35))
    for sku, price in PRICES.items():
        uow.skus.add(Sku(id=sku, name=sku.title(), price_minor=price, currency="EUR"))
    return uow


def delivered_order(
    uow: FakeUnitOfWork,
    lines: list[tuple[str, int]],
    *,
    discount_minor: int = 0,
    shipping_minor: int = 0,
) -> Order:
    """A web order shipped from ST-PARIS-1 and delivered two days ago."""
    order = Order(
        id="O-1",
        status=OrderStatus.DELIVERED,
        channel="web",
        method=DeliveryMethod.SHIP,
        currency="EUR",
        dest_lat=48.85,
        dest_lon=2.35,
        discount_minor=discount_minor,
        shipping_minor=shipping_minor,
    )
    uow.orders.add(order)
    uow.shipments.add(
        Shipment(
            id="SH-1",
            order_id=order.id,
            node_id="ST-PARIS-1",
            status=ShipmentStatus.DELIVERED,
            delivered_at=NOW - timedelta(days=2),
        )
    )
    for no, (sku, qty) in enumerate(lines, 1):
        line_id = f"{order.id}-{no}"
        uow.order_lines.add(
            OrderLine(
                id=line_id,
                order_id=order.id,
                line_no=no,
                sku_id=sku,
                qty=qty,
                price_minor=PRICES[sku],
                status=OrderLineStatus.SHIPPED,
            )
        )
        uow.allocations.add(
            Allocation(order_line_id=line_id, node_id="ST-PARIS-1", qty=qty, shipment_id="SH-1")
        )
    return order


def asked(
    *lines: tuple[str, int], reason: str = "defective", store: str | None = None
) -> ReturnRequest:
    method = "mail" if store is None else "in_store"
    return ReturnRequest(tuple(RequestLine(lid, q) for lid, q in lines), reason, method, store)


def history(uow: FakeUnitOfWork, aggregate: str, key: str) -> list[tuple[str, Any]]:
    """The history's events, but the customer messages queued on the order's."""
    found = uow.events.history(aggregate, key)
    return [(e.type, e.payload) for e in found if e.type != "NotificationQueued"]


def raised(uow: FakeUnitOfWork, kind: type) -> list[Any]:
    return [e for e in uow.emitted if isinstance(e, kind)]


# ---------------------------------------------------------------- opening a return


def test_a_mail_return_of_delivered_units_is_routed_to_the_node_that_takes_returns() -> None:
    uow = network()
    delivered_order(uow, [("MUG", 2)])

    view = svc.create_return(uow, "O-1", asked(("O-1-1", 1)), now=NOW)

    assert (view.status, view.method, view.destination) == ("in_transit", "mail", "ST-LYON")
    assert [(ln.line_id, ln.sku, ln.qty) for ln in view.lines] == [("O-1-1", "MUG", 1)]
    assert uow.committed == 1
    requested = {"return": view.id, "status": "in_transit", "destination": "ST-LYON", "units": 1}
    assert history(uow, "order", "O-1") == [("ReturnRequested", requested)]
    assert history(uow, "return", view.id) == [("ReturnRequested", requested)]
    assert [(e.type, e.data) for e in view.events] == [("ReturnRequested", requested)]


def test_a_web_order_brought_to_a_store_is_a_cross_channel_return_awaiting_drop_off() -> None:
    uow = network()
    delivered_order(uow, [("MUG", 1)])

    view = svc.create_return(uow, "O-1", asked(("O-1-1", 1), store="ST-LYON"), now=NOW)

    assert (view.status, view.destination, view.cross_channel) == (
        "awaiting_drop_off",
        "ST-LYON",
        True,
    )


def test_a_second_return_cannot_claim_the_units_of_the_first() -> None:
    uow = network()
    delivered_order(uow, [("MUG", 1)])
    svc.create_return(uow, "O-1", asked(("O-1-1", 1)), now=NOW)

    with pytest.raises(ReturnRefused) as refused:
        svc.create_return(uow, "O-1", asked(("O-1-1", 1)), now=NOW)

    assert [(r.rule, r.line_id) for r in refused.value.refusals] == [
        ("exceeds_returnable", "O-1-1")
    ]
    assert len(uow.returns.rows) == 1 and uow.committed == 1


def test_units_not_yet_delivered_cannot_be_returned() -> None:
    uow = network()
    delivered_order(uow, [("MUG", 1)])
    uow.shipments.get("SH-1").status = ShipmentStatus.SHIPPED

    with pytest.raises(ReturnRefused) as refused:
        svc.create_return(uow, "O-1", asked(("O-1-1", 1)), now=NOW)

    assert refused.value.refusals[0].rule == "not_delivered"


def test_a_return_of_an_unknown_order_is_not_found() -> None:
    with pytest.raises(NotFoundError, match="O-NOPE"):
        svc.create_return(network(), "O-NOPE", asked(("x", 1)), now=NOW)


def test_an_exchange_for_an_unknown_sku_is_refused_before_anything_is_written() -> None:
    uow = network()
    delivered_order(uow, [("MUG", 1)])

    with pytest.raises(ValidationError, match="NOPE"):
        svc.create_return(uow, "O-1", asked(("O-1-1", 1)), [("NOPE", 1)], now=NOW)

    assert uow.returns.rows == {} and uow.emitted == []


def test_a_store_key_opens_in_store_returns_at_its_own_counter_only() -> None:
    uow = network()
    delivered_order(uow, [("MUG", 1)])

    with pytest.raises(ForbiddenError):
        svc.create_return(
            uow, "O-1", asked(("O-1-1", 1), store="ST-LYON"), store="ST-PARIS-1", now=NOW
        )

    view = svc.create_return(
        uow, "O-1", asked(("O-1-1", 1), store="ST-LYON"), store="ST-LYON", now=NOW
    )
    assert view.destination == "ST-LYON"


# ---------------------------------------------------------------- who sees a return


def test_a_store_key_cannot_see_a_return_that_does_not_involve_its_store() -> None:
    uow = network()
    delivered_order(uow, [("MUG", 1)])
    rid = svc.create_return(uow, "O-1", asked(("O-1-1", 1)), now=NOW).id

    with pytest.raises(ForbiddenError, match="ST-PARIS-2"):
        svc.show_return(uow, rid, "ST-PARIS-2")

    assert svc.show_return(uow, rid, "ST-LYON").id == rid  # it comes back there
    assert svc.show_return(uow, rid, "ST-PARIS-1").id == rid  # it shipped the order
    assert svc.show_return(uow, rid, None).id == rid  # not a store key


def test_a_store_key_receives_only_the_returns_sent_to_its_store() -> None:
    uow = network()
    delivered_order(uow, [("MUG", 1)])
    rid = svc.create_return(uow, "O-1", asked(("O-1-1", 1)), now=NOW).id

    with pytest.raises(ForbiddenError, match="not ST-LYON"):
        svc.receive(uow, NetworkCache(), rid, [("O-1-1", "sellable")], store="ST-PARIS-1")

    assert uow.returns.get(rid).status == "in_transit"


# ---------------------------------------------------------------- receiving a return


def test_units_received_sellable_at_a_store_short_of_them_are_restocked_by_the_handler() -> None:
    uow = network()
    delivered_order(uow, [("MUG", 1)])
    uow.returns.sourced[("ST-LYON", "MUG")] = 8  # two a week: the store is short of mugs
    rid = svc.create_return(uow, "O-1", asked(("O-1-1", 1), store="ST-LYON"), now=NOW).id

    view = svc.receive(uow, NetworkCache(), rid, [("O-1-1", "sellable")], now=NOW)

    [line] = view.lines
    assert (line.condition, line.disposition, line.node) == ("sellable", "restock", "ST-LYON")
    level = uow.stock.levels("ST-LYON", "MUG")
    assert level is not None and level.on_hand == 1 and level.atp == 1
    [stocked] = [e for e in raised(uow, StockChanged) if e.change == "StockReceived"]
    assert stocked.details == {"qty": 1, "ref": rid}
    [restocked] = raised(uow, Restocked)
    assert restocked.rows == [["ST-LYON", "MUG", 1]] and restocked.status == "received"
    assert uow.returns.get(rid).restocked_at == NOW
    assert [t for t, _ in history(uow, "return", rid)] == [
        "ReturnRequested",
        "ReturnReceived",
        "Restocked",
        "Refunded",
    ]
    assert history(uow, "order", "O-1") == history(uow, "return", rid)


def test_without_its_handler_receiving_moves_no_stock() -> None:
    uow = network(MessageBus({}))
    delivered_order(uow, [("MUG", 1)])
    uow.returns.sourced[("ST-LYON", "MUG")] = 8
    rid = svc.create_return(uow, "O-1", asked(("O-1-1", 1), store="ST-LYON"), now=NOW).id

    svc.receive(uow, NetworkCache(), rid, [("O-1-1", "sellable")], now=NOW)

    assert uow.stock.levels("ST-LYON", "MUG") is None and raised(uow, Restocked) == []


def test_sellable_units_a_store_does_not_need_go_on_to_a_dc_and_are_not_restocked_at_once() -> None:
    uow = network()
    delivered_order(uow, [("MUG", 1), ("TEA", 1)])
    rid = svc.create_return(uow, "O-1", asked(("O-1-1", 1), ("O-1-2", 1)), now=NOW).id

    view = svc.receive(
        uow, NetworkCache(), rid, [("O-1-1", "sellable"), ("O-1-2", "damaged")], now=NOW
    )

    assert [(ln.disposition, ln.node) for ln in view.lines] == [
        ("transfer_to_dc", "DC-LYON"),
        ("liquidate", None),
    ]
    [received] = raised(uow, ReturnReceived)
    assert received.payload() == {
        "return": rid,
        "status": "received",
        "lines": {"O-1-1": "transfer_to_dc", "O-1-2": "liquidate"},
    }
    assert uow.stock.items == {} and raised(uow, Restocked) == []


def test_a_refund_gives_back_the_lines_paid_share_and_the_shipping_on_a_seller_fault() -> None:
    uow = network()
    delivered_order(uow, [("MUG", 2), ("TEA", 1)], discount_minor=300, shipping_minor=499)
    rid = svc.create_return(uow, "O-1", asked(("O-1-1", 1)), now=NOW).id

    view = svc.receive(uow, NetworkCache(), rid, [("O-1-1", "damaged")], now=NOW)

    # The mug line paid 2 x 1299 less its share of the discount (2598 / 3048 of 300 -> 256).
    items = (2 * 1299 - 256) // 2
    assert view.lines[0].refund_minor == items
    assert view.refund_minor == items + 499 and view.status == "refunded"
    refunds = sorted((r.reason, r.amount_minor) for r in uow.refunds.list_by(return_id=rid))
    assert refunds == [("return", items), (SHIPPING_REFUND, 499)]
    [refunded] = raised(uow, Refunded)
    assert refunded.payload() == {
        "return": rid,
        "status": "refunded",
        "amount_minor": items + 499,
        "shipping_minor": 499,
    }
    assert uow.returns.get(rid).refunded_at == NOW
    assert uow.order_lines.get("O-1-1").status is OrderLineStatus.SHIPPED  # one mug of two


def test_the_shipping_is_refunded_once_and_a_line_all_back_is_returned() -> None:
    uow = network()
    delivered_order(uow, [("MUG", 2)], shipping_minor=499)
    for _ in range(2):
        rid = svc.create_return(uow, "O-1", asked(("O-1-1", 1)), now=NOW).id
        view = svc.receive(uow, NetworkCache(), rid, [("O-1-1", "damaged")], now=NOW)

    assert view.refund_minor == 1299  # the second return: the mug, no second shipping
    assert uow.order_lines.get("O-1-1").status is OrderLineStatus.RETURNED


def test_receiving_needs_every_line_once_with_a_known_condition() -> None:
    uow = network()
    delivered_order(uow, [("MUG", 1), ("TEA", 1)])
    rid = svc.create_return(uow, "O-1", asked(("O-1-1", 1), ("O-1-2", 1)), now=NOW).id
    cache = NetworkCache()

    with pytest.raises(ValidationError, match="O-1-2"):
        svc.receive(uow, cache, rid, [("O-1-1", "sellable")], now=NOW)
    with pytest.raises(ValidationError, match="wet"):
        svc.receive(uow, cache, rid, [("O-1-1", "wet"), ("O-1-2", "sellable")], now=NOW)
    with pytest.raises(ValidationError, match="once"):
        svc.receive(uow, cache, rid, [("O-1-1", "sellable"), ("O-1-1", "damaged")], now=NOW)


def test_a_return_is_received_once() -> None:
    uow = network()
    delivered_order(uow, [("MUG", 1)])
    rid = svc.create_return(uow, "O-1", asked(("O-1-1", 1)), now=NOW).id
    svc.receive(uow, NetworkCache(), rid, [("O-1-1", "damaged")], now=NOW)

    with pytest.raises(IllegalReturnTransition):
        svc.receive(uow, NetworkCache(), rid, [("O-1-1", "damaged")], now=NOW)


# ---------------------------------------------------------------- exchanges


def test_an_exchange_places_a_new_order_that_the_credit_pays_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    placed: list[orders_service.OrderRequest] = []

    def place_order(
        uow: object, cache: NetworkCache, req: orders_service.OrderRequest, *, key: None = None
    ) -> tuple[Order, bool]:  # the orders context, as returns call it
        placed.append(req)
        new = Order(
            id="O-2",
            status=OrderStatus.ALLOCATED,
            channel="web",
            method=DeliveryMethod.SHIP,
            currency="EUR",
        )
        return new, True

    monkeypatch.setattr(orders_service, "place_order", place_order)
    uow = network()
    delivered_order(uow, [("MUG", 1)])
    rid = svc.create_return(
        uow, "O-1", asked(("O-1-1", 1), reason="wrong_size", store="ST-LYON"), [("TEA", 2)], now=NOW
    ).id

    view = svc.receive(uow, NetworkCache(), rid, [("O-1-1", "damaged")], now=NOW)

    [req] = placed
    assert req.reservation_id is None and req.channel == "web"
    assert req.reserve is not None and req.reserve.lines == [("TEA", 2)]
    assert (req.reserve.lat, req.reserve.lon, req.reserve.method) == (48.85, 2.35, "ship")
    assert (view.status, view.exchange_order_id) == ("exchanged", "O-2")
    assert view.refund_minor == 1299 - 2 * 450  # the credit left after the replacement
    [exchanged] = raised(uow, Exchanged)
    assert exchanged.payload() == {
        "return": rid,
        "status": "exchanged",
        "order": "O-2",
        "credit_minor": 1299,
        "replacement_minor": 900,
        "balance_due_minor": 0,
    }
    assert history(uow, "return", rid)[-1] == ("Exchanged", exchanged.payload())


def test_an_exchange_order_is_sourced_and_held_like_any_other() -> None:
    uow = network()
    uow.stock.set_stock("DC-LYON", "TEA", on_hand=5)
    delivered_order(uow, [("MUG", 1)])
    rid = svc.create_return(
        uow, "O-1", asked(("O-1-1", 1), reason="wrong_size", store="ST-LYON"), [("TEA", 2)], now=NOW
    ).id

    view = svc.receive(uow, NetworkCache(), rid, [("O-1-1", "damaged")], now=NOW)

    assert view.status == "exchanged" and view.exchange_order_id is not None
    new = uow.orders.get(view.exchange_order_id)
    assert [(ln.sku_id, ln.qty) for ln in uow.order_lines.list_by(order_id=new.id)] == [("TEA", 2)]
    assert uow.stock.available(["TEA"]) == {("DC-LYON", "TEA"): 3}
