"""Routing of a mail return: which node that accepts returns should the parcel go to?

For each candidate node (accepts_returns), in major currency units of the cost function:
    shipping(node) = shipment_cost(node.shipment_cost, node.cost_per_km, haversine_km(node,
                     customer), free=0)   -- the contract's one cost rule (oms/sourcing/cost.py)
    benefit(node)  = shortage_weight * sum over returned lines of
                     unit_value * min(qty, shortage(node, sku)),  unit_value in major units,
                     shortage = max(0, expected_demand - atp) at the node (0 when unknown)
    score(node)    = shipping(node) - benefit(node)
The benefit is capped: only the units that fill the node's shortage count, so a node is never
paid for taking more units than it is short of. The chosen node has the least score; ties go to
the smallest node id. The whole score table is returned to explain the choice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from oms.domain.geo import haversine_km
from oms.returns.errors import NoReturnDestination
from oms.returns.model import NO_NEED, ReturnNode, StockNeed
from oms.returns.policy import ReturnPolicy
from oms.sourcing.cost import shipment_cost

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class RoutedLine:
    sku: str
    qty: int
    unit_value_minor: int


@dataclass(frozen=True)
class RouteScore:
    node_id: str
    distance_km: float
    shipping: float
    benefit: float
    score: float


@dataclass(frozen=True)
class RouteChoice:
    node_id: str
    scores: tuple[RouteScore, ...]  # every candidate, best first


def distances_km(nodes: Sequence[ReturnNode], lat: float, lon: float) -> F64:
    """Great-circle distance from each node to one point."""
    n_lat = np.array([n.lat for n in nodes], dtype=np.float64)
    n_lon = np.array([n.lon for n in nodes], dtype=np.float64)
    return haversine_km(n_lat, n_lon, np.full(len(nodes), lat), np.full(len(nodes), lon))


def shipping_costs(nodes: Sequence[ReturnNode], dist_km: F64) -> F64:
    """The contract's shipment cost of one parcel between each node and a point."""
    base = np.array([n.shipment_cost for n in nodes], dtype=np.float64)
    per_km = np.array([n.cost_per_km for n in nodes], dtype=np.float64)
    return np.asarray(shipment_cost(base, per_km, dist_km, 0.0), dtype=np.float64)


def shortages(
    nodes: Sequence[ReturnNode], skus: Sequence[str], needs: Mapping[tuple[str, str], StockNeed]
) -> F64:
    """[sku, node] matrix of max(0, expected_demand - atp); 0 where the need is unknown."""
    return np.array(
        [[needs.get((n.node_id, sku), NO_NEED).shortage for n in nodes] for sku in skus],
        dtype=np.float64,
    ).reshape(len(skus), len(nodes))


def route_return(
    lines: Sequence[RoutedLine],
    lat: float,
    lon: float,
    nodes: Sequence[ReturnNode],
    needs: Mapping[tuple[str, str], StockNeed],
    policy: ReturnPolicy,
) -> RouteChoice:
    """The destination of a mail return sent from (lat, lon); `NoReturnDestination` if none."""
    candidates = sorted((n for n in nodes if n.accepts_returns), key=lambda n: n.node_id)
    if not candidates:
        raise NoReturnDestination()
    dist = distances_km(candidates, lat, lon)
    shipping = shipping_costs(candidates, dist)
    qty = np.array([line.qty for line in lines], dtype=np.float64)
    value = np.array([line.unit_value_minor for line in lines], dtype=np.float64)
    short = shortages(candidates, [line.sku for line in lines], needs)
    filled = np.minimum(qty[:, None], short)  # units that fill a shortage, per line and node
    value_major = value / policy.minor_per_major
    benefit = policy.shortage_weight * (value_major[:, None] * filled).sum(axis=0)
    score = shipping - benefit
    best = int(np.argmin(score))  # first minimum: candidates are sorted by id
    table = [
        RouteScore(n.node_id, float(d), float(s), float(b), float(t))
        for n, d, s, b, t in zip(candidates, dist, shipping, benefit, score, strict=True)
    ]
    table.sort(key=lambda r: (r.score, r.node_id))
    return RouteChoice(candidates[best].node_id, tuple(table))
