"""The export's rules on plain records (oms/replay/export.py): the stock and capacity at the
start, which changes become events, and when (the database side and the round trip through
the app: tests/integration/test_scenario_export.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from oms.domain.day_history import (
    DayHistory,
    Decision,
    DecisionLine,
    NodeEntry,
    StockEntry,
    StockLevels,
)
from oms.replay.export import export_day, write_export
from oms.replay.scenario import load_scenario
from oms.sourcing.contract import Settings

DAY = date(2026, 3, 12)
SETTINGS = Settings(split_penalty=1.5, unfilled_penalty=100.0, allow_transfers=True)
NODE = {
    "id": "DC",
    "kind": "warehouse",
    "lat": 45.0,
    "lon": 4.0,
    "can_ship": True,
    "can_pickup": False,
    "capacity_units": 10,
    "handling_cost": 0.3,
    "shipment_cost": 4.0,
    "cost_per_km": 0.01,
    "enabled": True,
    "cutoff_time": "14:00",
    "opens": "09:00",
    "closes": "18:00",
    "open_days": "01234",
    "processing_days": 0,
    "pick_lead_minutes": 120,
    "hold_days": 7,
}


def at(hhmmss: str, days: int = 0) -> datetime:
    local = datetime.combine(DAY + timedelta(days=days), time.fromisoformat(hhmmss))
    return local.replace(tzinfo=ZoneInfo("Europe/Paris")).astimezone(UTC)


def stock(when: datetime, change: str, levels: tuple[int, int, int], **details) -> StockEntry:
    return StockEntry(when, "DC", "A", change, StockLevels(*levels), details)


def decision(oid: str, when: datetime, qty: int = 1) -> Decision:
    line = DecisionLine(f"{oid}-1", "A", qty)
    return Decision(when, oid, f"R-{oid}", None, 48.85, 2.35, False, (line,))


def history(
    *, before=None, after=(), nodes=(NODE,), node_events=(), decisions=(), reservations=()
) -> DayHistory:
    return DayHistory(
        nodes=list(nodes),
        stock_now={},
        stock_before=dict(before or {}),
        stock_after=list(after),
        node_events=list(node_events),
        decisions=list(decisions),
        day_reservations=frozenset(reservations),
    )


def export(h: DayHistory):
    return export_day(h, DAY, "Europe/Paris", SETTINGS, orders_csv="day.orders.csv")


def test_the_stock_at_the_start_is_the_atp_of_each_rows_last_change_before_the_day():
    yesterday = stock(at("18:00", -1), "StockSet", (9, 2, 1), previous={"on_hand": 0})
    out = export(history(before={("DC", "A"): yesterday}, decisions=[decision("O-1", at("08:00"))]))
    assert out.scenario["network"]["inventory"] == [{"node": "DC", "sku": "A", "qty": 6}]
    # The capacity the live sourcer saw: capacity_units less the units held at the start.
    assert out.scenario["network"]["nodes"][0]["capacity_units"] == 8


def test_a_row_first_received_during_the_day_starts_empty_and_its_receipt_is_an_event():
    received = stock(at("09:00"), "StockReceived", (5, 0, 0), qty=5)
    out = export(history(after=[received], decisions=[decision("O-1", at("10:00"))]))
    assert out.scenario["network"]["inventory"] == [{"node": "DC", "sku": "A", "qty": 0}]
    assert out.scenario["events"] == [
        {"at": "09:00:00", "type": "receipt", "node": "DC", "sku": "A", "qty": 5}
    ]


def test_the_days_own_holds_and_releases_are_decisions_not_events_but_others_are():
    yesterday = stock(at("18:00", -1), "StockSet", (9, 2, 0))
    after = [
        stock(at("08:00"), "StockReserved", (9, 3, 0), qty=1, ref="R-O-1"),
        stock(at("08:30"), "StockReserved", (9, 4, 0), qty=1, ref="R-gone"),
        stock(at("08:40"), "StockReleased", (9, 3, 0), qty=1, ref="R-gone"),
        stock(at("11:00"), "StockShipped", (7, 1, 0), qty=2, ref="O-old"),
        stock(at("12:00"), "StockReleased", (7, 0, 0), qty=1, ref="O-1"),
    ]
    out = export(
        history(
            before={("DC", "A"): yesterday},
            after=after,
            decisions=[decision("O-1", at("08:00"))],
            reservations={"R-O-1", "R-gone"},
        )
    )
    assert [
        (e["at"], e["type"], e.get("qty"), e.get("capacity_units")) for e in out.scenario["events"]
    ] == [
        ("11:00:00", "capacity", None, 10),  # yesterday's 2 units left: capacity back
        ("12:00:00", "capacity", None, 11),  # O-1 cancelled: its unit is back ...
        ("12:00:00", "receipt", 1, None),  # ... on the shelf as well
    ]


def test_a_fall_of_stock_that_is_no_decision_is_an_adjustment():
    yesterday = stock(at("18:00", -1), "StockSet", (9, 0, 0))
    counted = stock(at("09:00"), "StockAdjusted", (7, 0, 0), delta=-2, reason="damaged")
    out = export(
        history(
            before={("DC", "A"): yesterday},
            after=[counted],
            decisions=[decision("O-1", at("10:00"))],
        )
    )
    assert out.scenario["events"] == [
        {"at": "09:00:00", "type": "adjustment", "node": "DC", "sku": "A", "delta": -2}
    ]


def test_an_event_keeps_its_place_between_the_orders_of_its_second():
    yesterday = stock(at("18:00", -1), "StockSet", (9, 0, 0))
    disabled = NodeEntry(at("10:00:00") + timedelta(milliseconds=600), "DC", "NodeDisabled")
    enabled = NodeEntry(at("11:00:00") + timedelta(milliseconds=300), "DC", "NodeEnabled")
    orders = [
        decision("O-1", at("10:00:00") + timedelta(milliseconds=200)),  # before the outage
        decision("O-2", at("11:00:00") + timedelta(milliseconds=700)),  # after the recovery
    ]
    out = export(
        history(before={("DC", "A"): yesterday}, node_events=[disabled, enabled], decisions=orders)
    )
    assert [(e["at"], e["type"]) for e in out.scenario["events"]] == [
        ("10:00:01", "outage"),  # on the next second: O-1, at 10:00:00, comes before it
        ("11:00:00", "recovery"),  # on its own second: O-2, at 11:00:00, comes after it
    ]


def test_a_node_added_during_the_day_is_down_until_it_is_added():
    added = NodeEntry(at("12:00"), "ST", "NodeAdded", {"capacity_units": None})
    store = {**NODE, "id": "ST", "kind": "store", "capacity_units": None}
    out = export(
        history(nodes=(NODE, store), node_events=[added], decisions=[decision("O-1", at("13:00"))])
    )
    assert [(e["at"], e["type"], e["node"]) for e in out.scenario["events"]] == [
        ("00:00:00", "outage", "ST"),
        ("12:00:00", "recovery", "ST"),
    ]


def test_the_export_reads_back_as_a_valid_scenario_with_its_order_stream(tmp_path: Path):
    yesterday = stock(at("18:00", -1), "StockSet", (9, 0, 0))
    received = stock(at("09:00"), "StockReceived", (14, 0, 0), qty=5)
    orders = [decision("O-1", at("08:00"), 2), decision("O-2", at("10:00"), 3)]
    out = export(history(before={("DC", "A"): yesterday}, after=[received], decisions=orders))
    write_export(out, tmp_path / "day.json")
    scenario = load_scenario(tmp_path / "day.json")
    assert scenario.demand.orders.ids == ["O-1", "O-2"]  # type: ignore[union-attr]
    assert scenario.demand.arrival_s.tolist() == [8 * 3600.0, 10 * 3600.0]  # type: ignore[union-attr]
    assert scenario.calendars["warehouse"].cutoff == time(14, 0)


def test_a_reservation_moved_before_it_became_an_order_is_decided_once_then_moved_by_events():
    store = {**NODE, "id": "ST", "kind": "store", "capacity_units": None}
    yesterday = {
        ("DC", "A"): stock(at("18:00", -1), "StockSet", (5, 0, 0)),
        ("ST", "A"): StockEntry(at("18:00", -1), "ST", "A", "StockSet", StockLevels(5, 0, 0)),
    }
    moved_to_store = StockEntry(
        at("10:00"), "ST", "A", "StockReserved", StockLevels(5, 1, 0), {"qty": 1, "ref": "R-O-1"}
    )
    after = [
        stock(at("08:00"), "StockReserved", (5, 1, 0), qty=1, ref="R-O-1"),  # the decision
        stock(at("10:00"), "StockReleased", (5, 0, 0), qty=1, ref="R-O-1"),  # DC went down
        moved_to_store,
    ]
    out = export(
        history(
            nodes=(NODE, store),
            before=yesterday,
            after=after,
            decisions=[decision("O-1", at("08:00"))],
            reservations={"R-O-1"},
        )
    )
    assert [
        (e["type"], e["node"], e.get("qty") or e.get("delta") or e.get("capacity_units"))
        for e in out.scenario["events"]
    ] == [
        ("capacity", "DC", 11),  # the unit the replay took at 08:00 is given back at DC ...
        ("receipt", "DC", 1),
        ("adjustment", "ST", -1),  # ... and held at the store instead
    ]
