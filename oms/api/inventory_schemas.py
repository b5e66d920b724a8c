"""Answers of the bulk stock routes (POST /v1/inventory/sync): the summary of a sync."""

from __future__ import annotations

from pydantic import BaseModel, Field

from oms.catalog.below_reserved import Moved
from oms.catalog.stock_sync import SyncResult
from oms.inventory.sync import RowError


class RowErrorOut(BaseModel):
    row: int = Field(description="the data row: 1 is the first after the CSV header (0: file)")
    field: str = Field(description="the column or key at fault: node, sku, on_hand, ...")
    detail: str

    @classmethod
    def of(cls, e: RowError) -> RowErrorOut:
        return cls(row=e.row, field=e.field, detail=e.detail)


class PlacedOut(BaseModel):
    node: str
    qty: int


class ResourcedOut(BaseModel):
    """A hold moved off a node whose new on_hand fell below what was reserved there."""

    kind: str = Field(description="reservation or order")
    id: str = Field(description="the reservation's or order's id")
    node: str = Field(description="the node the units left")
    sku: str
    units: int = Field(description="units taken off the node")
    placed: list[PlacedOut] = Field(description="where the engine held them instead")
    short: int = Field(description="units no node could hold (order: cancelled and refunded)")

    @classmethod
    def of(cls, m: Moved) -> ResourcedOut:
        placed = [PlacedOut(node=n, qty=q) for n, q in m.placed]
        return cls(
            kind=m.kind,
            id=m.id,
            node=m.node,
            sku=m.sku,
            units=m.units,
            placed=placed,
            short=m.short,
        )


class SyncOut(BaseModel):
    received: int = Field(description="data rows read")
    applied: int = Field(description="rows that changed a stock row (each has its event)")
    unchanged: int = Field(description="good rows that changed nothing (no event)")
    rejected: int = Field(description="rows left out for the errors listed (skip_rows)")
    errors: list[RowErrorOut]
    errors_left_off: int = Field(description="row errors beyond those listed")
    resourced: list[ResourcedOut] = Field(
        description="holds moved off nodes whose on_hand fell below what was reserved"
    )

    @classmethod
    def of(cls, r: SyncResult) -> SyncOut:
        shown = r.shown_errors
        return cls(
            received=r.received,
            applied=r.applied,
            unchanged=r.unchanged,
            rejected=r.rejected,
            errors=[RowErrorOut.of(e) for e in shown],
            errors_left_off=len(r.errors) - len(shown),
            resourced=[ResourcedOut.of(m) for m in r.moved],
        )
