"""The inventory ledger against a plain model: hypothesis drives set_stock, receive, adjust,
hold, release and commit_shipment on a SQLite database, valid and invalid commands alike.

Every command runs in its own transaction. Invalid ones must raise the specific error (or, for a
hold, return every shortfall) and change nothing, even when the caller commits afterwards. After
every step the database equals the model: levels, ATP as available() reports it, and the number
of events.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import func, select, text

from oms.db import ledger
from oms.db.engine import make_engine, make_session_factory, migrate
from oms.db.uow import SqlUnitOfWork
from oms.domain.errors import OmsError
from oms.domain.events import EventRecord
from oms.handlers import message_bus
from oms.inventory import (
    InvalidQuantity,
    NotReserved,
    Shortfall,
    StockBelowReserved,
    UnknownNode,
    UnknownSku,
)
from oms.inventory.model import Node, Sku, StockItem

NODES = ("N1", "N2")
SKUS = ("S1", "S2")
Key = tuple[str, str]

# Mostly known ids, sometimes an unknown one.
node_ids = st.integers(0, 7).map(lambda i: "NX" if i == 7 else NODES[i % 2])
sku_ids = st.integers(0, 7).map(lambda i: "SX" if i == 7 else SKUS[i % 2])
quantities = st.integers(-1, 8)  # zero and negatives are invalid
rows = st.lists(st.tuples(node_ids, sku_ids, quantities), min_size=1, max_size=4)
optional_level = st.none() | st.integers(-1, 15)


@cache
def template_db() -> Path:
    """A migrated database with the catalog, copied for each example (migrating costs ~0.3 s)."""
    folder = Path(tempfile.mkdtemp(prefix="oms-ledger-model-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "template.db"
    migrate(f"sqlite:///{path}")
    engine = make_engine(f"sqlite:///{path}")
    with SqlUnitOfWork(make_session_factory(engine), message_bus()) as uow:
        for n in NODES:
            uow.session.add(
                Node(id=n, kind="dc", lat=0.0, lon=0.0, can_ship=True, can_pickup=False,
                     capacity_units=None, handling_cost=0.0, shipment_cost=0.0, cost_per_km=0.0)
            )  # fmt: skip
        uow.session.add_all([Sku(id=s, name=s, price_minor=100, currency="EUR") for s in SKUS])
        uow.commit()
    engine.dispose()  # the last connection to close checkpoints the WAL into the main file
    wal = path.with_name(path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0, "copying the main file would lose data"
    return path


@dataclass
class Item:
    on_hand: int = 0
    reserved: int = 0
    safety_stock: int = 0

    @property
    def atp(self) -> int:
        return max(0, self.on_hand - self.reserved - self.safety_stock)


def _unknown(node: str, sku: str) -> type[OmsError] | None:
    if node not in NODES:
        return UnknownNode
    return UnknownSku if sku not in SKUS else None


def _merged(raw: list[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
    total: dict[Key, int] = {}
    for n, s, q in raw:
        total[(n, s)] = total.get((n, s), 0) + q
    return [(n, s, q) for (n, s), q in sorted(total.items())]


class InventoryLedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="oms-ledger-run-"))
        shutil.copy(template_db(), self.folder / "oms.db")
        self.engine = make_engine(f"sqlite:///{self.folder / 'oms.db'}")
        self.sf = make_session_factory(self.engine)
        self.model: dict[Key, Item] = {}
        self.events = 0

    def teardown(self) -> None:
        self.engine.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)

    # ------------------------------------------------------------ running a command

    def _item(self, node: str, sku: str) -> Item:
        return self.model.get((node, sku), Item())

    def _succeeds(self, command: Callable[[Any], Any]) -> Any:
        with SqlUnitOfWork(self.sf, message_bus()) as uow:
            result = command(uow.session)
            uow.commit()
        return result

    def _fails(
        self, command: Callable[[Any], Any], error: type[OmsError], commit: bool
    ) -> OmsError:
        with SqlUnitOfWork(self.sf, message_bus()) as uow:
            with pytest.raises(OmsError) as caught:
                command(uow.session)
            assert type(caught.value) is error, caught.value
            if commit:  # the failed call must have left nothing behind to commit
                uow.commit()
        return caught.value

    @initialize(stock=st.lists(st.integers(0, 20), min_size=4, max_size=4))
    def some_stock(self, stock: list[int]) -> None:
        keys = [(n, s) for n in NODES for s in SKUS]
        for (node, sku), qty in zip(keys, stock, strict=True):
            if qty:
                self.receive(node, sku, qty, commit=True)

    # ------------------------------------------------------------ single-row commands

    @rule(node=node_ids, sku=sku_ids, on_hand=optional_level, safety=optional_level,
          commit=st.booleans())  # fmt: skip
    def set_stock(
        self, node: str, sku: str, on_hand: int | None, safety: int | None, commit: bool
    ) -> None:
        def command(s: Any) -> Any:
            return ledger.set_stock(s, node, sku, on_hand=on_hand, safety_stock=safety)

        item = self._item(node, sku)
        given = [v for v in (on_hand, safety) if v is not None]
        error = InvalidQuantity if not given or min(given) < 0 else _unknown(node, sku)
        if error is None and on_hand is not None and on_hand < item.reserved:
            error = StockBelowReserved
        if error is not None:
            self._fails(command, error, commit)
            return
        self._succeeds(command)
        item.on_hand = item.on_hand if on_hand is None else on_hand
        item.safety_stock = item.safety_stock if safety is None else safety
        self.model[(node, sku)] = item
        self.events += 1

    @rule(node=node_ids, sku=sku_ids, qty=st.integers(-1, 20), commit=st.booleans())
    def receive(self, node: str, sku: str, qty: int, commit: bool) -> None:
        error = InvalidQuantity if qty <= 0 else _unknown(node, sku)
        if error is not None:
            self._fails(lambda s: ledger.receive(s, node, sku, qty), error, commit)
            return
        self._succeeds(lambda s: ledger.receive(s, node, sku, qty))
        item = self._item(node, sku)
        item.on_hand += qty
        self.model[(node, sku)] = item
        self.events += 1

    @rule(node=node_ids, sku=sku_ids, delta=st.integers(-12, 12), commit=st.booleans())
    def adjust(self, node: str, sku: str, delta: int, commit: bool) -> None:
        item = self._item(node, sku)
        error = InvalidQuantity if delta == 0 else _unknown(node, sku)
        if error is None and item.on_hand + delta < item.reserved:
            error = StockBelowReserved
        if error is not None:
            self._fails(lambda s: ledger.adjust(s, node, sku, delta, "count"), error, commit)
            return
        self._succeeds(lambda s: ledger.adjust(s, node, sku, delta, "count"))
        item.on_hand += delta
        self.model[(node, sku)] = item
        self.events += 1

    # ------------------------------------------------------------ multi-row movements

    def _precheck(self, raw: list[tuple[str, str, int]]) -> type[OmsError] | None:
        if any(q <= 0 for _, _, q in raw):
            return InvalidQuantity
        for n, s, _ in _merged(raw):  # the first unknown row in lock order decides
            if (error := _unknown(n, s)) is not None:
                return error
        return None

    @rule(raw=rows, commit=st.booleans())
    def hold(self, raw: list[tuple[str, str, int]], commit: bool) -> None:
        error = self._precheck(raw)
        if error is not None:
            self._fails(lambda s: ledger.hold(s, raw), error, commit)
            return
        merged = _merged(raw)
        expected = [
            Shortfall(n, s, q, self._item(n, s).atp)
            for n, s, q in merged
            if self._item(n, s).atp < q
        ]
        with SqlUnitOfWork(self.sf, message_bus()) as uow:
            assert ledger.hold(uow.session, raw) == expected
            if commit or not expected:  # committing after a shortfall must commit nothing
                uow.commit()
        if not expected:
            for n, s, q in merged:
                self.model[(n, s)].reserved += q
            self.events += len(merged)

    @rule(raw=rows, commit=st.booleans())
    def release(self, raw: list[tuple[str, str, int]], commit: bool) -> None:
        self._unreserve(raw, commit, ledger.release, ships=False)

    @rule(raw=rows, commit=st.booleans())
    def commit_shipment(self, raw: list[tuple[str, str, int]], commit: bool) -> None:
        self._unreserve(raw, commit, ledger.commit_shipment, ships=True)

    def _unreserve(
        self, raw: list[tuple[str, str, int]], commit: bool, operation: Any, ships: bool
    ) -> None:
        def command(s: Any) -> Any:
            return operation(s, raw)

        error = self._precheck(raw)
        if error is not None:
            self._fails(command, error, commit)
            return
        merged = _merged(raw)
        expected = [
            Shortfall(n, s, q, self._item(n, s).reserved)
            for n, s, q in merged
            if self._item(n, s).reserved < q
        ]
        if expected:
            err = self._fails(command, NotReserved, commit)
            assert isinstance(err, NotReserved) and err.shortfalls == expected
            return
        self._succeeds(command)
        for n, s, q in merged:
            self.model[(n, s)].reserved -= q
            self.model[(n, s)].on_hand -= q if ships else 0
        self.events += len(merged)

    # ------------------------------------------------------------ at the edges
    # Random quantities rarely land on a boundary; these rules aim at it from the model's state.

    @rule(node=st.sampled_from(NODES), sku=st.sampled_from(SKUS), offset=st.integers(-1, 1),
          commit=st.booleans())  # fmt: skip
    def hold_about_atp(self, node: str, sku: str, offset: int, commit: bool) -> None:
        self.hold([(node, sku, self._item(node, sku).atp + offset)], commit)

    @rule(node=st.sampled_from(NODES), sku=st.sampled_from(SKUS), offset=st.integers(-1, 1),
          ships=st.booleans(), commit=st.booleans())  # fmt: skip
    def unreserve_about_reserved(
        self, node: str, sku: str, offset: int, ships: bool, commit: bool
    ) -> None:
        row = [(node, sku, self._item(node, sku).reserved + offset)]
        operation = ledger.commit_shipment if ships else ledger.release
        self._unreserve(row, commit, operation, ships=ships)

    @rule(node=st.sampled_from(NODES), sku=st.sampled_from(SKUS), offset=st.integers(-1, 1),
          commit=st.booleans())  # fmt: skip
    def count_about_reserved(self, node: str, sku: str, offset: int, commit: bool) -> None:
        item = self._item(node, sku)
        self.adjust(node, sku, item.reserved + offset - item.on_hand, commit)
        self.set_stock(node, sku, item.reserved + offset, None, commit)

    def _bad_row(self, sku: str, bad: str, room: int) -> tuple[str, str, int]:
        """A row that fails and sorts after ("N1", sku), so that the row before it has already
        been applied when it fails: that one must be put back."""
        if bad == "node":
            return ("NX", sku, 1)
        if bad == "sku":
            return ("N2", "SX", 1)
        return ("N2", sku, room + 1)

    @rule(sku=st.sampled_from(SKUS), bad=st.sampled_from(["short", "node", "sku"]),
          commit=st.booleans())  # fmt: skip
    def hold_all_or_nothing(self, sku: str, bad: str, commit: bool) -> None:
        fits = ("N1", sku, max(1, self._item("N1", sku).atp))
        self.hold([fits, self._bad_row(sku, bad, self._item("N2", sku).atp)], commit)

    @rule(sku=st.sampled_from(SKUS), bad=st.sampled_from(["short", "node", "sku"]),
          ships=st.booleans(), commit=st.booleans())  # fmt: skip
    def unreserve_all_or_nothing(self, sku: str, bad: str, ships: bool, commit: bool) -> None:
        fits = ("N1", sku, max(1, self._item("N1", sku).reserved))
        rows = [fits, self._bad_row(sku, bad, self._item("N2", sku).reserved)]
        self._unreserve(rows, commit, ledger.commit_shipment if ships else ledger.release, ships)

    # ------------------------------------------------------------ invariants

    @invariant()
    def the_database_equals_the_model(self) -> None:
        with SqlUnitOfWork(self.sf, message_bus()) as uow:
            s = uow.session
            found = s.execute(
                select(StockItem.node_id, StockItem.sku_id, StockItem.on_hand,
                       StockItem.reserved, StockItem.safety_stock)
            ).all()  # fmt: skip
            atp = ledger.available(s, SKUS)
            events = s.scalar(select(func.count()).select_from(EventRecord))
            assert s.execute(text("PRAGMA foreign_keys")).scalar() == 1
        for _, _, on_hand, reserved, _ in found:
            assert 0 <= reserved <= on_hand
        assert {(n, k): Item(o, r, ss) for n, k, o, r, ss in found} == self.model
        assert atp == {key: item.atp for key, item in self.model.items()}
        assert events == self.events


InventoryLedgerMachine.TestCase.settings = settings(
    settings.default,
    max_examples=50,
    stateful_step_count=30,
    deadline=None,
    # No "explain" phase: it traces every line SQLAlchemy runs and turns a failure into minutes.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
)
TestInventoryLedger = InventoryLedgerMachine.TestCase
