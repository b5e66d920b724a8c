"""Field types of request bodies and paths: strict numbers within what the columns hold, names
within their column and free of control characters. Every schema uses these, so a bound is
stated once (oms/domain/limits.py) and refused the same way on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from pydantic import Field, StringConstraints

from oms.domain.limits import (
    ID_LENGTH,
    MAX_COST,
    MAX_LINE_QTY,
    MAX_MINOR,
    MAX_UNITS,
    NO_CONTROL_CHARS,
    TEXT_LENGTH,
)

Ident = Annotated[
    str, StringConstraints(min_length=1, max_length=ID_LENGTH, pattern=NO_CONTROL_CHARS)
]
Label = Annotated[
    str, StringConstraints(min_length=1, max_length=TEXT_LENGTH, pattern=NO_CONTROL_CHARS)
]
# Strict: "1", 1.0 and true are not quantities.
LineQty = Annotated[int, Field(strict=True, gt=0, le=MAX_LINE_QTY)]
Units = Annotated[int, Field(strict=True, ge=0, le=MAX_UNITS)]
PositiveUnits = Annotated[int, Field(strict=True, gt=0, le=MAX_UNITS)]
Delta = Annotated[int, Field(strict=True, ge=-MAX_UNITS, le=MAX_UNITS)]
Minor = Annotated[int, Field(strict=True, ge=0, le=MAX_MINOR)]
Flag = Annotated[bool, Field(strict=True)]
Cost = Annotated[float, Field(strict=True, ge=0, le=MAX_COST, allow_inf_nan=False)]
Latitude = Annotated[float, Field(strict=True, ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(strict=True, ge=-180, le=180, allow_inf_nan=False)]


def _path(what: str) -> object:
    return Path(
        min_length=1, max_length=ID_LENGTH, pattern=NO_CONTROL_CHARS, description=f"{what} id"
    )


NodeId = Annotated[str, _path("node")]
SkuId = Annotated[str, _path("SKU")]
OrderId = Annotated[str, _path("order")]
ReservationId = Annotated[str, _path("reservation")]
ReturnId = Annotated[str, _path("return")]
PickId = Annotated[str, _path("pick")]
ShipmentId = Annotated[str, _path("shipment")]
KeyId = Annotated[str, _path("API key")]
