"""The sourcing problem contract, version 1 (DESIGN.md section 3): JSON <-> arrays.

A `Problem` holds the network, stock and orders as contiguous numpy arrays so that kernels and
solvers index them directly. Parsing collects every problem it finds and raises one
`ContractError` whose messages name the offending record (`orders[3] (id "O-4")`), so that a user
fixes a file in one pass.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from oms.domain.errors import ContractError
from oms.sourcing import contract_checks as chk
from oms.sourcing.contract_types import (
    CONTRACT_VERSION,
    F64,
    I64,
    NO_LIMIT,
    Allocations,
    B,
    CostBreakdown,
    Nodes,
    Orders,
    Plan,
    Problem,
    Settings,
)

__all__ = [
    "CONTRACT_VERSION",
    "F64",
    "I64",
    "NO_LIMIT",
    "Allocations",
    "B",
    "CostBreakdown",
    "Nodes",
    "Orders",
    "Plan",
    "Problem",
    "Settings",
    "load_problem",
    "parse_plan_allocations",
    "parse_problem",
    "plan_to_dict",
    "problem_to_dict",
]


# ---------------------------------------------------------------- parsing


def load_problem(path: str | Path) -> Problem:
    """Read and validate a problem file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ContractError([f"cannot read problem file {path}: {exc.strerror}"]) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ContractError([f"{path}: not valid JSON: {exc}"]) from exc
    return parse_problem(data)


def parse_problem(data: Any) -> Problem:
    """Validate a decoded problem into arrays; raises one ContractError listing every fault."""
    probs = chk.Problems()
    if not isinstance(data, dict):
        raise ContractError(["problem: must be a JSON object"])
    version = data.get("version", chk.MISSING)
    if version is chk.MISSING:
        probs.add("problem", 'missing field "version"')
    elif version != CONTRACT_VERSION or not isinstance(version, int) or isinstance(version, bool):
        probs.add("problem", f'"version" must be {CONTRACT_VERSION}, got {json.dumps(version)}')
    settings = _parse_settings(data, probs)
    nodes = _parse_nodes(data, probs)
    named = _named_nodes(data)
    sku_ids, sku_index, stock = _parse_inventory(data, nodes, named, probs)
    orders = _parse_orders(data, nodes, named, sku_ids, sku_index, probs)
    probs.raise_if_any()
    assert settings is not None and nodes is not None and orders is not None
    stock_arr = np.zeros((len(sku_ids), len(nodes)), dtype=np.int64)
    for (s, n), q in stock.items():
        stock_arr[s, n] = q
    return Problem(settings, nodes, sku_ids, sku_index, stock_arr, orders)


def _parse_settings(data: Mapping[str, Any], probs: chk.Problems) -> Settings | None:
    rec = data.get("settings", chk.MISSING)
    if rec is chk.MISSING or not isinstance(rec, dict):
        probs.add(
            "problem",
            'missing field "settings"' if rec is chk.MISSING else '"settings" must be an object',
        )
        return None
    split = chk.field(rec, "split_penalty", "settings", probs, chk.non_negative)
    unfilled = chk.field(rec, "unfilled_penalty", "settings", probs, chk.non_negative)
    transfers = chk.field(rec, "allow_transfers", "settings", probs, chk.is_bool)
    if chk.MISSING in (split, unfilled, transfers):
        return None
    return Settings(float(split), float(unfilled), bool(transfers))


_NODE_NUMBERS = ("handling_cost", "shipment_cost", "cost_per_km")


def _parse_nodes(data: Mapping[str, Any], probs: chk.Problems) -> Nodes | None:
    rows: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    ok = True
    for where, rec in chk.records(data, "nodes", probs):
        row = {
            "id": chk.field(rec, "id", where, probs, chk.is_id),
            "kind": chk.field(rec, "kind", where, probs, chk.is_id),
            "lat": chk.field(rec, "lat", where, probs, chk.latitude),
            "lon": chk.field(rec, "lon", where, probs, chk.longitude),
            "can_ship": chk.field(rec, "can_ship", where, probs, chk.is_bool),
            "can_pickup": chk.field(rec, "can_pickup", where, probs, chk.is_bool),
            "capacity_units": chk.field(
                rec, "capacity_units", where, probs, chk.int_at_least(0), nullable=True
            ),
        }
        for key in _NODE_NUMBERS:
            row[key] = chk.field(rec, key, where, probs, chk.non_negative)
        if chk.MISSING in row.values():
            ok = False
            continue
        if row["id"] in index:
            probs.add(where, f'duplicate node id "{row["id"]}"')
            ok = False
            continue
        index[row["id"]] = len(rows)
        rows.append(row)
    if not ok:
        # Keep the index so later sections can still report unknown references.
        return _nodes_from_rows(rows, index) if rows else None
    return _nodes_from_rows(rows, index)


def _named_nodes(data: Mapping[str, Any]) -> set[str] | None:
    """Every id the nodes section names, malformed nodes included; None when there is no list.

    A reference to a named but malformed node is not reported again as unknown."""
    raw = data.get("nodes")
    if not isinstance(raw, list):
        return None
    return {r["id"] for r in raw if isinstance(r, dict) and isinstance(r.get("id"), str)}


def _is_unknown(node: str, named: set[str] | None) -> bool:
    return named is not None and node not in named


def _nodes_from_rows(rows: list[dict[str, Any]], index: dict[str, int]) -> Nodes:
    def col(key: str, dtype: type) -> Any:
        return np.array([r[key] for r in rows], dtype=dtype)

    capacity = np.array(
        [NO_LIMIT if r["capacity_units"] is None else r["capacity_units"] for r in rows],
        dtype=np.int64,
    )
    return Nodes(
        ids=[r["id"] for r in rows],
        kind=[r["kind"] for r in rows],
        lat=col("lat", np.float64),
        lon=col("lon", np.float64),
        can_ship=col("can_ship", np.bool_),
        can_pickup=col("can_pickup", np.bool_),
        capacity=capacity,
        handling_cost=col("handling_cost", np.float64),
        shipment_cost=col("shipment_cost", np.float64),
        cost_per_km=col("cost_per_km", np.float64),
        index=index,
    )


def _parse_inventory(
    data: Mapping[str, Any], nodes: Nodes | None, named: set[str] | None, probs: chk.Problems
) -> tuple[list[str], dict[str, int], dict[tuple[int, int], int]]:
    sku_ids: list[str] = []
    sku_index: dict[str, int] = {}
    stock: dict[tuple[int, int], int] = {}
    node_index = nodes.index if nodes is not None else {}
    for i, rec in chk.records_plain(data, "inventory", probs):
        where = f"inventory[{i}]"
        node = chk.field(rec, "node", where, probs, chk.is_id)
        sku = chk.field(rec, "sku", where, probs, chk.is_id)
        qty = chk.field(rec, "qty", where, probs, chk.int_at_least(0))
        if chk.MISSING in (node, sku, qty):
            continue
        where = f'inventory[{i}] (node "{node}", sku "{sku}")'
        if node not in node_index:
            if _is_unknown(node, named):
                probs.add(where, f'unknown node "{node}"')
            continue
        s = sku_index.setdefault(sku, len(sku_ids))
        if s == len(sku_ids):
            sku_ids.append(sku)
        key = (s, node_index[node])
        if key in stock:
            probs.add(where, "duplicate inventory row for this node and SKU")
            continue
        stock[key] = qty
    return sku_ids, sku_index, stock


def _parse_orders(
    data: Mapping[str, Any],
    nodes: Nodes | None,
    named: set[str] | None,
    sku_ids: list[str],
    sku_index: dict[str, int],
    probs: chk.Problems,
) -> Orders | None:
    b = _OrdersBuilder()
    seen: set[str] = set()
    for where, rec in chk.records(data, "orders", probs):
        _parse_order(where, rec, nodes, named, seen, b, probs)
    if nodes is None or probs.messages:
        return None
    for sku in b.line_sku_names:
        # An ordered SKU that no inventory row names is simply out of stock everywhere.
        if sku not in sku_index:
            sku_index[sku] = len(sku_ids)
            sku_ids.append(sku)
    return b.build(nodes, sku_index)


class _OrdersBuilder:
    def __init__(self) -> None:
        self.ids: list[str] = []
        self.lat: list[float] = []
        self.lon: list[float] = []
        self.is_pickup: list[bool] = []
        self.pickup_node: list[int] = []
        self.max_shipments: list[int] = []
        self.line_start: list[int] = [0]
        self.line_ids: list[str] = []
        self.line_sku_names: list[str] = []
        self.line_qty: list[int] = []

    def build(self, nodes: Nodes, sku_index: dict[str, int]) -> Orders:
        pickup = np.array(self.pickup_node, dtype=np.int64)
        lat = np.array(self.lat, dtype=np.float64)
        lon = np.array(self.lon, dtype=np.float64)
        is_pickup = np.array(self.is_pickup, dtype=np.bool_)
        dest_lat = np.where(is_pickup, nodes.lat[np.maximum(pickup, 0)] if len(nodes) else lat, lat)
        dest_lon = np.where(is_pickup, nodes.lon[np.maximum(pickup, 0)] if len(nodes) else lon, lon)
        line_start = np.array(self.line_start, dtype=np.int64)
        counts = np.diff(line_start)
        return Orders(
            ids=self.ids,
            lat=lat,
            lon=lon,
            is_pickup=is_pickup,
            pickup_node=pickup,
            max_shipments=np.array(self.max_shipments, dtype=np.int64),
            dest_lat=np.ascontiguousarray(dest_lat, dtype=np.float64),
            dest_lon=np.ascontiguousarray(dest_lon, dtype=np.float64),
            line_start=line_start,
            line_ids=self.line_ids,
            line_sku=np.array([sku_index[s] for s in self.line_sku_names], dtype=np.int64),
            line_qty=np.array(self.line_qty, dtype=np.int64),
            line_order=np.repeat(np.arange(len(self.ids), dtype=np.int64), counts),
        )


def _parse_order(
    where: str,
    rec: Mapping[str, Any],
    nodes: Nodes | None,
    named: set[str] | None,
    seen: set[str],
    b: _OrdersBuilder,
    probs: chk.Problems,
) -> None:
    start = len(probs.messages)
    oid = chk.field(rec, "id", where, probs, chk.is_id)
    lat = chk.field(rec, "lat", where, probs, chk.latitude)
    lon = chk.field(rec, "lon", where, probs, chk.longitude)
    delivery = chk.field(
        rec,
        "delivery",
        where,
        probs,
        lambda v: None if v in ("ship", "pickup") else 'must be "ship" or "pickup"',
    )
    max_ship = chk.field(rec, "max_shipments", where, probs, chk.int_at_least(1), nullable=True)
    pickup = _pickup_node(where, rec, delivery, nodes, named, probs)
    lines = _parse_lines(where, rec, probs)
    if oid is not chk.MISSING:
        if oid in seen:
            probs.add(where, f'duplicate order id "{oid}"')
        seen.add(oid)
    if len(probs.messages) > start:
        return
    b.ids.append(oid)
    b.lat.append(float(lat))
    b.lon.append(float(lon))
    b.is_pickup.append(delivery == "pickup")
    b.pickup_node.append(pickup)
    b.max_shipments.append(NO_LIMIT if max_ship is None else int(max_ship))
    for lid, sku, qty in lines:
        b.line_ids.append(lid)
        b.line_sku_names.append(sku)
        b.line_qty.append(qty)
    b.line_start.append(len(b.line_ids))


def _pickup_node(
    where: str,
    rec: Mapping[str, Any],
    delivery: Any,
    nodes: Nodes | None,
    named: set[str] | None,
    probs: chk.Problems,
) -> int:
    pickup = chk.field(rec, "pickup_node", where, probs, chk.is_id, nullable=True)
    if pickup is chk.MISSING:
        return -1
    if pickup is not None and _is_unknown(pickup, named):
        probs.add(where, f'unknown pickup_node "{pickup}"')
        return -1
    if delivery != "pickup":
        return -1
    if pickup is None:
        probs.add(where, 'a pickup order needs a "pickup_node"')
        return -1
    n = None if nodes is None else nodes.index.get(pickup)
    if nodes is None or n is None:
        return -1
    if not nodes.can_pickup[n]:
        probs.add(where, f'pickup_node "{pickup}" is not pickup-capable (can_pickup is false)')
        return -1
    return n


def _parse_lines(
    where: str, rec: Mapping[str, Any], probs: chk.Problems
) -> list[tuple[str, str, int]]:
    raw = rec.get("lines", chk.MISSING)
    if raw is chk.MISSING:
        probs.add(where, 'missing field "lines"')
        return []
    if not isinstance(raw, list) or not raw:
        probs.add(where, '"lines" must be a non-empty list')
        return []
    out: list[tuple[str, str, int]] = []
    seen: set[str] = set()
    for j, line in enumerate(raw):
        label = chk.record_name("lines", j, line) if isinstance(line, dict) else f"lines[{j}]"
        lwhere = f"{where}: {label}"
        if not isinstance(line, dict):
            probs.add(lwhere, "must be an object")
            continue
        lid = chk.field(line, "id", lwhere, probs, chk.is_id)
        sku = chk.field(line, "sku", lwhere, probs, chk.is_id)
        qty = chk.field(line, "qty", lwhere, probs, chk.int_at_least(1))
        if lid is not chk.MISSING:
            if lid in seen:
                probs.add(lwhere, f'duplicate line id "{lid}" in this order')
            seen.add(lid)
        if chk.MISSING not in (lid, sku, qty):
            out.append((lid, sku, qty))
    return out


# ---------------------------------------------------------------- writing


def problem_to_dict(problem: Problem) -> dict[str, Any]:
    """The contract's JSON form of a problem (inverse of parse_problem)."""
    s, n, o = problem.settings, problem.nodes, problem.orders
    nodes = [
        {
            "id": n.ids[i],
            "kind": n.kind[i],
            "lat": float(n.lat[i]),
            "lon": float(n.lon[i]),
            "can_ship": bool(n.can_ship[i]),
            "can_pickup": bool(n.can_pickup[i]),
            "capacity_units": None if n.capacity[i] >= NO_LIMIT else int(n.capacity[i]),
            "handling_cost": float(n.handling_cost[i]),
            "shipment_cost": float(n.shipment_cost[i]),
            "cost_per_km": float(n.cost_per_km[i]),
        }
        for i in range(len(n))
    ]
    skus, nodes_idx = np.nonzero(problem.stock)
    inventory = [
        {"node": n.ids[j], "sku": problem.sku_ids[k], "qty": int(problem.stock[k, j])}
        for k, j in zip(skus.tolist(), nodes_idx.tolist(), strict=True)
    ]
    orders = [_order_to_dict(problem, i) for i in range(len(o))]
    return {
        "version": CONTRACT_VERSION,
        "settings": {
            "split_penalty": s.split_penalty,
            "unfilled_penalty": s.unfilled_penalty,
            "allow_transfers": s.allow_transfers,
        },
        "nodes": nodes,
        "inventory": inventory,
        "orders": orders,
    }


def _order_to_dict(problem: Problem, i: int) -> dict[str, Any]:
    o = problem.orders
    lines = [
        {"id": o.line_ids[k], "sku": problem.sku_ids[o.line_sku[k]], "qty": int(o.line_qty[k])}
        for k in o.lines_of(i)
    ]
    return {
        "id": o.ids[i],
        "lat": float(o.lat[i]),
        "lon": float(o.lon[i]),
        "delivery": "pickup" if o.is_pickup[i] else "ship",
        "pickup_node": problem.nodes.ids[o.pickup_node[i]] if o.is_pickup[i] else None,
        "max_shipments": None if o.max_shipments[i] >= NO_LIMIT else int(o.max_shipments[i]),
        "lines": lines,
    }


def plan_to_dict(problem: Problem, plan: Plan) -> dict[str, Any]:
    """The contract's JSON form of a plan."""
    o, a = problem.orders, plan.allocations
    order_ids, line_ids, node_ids = o.ids, o.line_ids, problem.nodes.ids
    allocations = [
        {"order": order_ids[oi], "line": line_ids[li], "node": node_ids[ni], "qty": q}
        for oi, li, ni, q in zip(
            a.order.tolist(), a.line.tolist(), a.node.tolist(), a.qty.tolist(), strict=True
        )
    ]
    short = np.nonzero(plan.unfilled_qty)[0]
    unfilled = [
        {"order": order_ids[o.line_order[k]], "line": line_ids[k], "qty": int(plan.unfilled_qty[k])}
        for k in short.tolist()
    ]
    c = plan.cost
    out: dict[str, Any] = dict(plan.extra)  # extras never override the contract's fields
    out.update(
        {
            "allocations": allocations,
            "cost": {
                "total": c.total,
                "shipping": c.shipping,
                "handling": c.handling,
                "split": c.split,
                "unfilled": c.unfilled,
            },
            "unfilled": unfilled,
            "lower_bound": plan.lower_bound,
            "status": plan.status,
            "mode": plan.mode,
            "elapsed_s": round(plan.elapsed_s, 6),
        }
    )
    return out


def parse_plan_allocations(problem: Problem, data: Any) -> Allocations:
    """Read a plan's allocations back into arrays (for re-optimisation and evaluation)."""
    probs = chk.Problems()
    if not isinstance(data, dict):
        raise ContractError(["plan: must be a JSON object"])
    o = problem.orders
    order_index = {oid: i for i, oid in enumerate(o.ids)}
    rows: list[tuple[int, int, int, int]] = []
    for i, rec in chk.records_plain(data, "allocations", probs, owner="plan"):
        where = f"allocations[{i}]"
        oid = chk.field(rec, "order", where, probs, chk.is_id)
        lid = chk.field(rec, "line", where, probs, chk.is_id)
        nid = chk.field(rec, "node", where, probs, chk.is_id)
        qty = chk.field(rec, "qty", where, probs, chk.int_at_least(1))
        if chk.MISSING in (oid, lid, nid, qty):
            continue
        oi = order_index.get(oid)
        li = None if oi is None else next((k for k in o.lines_of(oi) if o.line_ids[k] == lid), None)
        ni = problem.nodes.index.get(nid)
        if oi is None or li is None or ni is None:
            what, ref = (
                ("order", oid) if oi is None else ("line", lid) if li is None else ("node", nid)
            )
            probs.add(where, f'unknown {what} "{ref}"')
            continue
        rows.append((oi, li, ni, qty))
    probs.raise_if_any()
    return Allocations.from_rows(rows)
