"""The message bus: domain events to the handlers registered for their type.

Handlers are registered in one place (``oms/handlers.py``) and wired by the composition root
(``oms/bootstrap.py``); the code that raises an event does not know who reacts to it.

Dispatch is immediate and in the raiser's transaction (cosmicpython's bus, minus the queue): the
unit of work records the event, then hands it here before the raising command goes on, so a
reaction (release the picks of a sourced order, re-source a short pick) commits or rolls back
with the change that caused it and can never be lost between two transactions. What leaves the
system (webhooks, e-mail) is not a handler's direct work: it goes through an outbox after commit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from oms.domain.events import DomainEvent


class EventSink(Protocol):
    """What a handler may do besides its own context's work: raise further events."""

    def emit(self, event: DomainEvent) -> None: ...


# A handler takes the event and the unit of work it runs in (typed by each context's own
# unit-of-work protocol, hence Any here).
Handler = Callable[[Any, Any], None]


class MessageBus:
    def __init__(self, handlers: Mapping[type[DomainEvent], Sequence[Handler]]) -> None:
        self._handlers = {kind: tuple(found) for kind, found in handlers.items()}

    def handlers_of(self, event: DomainEvent) -> tuple[Handler, ...]:
        return self._handlers.get(type(event), ())

    def handle(self, event: DomainEvent, uow: EventSink) -> None:
        """Run every handler of the event's type, in registration order."""
        for handler in self.handlers_of(event):
            handler(event, uow)


NO_HANDLERS = MessageBus({})
