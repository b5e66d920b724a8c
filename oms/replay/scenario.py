"""Reading and validating a scenario file (JSON; the format is in scenarios/README.md).

Validation collects every problem, each naming its field (`clock.end: ...`,
`events[2].at: must be within the simulated day ...`), and raises one `ValidationError`. The
network and explicit orders are checked by the sourcing contract's own parser
(`parse_problem`), so a scenario obeys exactly the rules a problem file does.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from oms.domain.errors import ContractError, ValidationError
from oms.replay import checks as ck
from oms.replay.checks import MISSING, Checker
from oms.replay.orders_csv import read_orders_csv
from oms.replay.scenario_events import (
    parse_accuracy,
    parse_calendars,
    parse_events,
    parse_returns,
)
from oms.replay.scenario_types import (
    Clock,
    DemandModel,
    OrderStream,
    Scenario,
    WaveSettings,
)
from oms.replay.stream import select_orders, with_more_skus
from oms.sourcing.contract import CONTRACT_VERSION, Problem, parse_problem
from oms.sourcing.demo import LINES_P, MAX_SHIPMENTS_P, QTY_P

SCENARIO_VERSION = 1
TOP_FIELDS = (
    "version",
    "name",
    "description",
    "seed",
    "clock",
    "network",
    "demand",
    "events",
    "calendars",
    "inventory_accuracy",
    "returns",
    "wave",
    "bound",
)
NETWORK_FIELDS = ("settings", "nodes", "inventory")
MODEL_FIELDS = (
    "orders",
    "hourly_weights",
    "lines_per_order",
    "units_per_line",
    "max_shipments",
    "pickup_share",
    "express_share",
    "sku_weights",
)
DEFAULT_PICKUP_SHARE = 0.15
DEFAULT_WAVE_MINUTES = 30.0
DEFAULT_WAVE_TIME_LIMIT_S = 2.0
DEFAULT_BOUND_TIME_LIMIT_S = 60.0


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; explicit order streams are read relative to it."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationError([f"cannot read scenario file {path}: {exc.strerror}"]) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError([f"{path}: not valid JSON: {exc}"]) from exc
    return parse_scenario(data, base_dir=path.parent)


def parse_scenario(data: Any, *, base_dir: Path = Path()) -> Scenario:
    """Validate a decoded scenario; raises one ValidationError listing every problem."""
    if not isinstance(data, dict):
        raise ValidationError(["scenario: must be a JSON object"])
    c = Checker()
    c.known_fields(data, TOP_FIELDS, "")
    version = data.get("version")
    if version != SCENARIO_VERSION or isinstance(version, bool):
        c.add("version", f"must be {SCENARIO_VERSION}, got {json.dumps(version)}")
    name = c.value(data, "name", "", ck.is_id)
    description = c.value(data, "description", "", ck.is_text, default="")
    seed = c.value(data, "seed", "", ck.int_at_least(0))
    clock = _parse_clock(c, data)
    network = _parse_network(c, data)
    demand, network = _parse_demand(c, data, clock, network, base_dir)
    events = parse_events(c, data, clock, network)
    calendars = parse_calendars(c, data, clock, network)
    accuracy = parse_accuracy(c, data, network)
    returns = parse_returns(c, data)
    wave = _parse_wave(c, data)
    bound_limit = _parse_bound(c, data)
    c.raise_if_any()
    assert clock is not None and network is not None and demand is not None
    return Scenario(
        name=name,
        description=description,
        seed=int(seed),
        clock=clock,
        network=network,
        demand=demand,
        events=events,
        calendars=calendars,
        accuracy=accuracy,
        returns=returns,
        wave=wave,
        bound_time_limit_s=bound_limit,
    )


# ---------------------------------------------------------------- clock


def _parse_clock(c: Checker, data: dict[str, Any]) -> Clock | None:
    rec = c.section(data, "clock", "", required=True)
    if rec is None:
        return None
    c.known_fields(rec, ("date", "timezone", "start", "end", "tick_minutes"), "clock")
    day = c.value(rec, "date", "clock", _is_date)
    tz = c.value(rec, "timezone", "clock", _is_timezone, default="Europe/Paris")
    start = c.value(rec, "start", "clock", ck.clock_time, default="00:00")
    end = c.value(rec, "end", "clock", _end_time, default="24:00")
    tick = c.value(rec, "tick_minutes", "clock", ck.positive, default=60)
    if MISSING in (day, tz, start, end, tick):
        return None
    start_s = ck.clock_seconds(start)
    end_s = ck.clock_seconds(end, allow_midnight_end=True)
    assert start_s is not None and end_s is not None
    if end_s <= start_s:
        c.add("clock.end", f'must be after clock.start ("{start}"), got "{end}"')
        return None
    midnight = datetime.combine(date.fromisoformat(day), datetime.min.time(), ZoneInfo(tz))
    return Clock(
        day=midnight.date(),
        timezone=tz,
        start=midnight + timedelta(seconds=start_s),
        end=midnight + timedelta(seconds=end_s),
        tick_s=float(tick) * 60.0,
    )


def _is_date(v: Any) -> str | None:
    try:
        date.fromisoformat(v)
    except (TypeError, ValueError):
        return 'must be a date "YYYY-MM-DD"'
    return None


def _is_timezone(v: Any) -> str | None:
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return "must be an IANA time zone such as Europe/Paris"
    return None


def _end_time(v: Any) -> str | None:
    ok = ck.clock_seconds(v, allow_midnight_end=True) is not None
    return None if ok else 'must be a time "HH:MM" or "HH:MM:SS" (or "24:00")'


# ---------------------------------------------------------------- network


def _parse_network(c: Checker, data: dict[str, Any]) -> Problem | None:
    rec = c.section(data, "network", "", required=True)
    if rec is None:
        return None
    c.known_fields(rec, NETWORK_FIELDS, "network")
    try:
        network = parse_problem(_contract(rec, []))
    except ContractError as exc:
        for message in exc.problems:
            c.add("network", message.removeprefix("problem: "))
        return None
    if not len(network.nodes):
        c.add("network.nodes", "must list at least one node")
        return None
    return network


def _contract(network: dict[str, Any], orders: list[dict[str, Any]]) -> dict[str, Any]:
    fields = {k: network[k] for k in NETWORK_FIELDS if k in network}
    return {"version": CONTRACT_VERSION, **fields, "orders": orders}


# ---------------------------------------------------------------- demand


def _parse_demand(
    c: Checker, data: dict[str, Any], clock: Clock | None, network: Problem | None, base_dir: Path
) -> tuple[DemandModel | OrderStream | None, Problem | None]:
    """The demand, and the network with every SKU the demand names."""
    rec = c.section(data, "demand", "", required=True)
    if rec is None:
        return None, network
    c.known_fields(rec, ("model", "orders_csv"), "demand")
    if ("model" in rec) == ("orders_csv" in rec):
        c.add("demand", 'needs exactly one of "model" and "orders_csv"')
        return None, network
    if "orders_csv" in rec:
        return _parse_orders_csv(c, data, rec, clock, network, base_dir)
    model = c.section(rec, "model", "demand", required=True)
    if model is None:
        return None, network
    return _parse_model(c, model, clock, network)


def _parse_orders_csv(
    c: Checker,
    data: dict[str, Any],
    rec: dict[str, Any],
    clock: Clock | None,
    network: Problem | None,
    base_dir: Path,
) -> tuple[OrderStream | None, Problem | None]:
    name = c.value(rec, "orders_csv", "demand", ck.is_id)
    if name is MISSING:
        return None, network
    path = base_dir / name
    read = read_orders_csv(path, c, "demand.orders_csv")
    if read is None or network is None or clock is None:
        return None, network
    where = f"demand.orders_csv ({path.name})"
    try:
        with_orders = parse_problem(_contract(data["network"], read.records))
    except ContractError as exc:
        for message in exc.problems:
            c.add(where, message)
        return None, network
    start = clock.start_of_day_s
    arrival = np.array(read.times, dtype=np.float64) - start
    for o in np.flatnonzero((arrival < 0) | (arrival >= clock.horizon_s)).tolist():
        c.add(where, f'order "{with_orders.orders.ids[o]}": time is outside the simulated day')
    order = np.argsort(arrival, kind="stable")
    express = np.array(read.express, dtype=np.bool_)[order]
    stream = OrderStream(
        arrival[order], select_orders(with_orders.orders, order).orders, path, express
    )
    network = with_more_skus(network, with_orders.sku_ids)
    return stream, network


def _parse_model(
    c: Checker, rec: dict[str, Any], clock: Clock | None, network: Problem | None
) -> tuple[DemandModel | None, Problem | None]:
    where = "demand.model"
    c.known_fields(rec, MODEL_FIELDS, where)
    orders = c.value(rec, "orders", where, ck.int_at_least(1))
    hourly = c.value(rec, "hourly_weights", where, ck.weights(24), default=[1.0] * 24)
    lines = c.value(rec, "lines_per_order", where, ck.weights(), default=list(LINES_P))
    units = c.value(rec, "units_per_line", where, ck.weights(), default=list(QTY_P))
    limits = c.value(rec, "max_shipments", where, ck.weights(), default=list(MAX_SHIPMENTS_P))
    pickup = c.value(rec, "pickup_share", where, ck.share, default=DEFAULT_PICKUP_SHARE)
    express = c.value(rec, "express_share", where, ck.share, default=0.0)
    raw_skus = c.value(rec, "sku_weights", where, _sku_weights, default=None)
    if clock is not None and hourly is not MISSING and not _weight_in_day(hourly, clock):
        c.add(f"{where}.hourly_weights", "no positive weight inside the simulated day")
    given = (orders, hourly, lines, units, limits, pickup, express, raw_skus)
    if network is None or MISSING in given:
        return None, network
    if pickup > 0 and not network.nodes.can_pickup.any():
        c.add(f"{where}.pickup_share", "must be 0: no node has can_pickup")
    network = with_more_skus(network, list(raw_skus or []))
    sku_weights = np.full(len(network.sku_ids), 0.0 if raw_skus else 1.0)
    for sku, w in (raw_skus or {}).items():
        sku_weights[network.sku_index[sku]] = float(w)
    model = DemandModel(
        orders=int(orders),
        hourly_weights=tuple(float(w) for w in hourly),
        lines_per_order=tuple(float(w) for w in lines),
        units_per_line=tuple(float(w) for w in units),
        max_shipments=tuple(float(w) for w in limits),
        pickup_share=float(pickup),
        sku_weights=sku_weights,
        express_share=float(express),
    )
    return model, network


def _sku_weights(v: Any) -> str | None:
    if not isinstance(v, dict) or not v:
        return 'must be an object {"SKU": weight, ...}'
    if any(ck.is_id(k) or ck.non_negative(w) for k, w in v.items()):
        return "must map SKU ids to numbers >= 0"
    return None if sum(v.values()) > 0 else "must have a positive sum"


def _weight_in_day(hourly: list[float], clock: Clock) -> bool:
    first = clock.start.hour
    last = (clock.end - timedelta(seconds=1)).hour if clock.end.day == clock.start.day else 23
    return any(w > 0 for w in hourly[first : last + 1])


# ---------------------------------------------------------------- solver settings


def _parse_wave(c: Checker, data: dict[str, Any]) -> WaveSettings:
    rec = c.section(data, "wave", "", required=False) or {}
    c.known_fields(rec, ("period_minutes", "time_limit_s"), "wave")
    minutes = c.value(rec, "period_minutes", "wave", ck.positive, default=DEFAULT_WAVE_MINUTES)
    limit = c.value(rec, "time_limit_s", "wave", ck.positive, default=DEFAULT_WAVE_TIME_LIMIT_S)
    ok = MISSING not in (minutes, limit)
    return WaveSettings(float(minutes) * 60.0 if ok else 0.0, float(limit) if ok else 0.0)


def _parse_bound(c: Checker, data: dict[str, Any]) -> float:
    rec = c.section(data, "bound", "", required=False) or {}
    c.known_fields(rec, ("time_limit_s",), "bound")
    limit = c.value(rec, "time_limit_s", "bound", ck.positive, default=DEFAULT_BOUND_TIME_LIMIT_S)
    return 0.0 if limit is MISSING else float(limit)
