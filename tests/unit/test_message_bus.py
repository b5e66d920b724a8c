"""The message bus hands each event to the handlers registered for its type, in order, in the
unit of work that raised it; events raised by a handler are handled in turn."""

from dataclasses import dataclass

from oms.domain.bus import MessageBus
from oms.domain.events import DomainEvent, NodeDisabled, NodeEnabled
from tests.fakes import FakeUnitOfWork


@dataclass(frozen=True, kw_only=True)
class Pinged(DomainEvent):
    order_id: str


def test_handlers_run_in_registration_order_with_the_unit_of_work_that_raised_the_event():
    seen = []
    bus = MessageBus(
        {Pinged: [lambda e, uow: seen.append(("first", e.order_id, uow)),
                  lambda e, uow: seen.append(("second", e.order_id, uow))]}
    )  # fmt: skip
    uow = FakeUnitOfWork(bus)
    uow.emit(Pinged(order_id="O-1"))
    assert seen == [("first", "O-1", uow), ("second", "O-1", uow)]


def test_an_event_raised_by_a_handler_is_handled_before_the_raiser_goes_on():
    seen = []

    def disable_then_note(event, uow):
        uow.emit(NodeDisabled(node_id=event.node_id))
        seen.append("after the disable was handled")

    bus = MessageBus(
        {NodeEnabled: [disable_then_note],
         NodeDisabled: [lambda e, uow: seen.append(f"{e.node_id} disabled")]}
    )  # fmt: skip
    uow = FakeUnitOfWork(bus)
    uow.emit(NodeEnabled(node_id="S-1"))
    assert seen == ["S-1 disabled", "after the disable was handled"]
    assert uow.emitted_names() == ["NodeEnabled", "NodeDisabled"]


def test_an_event_nobody_handles_is_still_recorded_in_the_history():
    uow = FakeUnitOfWork(MessageBus({}))
    uow.emit(Pinged(order_id="O-2"))
    [record] = uow.events.history("order", "O-2")
    assert (record.type, record.payload) == ("Pinged", {})


def test_an_event_payload_is_every_field_but_the_aggregate_id_with_renamed_keys():
    from oms.domain.events import ReturnRequested

    event = ReturnRequested(order_id="O-1", return_id="R-1", status="requested",
                            destination="DC", units=2)  # fmt: skip
    assert event.aggregate_id == "O-1"
    assert event.payload() == {"return": "R-1", "status": "requested", "destination": "DC",
                               "units": 2}  # fmt: skip
