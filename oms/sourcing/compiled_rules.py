"""The contract's scalar rules, compiled by numba: the very functions of `oms.domain.geo` and
`oms.sourcing.cost`, so that kernels and the cost function share one definition of each rule."""

from __future__ import annotations

from numba import njit

from oms.domain.geo import haversine_km as _haversine_km
from oms.sourcing import cost as _cost

haversine_km = njit(cache=True)(_haversine_km)
shipment_cost = njit(cache=True)(_cost.shipment_cost)
is_eligible = njit(cache=True)(_cost.is_eligible)
split_cost = njit(cache=True)(_cost.split_cost)
unfilled_cost = njit(cache=True)(_cost.unfilled_cost)
