"""Stock counts at a store (HotWax's cycle counts): ops request a count of some SKUs, the
associate counts them, and a count whose variance is beyond the threshold waits for an ops
approval before it becomes the stock's on_hand. Pure rules; the service is
``oms.catalog.stock_counts`` (it re-sources what a lower on_hand no longer fits, as a sync does).

The threshold (``VarianceThreshold``): a line is beyond it when its absolute variance is more
than ``units`` units, or, when ``percent`` is set, more than ``percent`` % of the units expected
(with nothing expected, any unit found is beyond it then). Either test alone is enough.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from oms.domain.events import utcnow


class CountStatus(StrEnum):
    REQUESTED = "requested"
    SUBMITTED = "submitted"
    NEEDS_APPROVAL = "needs_approval"
    APPLIED = "applied"
    REJECTED = "rejected"


@dataclass(eq=False, kw_only=True)
class StockCount:
    id: str
    node_id: str
    status: CountStatus = CountStatus.REQUESTED
    requested_by: str
    created_at: datetime = field(default_factory=utcnow)
    submitted_at: datetime | None = None
    decided_by: str | None = None
    applied_at: datetime | None = None


@dataclass(eq=False, kw_only=True)
class StockCountLine:
    """One SKU to count: ``expected`` is the stock row's on_hand when the count was entered."""

    count_id: str
    sku_id: str
    expected: int | None = None
    counted: int | None = None
    variance: int | None = None


@dataclass(frozen=True)
class VarianceThreshold:
    units: int = 2
    percent: float | None = None

    def beyond(self, expected: int, counted: int) -> bool:
        variance = abs(counted - expected)
        if variance > self.units:
            return True
        if self.percent is None or variance == 0:
            return False
        return variance * 100 > self.percent * expected
