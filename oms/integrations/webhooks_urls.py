"""Which URLs a webhook may be sent to.

Only ``http`` and ``https`` URLs with a host, no user name or password, at most
``MAX_URL_LENGTH`` characters. Unless the operator setting ``OMS_WEBHOOKS_ALLOW_PRIVATE=true``
says otherwise, the host must resolve only to public (globally routable) addresses: loopback
(127.0.0.0/8, ::1), private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16,
where cloud metadata services answer; fe80::/10), shared, reserved, multicast and unspecified
addresses are refused, so that a webhook cannot be aimed at the OMS's own network. The check is
made when an endpoint is registered or changed, and again before every attempt (a host whose
DNS answer changed to a private address since is refused then: the attempt fails with that
error).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2_000
RESOLVE_TIMEOUT_S = 3.0

Resolver = Callable[[str], Sequence[str]]  # host -> its addresses (OSError when it has none)

_resolving = ThreadPoolExecutor(max_workers=4, thread_name_prefix="oms-resolve")


def resolve(host: str) -> list[str]:
    """The host's addresses (getaddrinfo has no timeout of its own: bounded here)."""
    future = _resolving.submit(socket.getaddrinfo, host, None, 0, socket.SOCK_STREAM)
    try:
        infos = future.result(timeout=RESOLVE_TIMEOUT_S)
    except FutureTimeout as exc:
        raise OSError(f"no answer in {RESOLVE_TIMEOUT_S:g} s") from exc
    return sorted({str(info[4][0]) for info in infos})


def url_problems(url: str) -> list[str]:
    """What is wrong with a URL's form (no lookup)."""
    if len(url) > MAX_URL_LENGTH:
        return [f"url: at most {MAX_URL_LENGTH} characters"]
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in url):
        return ["url: no spaces or control characters"]
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port out of range
    except ValueError as exc:
        return [f"url: not a URL ({exc})"]
    if parts.scheme not in ("http", "https"):
        return ["url: must be an http or https URL"]
    if not parts.hostname:
        return ["url: has no host"]
    if parts.username is not None or parts.password is not None:
        return ["url: must not hold a user name or password"]
    return []


def address_problem(url: str, allow_private: bool, resolver: Resolver = resolve) -> str | None:
    """Why the URL's host may not be sent to (None: it may)."""
    host = urlsplit(url).hostname or ""
    if allow_private:
        return None
    try:
        addresses = [_literal(host)] if _is_literal(host) else list(resolver(host))
    except OSError as exc:
        return f'url: host "{host}" does not resolve ({exc})'
    if not addresses:
        return f'url: host "{host}" does not resolve'
    for address in addresses:
        if not is_public(address):
            return (
                f'url: host "{host}" is {address}, a loopback, private or link-local address '
                "(allowed only when the operator sets OMS_WEBHOOKS_ALLOW_PRIVATE=true)"
            )
    return None


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _literal(host: str) -> str:
    return str(ipaddress.ip_address(host))
