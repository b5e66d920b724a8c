"""The reservation service against a plain model: holds, releases, expiry, and refusals that
change nothing. ATP and reserved units in the database always equal the model's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule

from oms.catalog import service as catalog
from oms.db import ledger
from oms.db.engine import make_engine, make_session_factory
from oms.db.uow import SqlUnitOfWork
from oms.domain.errors import ConflictError, ValidationError
from oms.handlers import message_bus
from oms.inventory.errors import UnknownSku
from oms.inventory.model import Sku
from oms.orders import reservations as svc
from oms.orders.model import DeliveryMethod
from oms.promise.service import NetworkCache
from tests.db_templates import migrated_sqlite

NODE = {
    "id": "DC",
    "kind": "warehouse",
    "lat": 45.76,
    "lon": 4.84,
    "can_ship": True,
    "can_pickup": False,
    "capacity_units": None,
    "handling_cost": 0.35,
    "shipment_cost": 4.5,
    "cost_per_km": 0.006,
    "timezone": "Europe/Paris",
}


class ReservationMachine(RuleBasedStateMachine):
    reservations = Bundle("reservations")
    counter = 0

    def __init__(self) -> None:
        super().__init__()
        ReservationMachine.counter += 1
        # A copy of the migrated template: migrating per example cost 0.5-1 s.
        url = migrated_sqlite(ReservationMachine.base / f"m{ReservationMachine.counter}.db")
        self.engine = make_engine(url)
        self.sessions = make_session_factory(self.engine)
        self.cache = NetworkCache()
        # Simulated clock a day ahead of the real one, so real time never expires anything.
        self.now = datetime.now(UTC) + timedelta(days=1)
        self.on_hand, self.reserved = 0, 0
        self.active: dict[str, tuple[int, datetime]] = {}
        with self._uow() as uow:
            catalog.add_node(uow, NODE)
            uow.session.add(Sku(id="A", name="A", price_minor=100, currency="EUR"))
            uow.commit()

    def _uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.sessions, message_bus())

    def teardown(self) -> None:
        self.engine.dispose()

    @rule(qty=st.integers(1, 5))
    def receive(self, qty):
        with self._uow() as uow:
            ledger.receive(uow.session, "DC", "A", qty)
            uow.commit()
        self.on_hand += qty

    @rule(target=reservations, qty=st.integers(1, 6), ttl=st.integers(1, 120))
    def reserve(self, qty, ttl):
        request = svc.ReserveRequest([("A", qty)], 48.85, 2.35, DeliveryMethod.SHIP, None, ttl)
        with self._uow() as uow:
            try:
                res, _ = svc.reserve(uow, self.cache, request, key=None, now=self.now)
            except svc.StockShortfall as exc:
                assert qty > self.on_hand - self.reserved
                assert exc.short == [("A", qty, self.on_hand - self.reserved)]
                return "refused"
            uow.commit()
        assert qty <= self.on_hand - self.reserved
        self.reserved += qty
        self.active[res.id] = (qty, self.now + timedelta(seconds=ttl))
        return res.id

    @rule(rid=consumes(reservations))
    def release(self, rid):
        if rid == "refused":
            return
        with self._uow() as uow:
            if rid not in self.active:  # it expired: releasing it again is a conflict
                with pytest.raises(ConflictError, match="expired"):
                    svc.release_reservation(uow, rid)
                return
            svc.release_reservation(uow, rid)
            uow.commit()
        self.reserved -= self.active.pop(rid)[0]

    @rule(seconds=st.integers(1, 90))
    def time_passes(self, seconds):
        self.now += timedelta(seconds=seconds)

    @rule()
    def sweep(self):
        with self._uow() as uow:
            expired = svc.expire_due(uow, now=self.now)
            uow.commit()
        due = [rid for rid, (_, at) in self.active.items() if at <= self.now]
        assert expired == len(due)
        for rid in due:
            self.reserved -= self.active.pop(rid)[0]

    @rule(qty=st.integers(-3, 0))
    def a_non_positive_quantity_is_refused(self, qty):
        request = svc.ReserveRequest([("A", qty)], 48.85, 2.35, DeliveryMethod.SHIP, None, 60)
        with self._uow() as uow, pytest.raises(ValidationError):
            svc.reserve(uow, self.cache, request, key=None, now=self.now)

    @rule()
    def an_unknown_sku_is_refused(self):
        request = svc.ReserveRequest([("NOPE", 1)], 48.85, 2.35, DeliveryMethod.SHIP, None, 60)
        with self._uow() as uow, pytest.raises(UnknownSku):
            svc.reserve(uow, self.cache, request, key=None, now=self.now)

    @invariant()
    def the_ledger_matches_the_model(self):
        with self.sessions() as session:
            level = ledger.levels(session, "DC", "A")
        on_hand, reserved = (0, 0) if level is None else (level.on_hand, level.reserved)
        assert (on_hand, reserved) == (self.on_hand, self.reserved)


ReservationMachine.TestCase.settings = settings(max_examples=20, stateful_step_count=20)


def test_reservations_follow_the_model(tmp_path):
    ReservationMachine.base = tmp_path
    ReservationMachine.TestCase("runTest").runTest()
