"""Signing secrets and Standard Webhooks signatures (the ``standardwebhooks`` package).

A receiver checks a delivery with the same package::

    from standardwebhooks import Webhook
    event = Webhook("whsec_...").verify(request_body_bytes, request_headers)

``webhook-id`` is the event id (the same on every retry, so a receiver can drop duplicates),
``webhook-timestamp`` the Unix time of the attempt (receivers refuse one more than 5 minutes
off), ``webhook-signature`` ``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``.
"""

from __future__ import annotations

import base64
import math
import secrets
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
USER_AGENT = "oms-webhooks/1"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def signed_headers(secret: str, event_id: str, payload: str, at: datetime) -> dict[str, str]:
    """The headers of one attempt: ``at`` is the real time of sending (not a test's clock)."""
    at = at.astimezone(UTC)
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": event_id,
        "webhook-timestamp": str(math.floor(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(event_id, at, payload.encode("utf-8")),
    }
