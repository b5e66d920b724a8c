"""Operability: a request id on every response, one log line per request, Prometheus metrics.

`RequestLog` is a plain ASGI middleware wrapped around the whole application, outside the
framework's own error middleware, so it sees every response: the promise lane's (which answers
in front of FastAPI), a 413 from the body cap, and the 500 the app's error handler sends for an
unexpected exception. Per request it costs a header scan, two clock reads and a histogram
observation (~10 us), and one log record (~15 us more), against a promise's ~150 us.

Logs: the "oms.access" logger writes to stderr, one JSON object a line (``OMS_LOG_FORMAT=json``,
the default) or ``key=value`` text for a terminal (``OMS_LOG_FORMAT=text``). Metrics: GET /metrics
(Prometheus text format, no key; keep it on the internal network). With several workers they
add up across processes through prometheus_client's multiprocess mode: the parent calls
`prepare_multiprocess_metrics` before starting them.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import random
import re
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI
from fastapi.responses import Response
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, values
from prometheus_client.multiprocess import MultiProcessCollector
from pydantic_core import to_json
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from oms import metrics
from oms.api.routers.promise import PATH as PROMISE_PATH
from oms.api.state import AppState
from oms.config import get_settings

ACCESS_LOGGER = "oms.access"
FLUSH_EVERY_S = 0.2  # access lines are written in batches at least this often
BATCH_LINES = 256
REQUEST_ID_HEADER = b"x-request-id"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# The Prometheus text format that every prometheus_client version writes (generate_latest).
TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8"
# A client's id is kept when it is 1-128 visible ASCII characters (no space, no control).
_VALID_ID = re.compile(rb"[\x21-\x7e]{1,128}")
# Metric labels stay few: an unknown method is "OTHER", a path no route matched "unmatched".
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"

_request_id: ContextVar[str | None] = ContextVar("oms_request_id", default=None)
access_log = logging.getLogger(ACCESS_LOGGER)


def current_request_id() -> str | None:
    """The id of the request being served (None outside one): for other logs to carry."""
    return _request_id.get()


def install(app: FastAPI, state: AppState) -> None:
    """Add request logging, X-Request-ID and /metrics to the app. Again on the same app only
    sets the log format again."""
    del state  # nothing of the state is needed yet
    configure_access_log(get_settings().log_format)
    if getattr(app.state, "oms_observability", False):
        return
    if app.middleware_stack is not None:
        raise RuntimeError("install observability before the app serves its first request")
    app.state.oms_observability = True
    registry = metrics_registry()

    def metrics_endpoint() -> Response:
        return Response(generate_latest(registry), media_type=TEXT_FORMAT)

    app.add_api_route("/metrics", metrics_endpoint, methods=["GET"], include_in_schema=False)
    # Outermost: `add_middleware` would place it inside Starlette's ServerErrorMiddleware, so a
    # 500 would leave without its X-Request-ID and the log would not see the response.
    build = app.build_middleware_stack

    def build_wrapped() -> ASGIApp:
        return RequestLog(build(), routes=app.router.routes)

    app.build_middleware_stack = build_wrapped  # type: ignore[method-assign]


class RequestLog:
    """ASGI middleware: X-Request-ID in and out, an access log line and a latency sample."""

    def __init__(self, app: ASGIApp, routes: Sequence[BaseRoute] = ()) -> None:
        self.app = app
        # (route, method, status) -> its histogram child: `.labels()` per request costs more.
        self._latency: dict[tuple[str, str, int], Any] = {}
        self._routes = routes
        self._paths: dict[Any, str] = {}  # endpoint -> path, for routes that are not APIRoutes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        rid = _incoming_id(scope["headers"]) or _new_id()
        header = (REQUEST_ID_HEADER, rid)
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        request_id = rid.decode("ascii")
        token = _request_id.set(request_id)
        error: str | None = None
        try:
            await self.app(scope, receive, send_with_id)
        except BaseException as exc:
            error = type(exc).__name__
            raise
        finally:
            _request_id.reset(token)
            # No response at all: the app failed (500) or the client left first (499).
            status = status or (500 if error else 499)
            self._record(scope, request_id, status, time.perf_counter() - started, error)

    def _record(
        self, scope: Scope, request_id: str, status: int, seconds: float, error: str | None
    ) -> None:
        route = self._route_template(scope)
        method = scope["method"] if scope["method"] in _METHODS else "OTHER"
        key = (route, method, status)
        child = self._latency.get(key)
        if child is None:
            child = self._latency[key] = metrics.HTTP_REQUEST_SECONDS.labels(
                route, method, str(status)
            )
        child.observe(seconds)
        if not access_log.isEnabledFor(logging.INFO):
            return
        client = scope.get("client")
        fields: dict[str, Any] = {
            "request_id": request_id,
            "method": scope["method"],
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000.0, 3),
            "client": client[0] if client else None,
        }
        if error is not None:
            fields["error"] = error
        sink = _json_sink()
        if sink is not None:  # the usual set-up: the line without the logging module's cost
            sink.append_json_line(time.time(), fields)
            return
        # The record is made here rather than by `access_log.info`, which would also walk the
        # stack for the caller's file and line (a third of its cost, and always this line).
        record = AccessRecord(ACCESS_LOGGER, logging.INFO, __file__, 0, "request", None, None)
        record.fields = fields
        access_log.handle(record)

    def _route_template(self, scope: Scope) -> str:
        """The matched route's path template (``/v1/orders/{order_id}``), never the raw path."""
        route = scope.get("route")  # FastAPI's routes put themselves here
        if route is not None:
            path: str = getattr(route, "path", UNMATCHED)
            return path
        # The promise lane answers its path in front of the router (see routers/promise.py).
        if scope["path"] == PROMISE_PATH:
            return PROMISE_PATH
        # Starlette's own routes (/openapi.json, /docs) leave only their endpoint.
        endpoint = scope.get("endpoint")
        if endpoint is None:
            return UNMATCHED
        known = self._paths.get(endpoint)
        if known is None:  # the first request to it (or a route added since): look once
            self._paths = {r.endpoint: r.path for r in self._routes if isinstance(r, Route)}
            known = self._paths.setdefault(endpoint, UNMATCHED)
        return known


def _new_id() -> bytes:
    """32 hex digits. Not a secret, so no system call (os.urandom, uuid4 cost 2-7 us here);
    `random` is seeded anew in each process, forked or spawned."""
    return b"%032x" % random.getrandbits(128)


def _incoming_id(headers: Iterable[tuple[bytes, bytes]]) -> bytes | None:
    for name, value in headers:
        if name == REQUEST_ID_HEADER:
            return bytes(value) if _VALID_ID.fullmatch(value) else None
    return None


# --- logs -------------------------------------------------------------------------------------


class AccessRecord(logging.LogRecord):
    """A log record with named fields (a formatter adds them to the line)."""

    fields: dict[str, Any]


class JsonFormatter(logging.Formatter):
    """One JSON object a line: ts, level, logger, msg, the record's ``fields``, the request id."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "ts": _utc(record.created),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if fields:
            doc.update(fields)
        elif (rid := _request_id.get()) is not None:
            doc["request_id"] = rid
        if record.exc_info:
            doc["exc"] = self.formatException(record.exc_info)
        return to_json(doc, fallback=str).decode()  # a fifth of json.dumps's time


class TextFormatter(logging.Formatter):
    """``ts LEVEL logger msg key=value ...``, for a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{_utc(record.created)} {record.levelname} {record.name} {record.getMessage()}"
        fields = getattr(record, "fields", None)
        if fields:
            line += " " + " ".join(f"{k}={v}" for k, v in fields.items())
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class StderrHandler(logging.Handler):
    """Writes to the current ``sys.stderr`` (a test or a server may swap the stream) in
    batches: a write per line cost about as much as the rest of the line together. A line is
    out within FLUSH_EVERY_S, at once past BATCH_LINES, and at exit (logging flushes every
    handler then); a `kill -9` loses at most the last fraction of a second of access lines."""

    oms_access = True  # marks the handler `configure_access_log` installed

    def __init__(self) -> None:
        super().__init__()
        self._lines: list[str] = []
        self._flusher_pid = 0  # the process whose flusher thread runs (none after a fork)

    def emit(self, record: logging.LogRecord) -> None:  # called with the handler's lock held
        try:
            line = self.format(record)
        except Exception:
            self.handleError(record)
            return
        self._append(line)

    def _append(self, line: str) -> None:
        self._lines.append(line)
        if len(self._lines) >= BATCH_LINES:
            self._write()
        elif self._flusher_pid != os.getpid():
            self._flusher_pid = os.getpid()
            threading.Thread(target=self._flush_forever, name="oms-access-log", daemon=True).start()

    def append_json_line(self, created: float, fields: dict[str, Any]) -> None:
        """What `emit` writes for an access record with these fields, made without a record."""
        line = to_json({**_header(created), **fields}).decode()
        with self.lock or contextlib.nullcontext():
            self._append(line)

    def flush(self) -> None:
        with self.lock or contextlib.nullcontext():
            self._write()

    def _write(self) -> None:
        if self._lines:
            lines, self._lines = self._lines, []
            sys.stderr.write("\n".join(lines) + "\n")
            sys.stderr.flush()

    def _flush_forever(self) -> None:
        while True:
            time.sleep(FLUSH_EVERY_S)
            try:
                self.flush()
            except Exception:  # a closed stream at interpreter exit: nothing left to do
                return


def _json_sink() -> StderrHandler | None:
    """Our JSON handler when it is all the access logger does (no other handler, no filter):
    then a line can go to it directly, as the logging module would put it there."""
    handlers = access_log.handlers
    if len(handlers) != 1 or access_log.filters or access_log.disabled:
        return None
    handler = handlers[0]
    if not isinstance(handler, StderrHandler) or handler.filters or handler.level > logging.INFO:
        return None
    return handler if isinstance(handler.formatter, JsonFormatter) else None


def flush_access_log() -> None:
    """Write out the access lines not written yet (tests read them at once)."""
    for handler in access_log.handlers:
        handler.flush()


def configure_access_log(log_format: Literal["json", "text"]) -> logging.Logger:
    """One stderr handler on "oms.access" in the given format, however often it is called; the
    logger does not propagate (a root handler would print each line twice). Its level is INFO
    unless set already (set it to WARNING to silence the access log)."""
    handler = next((h for h in access_log.handlers if getattr(h, "oms_access", False)), None)
    if handler is None:
        handler = StderrHandler()
        access_log.addHandler(handler)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    if access_log.level == logging.NOTSET:
        access_log.setLevel(logging.INFO)
    access_log.propagate = False
    return access_log


_second: tuple[int, str] = (0, "")  # the last second formatted, and its text


def _utc(created: float) -> str:
    """ISO 8601 UTC with milliseconds; the date and time are formatted once a second."""
    global _second
    second = int(created)
    if _second[0] != second:
        _second = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
    return f"{_second[1]}.{int((created - second) * 1000):03d}Z"


def _header(created: float) -> dict[str, Any]:
    """The fields an access line starts with, as JsonFormatter writes them."""
    return {"ts": _utc(created), "level": "INFO", "logger": ACCESS_LOGGER, "msg": "request"}


# --- metrics across worker processes ----------------------------------------------------------


def metrics_registry() -> CollectorRegistry:
    """What /metrics exposes: this process's registry, or, when values live in per-process files
    (PROMETHEUS_MULTIPROC_DIR was set before prometheus_client was imported), their sum over
    every worker that wrote there."""
    if not getattr(values.ValueClass, "_multiprocess", False):
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


def prepare_multiprocess_metrics(workers: int) -> None:
    """Before starting ``workers`` > 1 server processes: make metrics add up across them.

    Uses the directory PROMETHEUS_MULTIPROC_DIR names, else a fresh temporary one (removed when
    this process exits), and exports the variable: the workers inherit it and keep their values
    in files there. An earlier run's files are deleted (their counts would be added to this
    run's); this process's own are kept. One worker keeps its own registry (nothing to do)
    unless the variable is set, and then its directory is cleaned the same way."""
    named = os.environ.get(MULTIPROC_ENV)
    if workers <= 1 and not named:
        return
    if named:
        directory = Path(named)
        directory.mkdir(parents=True, exist_ok=True)
        mine = f"_{os.getpid()}.db"
        for stale in directory.glob("*.db"):
            if not stale.name.endswith(mine):
                stale.unlink(missing_ok=True)
    else:
        directory = Path(tempfile.mkdtemp(prefix="oms-metrics-"))
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
    os.environ[MULTIPROC_ENV] = str(directory)
