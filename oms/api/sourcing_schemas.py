"""The sourcing policy's state for operators (GET /v1/sourcing/policy)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from oms.promise.lookahead_prices import PriceBoard
from oms.promise.service import NetworkCache


class TopPriceOut(BaseModel):
    sku: str
    node: str
    price: float = Field(description="added to the cost of each unit of the SKU taken there")


class SourcingPolicyOut(BaseModel):
    policy: str = Field(description="`online` or `lookahead` (OMS_SOURCING_POLICY)")
    computed_at: str | None = Field(
        description="when the prices in use were computed (UTC); null before the first refresh"
    )
    elapsed_s: float = Field(description="how long that refresh took (history, stock, LP)")
    optimal: bool = Field(description="the LP was solved to optimality (else: its last duals)")
    history_orders: int = Field(description="past orders the forecast was made of")
    forecast_units: float = Field(description="units expected from computed_at to the day's end")
    priced_skus: int = Field(description="SKUs the prices cover (the forecast's)")
    priced_pairs: int = Field(description="(SKU, node) pairs whose price is above 0")
    top_prices: list[TopPriceOut] = Field(description="the highest prices, highest first")
    last_error: str | None = Field(
        description="why the last refresh failed, when it did (the prices before it stay)"
    )
    failed_at: str | None

    @classmethod
    def of(cls, cache: NetworkCache) -> SourcingPolicyOut:
        board: PriceBoard = cache.board
        p = board.current
        return cls(
            policy=cache.policy,
            computed_at=p.computed_at.isoformat() if p.computed_at else None,
            elapsed_s=round(p.elapsed_s, 3),
            optimal=p.optimal,
            history_orders=p.history_orders,
            forecast_units=round(p.forecast_units, 3),
            priced_skus=len(p.sku_ids),
            priced_pairs=p.priced_pairs,
            top_prices=[TopPriceOut(sku=t.sku, node=t.node, price=t.price) for t in p.top()],
            last_error=board.last_error,
            failed_at=board.failed_at.isoformat() if board.failed_at else None,
        )
