"""Seed a database with the demo network (nodes, SKUs, stock) from a contract problem file, and
make a key per role. Through the catalog and access services, on a unit of work."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Protocol

from oms.access import keys
from oms.access.ports import KeysUnitOfWork
from oms.catalog import service as catalog
from oms.catalog.ports import CatalogUnitOfWork


class SeedUnitOfWork(CatalogUnitOfWork, KeysUnitOfWork, Protocol):
    pass


def price_minor(sku: str) -> int:
    """A stable demo price between 4.99 and 99.99 (derived from the SKU id)."""
    digest = int(hashlib.sha256(sku.encode()).hexdigest()[:8], 16)
    return 499 + (digest % 9_501) // 100 * 100


def seed_network(uow: CatalogUnitOfWork, problem_path: Path) -> int:
    """Load nodes, SKUs and stock in one transaction when there are no nodes yet; returns
    the nodes added."""
    data = json.loads(problem_path.read_text(encoding="utf-8"))
    if catalog.list_nodes(uow):
        return 0
    for node in data["nodes"]:
        catalog.stage_node(uow, {**node, **_local_calendar(node["kind"] == "store")})
    for sku in sorted({row["sku"] for row in data["inventory"]}):
        catalog.stage_sku(
            uow,
            sku,
            name=f"Demo item {sku}",
            price_minor=price_minor(sku),
            currency="EUR",
            final_sale=False,
        )
    uow.flush()  # the ledger's statements name the SKUs
    for row in data["inventory"]:
        uow.stock.set_stock(row["node"], row["sku"], on_hand=row["qty"])
    uow.commit()
    return len(data["nodes"])


def _local_calendar(store: bool) -> dict[str, str]:
    """French hours: stores open Monday to Saturday, warehouses work Monday to Friday."""
    return {
        "timezone": "Europe/Paris",
        "open_days": "012345" if store else "01234",
        "opens": "09:00" if store else "07:00",
        "closes": "20:00" if store else "19:00",
    }


def demo_keys(uow: SeedUnitOfWork) -> dict[str, str]:
    """A fresh key per role, committed; the store key is bound to the first pickup store."""
    made = {role: keys.stage_key(uow, role).raw for role in ("checkout", "ops")}
    store = next((n.id for n in catalog.list_nodes(uow) if n.can_pickup), None)
    if store is not None:
        made[f"store ({store})"] = keys.stage_key(uow, "store", store).raw
    uow.commit()
    return made
