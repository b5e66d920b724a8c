"""The pickup code: six digits drawn when an order becomes ready for pickup, sent to the
customer (ready and reminder messages) and checked by the store at handover."""

from __future__ import annotations

import hmac
import secrets

from oms.domain.errors import OmsError

DIGITS = 6


class PickupCodeMismatch(OmsError):
    """The code given at handover is not the order's: nothing is collected."""

    code = "pickup_code_mismatch"


def new_pickup_code() -> str:
    return f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"


def check_pickup_code(order_id: str, expected: str | None, given: str | None) -> None:
    """No code given: the store vouches for the customer (as before codes existed). A code
    given must be the order's (compared in constant time)."""
    if given is None:
        return
    typed = given.strip()
    if expected is None or not hmac.compare_digest(typed.encode(), expected.encode()):
        raise PickupCodeMismatch(f'pickup_code: not the code of order "{order_id}"')
