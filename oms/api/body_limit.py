"""A cap on every request body: 413 before the app reads past it (pure ASGI, so it costs a
header lookup per request). A declared Content-Length over the cap is refused at once; a
chunked body is counted as it arrives. A few paths (the bulk stock sync) have a larger cap of
their own."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic_core import to_json
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from oms.api.errors import error_body
from oms.api.routers.promise import PATH as PROMISE_PATH


class TooLarge(HTTPException):
    """Raised from `receive`: FastAPI passes HTTPExceptions through its body parsing, so the
    app's handler answers it like any other error (a plain exception would become a 400)."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"the request body exceeds {max_bytes} bytes")


class BodyLimit:
    def __init__(
        self, app: ASGIApp, max_bytes: int, larger: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = dict(larger or {})  # path -> its own cap

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The promise lane reads its body under a smaller cap of its own: no second count on
        # checkout's hottest path.
        if scope["type"] != "http" or scope["path"] == PROMISE_PATH:
            await self.app(scope, receive, send)
            return
        cap = self.larger.get(scope["path"], self.max_bytes) if self.larger else self.max_bytes
        declared = _content_length(scope)
        if declared is not None and declared > cap:
            await self._refuse(send, cap)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
                    raise TooLarge(cap)
            return message

        try:
            await self.app(scope, counted, send)
        except TooLarge:
            # Only code that reads the body outside FastAPI's handling lets it through, and
            # such code answers after reading: nothing has been sent yet.
            await self._refuse(send, cap)

    async def _refuse(self, send: Send, cap: int) -> None:
        body = to_json(error_body("payload_too_large", f"the request body exceeds {cap} bytes"))
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
