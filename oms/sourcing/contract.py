"""The sourcing problem contract, version 1 (DESIGN.md section 3): JSON <-> arrays.

A `Problem` holds the network, stock and orders as contiguous numpy arrays so that kernels and
solvers index them directly. Parsing collects every problem it finds and raises one
`ContractError` whose messages name the offending record (`orders[3] (id "O-4")`), so that a user
fixes a file in one pass.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from oms.domain.errors import ContractError

CONTRACT_VERSION = 1
# Stands for "no limit" in integer arrays (capacity, max_shipments); large, yet safe to add to.
NO_LIMIT = 2**62

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Settings:
    split_penalty: float
    unfilled_penalty: float
    allow_transfers: bool


@dataclass(frozen=True)
class Nodes:
    ids: list[str]
    kind: list[str]
    lat: F64
    lon: F64
    can_ship: B
    can_pickup: B
    capacity: I64  # NO_LIMIT where the contract says null
    handling_cost: F64
    shipment_cost: F64
    cost_per_km: F64
    index: dict[str, int] = field(repr=False)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Orders:
    ids: list[str]
    lat: F64
    lon: F64
    is_pickup: B
    pickup_node: I64  # -1 for ship orders
    max_shipments: I64  # NO_LIMIT where null
    dest_lat: F64  # the order's destination: its address, or its pickup node
    dest_lon: F64
    line_start: I64  # lines of order o are line_start[o]:line_start[o + 1]
    line_ids: list[str]
    line_sku: I64
    line_qty: I64
    line_order: I64

    def __len__(self) -> int:
        return len(self.ids)

    def lines_of(self, order: int) -> range:
        return range(int(self.line_start[order]), int(self.line_start[order + 1]))


@dataclass(frozen=True)
class Problem:
    settings: Settings
    nodes: Nodes
    sku_ids: list[str]
    sku_index: dict[str, int]
    stock: I64  # [sku, node]: each SKU's row is contiguous over nodes
    orders: Orders


@dataclass(frozen=True)
class Allocations:
    """Units of a line (global line index) taken at a node."""

    order: I64
    line: I64
    node: I64
    qty: I64

    def __len__(self) -> int:
        return len(self.qty)

    @staticmethod
    def empty() -> Allocations:
        z = np.zeros(0, dtype=np.int64)
        return Allocations(z, z.copy(), z.copy(), z.copy())

    @staticmethod
    def from_rows(rows: list[tuple[int, int, int, int]]) -> Allocations:
        """Rows of (order, line, node, qty)."""
        a = np.array(rows, dtype=np.int64).reshape(-1, 4)
        return Allocations(*(np.ascontiguousarray(a[:, k]) for k in range(4)))


@dataclass(frozen=True)
class CostBreakdown:
    total: float
    shipping: float
    handling: float
    split: float
    unfilled: float


@dataclass(frozen=True)
class Plan:
    allocations: Allocations
    cost: CostBreakdown
    unfilled_qty: I64  # per line
    shipments: I64  # per order
    status: str  # optimal | feasible | heuristic
    mode: str  # online | wave
    lower_bound: float | None = None
    elapsed_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------- validation plumbing


class _Problems:
    """Collects messages; each names the record it is about."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.messages.append(f"{where}: {message}" if where else message)

    def raise_if_any(self) -> None:
        if self.messages:
            raise ContractError(self.messages)


_MISSING = object()


def _field(
    rec: Mapping[str, Any],
    key: str,
    where: str,
    probs: _Problems,
    check: Callable[[Any], str | None],
    *,
    nullable: bool = False,
) -> Any:
    value = rec.get(key, _MISSING)
    if value is _MISSING:
        if nullable:
            return None
        probs.add(where, f'missing field "{key}"')
        return _MISSING
    if value is None and nullable:
        return None
    error = check(value)
    if error:
        probs.add(where, f'"{key}" {error}, got {json.dumps(value)[:60]}')
        return _MISSING
    return value


def _is_number(v: Any) -> str | None:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        return "must be a finite number"
    return None


def _non_negative(v: Any) -> str | None:
    return _is_number(v) or ("must be >= 0" if v < 0 else None)


def _int_at_least(low: int) -> Callable[[Any], str | None]:
    def check(v: Any) -> str | None:
        if isinstance(v, bool) or not isinstance(v, int):
            return "must be a whole number"
        if v >= NO_LIMIT:
            return f"must be below {NO_LIMIT}"
        return f"must be >= {low}" if v < low else None

    return check


def _is_bool(v: Any) -> str | None:
    return None if isinstance(v, bool) else "must be true or false"


def _is_id(v: Any) -> str | None:
    return None if isinstance(v, str) and v.strip() else "must be a non-empty string"


def _latitude(v: Any) -> str | None:
    return _is_number(v) or (None if -90.0 <= v <= 90.0 else "must be within [-90, 90]")


def _longitude(v: Any) -> str | None:
    return _is_number(v) or (None if -180.0 <= v <= 180.0 else "must be within [-180, 180]")


def _records(
    data: Mapping[str, Any], key: str, probs: _Problems, owner: str = "problem"
) -> Iterator[tuple[str, Any]]:
    items = data.get(key, _MISSING)
    if items is _MISSING:
        probs.add(owner, f'missing field "{key}"')
        return
    if not isinstance(items, list):
        probs.add(owner, f'"{key}" must be a list')
        return
    for i, rec in enumerate(items):
        if isinstance(rec, dict):
            yield _name(key, i, rec), rec
        else:
            probs.add(f"{key}[{i}]", "must be an object")


def _name(key: str, i: int, rec: Mapping[str, Any]) -> str:
    rid = rec.get("id")
    return f'{key}[{i}] (id "{rid}")' if isinstance(rid, str) else f"{key}[{i}]"


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
    probs = _Problems()
    if not isinstance(data, dict):
        raise ContractError(["problem: must be a JSON object"])
    version = data.get("version", _MISSING)
    if version is _MISSING:
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


def _parse_settings(data: Mapping[str, Any], probs: _Problems) -> Settings | None:
    rec = data.get("settings", _MISSING)
    if rec is _MISSING or not isinstance(rec, dict):
        probs.add(
            "problem",
            'missing field "settings"' if rec is _MISSING else '"settings" must be an object',
        )
        return None
    split = _field(rec, "split_penalty", "settings", probs, _non_negative)
    unfilled = _field(rec, "unfilled_penalty", "settings", probs, _non_negative)
    transfers = _field(rec, "allow_transfers", "settings", probs, _is_bool)
    if _MISSING in (split, unfilled, transfers):
        return None
    return Settings(float(split), float(unfilled), bool(transfers))


_NODE_NUMBERS = ("handling_cost", "shipment_cost", "cost_per_km")


def _parse_nodes(data: Mapping[str, Any], probs: _Problems) -> Nodes | None:
    rows: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    ok = True
    for where, rec in _records(data, "nodes", probs):
        row = {
            "id": _field(rec, "id", where, probs, _is_id),
            "kind": _field(rec, "kind", where, probs, _is_id),
            "lat": _field(rec, "lat", where, probs, _latitude),
            "lon": _field(rec, "lon", where, probs, _longitude),
            "can_ship": _field(rec, "can_ship", where, probs, _is_bool),
            "can_pickup": _field(rec, "can_pickup", where, probs, _is_bool),
            "capacity_units": _field(
                rec, "capacity_units", where, probs, _int_at_least(0), nullable=True
            ),
        }
        for key in _NODE_NUMBERS:
            row[key] = _field(rec, key, where, probs, _non_negative)
        if _MISSING in row.values():
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
    data: Mapping[str, Any], nodes: Nodes | None, named: set[str] | None, probs: _Problems
) -> tuple[list[str], dict[str, int], dict[tuple[int, int], int]]:
    sku_ids: list[str] = []
    sku_index: dict[str, int] = {}
    stock: dict[tuple[int, int], int] = {}
    node_index = nodes.index if nodes is not None else {}
    for i, rec in _records_plain(data, "inventory", probs):
        where = f"inventory[{i}]"
        node = _field(rec, "node", where, probs, _is_id)
        sku = _field(rec, "sku", where, probs, _is_id)
        qty = _field(rec, "qty", where, probs, _int_at_least(0))
        if _MISSING in (node, sku, qty):
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


def _records_plain(
    data: Mapping[str, Any], key: str, probs: _Problems, owner: str = "problem"
) -> Iterator[tuple[int, Mapping[str, Any]]]:
    for where, rec in _records(data, key, probs, owner):
        yield int(where.split("[", 1)[1].split("]", 1)[0]), rec


def _parse_orders(
    data: Mapping[str, Any],
    nodes: Nodes | None,
    named: set[str] | None,
    sku_ids: list[str],
    sku_index: dict[str, int],
    probs: _Problems,
) -> Orders | None:
    b = _OrdersBuilder()
    seen: set[str] = set()
    for where, rec in _records(data, "orders", probs):
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
    probs: _Problems,
) -> None:
    start = len(probs.messages)
    oid = _field(rec, "id", where, probs, _is_id)
    lat = _field(rec, "lat", where, probs, _latitude)
    lon = _field(rec, "lon", where, probs, _longitude)
    delivery = _field(
        rec,
        "delivery",
        where,
        probs,
        lambda v: None if v in ("ship", "pickup") else 'must be "ship" or "pickup"',
    )
    max_ship = _field(rec, "max_shipments", where, probs, _int_at_least(1), nullable=True)
    pickup = _pickup_node(where, rec, delivery, nodes, named, probs)
    lines = _parse_lines(where, rec, probs)
    if oid is not _MISSING:
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
    probs: _Problems,
) -> int:
    pickup = _field(rec, "pickup_node", where, probs, _is_id, nullable=True)
    if pickup is _MISSING:
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
    where: str, rec: Mapping[str, Any], probs: _Problems
) -> list[tuple[str, str, int]]:
    raw = rec.get("lines", _MISSING)
    if raw is _MISSING:
        probs.add(where, 'missing field "lines"')
        return []
    if not isinstance(raw, list) or not raw:
        probs.add(where, '"lines" must be a non-empty list')
        return []
    out: list[tuple[str, str, int]] = []
    seen: set[str] = set()
    for j, line in enumerate(raw):
        lwhere = f"{where}: {_name('lines', j, line) if isinstance(line, dict) else f'lines[{j}]'}"
        if not isinstance(line, dict):
            probs.add(lwhere, "must be an object")
            continue
        lid = _field(line, "id", lwhere, probs, _is_id)
        sku = _field(line, "sku", lwhere, probs, _is_id)
        qty = _field(line, "qty", lwhere, probs, _int_at_least(1))
        if lid is not _MISSING:
            if lid in seen:
                probs.add(lwhere, f'duplicate line id "{lid}" in this order')
            seen.add(lid)
        if _MISSING not in (lid, sku, qty):
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
    probs = _Problems()
    if not isinstance(data, dict):
        raise ContractError(["plan: must be a JSON object"])
    o = problem.orders
    order_index = {oid: i for i, oid in enumerate(o.ids)}
    rows: list[tuple[int, int, int, int]] = []
    for i, rec in _records_plain(data, "allocations", probs, owner="plan"):
        where = f"allocations[{i}]"
        oid = _field(rec, "order", where, probs, _is_id)
        lid = _field(rec, "line", where, probs, _is_id)
        nid = _field(rec, "node", where, probs, _is_id)
        qty = _field(rec, "qty", where, probs, _int_at_least(1))
        if _MISSING in (oid, lid, nid, qty):
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
