"""One place maps domain error codes to HTTP statuses; every error body is
`{"error": code, "detail": message, ...}`. Routes never raise HTTPException themselves."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from oms.domain.errors import OmsError

log = logging.getLogger("oms.api")

STATUS_BY_CODE: dict[str, int] = {
    "invalid_input": 422,
    "invalid_problem": 422,
    "not_found": 404,
    "unauthorized": 401,
    "forbidden": 403,
    "insufficient_stock": 409,
    "illegal_transition": 409,
    "conflict": 409,
    "reoptimisation_running": 409,  # POST /v1/sourcing/reoptimise: another run holds the lease
    "idempotency_conflict": 409,
    "idempotency_key_reused": 409,
    "request_in_progress": 409,
    "rate_limited": 429,
    "payload_too_large": 413,
    "slot_full": 409,
    "return_refused": 422,
    "no_return_destination": 409,
    "unknown_node": 404,
    "unknown_sku": 404,
    "stock_below_reserved": 409,
    "not_reserved": 409,
    "invalid_quantity": 422,
    "not_available": 503,
    "not_ready": 503,
    "pickup_code_mismatch": 422,  # POST /v1/orders/{id}/collect: not the order's code
    "customer_name_mismatch": 422,  # POST /v1/stores/{node}/orders/{id}/handover
}


def error_body(code: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"error": code, "detail": detail, **extra}


def oms_error(exc: OmsError) -> tuple[int, dict[str, Any]]:
    """The status and body of a domain error."""
    status = STATUS_BY_CODE.get(exc.code, 400)
    return status, error_body(exc.code, exc.detail, **exc.extra())


def invalid_input(
    errors: Sequence[Mapping[str, Any]], prefix: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The 422 body of validation errors, each naming its field (``body.lines.0.qty: ...``)."""
    problems = [
        f"{'.'.join(str(p) for p in (*prefix, *err['loc']))}: "
        + str(err["msg"]).removeprefix("Value error, ")
        for err in errors
    ]
    return error_body("invalid_input", "; ".join(problems), fields=problems)


async def _oms_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OmsError)
    status, body = oms_error(exc)
    # An error may name response headers (e.g. Retry-After on a 429).
    headers: dict[str, str] | None = getattr(exc, "headers", None)
    return JSONResponse(body, status_code=status, headers=headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(invalid_input(exc.errors()), status_code=422)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:  # FastAPI could not read the body (not UTF-8 JSON)
        problem = f"body: {exc.detail}"
        return JSONResponse(error_body("invalid_input", problem, fields=[problem]), 422)
    code = {
        404: "not_found",
        405: "method_not_allowed",
        401: "unauthorized",
        413: "payload_too_large",
    }.get(exc.status_code, "http_error")
    return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code)


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error", exc_info=exc)
    return JSONResponse(error_body("internal", "internal error; it has been logged"), 500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(OmsError, _oms_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
