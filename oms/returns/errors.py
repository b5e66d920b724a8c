"""Errors of the returns context, each with a stable `code` (adapters map codes to statuses)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from oms.domain.errors import OmsError


@dataclass(frozen=True)
class Refusal:
    """One broken rule. `line_id` and `index` (position in the request's lines) are None when
    the rule is about the whole request (reason, method, store)."""

    rule: str
    message: str
    line_id: str | None = None
    index: int | None = None


class ReturnRefused(OmsError):
    """A return request that breaks one or more eligibility rules; carries every refusal."""

    code = "return_refused"

    def __init__(self, order_id: str, refusals: Sequence[Refusal]) -> None:
        self.order_id = order_id
        self.refusals = list(refusals)
        shown = [r.message for r in self.refusals[:20]]
        more = len(self.refusals) - len(shown)
        detail = "; ".join(shown) + (f"; ... and {more} more" if more > 0 else "")
        super().__init__(f'return of order "{order_id}" refused: {detail}')

    def extra(self) -> dict[str, Any]:
        return {"refusals": [asdict(r) for r in self.refusals]}


class NoReturnDestination(OmsError):
    """No node accepts returns, so a mail return has nowhere to go."""

    code = "no_return_destination"

    def __init__(self) -> None:
        super().__init__("no node accepts returns")
