"""A small network for store operations: a DC in Lyon, two Paris stores; store keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from oms.access.keys import create_key
from tests.e2e.test_catalog_api import NODE

PARIS = {"lat": 48.86, "lon": 2.35}


def store(node_id: str, lat: float, lon: float, **extra: Any) -> dict[str, Any]:
    return {
        "id": node_id,
        "kind": "store",
        "lat": lat,
        "lon": lon,
        "can_ship": True,
        "can_pickup": True,
        "capacity_units": 40,
        "handling_cost": 0.5,
        "shipment_cost": 3.0,
        "cost_per_km": 0.008,
        "timezone": "Europe/Paris",
        "opens": "00:00",
        "closes": "23:59",
        "open_days": "0123456",
        "pick_lead_minutes": 30,
        **extra,
    }


@dataclass
class Stores:
    api: Any
    s1: dict[str, str]  # store key of ST-PARIS-1
    s2: dict[str, str]  # store key of ST-PARIS-2

    def order(self, lines: list[tuple[str, int]], **body: Any) -> dict[str, Any]:
        payload = {
            "lines": [{"sku": s, "qty": q} for s, q in lines],
            "destination": PARIS,
            "method": "ship",
            **body,
        }
        r = self.api.client.post("/v1/orders", json=payload, headers=self.api.checkout)
        assert r.status_code == 201, r.text
        return dict(r.json())

    def get(self, order_id: str) -> dict[str, Any]:
        r = self.api.client.get(f"/v1/orders/{order_id}", headers=self.api.ops)
        assert r.status_code == 200, r.text
        return dict(r.json())

    def stock(self, sku: str) -> dict[str, dict[str, int]]:
        body = self.api.client.get(f"/v1/inventory/{sku}", headers=self.api.ops).json()
        return {row["node"]: row for row in body["nodes"]}

    def picks(self, node: str, key: dict[str, str]) -> list[dict[str, Any]]:
        r = self.api.client.get(f"/v1/stores/{node}/picks", headers=key)
        assert r.status_code == 200, r.text
        return list(r.json())

    def confirm(
        self, pick: dict[str, Any], key: dict[str, str], short: dict[str, int] | None = None
    ):
        short = short or {}
        lines = [
            {"line_id": ln["line_id"], "picked": short.get(ln["line_id"], ln["qty"])}
            for ln in pick["lines"]
        ]
        return self.api.client.post(
            f"/v1/picks/{pick['id']}/confirm", json={"lines": lines}, headers=key
        )


def build(api, *, dc_stock: int = 10, store_stock: int = 3, protection: int = 0) -> Stores:
    for node in (
        NODE,
        store("ST-PARIS-1", 48.86, 2.35, store_protection=protection),
        store("ST-PARIS-2", 48.88, 2.30),
    ):
        r = api.client.post("/v1/nodes", json=node, headers=api.ops)
        assert r.status_code == 201, r.text
    for sku, price in (("MUG", 1299), ("TEA", 450)):
        api.client.put(f"/v1/skus/{sku}", json={"name": sku, "price_minor": price}, headers=api.ops)
        for node, qty, where in (
            ("DC-LYON", dc_stock, None),
            ("ST-PARIS-1", store_stock, f"A-0{len(sku)}-{sku[0]}"),
        ):
            body: dict[str, Any] = {"on_hand": qty}
            if where:
                body["bin_location"] = where
            r = api.client.put(f"/v1/inventory/{node}/{sku}", json=body, headers=api.ops)
            assert r.status_code == 200, r.text
    with api.state.unit_of_work() as uow:
        k1 = create_key(uow, "store", "ST-PARIS-1")
        k2 = create_key(uow, "store", "ST-PARIS-2")
    return Stores(api, {"X-API-Key": k1}, {"X-API-Key": k2})
