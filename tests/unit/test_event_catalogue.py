"""The public event catalogue: every domain event leaves the system under a documented type."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from oms.domain import events as e
from oms.integrations import catalogue
from oms.integrations.catalogue import EVENT_TYPES, TYPES, data_of, matches, pattern_errors

AT = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)

# Bases that are never raised themselves.
ABSTRACT = {
    e.DomainEvent,
    e.ReservationEvent,
    e.ReturnEvent,
    e.NodeEvent,
    e.CustomerEvent,
    e.CountEvent,
}


def _concrete(kind: type) -> list[type]:
    found = []
    for sub in kind.__subclasses__():
        found += [sub] if sub not in ABSTRACT else []
        found += _concrete(sub)
    return found


def test_every_domain_event_has_a_public_type():
    ours = [k for k in _concrete(e.DomainEvent) if k.__module__.startswith("oms.")]
    assert sorted(k.__name__ for k in ours if k not in TYPES) == []


def test_public_types_are_unique_and_named_family_dot_event():
    assert len(set(EVENT_TYPES)) == len(EVENT_TYPES)
    for kind in EVENT_TYPES:
        family, _, name = kind.partition(".")
        assert family and name and name.islower(), kind


def test_an_order_event_carries_its_order_id_first_and_its_fields_by_name():
    event = e.Shipped(order_id="O-1", shipment="S-1", tracking="T-9")
    message = catalogue.message_of(event, AT)
    assert message is not None
    assert message.type == "order.shipped"
    assert list(message.data) == ["order_id", "shipment", "tracking"]
    assert message.body() == {
        "id": message.event_id,
        "type": "order.shipped",
        "timestamp": "2026-12-04T12:00:00Z",
        "data": {"order_id": "O-1", "shipment": "S-1", "tracking": "T-9"},
    }
    assert message.event_id.startswith("evt_")


def test_a_return_event_is_ordered_with_its_order_and_names_the_return_plainly():
    event = e.Refunded(
        order_id="O-1", return_id="R-1", status="refunded", amount_minor=500, shipping_minor=0
    )
    assert catalogue.ordering_key(event) == "order:O-1"
    assert data_of(event)["return_id"] == "R-1"


def test_a_stock_change_names_its_change_and_levels():
    event = e.StockChanged(
        change=e.StockChange.RESERVED,
        node_id="N",
        sku_id="S",
        on_hand=5,
        reserved=2,
        safety_stock=1,
        atp=2,
        details={"qty": 2, "ref": "R-1"},
    )
    assert catalogue.ordering_key(event) == "inventory:N/S"
    assert data_of(event) == {
        "node_id": "N",
        "sku_id": "S",
        "change": "reserved",
        "qty": 2,
        "ref": "R-1",
        "on_hand": 5,
        "reserved": 2,
        "safety_stock": 1,
        "atp": 2,
    }


def test_node_events_are_ordered_per_node():
    assert catalogue.ordering_key(e.NodeDisabled(node_id="N-1")) == "node:N-1"
    assert data_of(e.NodeAdded(node_id="N-1", fields={"kind": "store"})) == {
        "node_id": "N-1",
        "kind": "store",
    }


@pytest.mark.parametrize("pattern", ["*", "order.*", "order.shipped", "webhook.test", "stock.*"])
def test_wildcards_exact_types_and_star_are_patterns(pattern):
    assert pattern_errors([pattern]) == []


@pytest.mark.parametrize("pattern", ["order", "orders.*", "order.shipped.x", "", "*.shipped"])
def test_anything_else_is_refused_by_name(pattern):
    assert pattern_errors(["order.created", pattern]) == [
        f"{pattern!r} is not an event type, a family wildcard (order.*) or *"
    ]


def test_a_family_wildcard_matches_its_family_only():
    assert matches("order.shipped", ["order.*"])
    assert not matches("orders.shipped", ["order.*"])
    assert not matches("stock.changed", ["order.*", "order.created"])
    assert matches("stock.changed", ["order.*", "*"])
