"""Return policy: the window, who pays the original shipping, fees and disposition thresholds.

Rules chosen here (each a field of `ReturnPolicy`, so a retailer may change them):
- Return window: `window_days` (30) after the line was delivered, unless `window_days_by_channel`
  overrides it for the channel of purchase. The window closes at delivered_at + window.
- Seller faults (`SELLER_FAULTS`): defective, damaged in transit, wrong item, not as described.
  The customer is not at fault, so no restocking fee and (by default) the shipping is refunded.
- Original shipping (`refund_shipping`): refunded at most once per order, in full, by the return
  that qualifies first: "never"; "seller_fault" (default: a return whose reason is a seller
  fault); "seller_fault_or_full_return" (also the return that brings back the order's last unit).
- Restocking fee: `restocking_fee_bps` of the items refunded by a return, rounded down (in the
  customer's favour), never charged on a seller fault.
- Disposition: damaged units worth at least `refurbish_min_value_minor` are refurbished, cheaper
  ones liquidated. `shortage_weight` is the share of a unit's value gained by putting it back
  where the node is short of it (routing, disposition).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType


class Reason(StrEnum):
    CHANGED_MIND = "changed_mind"
    WRONG_SIZE = "wrong_size"
    DEFECTIVE = "defective"
    DAMAGED_IN_TRANSIT = "damaged_in_transit"
    WRONG_ITEM = "wrong_item"
    NOT_AS_DESCRIBED = "not_as_described"


SELLER_FAULTS = frozenset(
    {Reason.DEFECTIVE, Reason.DAMAGED_IN_TRANSIT, Reason.WRONG_ITEM, Reason.NOT_AS_DESCRIBED}
)


class Channel(StrEnum):
    """Where the order was bought."""

    WEB = "web"
    STORE = "store"


class Method(StrEnum):
    """How the goods come back: dropped off in a store, or sent by mail to a node."""

    IN_STORE = "in_store"
    MAIL = "mail"


class ShippingRefund(StrEnum):
    NEVER = "never"
    SELLER_FAULT = "seller_fault"
    SELLER_FAULT_OR_FULL_RETURN = "seller_fault_or_full_return"


def is_seller_fault(reason: Reason) -> bool:
    return reason in SELLER_FAULTS


def return_channel(method: Method) -> Channel:
    """The channel a return comes back through: a store for in-store drop-off, else the web."""
    return Channel.STORE if method is Method.IN_STORE else Channel.WEB


@dataclass(frozen=True)
class ReturnPolicy:
    window_days: int = 30
    window_days_by_channel: Mapping[Channel, int] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )
    refund_shipping: ShippingRefund = ShippingRefund.SELLER_FAULT
    restocking_fee_bps: int = 0
    refurbish_min_value_minor: int = 2000
    shortage_weight: float = 0.25
    minor_per_major: int = 100  # minor units in one unit of the cost function's currency

    def __post_init__(self) -> None:
        days = [self.window_days, *self.window_days_by_channel.values()]
        if any(d < 0 for d in days):
            raise ValueError("return windows must be >= 0 days")
        if not 0 <= self.restocking_fee_bps <= 10_000:
            raise ValueError("restocking_fee_bps must be within 0..10000")
        if self.minor_per_major < 1 or self.shortage_weight < 0:
            raise ValueError("minor_per_major must be >= 1 and shortage_weight >= 0")

    def window_for(self, channel: Channel) -> int:
        """Days after delivery during which a purchase made through `channel` may be returned."""
        return self.window_days_by_channel.get(channel, self.window_days)

    def refunds_shipping(self, reason: Reason, completes_order: bool) -> bool:
        """Does a return for `reason` (bringing back the order's last unit when
        `completes_order`) refund the original shipping, if it was not refunded already?"""
        if self.refund_shipping is ShippingRefund.NEVER:
            return False
        if is_seller_fault(reason):
            return True
        return (
            self.refund_shipping is ShippingRefund.SELLER_FAULT_OR_FULL_RETURN and completes_order
        )

    def charges_restocking_fee(self, reason: Reason) -> bool:
        return self.restocking_fee_bps > 0 and not is_seller_fault(reason)


# The policy the service applies (a retailer changes it here).
POLICY = ReturnPolicy()
