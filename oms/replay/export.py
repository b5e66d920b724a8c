"""A live day as a scenario (``oms scenario export``): the network, the stock at the start of
the day, the day's timed events and its orders as a CSV stream, so that ``oms replay`` under
``online`` makes the decisions the live sourcer made, and the other strategies show what they
would have made of the same day.

What the replay's online run sees must be what the live sourcer saw at each decision:

- stock: the live sourcer allocates ATP (on_hand - reserved - safety stock, never below 0).
  The scenario's stock at the start is each row's ATP then, rebuilt from the ledger's events
  (the row's last event before the day, or its first one after undone, or the row as it is
  when no event ever touched it). Each later change of ATP that is not a decision of the day
  becomes a ``receipt`` (a rise: goods in, a cancelled order's units given back ...) or an
  ``adjustment`` (a fall: a count, damage, a hold the replay does not make).
- capacity: the live sourcer's capacity left is a node's ``capacity_units`` less the units
  reserved there; the replay's is the day's capacity less the units its strategy took. So the
  scenario's capacity is ``capacity_units`` less what was reserved at the start, and every
  change of the units reserved that is not a decision of the day (a shipment leaving, an
  expired hold of yesterday) or of ``capacity_units`` becomes a ``capacity`` event.
- nodes closed to orders (disabled, or paused by their store) are an ``outage`` until they
  are open again (``recovery``); a node added during the day is closed until it is added.
- orders: each reservation made during the day that became an order (or still holds its
  units), at the time it was made, with its order's lines. Its first hold is the decision
  the replay makes again; what it released and held again later (moved off a node disabled
  before it became an order) are stock events. The holds and releases of a reservation of the
  day that expired or was released are neither.

Times are whole seconds of local wall-clock time, as the format has them. An event falls on
the second before or after its instant, whichever keeps it between the same orders.
"""

from __future__ import annotations

import bisect
import csv
import json
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from oms.domain.day_history import (
    DayHistory,
    NodeEntry,
    ShipmentEntry,
    StockEntry,
    StockLevels,
)
from oms.replay.orders_csv import COLUMNS, SERVICE_COLUMN
from oms.sourcing.contract import Settings

DAY_S = 24 * 3600
NODE_FIELDS = (
    "id",
    "kind",
    "lat",
    "lon",
    "can_ship",
    "can_pickup",
    "capacity_units",
    "handling_cost",
    "shipment_cost",
    "cost_per_km",
)
NO_ROW = StockLevels(0, 0, 0)
Key = tuple[str, str]  # (node, sku)


@dataclass(frozen=True)
class Export:
    """A day's scenario (a JSON object) and its order stream (CSV rows, header first)."""

    scenario: dict[str, Any]
    orders_csv: list[list[str]]

    @property
    def orders(self) -> int:
        return len({row[0] for row in self.orders_csv[1:]})


def day_bounds(day: date, timezone: str) -> tuple[datetime, datetime]:
    """The instants the local calendar day starts and ends."""
    tz = ZoneInfo(timezone)
    start = datetime.combine(day, time(), tz)
    return start, datetime.combine(day + timedelta(days=1), time(), tz)


def export_day(
    history: DayHistory,
    day: date,
    timezone: str,
    settings: Settings,
    *,
    orders_csv: str,
) -> Export:
    """The scenario of ``day`` (local calendar day in ``timezone``) from its records;
    ``orders_csv`` is the order stream's file name, beside the scenario."""
    start, end = day_bounds(day, timezone)
    clock = _Clock(start, ZoneInfo(timezone))
    added = _added_at(history.node_events)
    nodes = [n for n in history.nodes if added.get(n["id"], start) < end]
    ids = {n["id"] for n in nodes}
    levels = _levels_at_start(history)
    moves = _moves(history, levels, end, ids)
    capacity, cap_events = _capacity(history, nodes, levels, moves.reserved, start, end)
    timed = cap_events + _closures(history, nodes, added, start, end) + moves.stock
    orders = [d for d in history.decisions if start <= d.at < end]
    rows = _csv_rows(orders, clock)
    events = _labelled(timed, [d.at for d in orders], clock)
    named = {e["sku"] for e in events if e["type"] in ("receipt", "adjustment")}
    inventory = _inventory(levels, ids, named)
    network = {
        "settings": {
            "split_penalty": settings.split_penalty,
            "unfilled_penalty": settings.unfilled_penalty,
            "allow_transfers": settings.allow_transfers,
        },
        "nodes": [
            {**{k: n[k] for k in NODE_FIELDS}, "capacity_units": capacity[n["id"]]} for n in nodes
        ],
        "inventory": inventory,
    }
    description = (
        f"The live day of {day.isoformat()} ({timezone}), exported from the ledger and the "
        "event log: the stock and capacity the sourcer saw at the start, stock receipts and "
        "adjustments, outages and capacity changes as they happened, and the day's orders."
    )
    scenario = {
        "version": 1,
        "name": f"live-{day.isoformat()}",
        "description": description,
        "seed": int(day.strftime("%Y%m%d")),
        "clock": {"date": day.isoformat(), "timezone": timezone, "start": "00:00", "end": "24:00"},
        "network": network,
        "demand": {"orders_csv": orders_csv},
        "events": events,
        "calendars": _calendars(nodes),
    }
    return Export(scenario, rows)


def write_export(export: Export, path: Path) -> Path:
    """Write the scenario to ``path`` and its order stream beside it; the stream's path."""
    csv_path = path.parent / str(export.scenario["demand"]["orders_csv"])
    with csv_path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(export.orders_csv)
    path.write_text(json.dumps(export.scenario, indent=1) + "\n", encoding="utf-8")
    return csv_path


# ---------------------------------------------------------------- stock


def _levels_at_start(history: DayHistory) -> dict[Key, StockLevels]:
    """Each stock row's levels when the day started."""
    first_after: dict[Key, StockEntry] = {}
    for entry in history.stock_after:
        first_after.setdefault((entry.node, entry.sku), entry)
    keys = set(history.stock_now) | set(history.stock_before) | set(first_after)
    out = {}
    for key in keys:
        if key in history.stock_before:
            out[key] = history.stock_before[key].after
        elif key in first_after:
            out[key] = _before(first_after[key])
        else:
            out[key] = history.stock_now[key]
    return out


def _before(entry: StockEntry) -> StockLevels:
    """A row's levels before a recorded change (the change undone)."""
    a, d = entry.after, entry.details
    qty = int(d.get("qty", 0))
    match entry.change:
        case "StockReserved":
            return StockLevels(a.on_hand, a.reserved - qty, a.safety_stock)
        case "StockReleased":
            return StockLevels(a.on_hand, a.reserved + qty, a.safety_stock)
        case "StockShipped":
            return StockLevels(a.on_hand + qty, a.reserved + qty, a.safety_stock)
        case "StockReceived":
            return StockLevels(a.on_hand - qty, a.reserved, a.safety_stock)
        case "StockAdjusted":
            return StockLevels(a.on_hand - int(d.get("delta", 0)), a.reserved, a.safety_stock)
        case _:  # StockSet, StockSynced: the counts they replaced (none: a new row)
            previous = d.get("previous") or {}
            on_hand = int(previous.get("on_hand", 0))
            return StockLevels(on_hand, a.reserved, int(previous.get("safety_stock", 0)))


@dataclass
class _Moves:
    stock: list[tuple[datetime, dict[str, Any]]] = field(default_factory=list)  # the events
    reserved: list[tuple[datetime, str, int]] = field(default_factory=list)  # (at, node, delta)


def _moves(
    history: DayHistory, levels: dict[Key, StockLevels], end: datetime, nodes: set[str]
) -> _Moves:
    """The day's stock changes that are not its decisions: rises of ATP as receipts, falls as
    adjustments, and the changes of the units reserved per node (for capacity)."""
    state = dict(levels)
    decision = _Decisions(history)
    out = _Moves()
    for entry in history.stock_after:
        if entry.at >= end:
            break
        key = (entry.node, entry.sku)
        before, state[key] = state.get(key, NO_ROW), entry.after
        if decision.made(entry) or entry.node not in nodes:
            continue
        gained = entry.after.atp - before.atp
        where = {"node": entry.node, "sku": entry.sku}
        if gained > 0:
            out.stock.append((entry.at, {"type": "receipt", **where, "qty": gained}))
        elif gained < 0:
            out.stock.append((entry.at, {"type": "adjustment", **where, "delta": gained}))
        if entry.after.reserved != before.reserved:
            out.reserved.append((entry.at, entry.node, entry.after.reserved - before.reserved))
    return out


class _Decisions:
    """Which stock changes are the day's decisions (the replay makes them itself).

    A reservation of the day that became an order or still holds: its first hold is the
    decision; once it released units (moved off a node disabled before it became an order),
    what follows under its reference is re-sourcing, replayed as stock events. A reservation of
    the day that expired or was released is not replayed: its hold and release are neither."""

    def __init__(self, history: DayHistory) -> None:
        self.day = history.day_reservations
        self.kept = {d.reservation_id for d in history.decisions}
        self.moved: set[str] = set()

    def made(self, entry: StockEntry) -> bool:
        ref = entry.details.get("ref")
        if ref not in self.day:
            return False
        if ref not in self.kept:
            return True
        if entry.change == "StockReleased":
            self.moved.add(ref)
        return ref not in self.moved


def _inventory(
    levels: dict[Key, StockLevels], nodes: set[str], named: set[str]
) -> list[dict[str, Any]]:
    """ATP per row at the start; a 0 row for a SKU only events name (the format requires
    every SKU an event names to be in the inventory or the demand)."""
    out = [
        {"node": n, "sku": s, "qty": lv.atp}
        for (n, s), lv in sorted(levels.items())
        if n in nodes and (lv.atp > 0 or s in named)
    ]
    kept = {r["sku"] for r in out}
    return out + [{"node": min(nodes), "sku": s, "qty": 0} for s in sorted(named - kept)]


# ---------------------------------------------------------------- capacity and closures


def _capacity(
    history: DayHistory,
    nodes: list[dict[str, Any]],
    levels: dict[Key, StockLevels],
    reserved_moves: list[tuple[datetime, str, int]],
    start: datetime,
    end: datetime,
) -> tuple[dict[str, int | None], list[tuple[datetime, dict[str, Any]]]]:
    """Each node's capacity at the start (as the replay counts it) and its changes."""
    units = {n["id"]: n["capacity_units"] for n in nodes}
    changes: list[tuple[datetime, str, str, Any]] = []  # (at, node, "units"|"reserved", value)
    for e in history.node_events:
        value = _capacity_units(e)
        if e.node in units and value is not _UNCHANGED:
            if e.at < start:
                units[e.node] = value
            else:
                changes.append((e.at, e.node, "units", value))
    changes += [(at, node, "reserved", delta) for at, node, delta in reserved_moves]
    held: dict[str, int] = defaultdict(int)
    for (node, _), lv in levels.items():
        held[node] += lv.reserved
    first = {n: _left(units[n], held[n]) for n in units}
    current = dict(first)
    events = []
    for at, node, what, value in sorted(changes, key=lambda c: c[0]):
        if at >= end:
            continue
        if what == "units":
            units[node] = value
        else:
            held[node] += value
        left = _left(units[node], held[node])
        if left != current[node]:
            current[node] = left
            events.append((at, {"type": "capacity", "node": node, "capacity_units": left}))
    return first, events


_UNCHANGED = object()


def _capacity_units(e: NodeEntry) -> Any:
    if e.type in ("NodeAdded", "NodeUpdated") and "capacity_units" in e.payload:
        return e.payload["capacity_units"]
    return _UNCHANGED


def _left(units: int | None, held: int) -> int | None:
    return None if units is None else max(0, int(units) - held)


def _added_at(node_events: list[NodeEntry]) -> dict[str, datetime]:
    return {e.node: e.at for e in node_events if e.type == "NodeAdded"}


def _closures(
    history: DayHistory,
    nodes: list[dict[str, Any]],
    added: dict[str, datetime],
    start: datetime,
    end: datetime,
) -> list[tuple[datetime, dict[str, Any]]]:
    """Outages and recoveries: a node is closed while disabled, paused by its store (until
    ``paused_until``), full (the orders sourced to it today reached its daily order limit) or
    not yet added."""
    out = []
    for node in nodes:
        nid = node["id"]
        mine = [e for e in history.node_events if e.node == nid]
        sourced = _orders_sourced(history.shipments, nid)
        timeline = _open_timeline(node, mine, sourced, added.get(nid), start, end)
        is_open = True
        for at, now_open in timeline:
            if now_open != is_open:
                is_open = now_open
                kind = "recovery" if now_open else "outage"
                out.append((max(at, start), {"type": kind, "node": nid}))
    return out


def _orders_sourced(shipments: list[ShipmentEntry], node: str) -> list[datetime]:
    """When each order of the day was first sourced to the node (its first shipment there)."""
    seen: dict[str, datetime] = {}
    for s in shipments:
        if s.node == node:
            seen.setdefault(s.order_id, s.at)
    return sorted(seen.values())


def _open_timeline(
    node: dict[str, Any],
    events: list[NodeEntry],
    sourced: list[datetime],
    added: datetime | None,
    start: datetime,
    end: datetime,
) -> list[tuple[datetime, bool]]:
    """(instant, open) at the start and at each change during the day."""
    known = any(e.type in ("NodeAdded", "NodeEnabled", "NodeDisabled") for e in events)
    controlled = any(e.type == "StoreCapacityChanged" for e in events)
    state: dict[str, Any] = {
        "exists": added is None or added < start,
        "enabled": True if known else bool(node["enabled"]),
        "paused": False,
        "until": None,
        "limit": None if controlled else node.get("daily_order_limit"),
        "orders": 0,  # sourced to the node since the day's start
    }
    changes: list[tuple[datetime, dict[str, Any]]] = [(at, {"sourced": 1}) for at in sourced]
    for e in events:
        if e.type == "NodeAdded":
            changes.append(
                (e.at, {"exists": True, "enabled": bool(e.payload.get("enabled", True))})
            )
        elif e.type in ("NodeEnabled", "NodeDisabled"):
            changes.append((e.at, {"enabled": e.type == "NodeEnabled"}))
        elif e.type == "StoreCapacityChanged":
            text = e.payload.get("paused_until")
            until = datetime.fromisoformat(text) if text else None
            paused, limit = bool(e.payload.get("paused")), e.payload.get("daily_order_limit")
            changes.append((e.at, {"paused": paused, "until": until, "limit": limit}))
            if until is not None:
                changes.append((until, {}))  # the pause ends by itself: look again then

    def is_open(at: datetime) -> bool:
        pause = state["paused"] and (state["until"] is None or at < state["until"])
        full = state["limit"] is not None and state["orders"] >= state["limit"]
        return bool(state["exists"] and state["enabled"] and not pause and not full)

    timeline: list[tuple[datetime, bool]] = []
    for at, change in sorted(changes, key=lambda c: c[0]):
        if at >= start and not timeline:
            timeline.append((start, is_open(start)))
        if at >= end:
            break
        state["orders"] += change.pop("sourced", 0)
        state.update(change)
        if at >= start:
            timeline.append((at, is_open(at)))
    return timeline or [(start, is_open(start))]


# ---------------------------------------------------------------- times, orders, calendars


@dataclass(frozen=True)
class _Clock:
    start: datetime
    tz: ZoneInfo

    def seconds(self, at: datetime) -> float:
        """Local wall-clock seconds since midnight."""
        local = at.astimezone(self.tz)
        return local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6


def _label(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _labelled(
    timed: list[tuple[datetime, dict[str, Any]]], order_times: Iterable[datetime], clock: _Clock
) -> list[dict[str, Any]]:
    """Events with their second ("at"), in time order. Events at a second apply before the
    orders of that second: an event goes on its instant's second when no order of that second
    came before it, else on the next second (when no order of that second came after it)."""
    orders = sorted(clock.seconds(t) for t in order_times)
    out = []
    for at, event in sorted(timed, key=lambda t: t[0]):
        s = clock.seconds(at)
        second = math.floor(s)
        before = bisect.bisect_left(orders, s) > bisect.bisect_left(orders, second)
        after = bisect.bisect_left(orders, second + 1) > bisect.bisect_right(orders, s)
        if before and not after and second + 1 < DAY_S:
            second += 1
        out.append({"at": _label(second), **event})
    return out


def _csv_rows(decisions: list[Any], clock: _Clock) -> list[list[str]]:
    express = any(d.express for d in decisions)
    rows = [[*COLUMNS, SERVICE_COLUMN] if express else list(COLUMNS)]
    for d in sorted(decisions, key=lambda d: d.at):
        head = [
            d.order_id,
            _label(math.floor(clock.seconds(d.at))),
            repr(float(d.lat)),
            repr(float(d.lon)),
            "pickup" if d.pickup_node else "ship",
            d.pickup_node or "",
            "",
        ]
        tail = ["express" if d.express else ""] if express else []
        for line in d.lines:
            rows.append([*head, line.line_id, line.sku, str(line.qty), *tail])
    return rows


def _calendars(nodes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per node kind, the calendar of its first node (the format has one per kind)."""
    out: dict[str, dict[str, Any]] = {}
    for n in nodes:
        if n["kind"] in out:
            continue
        cutoff, opens, closes = n["cutoff_time"], n["opens"], n["closes"]
        if not opens < cutoff <= closes:  # the format's rule; a node breaking it keeps defaults
            continue
        out[n["kind"]] = {
            "cutoff": cutoff,
            "opens": opens,
            "closes": closes,
            "open_days": sorted(int(c) for c in n["open_days"]),
            "processing_days": n["processing_days"],
            "pick_lead_minutes": n["pick_lead_minutes"],
            "hold_days": n["hold_days"],
        }
    return out
