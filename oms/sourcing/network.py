"""The fulfilment network as the service knows it: node records, their calendars, and the arrays
the one-order sourcer reads. Built from the database (or any list of nodes), rebuilt on change."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from oms.domain.calendar import NodeCalendar
from oms.domain.geo import haversine_km
from oms.sourcing.arrays import NetworkArrays
from oms.sourcing.contract import I64, NO_LIMIT

Distance = Callable[[float, float, float, float], float]


@dataclass(frozen=True)
class NodeInfo:
    id: str
    kind: str
    lat: float
    lon: float
    can_ship: bool
    can_pickup: bool
    capacity_units: int | None
    handling_cost: float
    shipment_cost: float
    cost_per_km: float
    enabled: bool = True
    calendar: NodeCalendar = field(default_factory=NodeCalendar)


class Network:
    """Nodes in a fixed order (their index is the column of every stock array)."""

    def __init__(self, nodes: Sequence[NodeInfo], *, distance_km: Distance = haversine_km) -> None:
        """``distance_km``: the contract's great-circle distance; the service passes the same
        definition compiled (``oms.sourcing.online.haversine_km``, ten times faster on floats)."""
        self.nodes = tuple(nodes)
        self._distance_km = distance_km
        self.ids = tuple(n.id for n in self.nodes)
        self.index = {n.id: i for i, n in enumerate(self.nodes)}
        self._km: dict[tuple[int, int], float] = {}

        def col(name: str, dtype: type) -> np.ndarray:
            return np.array([getattr(n, name) for n in self.nodes], dtype=dtype)

        self.arrays = NetworkArrays.build(
            lat=col("lat", np.float64),
            lon=col("lon", np.float64),
            can_ship=col("can_ship", np.bool_),
            can_pickup=col("can_pickup", np.bool_),
            handling=col("handling_cost", np.float64),
            base=col("shipment_cost", np.float64),
            per_km=col("cost_per_km", np.float64),
            enabled=col("enabled", np.bool_),
        )
        self.capacity: I64 = np.array(
            [NO_LIMIT if n.capacity_units is None else n.capacity_units for n in self.nodes],
            dtype=np.int64,
        )

    def __len__(self) -> int:
        return len(self.nodes)

    def node(self, node_id: str) -> NodeInfo:
        return self.nodes[self.index[node_id]]

    def km_between(self, a: int, b: int) -> float:
        """Great-circle km between two nodes (kept: the same pairs recur in every promise)."""
        key = (a, b) if a <= b else (b, a)
        km = self._km.get(key)
        if km is None:
            x, y = self.nodes[a], self.nodes[b]
            km = self._km[key] = float(self._distance_km(x.lat, x.lon, y.lat, y.lon))
        return km

    def km_to_point(self, n: int, lat: float, lon: float) -> float:
        node = self.nodes[n]
        return float(self._distance_km(node.lat, node.lon, float(lat), float(lon)))
