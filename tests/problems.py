"""Random sourcing problems for tests: a seeded builder and a hypothesis strategy.

Small on purpose (a few nodes, SKUs and lines) so that exhaustive references stay cheap.
"""

from __future__ import annotations

import random
from typing import Any

from hypothesis import strategies as st

from oms.sourcing.contract import Problem, parse_problem


def random_problem_dict(
    seed: int,
    *,
    n_nodes: int = 4,
    n_skus: int = 3,
    n_orders: int = 3,
    max_lines: int = 3,
    max_qty: int = 3,
    max_stock: int = 3,
    capacity_chance: float = 0.3,
    pickup_chance: float = 0.3,
) -> dict[str, Any]:
    """A valid contract problem around Lyon; stock is scarce and capacities sometimes bind."""
    rng = random.Random(seed)
    nodes = []
    for i in range(n_nodes):
        store = rng.random() < 0.5
        nodes.append(
            {
                "id": f"N{i}",
                "kind": "store" if store else "warehouse",
                "lat": round(45.0 + rng.uniform(-1.5, 1.5), 4),
                "lon": round(4.8 + rng.uniform(-1.5, 1.5), 4),
                "can_ship": (not store) or rng.random() < 0.6,
                "can_pickup": store,
                "capacity_units": rng.randint(0, 6) if rng.random() < capacity_chance else None,
                "handling_cost": round(rng.uniform(0.1, 1.5), 2),
                "shipment_cost": round(rng.uniform(1.0, 6.0), 2),
                "cost_per_km": round(rng.uniform(0.0, 0.02), 4),
            }
        )
    skus = [f"S{k}" for k in range(n_skus)]
    inventory = [
        {"node": nd["id"], "sku": s, "qty": rng.randint(0, max_stock)}
        for nd in nodes
        for s in skus
        if rng.random() < 0.7
    ]
    pickup_nodes = [nd["id"] for nd in nodes if nd["can_pickup"]]
    orders = []
    for o in range(n_orders):
        pickup = bool(pickup_nodes) and rng.random() < pickup_chance
        lines = [
            {"id": f"O{o}-L{j}", "sku": rng.choice(skus), "qty": rng.randint(1, max_qty)}
            for j in range(rng.randint(1, max_lines))
        ]
        orders.append(
            {
                "id": f"O{o}",
                "lat": round(45.0 + rng.uniform(-2, 2), 4),
                "lon": round(4.8 + rng.uniform(-2, 2), 4),
                "delivery": "pickup" if pickup else "ship",
                "pickup_node": rng.choice(pickup_nodes) if pickup else None,
                "max_shipments": rng.choice([None, 1, 2, 3]),
                "lines": lines,
            }
        )
    return {
        "version": 1,
        "settings": {
            "split_penalty": rng.choice([0.0, 1.5, 5.0]),
            "unfilled_penalty": rng.choice([2.0, 100.0]),
            "allow_transfers": rng.random() < 0.7,
        },
        "nodes": nodes,
        "inventory": inventory,
        "orders": orders,
    }


def random_problem(seed: int, **kwargs: Any) -> Problem:
    return parse_problem(random_problem_dict(seed, **kwargs))


@st.composite
def problems(draw: st.DrawFn, **kwargs: Any) -> Problem:
    """Hypothesis strategy: a random small problem (shrinks towards seed 0 and small sizes)."""
    seed = draw(st.integers(0, 2**32 - 1))
    n_nodes = draw(st.integers(1, kwargs.pop("max_nodes", 5)))
    n_orders = draw(st.integers(1, kwargs.pop("max_orders", 4)))
    return random_problem(seed, n_nodes=n_nodes, n_orders=n_orders, **kwargs)
