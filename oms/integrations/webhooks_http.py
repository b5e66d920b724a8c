"""One attempt over HTTP: a signed ``POST`` of the delivery's body (httpx).

Success is a 2xx status within the timeout (``OMS_WEBHOOK_TIMEOUT_S``, 10 s by default; it
bounds the connection, each write and each read, and the body of the answer is not read).
Redirects are not followed (a 3xx is a failure), and proxies from the environment are not used
(the address check must see where the request really goes). The URL is checked again before
every attempt (``webhooks_urls``), so a host whose DNS answer turned private is refused then.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

import httpx

from oms.domain.events import utcnow
from oms.integrations.webhooks_model import Claim, SendResult
from oms.integrations.webhooks_signing import signed_headers
from oms.integrations.webhooks_urls import Resolver, address_problem, resolve, url_problems


class HttpSender:
    def __init__(
        self,
        timeout_s: float = 10.0,
        *,
        allow_private: bool = False,
        resolver: Resolver = resolve,
        wall_clock: Callable[[], datetime] = utcnow,
        connections: int = 16,
    ) -> None:
        self.timeout_s = timeout_s
        self.allow_private = allow_private
        self.resolver = resolver
        # The signature's timestamp is the real time of sending, whatever clock schedules:
        # receivers refuse timestamps more than 5 minutes off theirs.
        self.wall_clock = wall_clock
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        self.client = httpx.Client(
            timeout=timeout_s, follow_redirects=False, trust_env=False, limits=limits
        )

    def send(self, claim: Claim) -> SendResult:
        refused = url_problems(claim.url) or [
            p for p in [address_problem(claim.url, self.allow_private, self.resolver)] if p
        ]
        if refused:
            return SendResult(None, 0, f"not sent: {refused[0]}")
        headers = signed_headers(claim.secret, claim.event_id, claim.payload, self.wall_clock())
        began = time.perf_counter()
        try:
            with self.client.stream(
                "POST", claim.url, content=claim.payload.encode("utf-8"), headers=headers
            ) as answer:
                status = answer.status_code
        except httpx.TimeoutException:
            return SendResult(None, _ms(began), f"timed out after {self.timeout_s:g} s")
        except (httpx.HTTPError, OSError, ValueError) as exc:
            return SendResult(None, _ms(began), f"{type(exc).__name__}: {exc}")
        return SendResult(status, _ms(began), None if 200 <= status < 300 else f"HTTP {status}")

    def close(self) -> None:
        self.client.close()


def _ms(began: float) -> int:
    return round((time.perf_counter() - began) * 1000)
