"""The network packed the way the kernels read it: one float and one bool array, their rows
named here (the kernels import the layout from this module). numpy only: the service's network
builds these without compiling anything."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from oms.sourcing.contract import F64, B, Nodes

# Rows of the packed node arrays (one float and one bool array: fewer arguments to dispatch).
LAT, LON, HANDLING, BASE, PER_KM, UX, UY, UZ = range(8)
N_FLOAT_ROWS = 8
CAN_SHIP, ENABLED, CAN_PICKUP = range(3)
N_FLAG_ROWS = 3


@dataclass(frozen=True)
class NetworkArrays:
    """Node attributes packed the way the kernels read them: one float and one bool array.

    floats rows (LAT ...): lat, lon, handling, base shipment cost, cost per km and the
    node's unit vector (x, y, z) for the chord bound; flags rows: can_ship, enabled, can_pickup."""

    floats: F64
    flags: B

    @staticmethod
    def build(
        *,
        lat: F64,
        lon: F64,
        can_ship: B,
        can_pickup: B,
        handling: F64,
        base: F64,
        per_km: F64,
        enabled: B | None = None,
    ) -> NetworkArrays:
        p, q = np.radians(_f64(lat)), np.radians(_f64(lon))
        rows = [lat, lon, handling, base, per_km, np.cos(p) * np.cos(q), np.cos(p) * np.sin(q)]
        floats = np.ascontiguousarray(np.vstack([*rows, np.sin(p)]), dtype=np.float64)
        on = np.ones(len(p), dtype=np.bool_) if enabled is None else enabled
        flags = np.ascontiguousarray(np.vstack([can_ship, on, can_pickup]), dtype=np.bool_)
        return NetworkArrays(floats.reshape(N_FLOAT_ROWS, -1), flags.reshape(3, -1))

    @staticmethod
    def from_nodes(nodes: Nodes, enabled: B | None = None) -> NetworkArrays:
        return NetworkArrays.build(
            lat=nodes.lat,
            lon=nodes.lon,
            can_ship=nodes.can_ship,
            can_pickup=nodes.can_pickup,
            handling=nodes.handling_cost,
            base=nodes.shipment_cost,
            per_km=nodes.cost_per_km,
            enabled=enabled,
        )

    def __len__(self) -> int:
        return int(self.floats.shape[1])

    @property
    def can_pickup(self) -> B:
        row: B = self.flags[CAN_PICKUP]
        return row


def _f64(a: np.ndarray) -> F64:
    return np.ascontiguousarray(a, dtype=np.float64)
