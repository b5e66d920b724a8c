"""A node as the promise knows it: its calendar, read from its stored fields by one rule (the
API checks a node with it before writing, the network loads nodes with it)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from oms.domain.errors import OmsError, ValidationError
from oms.inventory.model import Node
from oms.promise import FRENCH_HOLIDAYS, NodeCalendar
from oms.sourcing.network import NodeInfo

log = logging.getLogger("oms.promise")


def node_calendar(fields: Mapping[str, Any]) -> NodeCalendar:
    """A node's calendar from its stored fields; ValidationError naming each bad field. The API
    checks a node with this before writing it, and the network loads it with this: one rule."""
    problems: list[str] = []

    def parse(name: str, read: Callable[[Any], Any]) -> Any:
        try:
            return read(fields[name])
        except (TypeError, ValueError, KeyError):
            problems.append(f"{name}: cannot read {fields.get(name)!r}")
            return None

    holidays = parse("holidays", lambda days: frozenset(date.fromisoformat(d) for d in days))
    clocks = {n: parse(n, time.fromisoformat) for n in ("cutoff_time", "opens", "closes")}
    open_days = parse("open_days", lambda days: frozenset(int(c) for c in days))
    if problems:
        raise ValidationError(problems)
    return NodeCalendar(
        timezone=fields["timezone"],
        cutoff=clocks["cutoff_time"],
        processing_days=fields["processing_days"],
        open_days=open_days,
        holidays=holidays | FRENCH_HOLIDAYS,
        opens=clocks["opens"],
        closes=clocks["closes"],
        pick_lead=timedelta(minutes=fields["pick_lead_minutes"]),
        hold_days=fields["hold_days"],
    )


CALENDAR_FIELDS = (
    "timezone",
    "cutoff_time",
    "processing_days",
    "open_days",
    "holidays",
    "opens",
    "closes",
    "pick_lead_minutes",
    "hold_days",
)


def day_start(now: datetime, timezone: str) -> datetime:
    """Midnight of ``now``'s local day in ``timezone`` (a node's day of orders)."""
    return now.astimezone(ZoneInfo(timezone)).replace(hour=0, minute=0, second=0, microsecond=0)


def closed_for_orders(node: Node, now: datetime, orders_today: int) -> bool:
    """A node takes no new order while paused, or once the orders sourced to it today reached
    its daily limit (oms.stores.capacity). The network serves it as disabled then."""
    full = node.daily_order_limit is not None and orders_today >= node.daily_order_limit
    return node.paused_at(now) or full


def node_info(row: Node, closed: bool = False) -> NodeInfo:
    """The node as the network knows it; ``closed``: paused or full today (closed_for_orders),
    served as disabled. A row whose calendar cannot be read (written before the API checked
    calendars, or by hand) is logged and served as a disabled node with the default calendar:
    one bad row never takes the other nodes down."""
    enabled = row.enabled and not closed
    try:
        calendar = node_calendar({name: getattr(row, name) for name in CALENDAR_FIELDS})
    except OmsError as exc:
        log.error("node %r cannot be loaded, treated as disabled: %s", row.id, exc.detail)
        calendar, enabled = NodeCalendar(), False
    return NodeInfo(
        row.id,
        row.kind,
        row.lat,
        row.lon,
        row.can_ship,
        row.can_pickup,
        row.capacity_units,
        row.handling_cost,
        row.shipment_cost,
        row.cost_per_km,
        enabled,
        calendar,
    )
