"""POST /v1/promise: delivery options for a cart. Reads stock, reserves nothing.

Checkout asks it for every cart it shows, so it is served in front of the framework: a plain ASGI
middleware answers this one path and hands every other request to FastAPI. Through FastAPI's
routing, dependency solving and middleware it cost twice its own work (in process: ~300 us a
request against ~150 us here; the trivial FastAPI POST that is the benchmark's ceiling costs
~110 us). It keeps everything a route has: the body is validated by the same model (`PromiseIn`,
422s name the field as FastAPI's do), the key and role are checked as `PrincipalDep` does,
errors are the app's `{"error", "detail"}` bodies, and an unexpected exception still reaches the
app's 500 handler. /docs lists it from the same models (`document`).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema
from pydantic_core import to_json
from starlette.types import ASGIApp, Receive, Scope, Send

from oms.access.model import ApiRole
from oms.api.deps import API_KEY_HEADER
from oms.api.errors import error_body, invalid_input, oms_error
from oms.api.responses import WHY
from oms.api.schemas import ErrorOut, PromiseIn, PromiseOut
from oms.api.state import AppState
from oms.domain.errors import OmsError
from oms.promise.options import Option, PromiseResult
from oms.promise.places import destination_of
from oms.promise.service import promise_for

PATH = "/v1/promise"
MAX_BODY_BYTES = 64 * 1024  # 100 lines of the longest SKUs fit many times over
_KEY_HEADER = API_KEY_HEADER.model.name.lower().encode("latin-1")


class PromiseLane:
    """ASGI middleware: answers POST /v1/promise, passes everything else on."""

    def __init__(self, app: ASGIApp, state: AppState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH:
            await self.app(scope, receive, send)
            return
        if scope["method"] != "POST":
            body = error_body("method_not_allowed", "POST only")
            await _respond(send, 405, to_json(body), [(b"allow", b"POST")])
            return
        raw = await _read_body(receive)
        if raw is None:
            detail = f"the request body exceeds {MAX_BODY_BYTES} bytes"
            body = error_body("payload_too_large", detail)
            await _respond(send, 413, to_json(body))
            return
        status, payload, headers = answer(self.state, _api_key(scope), raw, _client_host(scope))
        await _respond(send, status, payload, headers)


def answer(
    state: AppState, api_key: str | None, raw: bytes, client: str | None = None
) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
    """The status, JSON body and extra headers (Retry-After on a 429) of a promise request."""
    try:
        state.authenticate(api_key, client).require(ApiRole.CHECKOUT)
        cart = PromiseIn.model_validate_json(raw)
        lines = [(line.sku, line.qty) for line in cart.lines]
        given = cart.destination
        lat, lon = destination_of(
            (given.lat, given.lon) if given else None,
            cart.address.postal() if cart.address else None,
        )
        with state.read_uow() as reads:
            result = promise_for(reads, state.networks, lines, lat, lon)
    except OmsError as exc:
        status, body = oms_error(exc)
        return status, to_json(body), _headers(exc)
    except ValidationError as exc:
        return 422, to_json(invalid_input(exc.errors(include_url=False), ("body",))), []
    return 200, promise_json(result, [sku for sku, _ in lines]), []


def promise_json(result: PromiseResult, line_skus: list[str]) -> bytes:
    """The answer as `PromiseOut` reads it."""
    doc = {
        "options": [_option(o, line_skus) for o in result.options],
        "shortfalls": [{"sku": s, "requested": r, "available": a} for s, r, a in result.shortfalls],
    }
    return to_json(doc)


def _option(o: Option, line_skus: list[str]) -> dict[str, Any]:
    return {
        "id": o.id,
        "method": o.method,
        "service": o.service,
        "cost": o.cost,
        "delivery_date": o.delivery_date.isoformat() if o.delivery_date else None,
        "ready_at": o.ready_at.isoformat() if o.ready_at else None,
        "node": o.node,
        "allocations": [{"sku": line_skus[j], "node": n, "qty": q} for j, n, q in o.allocations],
    }


def _api_key(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == _KEY_HEADER:
            return bytes(value).decode("latin-1")
    return None


def _headers(exc: OmsError) -> list[tuple[bytes, bytes]]:
    """The response headers an error names (Retry-After on a 429), as ASGI wants them."""
    named: dict[str, str] = getattr(exc, "headers", None) or {}
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in named.items()]


def _client_host(scope: Scope) -> str | None:
    """The client's address from the ASGI scope (never X-Forwarded-For)."""
    client = scope.get("client")
    return str(client[0]) if client else None


async def _read_body(receive: Receive) -> bytes | None:
    """The whole body, or None when it is too large (or the client went away)."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _respond(
    send: Send, status: int, payload: bytes, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    start = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(payload))]
    await send(
        {"type": "http.response.start", "status": status, "headers": start + (headers or [])}
    )
    await send({"type": "http.response.body", "body": payload})


def document(app: FastAPI) -> None:
    """Add POST /v1/promise to the app's OpenAPI document (FastAPI documents only its routes)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = FastAPI.openapi(app)
        models: list[tuple[type[BaseModel], Any]] = [
            (PromiseIn, "validation"),
            (PromiseOut, "serialization"),
            (ErrorOut, "serialization"),
        ]
        _, defs = models_json_schema(models, ref_template="#/components/schemas/{model}")
        components: dict[str, Any] = schema.setdefault("components", {})
        components.setdefault("schemas", {}).update(defs["$defs"])
        schema["paths"][PATH] = {"post": _operation()}
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _operation() -> dict[str, Any]:
    def ref(model: type[BaseModel]) -> dict[str, Any]:
        return {"application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}

    errors = {str(status): WHY[status] for status in (401, 403, 404, 413, 422, 429)}
    return {
        "tags": ["promise"],
        "summary": "Promise",
        "description": "Delivery options for a cart: standard delivery, express where it "
        "arrives sooner, and click-and-collect at the nearest stores, each with its id (what "
        "a reservation or order names as option_id), cost, date and allocations. Reads "
        "stock; reserves nothing.",
        "operationId": "promise_v1_promise_post",
        "security": [{API_KEY_HEADER.scheme_name: []}],
        "requestBody": {"required": True, "content": ref(PromiseIn)},
        "responses": {
            "200": {"description": "the options", "content": ref(PromiseOut)},
            **{code: {"description": d, "content": ref(ErrorOut)} for code, d in errors.items()},
        },
    }
