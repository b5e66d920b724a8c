"""Receiving a ship-to-store transfer on the fake unit of work: the count recorded, the units
held, an over-receipt into the store's stock, and the counts refused by name."""

from __future__ import annotations

import pytest

from oms.domain.errors import ConflictError, ForbiddenError, ValidationError
from oms.domain.events import ReadyForPickup, TransferReceived
from oms.promise.service import NetworkCache
from oms.stores.fulfilment import ship
from oms.stores.receiving import incoming_transfers, receive_transfer
from tests.unit.services.orders_world import DC, S1, S2, held, pickup_order, world


def shipped_transfer(uow, cache, qty: int = 2):
    placed = pickup_order(uow, cache, [("MUG", qty)])
    [shipment] = uow.shipments.list_by(order_id=placed.id)
    assert shipment.node_id == DC
    ship(uow, shipment.id, "TR-1")
    [line] = uow.order_lines.list_by(order_id=placed.id)
    return placed, shipment, line.id


def test_an_over_receipt_is_recorded_held_for_the_order_and_the_extra_is_on_sale():
    uow, cache = world(store=0), NetworkCache()
    _, shipment, line = shipped_transfer(uow, cache)
    [queued] = incoming_transfers(uow, S1)
    assert queued.shipment_id == shipment.id and incoming_transfers(uow, S2) == []
    done = receive_transfer(uow, cache, shipment.id, {line: 3}, store=S1)
    assert done.order.status == "ready_for_pickup"
    assert [(r.expected, r.received, r.difference) for r in done.lines] == [(2, 3, 1)]
    assert uow.receipt_lines.list_by(shipment_id=shipment.id) == done.lines
    assert held(uow, S1, "MUG") == (3, 2)  # on hand, reserved: one on sale
    [got] = [e for e in uow.emitted if isinstance(e, TransferReceived)]
    assert got.differences == [{"line": line, "sku": "MUG", "expected": 2, "received": 3}]
    assert len([e for e in uow.emitted if isinstance(e, ReadyForPickup)]) == 1
    assert incoming_transfers(uow, S1) == []


def test_a_count_is_refused_by_name_and_only_the_pickup_store_receives():
    uow, cache = world(store=0), NetworkCache()
    _, shipment, line = shipped_transfer(uow, cache)
    with pytest.raises(ValidationError) as raised:
        receive_transfer(uow, cache, shipment.id, {"other": 1, line: -1}, store=S1)
    assert raised.value.problems == [
        'lines: "other" is not a line of this shipment',
        f'lines: line "{line}" received must be between 0 and 10000, got -1',
    ]
    with pytest.raises(ForbiddenError):
        receive_transfer(uow, cache, shipment.id, {line: 2}, store=S2)
    receive_transfer(uow, cache, shipment.id, {line: 2}, store=None)  # ops
    with pytest.raises(ConflictError):
        receive_transfer(uow, cache, shipment.id, {line: 2}, store=S1)
