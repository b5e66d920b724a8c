"""Bodies of the catalog routes: nodes, SKUs and stock. A node's calendar fields are checked by
the rule that loads the network, so a node accepted here always loads."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from oms.api.fields import (
    Cost,
    Delta,
    Flag,
    Ident,
    Label,
    Latitude,
    Longitude,
    Minor,
    PositiveUnits,
    Units,
)
from oms.domain.errors import ValidationError
from oms.domain.limits import MAX_UNITS
from oms.promise.nodes import node_calendar

CLOCK = r"^([01]\d|2[0-3]):[0-5]\d$"
MAX_HOLIDAYS = 400


def holidays_in_range(days: list[date]) -> list[date]:
    for day in days:
        if not 2000 <= day.year <= 2100:
            raise ValueError(f"{day.isoformat()} is not within the years 2000-2100")
    return days


class NodeFields(BaseModel):
    """A node's fields but its id, all optional: the body of PATCH /v1/nodes/{id}."""

    model_config = ConfigDict(extra="forbid")
    kind: Ident | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    can_ship: Flag | None = None
    can_pickup: Flag | None = None
    capacity_units: Units | None = None
    handling_cost: Cost | None = None
    shipment_cost: Cost | None = None
    cost_per_km: Cost | None = None
    timezone: Ident | None = None
    cutoff_time: str | None = Field(default=None, pattern=CLOCK)
    processing_days: int | None = Field(default=None, strict=True, ge=0, le=30)
    open_days: str | None = Field(default=None, pattern=r"^[0-6]{1,7}$")
    holidays: list[date] | None = Field(default=None, max_length=MAX_HOLIDAYS)
    opens: str | None = Field(default=None, pattern=CLOCK)
    closes: str | None = Field(default=None, pattern=CLOCK)
    pick_lead_minutes: int | None = Field(default=None, strict=True, ge=0, le=24 * 60)
    store_protection: Units | None = Field(default=None, description="units kept for walk-ins")
    hold_days: int | None = Field(
        default=None, strict=True, ge=1, le=60, description="open days a pickup waits"
    )
    accepts_returns: Flag | None = None

    @field_validator("holidays")
    @classmethod
    def _years_in_range(cls, days: list[date] | None) -> list[date] | None:
        return None if days is None else holidays_in_range(days)

    @model_validator(mode="before")
    @classmethod
    def _only_capacity_may_be_null(cls, data: Any) -> Any:
        if isinstance(data, dict):
            nulls = [k for k, v in data.items() if v is None and k != "capacity_units"]
            if nulls:
                raise ValueError(", ".join(f"{k}: may not be null" for k in sorted(nulls)))
        return data

    def changes(self) -> dict[str, Any]:
        """Only the fields the body names (null capacity: no limit), as the table stores them."""
        return self.model_dump(mode="json", exclude_unset=True)


class NodeIn(BaseModel):
    """The sourcing contract's node fields, plus the service's own (with defaults). The
    calendar fields are checked by the same rule that loads the network (`node_calendar`), so
    a node accepted here always loads."""

    model_config = ConfigDict(extra="forbid")
    id: Ident
    kind: Ident
    lat: Latitude
    lon: Longitude
    can_ship: Flag
    can_pickup: Flag
    capacity_units: Units | None = None
    handling_cost: Cost
    shipment_cost: Cost
    cost_per_km: Cost
    timezone: Ident = "Europe/Paris"
    cutoff_time: str = Field(default="14:00", pattern=CLOCK)
    processing_days: int = Field(default=0, strict=True, ge=0, le=30)
    open_days: str = Field(default="012345", pattern=r"^[0-6]{1,7}$")
    holidays: list[date] = Field(default_factory=list, max_length=MAX_HOLIDAYS)
    opens: str = Field(default="09:00", pattern=CLOCK)
    closes: str = Field(default="20:00", pattern=CLOCK)
    pick_lead_minutes: int = Field(default=120, strict=True, ge=0, le=24 * 60)
    store_protection: Units = Field(default=0, description="units kept for walk-ins")
    hold_days: int = Field(
        default=7, strict=True, ge=1, le=60, description="open days a pickup waits"
    )
    accepts_returns: Flag = False

    @field_validator("holidays")
    @classmethod
    def _years_in_range(cls, days: list[date]) -> list[date]:
        return holidays_in_range(days)

    @model_validator(mode="after")
    def _calendar_loads(self) -> NodeIn:
        try:
            node_calendar(self.model_dump(mode="json"))
        except ValidationError as exc:
            raise ValueError("; ".join(exc.problems)) from None
        return self

    def record(self) -> dict[str, Any]:
        """The fields as the nodes table stores them (dates as ISO strings)."""
        return self.model_dump(mode="json")


class NodeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, extra="ignore")
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
    timezone: str
    cutoff_time: str
    processing_days: int
    open_days: str
    holidays: list[str]
    opens: str
    closes: str
    pick_lead_minutes: int
    store_protection: int
    hold_days: int
    accepts_returns: bool
    enabled: bool


class SkuIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Label
    price_minor: Minor
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    final_sale: Flag = False


class SkuOut(BaseModel):
    model_config = ConfigDict(from_attributes=True, extra="ignore")
    id: str
    name: str
    price_minor: int
    currency: str
    final_sale: bool


class StockIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    on_hand: Units | None = None
    safety_stock: Units | None = None
    bin_location: str | None = Field(
        default=None, min_length=1, max_length=32, pattern=r"^[^\x00-\x1F\x7F]*$"
    )


class QtyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    qty: PositiveUnits
    ref: Label | None = None


class AdjustmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    delta: Delta = Field(description=f"units to add (or remove, negative), |delta| <= {MAX_UNITS}")
    reason: Label


class StockRowOut(BaseModel):
    node: str
    on_hand: int
    reserved: int
    safety_stock: int
    available: int


class InventoryOut(BaseModel):
    sku: str
    nodes: list[StockRowOut]
    available: int
