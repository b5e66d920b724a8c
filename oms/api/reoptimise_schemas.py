"""POST /v1/sourcing/reoptimise: what to re-optimise, and what moved (ops)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from oms.api.fields import Flag, Ident, Latitude, Longitude
from oms.stores.reoptimise import Move, Report, Request
from oms.stores.reoptimise_collect import MAX_ORDERS_FILTER, Region, Scope

Seconds = Annotated[float, Field(strict=False, ge=0.1, le=300, allow_inf_nan=False)]
Km = Annotated[float, Field(gt=0, le=20_000, allow_inf_nan=False)]


class RegionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lat: Latitude
    lon: Longitude
    radius_km: Km = Field(description="orders whose destination lies within this distance")


class ReoptimiseIn(BaseModel):
    """Every filter given must hold (AND); none: every open order."""

    model_config = ConfigDict(extra="forbid")
    node: Ident | None = Field(
        default=None, description="only orders with units that may move at this node"
    )
    region: RegionIn | None = Field(
        default=None,
        description="only orders whose destination (a pickup's: its store) lies in this circle",
    )
    orders: list[Ident] | None = Field(
        default=None, max_length=MAX_ORDERS_FILTER, description="only these orders (ids)"
    )
    time_limit_s: Seconds = Field(
        default=10.0, description="the optimiser's time limit (the moves' writing comes after)"
    )
    dry_run: Flag = Field(default=False, description="answer what would move; change nothing")

    def request(self) -> Request:
        region = None
        if self.region is not None:
            region = Region(self.region.lat, self.region.lon, self.region.radius_km)
        orders = tuple(self.orders) if self.orders is not None else None
        return Request(Scope(self.node, region, orders), self.time_limit_s, self.dry_run)


class UnitsFromOut(BaseModel):
    line: str
    node: str
    qty: int


class UnitsToOut(BaseModel):
    line: str
    node: str
    qty: int
    shipment: str | None = Field(description="the shipment now carrying them (null: dry run)")
    promised_at: str | None = Field(description="that shipment's promise (null: dry run)")


class MoveOut(BaseModel):
    order: str
    from_: list[UnitsFromOut] = Field(alias="from", description="units that left a node")
    to: list[UnitsToOut] = Field(description="units that arrived at a node")
    saving: float = Field(description="the order's cost before less after")

    @classmethod
    def of(cls, move: Move) -> MoveOut:
        to = [
            UnitsToOut(
                line=a.line,
                node=a.node,
                qty=a.qty,
                shipment=a.shipment or None,
                promised_at=a.promised_at.isoformat() if a.promised_at else None,
            )
            for a in move.arrived
        ]
        left = [UnitsFromOut(line=ln, node=n, qty=q) for ln, n, q in move.left]
        fields = {"order": move.order, "from": left, "to": to, "saving": round(move.saving, 6)}
        return cls.model_validate(fields)


class SkippedOut(BaseModel):
    order: str
    reason: str = Field(
        description="`changed` (the order changed since it was read), `lost_race` (a checkout "
        "took the stock it was to move to, or another skipped move kept it: nothing changed, "
        "never oversold), `would_leave_units_unfilled`, `node_disabled` (the plan gave it units "
        "another order holds at a disabled node), `ineligible` (its current plan is no longer "
        "one the network allows, e.g. a node that stopped shipping: left as it is), or "
        "`failed` (the database refused the transaction, e.g. a deadlock it broke: rolled "
        "back, logged)"
    )


class ReoptimiseOut(BaseModel):
    status: str = Field(
        description="`optimal` (proven), `feasible` (stopped by the time limit: see `gap`), "
        "or `nothing_to_do` (no open order in scope has units that may move)"
    )
    dry_run: bool
    orders_considered: int
    units_considered: int
    cost_before: float = Field(description="the contract cost of the orders considered, before")
    cost_after: float = Field(description="... after the moves applied (dry run: planned)")
    saving: float = Field(description="cost_before - cost_after")
    bound: float | None = Field(
        description="a proven lower bound on the best objective (cost, plus prices if priced)"
    )
    gap: float | None = Field(description="(objective_after - bound) / objective_after")
    priced: bool = Field(
        description="the look-ahead policy's unit prices were added to the objective "
        "(OMS_SOURCING_POLICY=lookahead with prices): then objective != cost"
    )
    objective_before: float
    objective_after: float = Field(description="the objective of the optimiser's plan")
    shipments_before: int
    shipments_after: int
    splits_before: int = Field(description="orders in more than one live shipment, before")
    splits_after: int
    moves: list[MoveOut]
    skipped: list[SkippedOut]
    elapsed_s: float

    @classmethod
    def of(cls, r: Report) -> ReoptimiseOut:
        return cls(
            status=r.status,
            dry_run=r.dry_run,
            orders_considered=r.orders_considered,
            units_considered=r.units_considered,
            cost_before=round(r.cost_before, 6),
            cost_after=round(r.cost_after, 6),
            saving=round(r.saving, 6),
            bound=None if r.bound is None else round(r.bound, 6),
            gap=None if r.gap is None else round(r.gap, 6),
            priced=r.priced,
            objective_before=round(r.objective_before, 6),
            objective_after=round(r.objective_after, 6),
            shipments_before=r.shipments_before,
            shipments_after=r.shipments_after,
            splits_before=r.splits_before,
            splits_after=r.splits_after,
            moves=[MoveOut.of(m) for m in r.moves],
            skipped=[SkippedOut(order=o, reason=why) for o, why in r.skipped],
            elapsed_s=round(r.elapsed_s, 3),
        )
