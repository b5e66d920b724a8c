"""The store's day at a glance (the Today page and ``GET /v1/stores/{node}/today``): how many
items wait in each queue, the store's opening hours today and the capacity left today.

Capacity left: the node's ``capacity_units`` minus the units allocated there by the shipments
created since local midnight (None when the node has no limit). The capacity controls (daily
order limit, orders today and left, pause) as ``oms.stores.capacity.capacity_of`` reads them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from oms.domain.calendar import NodeCalendar
from oms.promise.nodes import node_info
from oms.stores.capacity import Capacity, capacity_of
from oms.stores.today_ports import QueueCounts, TodayUnitOfWork


@dataclass(frozen=True)
class Hours:
    """Today's opening, on the store's wall clock (``opens``/``closes`` None: closed today)."""

    date: str
    timezone: str
    open_today: bool
    opens: str | None
    closes: str | None
    open_now: bool


@dataclass(frozen=True)
class Today:
    node: str
    queues: QueueCounts
    hours: Hours
    capacity_units: int | None
    units_allocated_today: int
    capacity_left_today: int | None
    capacity_controls: Capacity  # the daily order limit and pause switch (oms.stores.capacity)


def today(uow: TodayUnitOfWork, node_id: str, now: datetime) -> Today:
    node = uow.nodes.get(node_id)
    calendar = node_info(node).calendar
    start, end = _local_day(calendar, now)
    allocated = uow.store_queues.units_allocated(node_id, start, end)
    cap = node.capacity_units
    return Today(
        node=node_id,
        queues=uow.store_queues.counts(node_id, now),
        hours=hours_today(calendar, now),
        capacity_units=cap,
        units_allocated_today=allocated,
        capacity_left_today=None if cap is None else max(0, cap - allocated),
        capacity_controls=capacity_of(uow, node_id, now),
    )


def hours_today(calendar: NodeCalendar, now: datetime) -> Hours:
    local = calendar.local(now)
    day = local.date()
    is_open = calendar.is_open(day)
    opens, closes = (calendar.opens, calendar.closes) if is_open else (None, None)
    open_now = is_open and calendar.opens <= local.time().replace(tzinfo=None) < calendar.closes
    return Hours(
        date=day.isoformat(),
        timezone=calendar.timezone,
        open_today=is_open,
        opens=f"{opens:%H:%M}" if opens is not None else None,
        closes=f"{closes:%H:%M}" if closes is not None else None,
        open_now=open_now,
    )


def _local_day(calendar: NodeCalendar, now: datetime) -> tuple[datetime, datetime]:
    day = calendar.local(now).date()
    return calendar.at(day, time(0, 0)), calendar.at(day + timedelta(days=1), time(0, 0))
