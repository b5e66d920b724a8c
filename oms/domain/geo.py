"""Geography: great-circle distance on the contract's spherical Earth.

`haversine_km` uses numpy ufuncs only, so the one definition serves three callers: plain Python on
floats, numpy on whole arrays (the cost function) and the numba kernels, which compile it as is.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_KM = 6371.0

T = TypeVar("T", float, npt.NDArray[np.float64])


def haversine_km(lat1: T, lon1: T, lat2: T, lon2: T) -> T:
    """Great-circle distance in km between points given in degrees (floats or arrays)."""
    p1 = np.radians(lat1)
    p2 = np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(lon2 - lon1)
    a = np.sin(dphi * 0.5) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb * 0.5) ** 2
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(a)))  # type: ignore[no-any-return]
