"""Seed a database with the demo network (nodes, SKUs, stock) from a contract problem file."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oms.api.auth import create_key
from oms.db import ledger
from oms.inventory import catalog
from oms.inventory.model import Node, Sku


def price_minor(sku: str) -> int:
    """A stable demo price between 4.99 and 99.99 (derived from the SKU id)."""
    digest = int(hashlib.sha256(sku.encode()).hexdigest()[:8], 16)
    return 499 + (digest % 9_501) // 100 * 100


def seed_network(session: Session, problem_path: Path) -> int:
    """Load nodes, SKUs and stock when the database has no nodes yet; returns nodes added."""
    data = json.loads(problem_path.read_text(encoding="utf-8"))
    if session.scalar(select(func.count(Node.id))):
        return 0
    for node in data["nodes"]:
        store = node["kind"] == "store"
        local = {
            "timezone": "Europe/Paris",
            "open_days": "012345" if store else "01234",
            "opens": "09:00" if store else "07:00",
            "closes": "20:00" if store else "19:00",
        }
        catalog.add_node(session, {**node, **local})
    skus = sorted({row["sku"] for row in data["inventory"]})
    for sku in skus:
        session.add(
            Sku(
                id=sku,
                name=f"Demo item {sku}",
                price_minor=price_minor(sku),
                currency="EUR",
                final_sale=False,
            )
        )
    session.flush()
    for row in data["inventory"]:
        ledger.set_stock(session, row["node"], row["sku"], on_hand=row["qty"])
    return len(data["nodes"])


def demo_keys(session: Session) -> dict[str, str]:
    """A fresh key per role; the store key is bound to the first pickup store."""
    store = session.scalars(
        select(Node.id).where(Node.can_pickup.is_(True)).order_by(Node.id)
    ).first()
    keys = {"checkout": create_key(session, "checkout"), "ops": create_key(session, "ops")}
    if store is not None:
        keys[f"store ({store})"] = create_key(session, "store", store)
    return keys
