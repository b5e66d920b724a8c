"""Many checkouts racing for a scarce SKU through the reservation service: exactly the available
units are reserved, nothing more, nothing lost (SQLite and PostgreSQL)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from oms.catalog import service as catalog
from oms.db import ledger
from oms.db.uow import SqlUnitOfWork, run_transaction
from oms.domain.errors import ConflictError
from oms.handlers import message_bus
from oms.inventory.model import Sku, StockItem
from oms.orders.model import (
    Allocation,
    DeliveryMethod,
    Reservation,
    ReservationLine,
    ReservationStatus,
)
from oms.orders.reservations import ReserveRequest, StockShortfall, release_reservation, reserve
from oms.orders.service import OrderForm, create_order
from oms.promise.service import NetworkCache

NODES = [
    {
        "id": "DC-LYON",
        "kind": "warehouse",
        "lat": 45.76,
        "lon": 4.84,
        "can_ship": True,
        "can_pickup": False,
        "capacity_units": None,
        "handling_cost": 0.35,
        "shipment_cost": 4.5,
        "cost_per_km": 0.006,
    },
    {
        "id": "DC-PARIS",
        "kind": "warehouse",
        "lat": 48.85,
        "lon": 2.35,
        "can_ship": True,
        "can_pickup": False,
        "capacity_units": None,
        "handling_cost": 0.35,
        "shipment_cost": 4.5,
        "cost_per_km": 0.006,
    },
]


def seed(session_factory):
    def work(session):
        uow = SqlUnitOfWork(lambda: session, message_bus()).begin(session)
        for node in NODES:
            catalog.stage_node(uow, {**node, "timezone": "Europe/Paris"})
        session.add(Sku(id="RARE", name="Rare", price_minor=999, currency="EUR"))
        session.flush()
        ledger.set_stock(session, "DC-LYON", "RARE", on_hand=4)
        ledger.set_stock(session, "DC-PARIS", "RARE", on_hand=6)
        uow.flush()  # the events raised (run_transaction commits the session itself)

    run_transaction(session_factory, work)


def uow_on(session):
    """The services take a unit of work: one over the transaction's session."""
    return SqlUnitOfWork(lambda: session, message_bus()).begin(session)


def test_32_checkouts_for_10_units_reserve_exactly_10(session_factory):
    seed(session_factory)
    cache = NetworkCache()
    request = ReserveRequest([("RARE", 1)], 48.8, 2.3, DeliveryMethod.SHIP, None, 600)

    def checkout(_: int) -> str:
        try:
            res = run_transaction(
                session_factory,
                lambda s: reserve(uow_on(s), cache, request, key=None)[0].id,
                attempts=20,
            )
        except StockShortfall:
            return "short"
        return res

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(checkout, range(32)))
    won = [r for r in results if r != "short"]
    assert len(won) == 10 and len(set(won)) == 10
    with session_factory() as session:
        reserved = session.scalar(select(func.sum(StockItem.reserved)))
        held = session.scalar(select(func.sum(ReservationLine.qty)))
        on_hand = session.scalar(select(func.sum(StockItem.on_hand)))
    assert reserved == held == 10 and on_hand == 10


def test_one_reservation_raced_by_orders_and_releases_is_ended_exactly_once(session_factory):
    """Eight checkouts at once try to order the same reservation and eight to release it: one
    of them wins; the units are ordered once or given back once, never both, never twice."""
    seed(session_factory)
    cache = NetworkCache()
    request = ReserveRequest([("RARE", 3)], 48.8, 2.3, DeliveryMethod.SHIP, None, 600)
    rid = run_transaction(
        session_factory, lambda s: reserve(uow_on(s), cache, request, key=None)[0].id
    )

    def order(_: int) -> str:
        form = OrderForm(reservation_id=rid)
        return run_transaction(
            session_factory, lambda s: create_order(uow_on(s), cache, form, key=None)[0].id
        )

    def release(_: int) -> str:
        return run_transaction(
            session_factory,
            lambda s: release_reservation(uow_on(s), rid).reservation.status.value,
        )

    def attempt(k: int) -> str:
        try:
            return order(k) if k % 2 else release(k)
        except ConflictError:
            return "refused"

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(attempt, range(16)))
    assert len([r for r in results if r != "refused"]) == 1
    with session_factory() as session:
        reserved = session.scalar(select(func.sum(StockItem.reserved)))
        allocated = session.scalar(select(func.coalesce(func.sum(Allocation.qty), 0)))
        status = session.get(Reservation, rid).status
    if status is ReservationStatus.CONVERTED:
        assert reserved == allocated == 3
    else:
        assert status is ReservationStatus.RELEASED and reserved == allocated == 0
