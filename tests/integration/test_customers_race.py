"""Two customers created at once with the same external id, on SQLite and PostgreSQL: the
unique index decides, the loser gets a conflict (never a 500), and one customer is kept."""

from __future__ import annotations

import threading
import time

from sqlalchemy import func, select

from oms.customers import service as svc
from oms.customers.model import Customer
from oms.db import tables
from oms.db.uow import SqlUnitOfWork
from oms.domain.bus import NO_HANDLERS
from oms.domain.errors import ConflictError


def test_the_second_of_two_racing_creates_with_one_external_id_is_a_conflict(session_factory):
    outcome: list[object] = []

    def second() -> None:
        with SqlUnitOfWork(session_factory, NO_HANDLERS) as uow:
            try:
                svc.create_customer(uow, svc.CustomerForm(email="b@x.fr", external_id="crm-1"))
                outcome.append("created")
            except ConflictError as exc:
                outcome.append(exc)

    with SqlUnitOfWork(session_factory, NO_HANDLERS) as first:
        first.customers.save_unique(Customer(id="cus_first", email="a@x.fr", external_id="crm-1"))
        racer = threading.Thread(target=second)
        racer.start()
        time.sleep(0.5)  # the second has checked (nothing committed yet) and waits on the index
        first.commit()
    racer.join(30)
    assert len(outcome) == 1 and isinstance(outcome[0], ConflictError)
    with session_factory() as session:
        count = session.scalar(select(func.count()).select_from(tables.customers))
    assert count == 1
