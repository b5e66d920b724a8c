"""Operability over HTTP: request ids, one access log line per request, Prometheus metrics."""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from oms.api import observability
from oms.api.app import create_app
from oms.config import get_settings
from tests.e2e.test_promise_api import CART, network
from tests.live_server import LiveServer

HEX_ID = re.compile(r"[0-9a-f]{32}")
Client = TestClient | httpx.Client


def access_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    observability.flush_access_log()  # lines are written in batches
    lines = capsys.readouterr().err.splitlines()
    return [json.loads(x) for x in lines if x.startswith("{") and '"oms.access"' in x]


def sample(client: Client, name: str, **labels: str) -> float:
    """A sample's value in /metrics (0 when absent); /metrics must parse as the text format."""
    for family in text_string_to_metric_families(client.get("/metrics").text):
        for s in family.samples:
            if s.name == name and s.labels == labels:
                return float(s.value)
    return 0.0


def requests_counted(client: Client, route: str, method: str, status: int) -> float:
    labels = {"route": route, "method": method, "status": str(status)}
    return sample(client, "oms_http_request_duration_seconds_count", **labels)


def test_every_response_carries_the_request_id_it_was_given(api):
    calls = [
        ("GET", "/healthz", {}, None),  # a route
        ("POST", "/v1/promise", api.checkout, CART),  # the promise lane, in front of FastAPI
        ("GET", "/v1/promise", {}, None),  # the lane's 405
        ("GET", "/v1/orders/nope", {}, None),  # 401
        ("GET", "/no/such/page", {}, None),  # 404
    ]
    for i, (method, path, headers, body) in enumerate(calls):
        rid = f"checkout-{i}:trace/ABC"
        r = api.client.request(method, path, json=body, headers={**headers, "X-Request-ID": rid})
        assert r.headers["x-request-id"] == rid, (method, path, r.status_code)


def test_a_request_without_a_valid_id_gets_a_new_one(api):
    for bad in (None, b"", b"a" * 129, b"has space", b"caf\xe9", b"tab\there"):
        headers = {} if bad is None else {"X-Request-ID": bad}
        r = api.client.get("/healthz", headers=headers)
        assert HEX_ID.fullmatch(r.headers["x-request-id"]), bad
    ids = {api.client.get("/healthz").headers["x-request-id"] for _ in range(5)}
    assert len(ids) == 5
    assert (
        api.client.get("/healthz", headers={"X-Request-ID": "b" * 128}).headers["x-request-id"]
        == "b" * 128
    )


def test_an_oversized_body_and_an_unexpected_error_still_carry_the_request_id(api, capsys):
    r = api.client.post(
        "/v1/nodes", content=b"x" * 1_000_001, headers={**api.ops, "X-Request-ID": "big-1"}
    )
    assert r.status_code == 413 and r.headers["x-request-id"] == "big-1"

    app: FastAPI = api.client.app

    def boom() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/boom", boom)
    observability.flush_access_log()
    capsys.readouterr()
    r = TestClient(app, raise_server_exceptions=False).get(
        "/boom", headers={"X-Request-ID": "err-1"}
    )
    assert r.status_code == 500 and r.json()["error"] == "internal"
    assert r.headers["x-request-id"] == "err-1"
    (line,) = access_lines(capsys)
    assert line["request_id"] == "err-1" and line["status"] == 500
    assert line["route"] == "/boom" and line["error"] == "RuntimeError"


def test_each_request_is_one_json_log_line_naming_its_route_template(api, capsys):
    observability.flush_access_log()
    capsys.readouterr()
    api.client.get("/v1/orders/ORD-42", headers={**api.ops, "X-Request-ID": "r-1"})
    api.client.post("/v1/promise", json=CART, headers=api.checkout)
    api.client.get("/no/such/page-77")
    order, promise, unmatched = access_lines(capsys)
    assert order["logger"] == "oms.access" and order["level"] == "INFO"
    assert order["request_id"] == "r-1" and order["method"] == "GET"
    assert order["route"] == "/v1/orders/{order_id}" and order["status"] == 404
    assert isinstance(order["duration_ms"], float) and order["duration_ms"] >= 0
    assert order["client"] == "testclient"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", str(order["ts"]))
    assert promise["route"] == "/v1/promise" and promise["method"] == "POST"
    assert HEX_ID.fullmatch(str(promise["request_id"]))
    assert unmatched["route"] == "unmatched" and unmatched["status"] == 404
    assert "page-77" not in json.dumps(unmatched)


@pytest.fixture
def text_logs(monkeypatch):
    monkeypatch.setenv("OMS_LOG_FORMAT", "text")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()
    observability.configure_access_log(get_settings().log_format)


def test_the_text_log_format_is_one_key_value_line_per_request(api, text_logs, capsys):
    client = TestClient(create_app(api.state))  # installed again: now in text
    observability.flush_access_log()
    capsys.readouterr()
    client.get("/healthz", headers={"X-Request-ID": "t-1"})
    observability.flush_access_log()
    (line,) = capsys.readouterr().err.splitlines()
    assert re.fullmatch(
        r"\S+Z INFO oms\.access request request_id=t-1 method=GET route=/healthz status=200 "
        r"duration_ms=[0-9.]+ client=testclient",
        line,
    ), line


def test_installing_again_adds_no_second_handler_or_line(api, capsys):
    observability.install(api.client.app, api.state)
    create_app(api.state)
    access = logging.getLogger("oms.access")
    ours = [h for h in access.handlers if isinstance(h, observability.StderrHandler)]
    assert len(ours) == 1 and not access.propagate
    observability.flush_access_log()
    capsys.readouterr()
    api.client.get("/healthz")
    assert len(access_lines(capsys)) == 1


def test_metrics_need_no_key_and_are_not_in_the_openapi_document(api):
    r = api.client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    assert "oms_http_request_duration_seconds" in r.text
    assert 'oms_reservation_conflicts_total{reason="stock_race"}' in r.text
    assert 'oms_reservation_conflicts_total{reason="idempotency"}' in r.text
    assert "/metrics" not in api.client.get("/openapi.json").json()["paths"]


def test_requests_are_counted_by_route_template_method_and_status(api):
    before = requests_counted(api.client, "/v1/orders/{order_id}", "GET", 404)
    promised = requests_counted(api.client, "/v1/promise", "POST", 401)
    for i in range(3):
        api.client.get(f"/v1/orders/ORD-{i}", headers=api.ops)
    api.client.post("/v1/promise", json=CART)
    api.client.get("/no/such/page-991")
    assert requests_counted(api.client, "/v1/orders/{order_id}", "GET", 404) == before + 3
    assert requests_counted(api.client, "/v1/promise", "POST", 401) == promised + 1
    text = api.client.get("/metrics").text
    assert "ORD-1" not in text and "page-991" not in text


def test_promises_count_stock_cache_hits_and_misses(api):
    network(api)
    hits = sample(api.client, "oms_stock_cache_lookups_total", result="hit")
    misses = sample(api.client, "oms_stock_cache_lookups_total", result="miss")
    for _ in range(3):
        assert api.client.post("/v1/promise", json=CART, headers=api.checkout).status_code == 200
    new_hits = sample(api.client, "oms_stock_cache_lookups_total", result="hit") - hits
    new_misses = sample(api.client, "oms_stock_cache_lookups_total", result="miss") - misses
    assert new_hits >= 2 and new_misses >= 1 and new_hits + new_misses == 3


def test_a_reservation_counts_and_times_its_sourcing_decision(api):
    network(api)

    def decisions() -> tuple[float, float, float]:
        return (
            sample(api.client, "oms_sourcing_decisions_total", outcome="complete"),
            sample(api.client, "oms_sourcing_decisions_total", outcome="short"),
            sample(api.client, "oms_sourcing_decision_duration_seconds_count"),
        )

    complete, short, timed = decisions()
    r = api.client.post("/v1/reservations", json=CART, headers=api.checkout)
    assert r.status_code == 201, r.text
    now_complete, now_short, now_timed = decisions()
    assert now_complete >= complete + 1
    assert now_timed - timed == (now_complete - complete) + (now_short - short)


def test_multiprocess_metrics_directory_is_made_cleaned_and_exported(tmp_path, monkeypatch):
    env = observability.MULTIPROC_ENV
    monkeypatch.setenv(env, "set")
    monkeypatch.delenv(env)  # undone at the end: the variable is absent again
    observability.prepare_multiprocess_metrics(1)
    assert env not in os.environ  # one worker: its own registry
    observability.prepare_multiprocess_metrics(2)
    made = Path(os.environ[env])
    assert made.is_dir() and not any(made.iterdir())

    named = tmp_path / "metrics"
    named.mkdir()
    (named / "counter_999999.db").write_bytes(b"stale")
    (named / f"histogram_{os.getpid()}.db").write_bytes(b"mine")
    monkeypatch.setenv(env, str(named))
    observability.prepare_multiprocess_metrics(2)
    assert os.environ[env] == str(named)
    assert [p.name for p in named.iterdir()] == [f"histogram_{os.getpid()}.db"]


@pytest.mark.slow
def test_metrics_add_up_across_worker_processes(tmp_path):
    metrics_dir = tmp_path / "metrics"
    url = f"sqlite:///{tmp_path / 'oms.db'}"
    with LiveServer(
        url, tmp_path, "--workers", "2", PROMETHEUS_MULTIPROC_DIR=str(metrics_dir)
    ) as s:
        for _ in range(20):  # a connection each: the kernel spreads them over the workers
            assert httpx.get(s.base + "/healthz", timeout=10).status_code == 200
        with httpx.Client(base_url=s.base, timeout=10) as client:
            assert requests_counted(client, "/healthz", "GET", 200) == 20
        pids = {p.stem.rsplit("_", 1)[1] for p in metrics_dir.glob("*.db")}
        assert len(pids) >= 2


def test_the_direct_access_line_is_the_line_the_logging_module_writes(api):
    """The usual set-up writes access lines without a log record: the same line either way."""
    handler = observability.StderrHandler()
    handler.setFormatter(observability.JsonFormatter())
    fields = {"request_id": "r-1", "method": "GET", "route": "/healthz", "status": 200}
    record = observability.AccessRecord("oms.access", logging.INFO, "", 0, "request", None, None)
    record.fields = fields
    handler.append_json_line(record.created, fields)
    handler.emit(record)
    direct, logged = (json.loads(line) for line in handler._lines)
    assert direct == logged
