"""Explicit order streams as CSV: one row per order line, the rows of an order consecutive.

Columns: order_id, time, lat, lon, delivery, pickup_node, max_shipments, line_id, sku, qty, and
optionally a last column `service`. The order columns (order_id to max_shipments, and service)
repeat on every row of the order; `time` is the local wall-clock time the order arrives ("HH:MM"
or "HH:MM:SS"); empty `pickup_node` and `max_shipments` mean none / no limit; `service` is the
delivery service chosen (standard, express or click_and_collect; empty: the delivery's own,
standard or click_and_collect), which must go with the delivery. Rows become contract order
records, so the contract's rules (ids, coordinates, quantities, pickup nodes) check them.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oms.promise.choice import DeliveryService, service_problems
from oms.replay.checks import Checker, clock_seconds
from oms.sourcing.contract import NO_LIMIT, B, Orders

COLUMNS = (
    "order_id",
    "time",
    "lat",
    "lon",
    "delivery",
    "pickup_node",
    "max_shipments",
    "line_id",
    "sku",
    "qty",
)
ORDER_COLUMNS = COLUMNS[:7]
SERVICE_COLUMN = "service"  # optional, after qty


@dataclass(frozen=True)
class CsvOrders:
    records: list[dict[str, Any]]  # contract order records, in file order
    times: list[int]  # each order's arrival, seconds after local midnight
    express: list[bool]  # each order's service is express


def read_orders_csv(path: Path, c: Checker, where: str) -> CsvOrders | None:
    """The orders, in file order; None (with the problems reported under `where`) when the file
    cannot be read."""
    try:
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
    except OSError as exc:
        c.add(where, f"cannot read {path}: {exc.strerror}")
        return None
    except (csv.Error, UnicodeDecodeError) as exc:
        c.add(where, f"{path.name}: not a readable CSV file: {exc}")
        return None
    header = tuple(h.strip() for h in rows[0]) if rows else ()
    if header not in (COLUMNS, (*COLUMNS, SERVICE_COLUMN)):
        c.add(where, f"{path.name}: the header must be {','.join(COLUMNS)}[,{SERVICE_COLUMN}]")
        return None
    return _orders_from_rows(rows[1:], header, c, f"{where} ({path.name})")


def _orders_from_rows(
    rows: list[list[str]], columns: tuple[str, ...], c: Checker, where: str
) -> CsvOrders:
    orders: list[dict[str, Any]] = []
    times: list[int] = []
    express: list[bool] = []
    first_row: dict[str, tuple[str, ...]] = {}
    head_columns = (*ORDER_COLUMNS, *columns[len(COLUMNS) :])
    for number, raw in enumerate(rows, start=2):
        if not any(cell.strip() for cell in raw):
            continue
        line_where = f"{where} line {number}"
        if len(raw) != len(columns):
            c.add(line_where, f"expected {len(columns)} columns, got {len(raw)}")
            continue
        row = dict(zip(columns, (cell.strip() for cell in raw), strict=True))
        head = tuple(row[k] for k in head_columns)
        oid = row["order_id"]
        if oid not in first_row:
            first_row[oid] = head
            seconds = clock_seconds(row["time"])
            if seconds is None:
                c.add(line_where, f'time: must be "HH:MM" or "HH:MM:SS", got "{row["time"]}"')
                seconds = 0
            orders.append(_order_record(row))
            times.append(seconds)
            express.append(_express(row, c, line_where))
        elif orders and orders[-1]["id"] != oid:
            c.add(line_where, f'order "{oid}" appears again after other orders')
            continue
        elif first_row[oid] != head:
            c.add(line_where, f'order "{oid}": the order columns differ from its first row')
            continue
        orders[-1]["lines"].append(
            {"id": row["line_id"], "sku": row["sku"], "qty": _number(row["qty"], int)}
        )
    return CsvOrders(orders, times, express)


def _express(row: dict[str, str], c: Checker, where: str) -> bool:
    """Whether the order chose express; a service that is not one, or that does not go with
    the delivery, is reported."""
    name = row.get(SERVICE_COLUMN, "")
    if not name:
        return False
    try:
        service = DeliveryService(name)
    except ValueError:
        names = ", ".join(s.value for s in DeliveryService)
        c.add(where, f'service: must be one of {names} (or empty), got "{name}"')
        return False
    if row["delivery"] in ("ship", "pickup"):  # else the contract names the delivery
        for problem in service_problems(row["delivery"], service, method_field="delivery"):
            c.add(where, problem)
    return service is DeliveryService.EXPRESS


def _order_record(row: dict[str, str]) -> dict[str, Any]:
    return {
        "id": row["order_id"],
        "lat": _number(row["lat"], float),
        "lon": _number(row["lon"], float),
        "delivery": row["delivery"],
        "pickup_node": row["pickup_node"] or None,
        "max_shipments": _number(row["max_shipments"], int) if row["max_shipments"] else None,
        "lines": [],
    }


def _number(text: str, kind: type) -> Any:
    """The number, or the text itself, which the contract's checks then report."""
    try:
        return kind(text)
    except ValueError:
        return text


def write_orders_csv(
    path: Path,
    orders: Orders,
    times: Sequence[str],
    node_ids: Sequence[str],
    sku_ids: Sequence[str],
    express: B | None = None,
) -> None:
    """Write orders (with each order's arrival label "HH:MM:SS") in the format read above; the
    service column only when some order chose express."""
    services = express is not None and bool(express.any())
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow((*COLUMNS, SERVICE_COLUMN) if services else COLUMNS)
        for o in range(len(orders)):
            pickup = node_ids[orders.pickup_node[o]] if orders.is_pickup[o] else ""
            limit = int(orders.max_shipments[o])
            head = [
                orders.ids[o],
                times[o],
                f"{orders.lat[o]:.4f}",
                f"{orders.lon[o]:.4f}",
                "pickup" if orders.is_pickup[o] else "ship",
                pickup,
                "" if limit >= NO_LIMIT else str(limit),
            ]
            tail: list[str] = []
            if services:
                assert express is not None
                tail = ["express" if express[o] else ""]
            for k in orders.lines_of(o):
                line = [orders.line_ids[k], sku_ids[orders.line_sku[k]], int(orders.line_qty[k])]
                out.writerow([*head, *line, *tail])
