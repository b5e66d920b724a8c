"""A store key sees only what involves its node: every route of the app has a rule here, so a new
route without one fails this test, and every rule is tried with another store's key."""

from __future__ import annotations

from typing import Any

from fastapi.routing import APIRoute
from starlette.routing import Route

from tests.e2e.stores_fixture import PARIS, Stores
from tests.e2e.test_returns_api import delivered_order, returns_network, rma

PUBLIC = "no key needed"
NOT_FOR_STORES = "the store role is refused"
NETWORK_READ = "any key reads the network and stock"
OWN_NODE = "the node in the path must be the key's"
INVOLVED = "the record must involve the key's node"
OWN_COUNTER = "in-store returns at the key's own counter only"
STORE_TO_WEB = "a store orders pickups at its own store only"
OWN_EXPORT = "a store exports its own node's stock only (tests/e2e/test_inventory_sync.py)"
LISTS_INVOLVED = "a store lists only what involves its node (tests/e2e/test_order_search_api.py)"

RULES: dict[tuple[str, str], str] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
    ("GET", "/stores/login"): PUBLIC,
    ("POST", "/stores/login"): PUBLIC,
    ("POST", "/stores/logout"): PUBLIC,
    ("POST", "/v1/promise"): NOT_FOR_STORES,
    ("GET", "/v1/nodes"): NETWORK_READ,
    ("GET", "/v1/nodes/{node_id}"): NETWORK_READ,
    ("GET", "/v1/inventory/{sku_id}"): NETWORK_READ,
    ("POST", "/v1/nodes"): NOT_FOR_STORES,
    ("PATCH", "/v1/nodes/{node_id}"): NOT_FOR_STORES,
    ("POST", "/v1/nodes/{node_id}/disable"): NOT_FOR_STORES,
    ("POST", "/v1/nodes/{node_id}/enable"): NOT_FOR_STORES,
    ("PUT", "/v1/skus/{sku_id}"): NOT_FOR_STORES,
    ("PUT", "/v1/inventory/{node_id}/{sku_id}"): NOT_FOR_STORES,
    ("POST", "/v1/inventory/{node_id}/{sku_id}/receipts"): NOT_FOR_STORES,
    ("POST", "/v1/inventory/{node_id}/{sku_id}/adjustments"): NOT_FOR_STORES,
    ("POST", "/v1/inventory/sync"): NOT_FOR_STORES,
    ("GET", "/v1/inventory/export"): OWN_EXPORT,
    ("POST", "/v1/reservations"): NOT_FOR_STORES,
    ("GET", "/v1/reservations/{reservation_id}"): NOT_FOR_STORES,
    ("DELETE", "/v1/reservations/{reservation_id}"): NOT_FOR_STORES,
    ("POST", "/v1/orders"): STORE_TO_WEB,
    ("GET", "/v1/orders/{order_id}"): INVOLVED,
    ("POST", "/v1/orders/{order_id}/cancel"): NOT_FOR_STORES,
    ("POST", "/v1/orders/{order_id}/collect"): INVOLVED,
    ("POST", "/v1/stores/{node_id}/slots"): OWN_NODE,
    ("GET", "/v1/stores/{node_id}/slots"): OWN_NODE,
    ("GET", "/v1/stores/{node_id}/picks"): OWN_NODE,
    ("POST", "/v1/picks/{pick_id}/confirm"): INVOLVED,
    ("POST", "/v1/shipments/{shipment_id}/ship"): INVOLVED,
    ("POST", "/v1/shipments/{shipment_id}/deliver"): NOT_FOR_STORES,
    ("POST", "/v1/returns"): OWN_COUNTER,
    ("GET", "/v1/returns/{return_id}"): INVOLVED,
    ("POST", "/v1/returns/{return_id}/receive"): INVOLVED,
    ("GET", "/stores/{node_id}/picklist"): OWN_NODE,
    ("POST", "/stores/{node_id}/picks/{pick_id}/confirm"): OWN_NODE,
    ("GET", "/v1/keys"): NOT_FOR_STORES,
    ("POST", "/v1/keys"): NOT_FOR_STORES,
    ("DELETE", "/v1/keys/{key_id}"): NOT_FOR_STORES,
    ("GET", "/v1/orders"): LISTS_INVOLVED,
    ("GET", "/v1/customers/{customer_id}/orders"): LISTS_INVOLVED,
}


def app_routes(app: Any) -> set[tuple[str, str]]:
    found = {("POST", "/v1/promise")}  # answered in front of the router (routers/promise.py)
    for route in app.routes:
        if isinstance(route, APIRoute | Route):
            for method in route.methods or ():
                if method != "HEAD":
                    found.add((method, route.path))
    return found


def test_every_route_of_the_app_has_a_store_scoping_rule(api):
    missing = sorted(app_routes(api.client.app) - set(RULES))
    assert missing == [], f"routes without a store-scoping rule: {missing}"


def the_day_at_paris_1(api) -> dict[str, Any]:
    """Records that involve ST-PARIS-1 (and the DC, and ST-LYON where returns go), none
    ST-PARIS-2."""
    st = returns_network(api)
    delivered = delivered_order(st, [("MUG", 1)])
    ret = rma(
        api,
        {
            "order_id": delivered["id"],
            "lines": [{"line_id": delivered["lines"][0]["id"], "qty": 1}],
            "reason": "defective",
            "method": "mail",
        },
    )
    assert ret.status_code == 201, ret.text
    pickup = st.order([("MUG", 1)], method="pickup", pickup_node="ST-PARIS-1")
    [pick] = [p for p in st.picks("ST-PARIS-1", st.s1) if p["order_id"] == pickup["id"]]
    shipment = pick["shipment_id"]
    return {
        "st": st,
        "order_id": pickup["id"],
        "pick_id": pick["id"],
        "shipment_id": shipment,
        "return_id": ret.json()["id"],
        "line_id": delivered["lines"][0]["id"],
        "delivered_id": delivered["id"],
        "node_id": "ST-PARIS-1",
        "sku_id": "MUG",
        "reservation_id": "R-unknown",
        "key_id": "unknown",
    }


def call(st: Stores, method: str, path: str, day: dict[str, Any]) -> Any:
    url = path.format(**day)
    body: dict[str, Any] | None = {
        ("POST", "/v1/orders"): {
            "lines": [{"sku": "MUG", "qty": 1}],
            "method": "pickup",
            "pickup_node": "ST-PARIS-1",
        },
        ("POST", "/v1/returns"): {
            "order_id": day["delivered_id"],
            "lines": [{"line_id": day["line_id"], "qty": 1}],
            "reason": "defective",
            "method": "in_store",
            "store": "ST-PARIS-1",
        },
        ("POST", "/v1/returns/{return_id}/receive"): {
            "lines": [{"line_id": day["line_id"], "condition": "sellable"}]
        },
        ("POST", "/v1/picks/{pick_id}/confirm"): {"lines": [{"line_id": "x", "picked": 0}]},
        ("POST", "/v1/shipments/{shipment_id}/ship"): {"tracking": "T-1"},
        ("POST", "/v1/stores/{node_id}/slots"): {
            "starts_at": "2030-01-01T10:00:00Z",
            "ends_at": "2030-01-01T11:00:00Z",
            "capacity": 1,
        },
        ("POST", "/v1/promise"): {"lines": [{"sku": "MUG", "qty": 1}], "destination": PARIS},
    }.get((method, path))
    return st.api.client.request(method, url, json=body, headers=st.s2)


def test_another_stores_key_is_refused_on_every_scoped_route_and_changes_nothing(api):
    day = the_day_at_paris_1(api)
    st: Stores = day["st"]
    before = st.get(day["order_id"])
    refused = {NOT_FOR_STORES, OWN_NODE, INVOLVED, OWN_COUNTER, STORE_TO_WEB}
    for (method, path), rule in sorted(RULES.items()):
        if rule not in refused or (method, path) not in app_routes(api.client.app):
            continue
        r = call(st, method, path, day)
        assert r.status_code == 403, f"{method} {path} ({rule}): {r.status_code} {r.text[:200]}"
    after = st.get(day["order_id"])
    assert after["status"] == before["status"] and after["picks"] == before["picks"]


def test_a_stores_own_key_reaches_what_involves_its_node(api):
    day = the_day_at_paris_1(api)
    st: Stores = day["st"]
    own = st.s1
    assert api.client.get(f"/v1/orders/{day['order_id']}", headers=own).status_code == 200
    assert api.client.get(f"/v1/returns/{day['return_id']}", headers=own).status_code == 200
    assert api.client.get("/v1/stores/ST-PARIS-1/slots", headers=own).status_code == 200
    # A web order delivered from ST-PARIS-1 is seen there; an order from the DC alone is not.
    dc_only = st.order([("TEA", 1)], destination={"lat": 45.75, "lon": 4.85})
    nodes = {s["node"] for s in dc_only["shipments"]}
    status = api.client.get(f"/v1/orders/{dc_only['id']}", headers=own).status_code
    assert status == (200 if "ST-PARIS-1" in nodes else 403)


def test_network_reads_are_open_to_store_keys(api):
    day = the_day_at_paris_1(api)
    st: Stores = day["st"]
    for path in ("/v1/nodes", "/v1/nodes/ST-PARIS-1", "/v1/inventory/MUG"):
        assert api.client.get(path, headers=st.s2).status_code == 200, path
