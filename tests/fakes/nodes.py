"""Nodes the unit tests build their worlds from."""

from __future__ import annotations

from typing import Any

from oms.inventory.model import Node

# A Paris store as the API would take it (a node body).
PARIS_STORE: dict[str, Any] = {
    "id": "ST-PARIS",
    "kind": "store",
    "lat": 48.86,
    "lon": 2.35,
    "can_ship": True,
    "can_pickup": True,
    "capacity_units": 40,
    "handling_cost": 0.9,
    "shipment_cost": 6.0,
    "cost_per_km": 0.008,
}


def store(node_id: str = "ST-PARIS", **fields: Any) -> Node:
    """The Paris store under another id, with any field changed."""
    return Node(**{**PARIS_STORE, "id": node_id, **fields})
