"""The reason codes an associate rejects pick units with (HotWax's rejection model), each with
its stock effect at the store. The README's "Rejections" table documents the same registry."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from oms.domain.errors import ValidationError


class StockEffect(StrEnum):
    NONE = "none"  # the units are still there: only the order moves elsewhere
    ZERO = "zero"  # the SKU's stock at the store goes to zero (what other picks still hold stays)
    ON_HAND = "on_hand"  # on_hand less the rejected units: they are unsellable
    ATP = "atp"  # ATP less the rejected units (safety stock up by them) until a count


@dataclass(frozen=True)
class Reason:
    code: str
    effect: StockEffect
    meaning: str


REASONS: dict[str, Reason] = {
    r.code: r
    for r in (
        Reason("not_found", StockEffect.ZERO, "nothing on the shelf"),
        Reason("damaged", StockEffect.ON_HAND, "the units are damaged, unsellable"),
        Reason("mismatch", StockEffect.ATP, "the item does not match its record"),
        Reason("no_time", StockEffect.NONE, "the store cannot pick it in time"),
        Reason("store_closed", StockEffect.NONE, "the store is closed"),
    )
}


def reason_named(code: str) -> Reason:
    """The reason of this code; ValidationError naming the field otherwise."""
    found = REASONS.get(code)
    if found is None:
        known = ", ".join(REASONS)
        raise ValidationError([f'reason: unknown reason "{code}" (one of {known})'])
    return found
