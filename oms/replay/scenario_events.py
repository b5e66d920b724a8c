"""Validating a scenario's timed events, node calendars, stock accuracy and returns."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from oms.domain.errors import ValidationError
from oms.domain.limits import MAX_UNITS
from oms.promise import NodeCalendar
from oms.replay import checks as ck
from oms.replay.checks import MISSING, Checker
from oms.replay.scenario_types import (
    Accuracy,
    Adjustment,
    CapacityChange,
    Clock,
    Event,
    Outage,
    Receipt,
    Recovery,
    Returns,
    ReturnsRateChange,
)
from oms.sourcing.contract import Problem

EVENT_FIELDS: dict[str, tuple[str, ...]] = {
    "outage": ("at", "type", "node", "kind", "note"),
    "recovery": ("at", "type", "node", "kind", "note"),
    "receipt": ("at", "type", "node", "sku", "qty", "note"),
    "adjustment": ("at", "type", "node", "sku", "delta", "note"),
    "capacity": ("at", "type", "node", "kind", "capacity_units", "factor", "note"),
    "returns_rate": ("at", "type", "rate", "note"),
}
CALENDAR_FIELDS = (
    "cutoff",
    "opens",
    "closes",
    "open_days",
    "processing_days",
    "pick_lead_minutes",
    "hold_days",
)


# ---------------------------------------------------------------- events


def parse_events(
    c: Checker, data: dict[str, Any], clock: Clock | None, network: Problem | None
) -> tuple[Event, ...]:
    """Events by time (file order at equal times); outages and recoveries must alternate."""
    raw = data.get("events", [])
    if not isinstance(raw, list):
        c.add("events", "must be a list")
        return ()
    timed: list[tuple[float, int, Event]] = []
    for i, rec in enumerate(raw):
        event = _parse_event(c, f"events[{i}]", rec, clock, network, "returns" in data)
        if event is not None:
            timed.append((event.at_s, i, event))
    timed.sort(key=lambda t: (t[0], t[1]))
    _check_outages_alternate(c, timed, network)
    return tuple(e for _, _, e in timed)


def _parse_event(
    c: Checker,
    where: str,
    rec: Any,
    clock: Clock | None,
    network: Problem | None,
    has_returns: bool,
) -> Event | None:
    if not isinstance(rec, dict):
        c.add(where, "must be an object")
        return None
    kind = c.value(rec, "type", where, _event_type)
    if kind is MISSING:
        return None
    c.known_fields(rec, EVENT_FIELDS[kind], where)
    at = _event_time(c, rec, where, clock)
    if kind == "returns_rate":
        rate = c.value(rec, "rate", where, ck.share)
        if not has_returns:
            c.add(f"{where}.type", 'a returns_rate event needs a "returns" section')
        return None if MISSING in (at, rate) else ReturnsRateChange(at, float(rate))
    if network is None:
        return None
    if kind in ("receipt", "adjustment"):
        return _parse_stock_change(c, rec, where, at, network, kind)
    nodes = _targets(c, rec, where, network)
    if at is MISSING or nodes is None:
        return None
    if kind == "outage":
        return Outage(at, nodes)
    if kind == "recovery":
        return Recovery(at, nodes)
    return _parse_capacity(c, rec, where, at, nodes)


def _event_type(v: Any) -> str | None:
    return None if v in EVENT_FIELDS else f"must be one of {sorted(EVENT_FIELDS)}"


def _event_time(c: Checker, rec: dict[str, Any], where: str, clock: Clock | None) -> Any:
    text = c.value(rec, "at", where, ck.clock_time)
    if text is MISSING or clock is None:
        return MISSING
    seconds = ck.clock_seconds(text)
    assert seconds is not None
    start = clock.start_of_day_s
    at = float(seconds - start)
    if not 0.0 <= at < clock.horizon_s:
        end = "24:00" if clock.end.date() > clock.day else clock.end.strftime("%H:%M")
        c.add(
            f"{where}.at",
            f"must be within the simulated day ({clock.start:%H:%M} to {end}), got {text!r}",
        )
        return MISSING
    return at


def _targets(
    c: Checker, rec: dict[str, Any], where: str, network: Problem
) -> tuple[int, ...] | None:
    """The nodes an event is about: one `node`, or every node of a `kind`."""
    if ("node" in rec) == ("kind" in rec):
        c.add(where, 'needs exactly one of "node" and "kind"')
        return None
    n = network.nodes
    if "node" in rec:
        node = c.value(rec, "node", where, ck.is_id)
        if node is MISSING:
            return None
        if node not in n.index:
            c.add(f"{where}.node", f'unknown node "{node}"')
            return None
        return (n.index[node],)
    kind = c.value(rec, "kind", where, ck.is_id)
    nodes = tuple(i for i, k in enumerate(n.kind) if k == kind)
    if kind is not MISSING and not nodes:
        c.add(f"{where}.kind", f'no node has kind "{kind}"')
    return nodes or None


def _parse_stock_change(
    c: Checker, rec: dict[str, Any], where: str, at: Any, network: Problem, kind: str
) -> Receipt | Adjustment | None:
    """A receipt (``qty`` >= 1 units in) or an adjustment (``delta`` units, not 0)."""
    node = c.value(rec, "node", where, ck.is_id)
    sku = c.value(rec, "sku", where, ck.is_id)
    if kind == "receipt":
        qty = c.value(rec, "qty", where, ck.int_at_least(1))
    else:
        qty = c.value(rec, "delta", where, _non_zero_units)
    if node is not MISSING and node not in network.nodes.index:
        c.add(f"{where}.node", f'unknown node "{node}"')
        return None
    if sku is not MISSING and sku not in network.sku_index:
        c.add(f"{where}.sku", f'unknown SKU "{sku}" (not in the inventory or the demand)')
        return None
    if MISSING in (at, node, sku, qty):
        return None
    n, k = network.nodes.index[node], network.sku_index[sku]
    return Receipt(at, n, k, int(qty)) if kind == "receipt" else Adjustment(at, n, k, int(qty))


def _non_zero_units(v: Any) -> str | None:
    whole = ck.int_at_least(-MAX_UNITS)(v)
    return whole or (None if v != 0 else "must not be 0")


def _parse_capacity(
    c: Checker, rec: dict[str, Any], where: str, at: float, nodes: tuple[int, ...]
) -> CapacityChange | None:
    if ("capacity_units" in rec) == ("factor" in rec):
        c.add(where, 'needs exactly one of "capacity_units" and "factor"')
        return None
    if "factor" in rec:
        factor = c.value(rec, "factor", where, ck.non_negative)
        return None if factor is MISSING else CapacityChange(at, nodes, None, float(factor))
    if rec["capacity_units"] is None:  # null: no limit, as in the contract
        return CapacityChange(at, nodes, None, None)
    units = c.value(rec, "capacity_units", where, ck.int_at_least(0))
    return None if units is MISSING else CapacityChange(at, nodes, int(units), None)


def _check_outages_alternate(
    c: Checker, timed: list[tuple[float, int, Event]], network: Problem | None
) -> None:
    down: set[int] = set()
    for _, i, event in timed:
        if isinstance(event, Outage | Recovery):
            is_outage = isinstance(event, Outage)
            for node in event.nodes:
                if (node in down) == is_outage:
                    name = network.nodes.ids[node] if network is not None else str(node)
                    state = "already down" if is_outage else "not down"
                    c.add(f"events[{i}]", f'node "{name}" is {state} at this time')
                (down.add if is_outage else down.discard)(node)


# ---------------------------------------------------------------- calendars


def parse_calendars(
    c: Checker, data: dict[str, Any], clock: Clock | None, network: Problem | None
) -> dict[str, NodeCalendar]:
    """A node calendar per node kind (the promise rules' defaults where none is given). Without
    a valid clock or network they are still checked (in the default time zone, for any kind)."""
    rec = c.section(data, "calendars", "", required=False) or {}
    kinds = sorted(set(network.nodes.kind) if network is not None else rec)
    tz = clock.timezone if clock is not None else NodeCalendar().timezone
    out = {kind: NodeCalendar(timezone=tz) for kind in kinds}
    for kind, spec in rec.items():
        where = f"calendars.{kind}"
        if kind not in out:
            c.add(where, f"no node has this kind (kinds: {kinds})")
        elif not isinstance(spec, dict):
            c.add(where, "must be an object")
        else:
            cal = _calendar(c, spec, where, tz)
            if cal is not None:
                out[kind] = cal
    return out


def _calendar(c: Checker, spec: dict[str, Any], where: str, tz: str) -> NodeCalendar | None:
    c.known_fields(spec, CALENDAR_FIELDS, where)
    kwargs: dict[str, Any] = {}
    for key in ("cutoff", "opens", "closes"):
        text = c.value(spec, key, where, ck.clock_time, default=None)
        if text not in (None, MISSING):
            kwargs[key] = time.fromisoformat(text)
    days = c.value(spec, "open_days", where, _weekdays, default=None)
    if days not in (None, MISSING):
        kwargs["open_days"] = frozenset(days)
    for key in ("processing_days", "hold_days"):
        value = c.value(spec, key, where, ck.int_at_least(0), default=None)
        if value not in (None, MISSING):
            kwargs[key] = value
    lead = c.value(spec, "pick_lead_minutes", where, ck.non_negative, default=None)
    if lead not in (None, MISSING):
        kwargs["pick_lead"] = timedelta(minutes=lead)
    try:
        return NodeCalendar(timezone=tz, **kwargs)
    except ValidationError as exc:
        for message in exc.problems:
            c.add(where, message)
        return None


def _weekdays(v: Any) -> str | None:
    ok = isinstance(v, list) and all(isinstance(d, int) and not isinstance(d, bool) for d in v)
    return None if ok else "must be a list of weekdays, 0 (Monday) to 6 (Sunday)"


# ---------------------------------------------------------------- accuracy and returns


def parse_accuracy(c: Checker, data: dict[str, Any], network: Problem | None) -> Accuracy | None:
    rec = c.section(data, "inventory_accuracy", "", required=False)
    if rec is None:
        return None
    where = "inventory_accuracy"
    c.known_fields(rec, ("by_kind", "max_missing"), where)
    by_kind = c.section(rec, "by_kind", where, required=True) or {}
    kinds = set(network.nodes.kind) if network is not None else set(by_kind)
    shares: dict[str, float] = {}
    for kind in by_kind:
        if kind not in kinds:
            c.add(f"{where}.by_kind.{kind}", "no node has this kind")
        share = c.value(by_kind, kind, f"{where}.by_kind", ck.share)
        if share is not MISSING:
            shares[kind] = float(share)
    missing = c.value(rec, "max_missing", where, ck.int_at_least(1), default=2)
    return None if missing is MISSING else Accuracy(shares, int(missing))


def parse_returns(c: Checker, data: dict[str, Any]) -> Returns | None:
    rec = c.section(data, "returns", "", required=False)
    if rec is None:
        return None
    c.known_fields(rec, ("rate", "store_share"), "returns")
    rate = c.value(rec, "rate", "returns", ck.share)
    store = c.value(rec, "store_share", "returns", ck.share, default=0.0)
    return None if MISSING in (rate, store) else Returns(float(rate), float(store))
