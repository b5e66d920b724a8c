"""Explain the sourcer's choice for a cart (POST /v1/sourcing/explain): the plan it chooses now
for the cart and destination (or pickup store), its cost breakdown, and the alternatives it
rejected, with the look-ahead price of each unit when that policy is on. Reads stock; reserves
nothing. The order's own explanation (oms/orders/explain.py) is built from the same pieces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from oms.domain.contact import PostalAddress
from oms.domain.errors import ValidationError
from oms.inventory.errors import UnknownNode
from oms.promise.lookahead_refresh import contract_nodes
from oms.promise.places import destination_of
from oms.promise.ports import NetworkSource
from oms.promise.service import SOURCING, CartSnapshot, NetworkCache, snapshot_cart
from oms.sourcing.explain import Explanation, OneOrder, explain_order
from oms.sourcing.network import Network
from oms.sourcing.online import OrderDecision


@dataclass(frozen=True)
class Explained:
    """An explanation and what it was made under: the live policy (`online`, `lookahead`),
    whether look-ahead prices were applied, and when (UTC)."""

    why: Explanation
    policy: str
    priced: bool
    as_of: datetime


def explain_cart(
    source: NetworkSource,
    cache: NetworkCache,
    lines: list[tuple[str, int]],
    *,
    destination: tuple[float, float] | None = None,
    address: PostalAddress | None = None,
    pickup_node: str | None = None,
) -> Explained:
    """The sourcer's plan for the cart shipped to the destination (or the address's place), or
    collected at `pickup_node`, and why: UnknownSku, UnknownNode, ValidationError name the
    field."""
    network, _ = cache.get(source)
    store = pickup_index(network, pickup_node)
    if store >= 0:
        lat, lon = network.nodes[store].lat, network.nodes[store].lon
    else:
        lat, lon = destination_of(destination, address)
    snap = snapshot_cart(source, cache, lines, lat, lon)
    return explain_snapshot(snap, cache.policy, store)


def pickup_index(network: Network, pickup_node: str | None) -> int:
    """The pickup store's node index (-1: none); refused unless it exists and takes pickups."""
    if pickup_node is None:
        return -1
    if pickup_node not in network.index:
        raise UnknownNode(pickup_node)
    if not network.node(pickup_node).can_pickup:
        raise ValidationError([f'pickup_node: "{pickup_node}" does not take pickups'])
    return network.index[pickup_node]


def explain_snapshot(
    snap: CartSnapshot, policy: str, store: int, decision: OrderDecision | None = None
) -> Explained:
    """The snapshot's decision (the sourcer's, made here unless given) explained."""
    decision = decision or snap.decide(store)
    rows = list(
        zip(decision.line.tolist(), decision.node.tolist(), decision.qty.tolist(), strict=True)
    )
    why = explain_order(one_order(snap, store), rows)
    return Explained(why, policy, snap.unit_price is not None, datetime.now(UTC))


def one_order(snap: CartSnapshot, store: int) -> OneOrder:
    """The snapshot as the explanation reads it: the network's nodes, the cart's SKU rows, the
    stock and capacity left, and the penalty and prices the snapshot's sourcer runs with."""
    network, cart = snap.network, snap.cart
    return OneOrder(
        nodes=contract_nodes(network),
        enabled=np.array([n.enabled for n in network.nodes], dtype=np.bool_),
        settings=SOURCING,
        sku_ids=list(dict.fromkeys(cart.skus)),  # the snapshot's rows (snapshot_cart)
        stock=snap.stock,
        cap_left=snap.capacity,
        line_sku=cart.sku_index,
        line_qty=cart.qty,
        dest_lat=float(cart.lat),
        dest_lon=float(cart.lon),
        pickup_node=store,
        unit_price=snap.unit_price,
        unfilled_penalty=snap.sourcer.settings.unfilled_penalty,
    )
