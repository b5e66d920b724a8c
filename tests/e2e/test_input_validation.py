"""Every input is validated at the door: a refusal is a 422 `invalid_input` naming the field
(a 413 for a body over the cap), and a refused request writes nothing. A node row that is bad in
the database is skipped as if disabled, and never stops the service for the other nodes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select, update

from oms.db import tables
from oms.domain.events import EventRecord
from oms.inventory.model import Node, Sku
from tests.e2e.test_catalog_api import NODE
from tests.e2e.test_promise_api import CART, network

# A warehouse next to the destination, cheaper than anything else: sourcing picks it first.
NEAR = {
    **NODE,
    "id": "DC-PARIS",
    "lat": 48.85,
    "lon": 2.35,
    "handling_cost": 0.01,
    "shipment_cost": 0.5,
    "cost_per_km": 0.001,
}
ORDER = {**CART, "method": "ship"}
HOLD = {**CART, "method": "ship", "ttl_seconds": 600}


# ---------------------------------------------------------------- helpers


def count(api, table: Any) -> int:
    with api.state.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def written(api) -> dict[str, int]:
    """How many rows of each kind a request could have written."""
    return {
        t.name: count(api, t)
        for t in (tables.events, tables.nodes, tables.skus, tables.reservations, tables.orders)
    }


def stock(api, sku: str = "MUG") -> dict[str, dict[str, int]]:
    r = api.client.get(f"/v1/inventory/{sku}", headers=api.ops)
    assert r.status_code == 200, r.text
    return {row["node"]: row for row in r.json()["nodes"]}


def refused(r: Any, field: str) -> dict[str, Any]:
    """A 422 invalid_input whose `fields` has an entry naming ``field``."""
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "invalid_input", body
    assert isinstance(body["detail"], str) and body["detail"]
    assert any(field in entry for entry in body["fields"]), body
    return dict(body)


def mismatch(case: str, r: Any, field: str) -> list[str]:
    """[] when ``r`` is a 422 invalid_input naming ``field``; else what it was instead."""
    body = r.json() if r.headers.get("content-type") == "application/json" else r.text
    ok = (
        r.status_code == 422
        and isinstance(body, dict)
        and body.get("error") == "invalid_input"
        and any(field in entry for entry in body.get("fields") or [])
    )
    if ok:
        return []
    return [f"{case}: expected a 422 invalid_input naming {field}, got {r.status_code} {body}"]


def node(api, node_id: str) -> dict[str, Any]:
    r = api.client.get(f"/v1/nodes/{node_id}", headers=api.ops)
    assert r.status_code == 200, r.text
    return dict(r.json())


def nodes_of(body: dict[str, Any]) -> set[str]:
    """Every node an answer (promise, reservation or order) allocates at."""
    found: set[str] = set()
    for option in body.get("options", []):
        found |= {a["node"] for a in option["allocations"]}
    found |= {ln["node"] for ln in body.get("lines", []) if "node" in ln}
    for ln in body.get("lines", []):
        found |= {a["node"] for a in ln.get("allocations", [])}
    found |= {s["node"] for s in body.get("shipments", [])}
    return found


def serves(api) -> set[str]:
    """A promise, a reservation, an order from it and a direct order all answer; the nodes
    they allocate at."""
    r = api.client.post("/v1/promise", json=CART, headers=api.checkout)
    assert r.status_code == 200, r.text
    assert r.json()["options"] and r.json()["shortfalls"] == [], r.text
    used = nodes_of(r.json())
    r = api.client.post("/v1/reservations", json=HOLD, headers=api.checkout)
    assert r.status_code == 201, r.text
    used |= nodes_of(r.json())
    r = api.client.post("/v1/orders", json={"reservation_id": r.json()["id"]}, headers=api.checkout)
    assert r.status_code == 201, r.text
    used |= nodes_of(r.json())
    r = api.client.post("/v1/orders", json=ORDER, headers=api.checkout)
    assert r.status_code == 201, r.text
    return used | nodes_of(r.json())


# ---------------------------------------------------------------- POST /v1/nodes

BAD_CALENDARS = [
    ("holiday-not-a-date", {"holidays": ["not-a-date"]}, "holidays"),
    ("holiday-out-of-range", {"holidays": ["1999-12-25"]}, "holidays"),
    ("unknown-timezone", {"timezone": "Mars/Olympus"}, "timezone"),
    ("opens-after-closes", {"opens": "21:00", "closes": "08:00"}, "opens"),
    ("cutoff-not-a-clock", {"cutoff_time": "25:00"}, "cutoff_time"),
    ("cutoff-malformed", {"cutoff_time": "14h00"}, "cutoff_time"),
    ("cutoff-before-opening", {"cutoff_time": "07:00"}, "cutoff"),
    ("open-days-not-weekdays", {"open_days": "789"}, "open_days"),
]


def test_a_node_with_a_bad_calendar_is_refused_naming_the_field_and_nothing_is_written(api):
    network(api)
    before, listed = written(api), api.client.get("/v1/nodes", headers=api.ops).json()
    problems: list[str] = []
    for case, bad, field in BAD_CALENDARS:
        r = api.client.post("/v1/nodes", json={**NEAR, **bad}, headers=api.ops)
        problems += mismatch(case, r, field)
    assert not problems, "\n".join(problems)
    assert api.client.get("/v1/nodes/DC-PARIS", headers=api.ops).status_code == 404
    assert api.client.get("/v1/nodes", headers=api.ops).json() == listed
    assert written(api) == before
    assert serves(api) <= {"DC-LYON", "ST-PARIS"}


def test_a_node_whose_can_ship_is_the_string_yes_is_refused(api):
    r = api.client.post("/v1/nodes", json={**NODE, "can_ship": "yes"}, headers=api.ops)
    refused(r, "body.can_ship")
    assert api.client.get("/v1/nodes", headers=api.ops).json() == []


def test_a_node_id_longer_than_64_characters_or_with_a_control_character_is_refused(api):
    for bad in ("N" * 65, "DC\x00LYON", "DC\nLYON"):
        r = api.client.post("/v1/nodes", json={**NODE, "id": bad}, headers=api.ops)
        refused(r, "body.id")
    assert api.client.get("/v1/nodes", headers=api.ops).json() == []
    assert count(api, EventRecord) == 0


# ---------------------------------------------------------------- PATCH /v1/nodes/{id}


def test_patch_corrects_a_nodes_hours_and_holidays_and_get_returns_them(api):
    network(api)
    events = count(api, EventRecord)
    fix = {"opens": "08:00", "closes": "21:00", "holidays": ["2030-01-02", "2030-05-09"]}
    r = api.client.patch("/v1/nodes/DC-LYON", json=fix, headers=api.ops)
    assert r.status_code == 200, r.text
    assert {k: r.json()[k] for k in fix} == fix
    got = node(api, "DC-LYON")
    assert {k: got[k] for k in fix} == fix
    assert got["cutoff_time"] == "14:00" and got["capacity_units"] == 5000  # untouched
    assert count(api, EventRecord) == events + 1
    assert "DC-LYON" in serves(api)


def test_patch_capacity_units_to_null_lifts_the_nodes_limit(api):
    network(api, dc_stock=10, store_stock=0)
    r = api.client.patch("/v1/nodes/DC-LYON", json={"capacity_units": 1}, headers=api.ops)
    assert r.status_code == 200 and r.json()["capacity_units"] == 1
    r = api.client.post("/v1/reservations", json=HOLD, headers=api.checkout)
    assert r.status_code == 409 and r.json()["error"] == "insufficient_stock", r.text
    r = api.client.patch("/v1/nodes/DC-LYON", json={"capacity_units": None}, headers=api.ops)
    assert r.status_code == 200, r.text
    assert r.json()["capacity_units"] is None and node(api, "DC-LYON")["capacity_units"] is None
    r = api.client.post("/v1/reservations", json=HOLD, headers=api.checkout)
    assert r.status_code == 201, r.text
    assert r.json()["lines"] == [{"sku": "MUG", "node": "DC-LYON", "qty": 2}]


BAD_PATCHES = [
    *BAD_CALENDARS,
    ("opens-after-the-stored-cutoff", {"opens": "15:00"}, "cutoff"),
    ("closes-before-the-stored-cutoff", {"closes": "10:00"}, "cutoff"),
    ("negative-capacity", {"capacity_units": -1}, "capacity_units"),
    ("capacity-over-bound", {"capacity_units": 2**31}, "capacity_units"),
    ("capacity-as-string", {"capacity_units": "5"}, "capacity_units"),
    ("latitude-out-of-range", {"lat": 91.0}, "lat"),
    ("can-ship-yes", {"can_ship": "yes"}, "can_ship"),
    ("cost-over-bound", {"handling_cost": 1e300}, "handling_cost"),
    ("id-in-body", {"id": "DC-LYON-2"}, "id"),
    ("unknown-field", {"colour": "blue"}, "colour"),
    ("null-kind", {"kind": None}, "kind"),
    ("null-holidays", {"holidays": None}, "holidays"),
    ("null-timezone", {"timezone": None}, "timezone"),
    ("null-opens", {"opens": None}, "opens"),
]


def test_patch_refuses_a_bad_value_naming_the_field_and_leaves_the_node_unchanged(api):
    network(api)
    before, events = node(api, "DC-LYON"), count(api, EventRecord)
    problems: list[str] = []
    for case, bad, field in BAD_PATCHES:
        r = api.client.patch("/v1/nodes/DC-LYON", json=bad, headers=api.ops)
        problems += mismatch(case, r, field)
        if node(api, "DC-LYON") != before:
            problems.append(f"{case}: the node changed to {node(api, 'DC-LYON')}")
            api.client.patch("/v1/nodes/DC-LYON", json=before_fields(before), headers=api.ops)
    assert not problems, "\n".join(problems)
    assert count(api, EventRecord) == events
    assert "DC-LYON" in serves(api)


def before_fields(node: dict[str, Any]) -> dict[str, Any]:
    """A node as a PATCH body that puts every field back."""
    return {k: v for k, v in node.items() if k not in ("id", "enabled")}


def test_patch_and_get_of_an_unknown_node_are_404(api):
    network(api)
    r = api.client.patch("/v1/nodes/NOPE", json={"opens": "08:00"}, headers=api.ops)
    assert r.status_code == 404 and r.json()["error"] == "unknown_node", r.text
    assert "NOPE" in r.json()["detail"]
    r = api.client.get("/v1/nodes/NOPE", headers=api.ops)
    assert r.status_code == 404 and r.json()["error"] == "unknown_node", r.text
    assert api.client.get("/v1/nodes/NOPE", headers=api.checkout).status_code == 404


def test_patch_needs_an_ops_key(api):
    network(api)
    r = api.client.patch("/v1/nodes/DC-LYON", json={"opens": "08:00"}, headers=api.checkout)
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    assert node(api, "DC-LYON")["opens"] == "09:00"


# ---------------------------------------------------------------- bad rows in the database

BAD_ROWS = [
    ("holiday-not-a-date", {"holidays": ["not-a-date"]}),
    ("unknown-timezone", {"timezone": "Mars/Olympus"}),
    ("opens-after-closes", {"opens": "21:00", "closes": "08:00"}),
    ("cutoff-not-a-clock", {"cutoff_time": "noon"}),
    ("no-open-day", {"open_days": ""}),
]


def _corrupt(api, node_id: str, values: dict[str, Any]) -> None:
    """Written behind the API's back (an old row, a hand edit): nothing checks it."""
    with api.state.sessions() as session:
        session.execute(update(Node).where(Node.id == node_id).values(**values))
        session.commit()


def _reload_by_cache(api) -> None:
    api.state.networks.changed({}, True)


def _reload_by_new_node(api) -> None:
    far = {**NODE, "id": "DC-LILLE", "lat": 50.63, "lon": 3.06}
    assert api.client.post("/v1/nodes", json=far, headers=api.ops).status_code == 201


RELOADS = [
    *[pytest.param(values, _reload_by_cache, id=f"{name}-cache") for name, values in BAD_ROWS],
    pytest.param(BAD_ROWS[0][1], _reload_by_new_node, id=f"{BAD_ROWS[0][0]}-new-node"),
]


@pytest.mark.parametrize(("values", "reload"), RELOADS)
def test_a_bad_node_row_in_the_database_is_skipped_and_every_other_node_still_serves(
    api, values, reload
):
    network(api, dc_stock=10, store_stock=10)
    assert api.client.post("/v1/nodes", json=NEAR, headers=api.ops).status_code == 201
    api.client.put("/v1/inventory/DC-PARIS/MUG", json={"on_hand": 10}, headers=api.ops)
    assert serves(api) == {"DC-PARIS"}  # while it is sound, it is the cheapest node
    _corrupt(api, "DC-PARIS", values)
    reload(api)
    used = serves(api)
    assert used and "DC-PARIS" not in used
    assert stock(api)["DC-PARIS"]["reserved"] == 4  # the two earlier holds, nothing new
    pickup = {**CART, "method": "pickup", "pickup_node": "ST-PARIS", "ttl_seconds": 600}
    r = api.client.post("/v1/reservations", json=pickup, headers=api.checkout)
    assert r.status_code == 201 and "DC-PARIS" not in nodes_of(r.json()), r.text
    assert api.client.get("/v1/nodes", headers=api.ops).status_code == 200


def test_patch_repairs_a_bad_row_and_the_node_serves_again(api):
    network(api, dc_stock=10, store_stock=10)
    assert api.client.post("/v1/nodes", json=NEAR, headers=api.ops).status_code == 201
    api.client.put("/v1/inventory/DC-PARIS/MUG", json={"on_hand": 10}, headers=api.ops)
    _corrupt(api, "DC-PARIS", {"timezone": "Mars/Olympus"})
    _reload_by_cache(api)
    assert "DC-PARIS" not in serves(api)
    # Another correction is refused while the stored calendar stays unreadable, naming it.
    r = api.client.patch("/v1/nodes/DC-PARIS", json={"opens": "08:00"}, headers=api.ops)
    refused(r, "timezone")
    r = api.client.patch("/v1/nodes/DC-PARIS", json={"timezone": "Europe/Paris"}, headers=api.ops)
    assert r.status_code == 200 and r.json()["timezone"] == "Europe/Paris", r.text
    assert serves(api) == {"DC-PARIS"}


# ---------------------------------------------------------------- numbers beyond their bounds


def test_a_stock_count_of_2_to_the_63_minus_1_is_refused_and_the_row_unchanged(api):
    network(api)
    before, events = stock(api), count(api, EventRecord)
    for bad in (2**63 - 1, 1_000_000_001, -1):
        r = api.client.put("/v1/inventory/DC-LYON/MUG", json={"on_hand": bad}, headers=api.ops)
        refused(r, "body.on_hand")
    r = api.client.put("/v1/inventory/DC-LYON/MUG", json={"safety_stock": 2**40}, headers=api.ops)
    refused(r, "body.safety_stock")
    assert stock(api) == before and count(api, EventRecord) == events


def _nearly_a_billion(api) -> None:
    network(api)
    r = api.client.put("/v1/inventory/DC-LYON/MUG", json={"on_hand": 999_999_999}, headers=api.ops)
    assert r.status_code == 200, r.text


def test_a_receipt_that_would_take_on_hand_past_a_billion_is_refused_and_not_written(api):
    _nearly_a_billion(api)
    before, events = stock(api), count(api, EventRecord)
    for _ in range(2):  # a retry is refused the same way
        r = api.client.post("/v1/inventory/DC-LYON/MUG/receipts", json={"qty": 2}, headers=api.ops)
        assert r.status_code == 422, r.text
        assert any("qty" in entry for entry in r.json()["fields"]), r.text
        assert stock(api) == before and count(api, EventRecord) == events
    r = api.client.post(
        "/v1/inventory/DC-LYON/MUG/adjustments",
        json={"delta": 2, "reason": "found"},
        headers=api.ops,
    )
    assert r.status_code == 422, r.text
    assert stock(api) == before and count(api, EventRecord) == events
    r = api.client.post("/v1/inventory/DC-LYON/MUG/receipts", json={"qty": 1}, headers=api.ops)
    assert r.status_code == 200 and r.json()["on_hand"] == 1_000_000_000, r.text


def test_a_receipt_past_a_billion_is_refused_as_invalid_input_like_every_bad_field(api):
    _nearly_a_billion(api)
    r = api.client.post("/v1/inventory/DC-LYON/MUG/receipts", json={"qty": 2}, headers=api.ops)
    refused(r, "qty")


def test_receipt_and_adjustment_quantities_beyond_their_bounds_are_refused(api):
    network(api)
    before, events = stock(api), count(api, EventRecord)
    url = "/v1/inventory/DC-LYON/MUG"
    for qty in (2**31, 2**63, 0, -1, "5", 5.0, True):
        refused(api.client.post(url + "/receipts", json={"qty": qty}, headers=api.ops), "qty")
    for delta in (2**31, -(2**31), 2**63, "1", 1.0):
        r = api.client.post(
            url + "/adjustments", json={"delta": delta, "reason": "x"}, headers=api.ops
        )
        refused(r, "body.delta")
    assert stock(api) == before and count(api, EventRecord) == events


def test_a_price_of_2_to_the_63_is_refused_and_the_sku_not_created(api):
    for price in (2**63, 2**63 - 1, -1, "1299", 12.99):
        r = api.client.put(
            "/v1/skus/BIG", json={"name": "Big", "price_minor": price}, headers=api.ops
        )
        refused(r, "body.price_minor")
    assert api.client.get("/v1/inventory/BIG", headers=api.ops).status_code == 404
    assert count(api, Sku) == 0 and count(api, EventRecord) == 0


@pytest.mark.parametrize("field", ["shipping_minor", "discount_minor"])
def test_order_money_of_2_to_the_40_is_refused_and_no_order_is_made(api, field):
    network(api)
    before, totals = written(api), stock(api)
    r = api.client.post("/v1/orders", json={**ORDER, field: 2**40}, headers=api.checkout)
    refused(r, f"body.{field}")
    assert written(api) == before and stock(api) == totals


QTYS = [2**31, 10_001, 0, -1, "1", True, 1.0, None]
LINE_PATHS = [
    pytest.param("/v1/promise", {}, id="promise"),
    pytest.param("/v1/reservations", {"method": "ship"}, id="reservation"),
    pytest.param("/v1/orders", {}, id="order"),
]


@pytest.mark.parametrize(("path", "extra"), LINE_PATHS)
def test_a_line_qty_that_is_not_a_strict_integer_in_bounds_is_refused(api, path, extra):
    network(api)
    before, totals = written(api), stock(api)
    problems: list[str] = []
    for qty in QTYS:
        body = {**CART, **extra, "lines": [{"sku": "MUG", "qty": qty}]}
        r = api.client.post(path, json=body, headers=api.checkout)
        problems += mismatch(f"qty {qty!r}", r, "body.lines.0.qty")
    assert not problems, "\n".join(problems)
    assert written(api) == before and stock(api) == totals


def test_nan_and_infinite_numbers_are_refused_naming_the_field(api):
    network(api)
    before = written(api)
    headers = {**api.checkout, "Content-Type": "application/json"}
    cart = '{"lines": [{"sku": "MUG", "qty": 2}], "destination": {"lat": %s, "lon": 2.35}}'
    node = (
        '{"id": "DC-X", "kind": "warehouse", "lat": 45.0, "lon": 4.0, "can_ship": true,'
        ' "can_pickup": false, "handling_cost": %s, "shipment_cost": 1.0, "cost_per_km": 0.0}'
    )
    problems: list[str] = []
    for number in ("NaN", "Infinity", "-Infinity", "1e400"):
        r = api.client.post("/v1/promise", content=cart % number, headers=headers)
        problems += mismatch(f"lat {number}", r, "body.destination.lat")
        r = api.client.post("/v1/nodes", content=node % number, headers={**headers, **api.ops})
        problems += mismatch(f"handling_cost {number}", r, "body.handling_cost")
    assert not problems, "\n".join(problems)
    assert written(api) == before


# ---------------------------------------------------------------- strings


def test_a_control_character_in_a_sku_path_is_refused_naming_the_path(api):
    problems: list[str] = []
    for bad in ("A%00B", "A%07B", "A%0AB", "A%7FB"):
        body = {"name": "x", "price_minor": 1}
        r = api.client.put(f"/v1/skus/{bad}", json=body, headers=api.ops)
        problems += mismatch(f"PUT {bad}", r, "path.sku_id")
        r = api.client.get(f"/v1/inventory/{bad}", headers=api.ops)
        problems += mismatch(f"GET {bad}", r, "path.sku_id")
    assert not problems, "\n".join(problems)
    assert count(api, Sku) == 0 and count(api, EventRecord) == 0


@pytest.mark.parametrize(("path", "extra"), LINE_PATHS)
def test_a_bad_sku_in_a_body_line_is_refused_naming_the_line(api, path, extra):
    network(api)
    before, totals = written(api), stock(api)
    problems: list[str] = []
    for sku in ("A\x00B", "A\x1bB", "A\x7fB", "S" * 65, ""):
        body = {**CART, **extra, "lines": [{"sku": sku, "qty": 1}]}
        r = api.client.post(path, json=body, headers=api.checkout)
        problems += mismatch(f"sku {sku!r}", r, "body.lines.0.sku")
    assert not problems, "\n".join(problems)
    assert written(api) == before and stock(api) == totals


def test_an_id_longer_than_64_characters_is_refused_in_paths_and_bodies(api):
    network(api)
    long = "X" * 65
    r = api.client.put(f"/v1/skus/{long}", json={"name": "x", "price_minor": 1}, headers=api.ops)
    refused(r, "path.sku_id")
    refused(api.client.get(f"/v1/nodes/{long}", headers=api.ops), "path.node_id")
    refused(api.client.get(f"/v1/orders/{long}", headers=api.checkout), "path.order_id")
    r = api.client.post("/v1/orders", json={"reservation_id": long}, headers=api.checkout)
    refused(r, "body.reservation_id")
    ok = api.client.put(
        f"/v1/skus/{'X' * 64}", json={"name": "x", "price_minor": 1}, headers=api.ops
    )
    assert ok.status_code == 200, ok.text


def test_a_tracking_number_over_200_characters_is_refused_and_the_shipment_not_shipped(api):
    network(api)
    r = api.client.post("/v1/orders", json=ORDER, headers=api.checkout)
    assert r.status_code == 201, r.text
    order = r.json()
    [shipment] = order["shipments"]
    events, totals = count(api, EventRecord), stock(api)
    url = f"/v1/shipments/{shipment['id']}/ship"
    for bad in ("T" * 201, "TR\x00-1", ""):
        refused(api.client.post(url, json={"tracking": bad}, headers=api.ops), "body.tracking")
    again = api.client.get(f"/v1/orders/{order['id']}", headers=api.checkout).json()
    assert again["shipments"] == order["shipments"] and again["status"] == order["status"]
    assert count(api, EventRecord) == events and stock(api) == totals
    r = api.client.post(url, json={"tracking": "T" * 200}, headers=api.ops)
    assert r.status_code == 200 and r.json()["shipments"][0]["tracking"] == "T" * 200, r.text


# ---------------------------------------------------------------- the body cap


def _big_order() -> bytes:
    """A JSON order of about 2 MB (valid JSON: only its size is wrong)."""
    line = b'{"sku": "MUG", "qty": 1}'
    lines = b",".join([line] * (2_000_000 // len(line)))
    return b'{"lines": [' + lines + b'], "destination": {"lat": 48.85, "lon": 2.35}}'


def test_the_documented_body_cap_is_a_million_bytes():
    from oms.config import Settings

    assert Settings.model_fields["max_body_bytes"].default == 1_000_000


def test_an_order_body_over_the_cap_is_413_and_nothing_is_written(api):
    network(api)
    before, totals = written(api), stock(api)
    body = _big_order()
    assert len(body) > 1_900_000
    headers = {**api.checkout, "Content-Type": "application/json"}
    r = api.client.post("/v1/orders", content=body, headers=headers)
    assert r.status_code == 413, r.text
    assert r.json()["error"] == "payload_too_large" and r.json()["detail"]
    assert written(api) == before and stock(api) == totals


def test_a_chunked_order_body_over_the_cap_without_content_length_is_413(api):
    network(api)
    before, totals = written(api), stock(api)
    body = _big_order()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    headers = {**api.checkout, "Content-Type": "application/json"}
    r = api.client.post("/v1/orders", content=chunks(), headers=headers)
    assert r.request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in r.request.headers
    assert r.status_code == 413, r.text
    assert r.json()["error"] == "payload_too_large"
    assert written(api) == before and stock(api) == totals


def test_a_body_just_under_the_cap_is_read_as_usual(api):
    network(api)
    head, tail = (
        '{"lines": [{"sku": "MUG", "qty": 2}],',
        '"destination": {"lat": 48.85, "lon": 2.35}}',
    )
    body = head + " " * (999_000 - len(head) - len(tail)) + tail
    headers = {**api.checkout, "Content-Type": "application/json"}
    r = api.client.post("/v1/orders", content=body.encode(), headers=headers)
    assert r.status_code == 201, r.text
