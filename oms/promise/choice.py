"""The delivery service an order is for, and the promise options' ids that name one.

A customer chooses a service at checkout: `standard` or `express` delivery to an address, or
`click_and_collect` at a store. An API call names it with `service`, or with the `id` of the
promise option it chose (`standard`, `express`, `pickup:<store>`), never both. A pickup goes with
click-and-collect and the others with shipping: whichever of the method and the service is not
given follows from the other, and a contradiction is refused naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from oms.domain.errors import ValidationError

SHIP, PICKUP = "ship", "pickup"  # the delivery methods (oms.orders.model.DeliveryMethod values)
PICKUP_OPTION = "pickup:"  # a click-and-collect option's id is "pickup:<store id>"


class DeliveryService(StrEnum):
    STANDARD = "standard"
    EXPRESS = "express"
    CLICK_AND_COLLECT = "click_and_collect"


def default_service(method: str) -> DeliveryService:
    """The service of a request that names none: click-and-collect for a pickup, else standard."""
    return DeliveryService.CLICK_AND_COLLECT if method == PICKUP else DeliveryService.STANDARD


def method_of(service: DeliveryService) -> str:
    return PICKUP if service is DeliveryService.CLICK_AND_COLLECT else SHIP


def option_id(service: DeliveryService, store: str | None = None) -> str:
    """The id of the promise option for a service (at a store, for click-and-collect)."""
    if service is DeliveryService.CLICK_AND_COLLECT:
        if store is None:
            raise ValidationError(["store: a click-and-collect option names its store"])
        return PICKUP_OPTION + store
    return service.value


def parse_option_id(oid: str) -> tuple[DeliveryService, str | None] | None:
    """The service (and store) an option id names, or None when it names no option."""
    if oid.startswith(PICKUP_OPTION) and len(oid) > len(PICKUP_OPTION):
        return DeliveryService.CLICK_AND_COLLECT, oid[len(PICKUP_OPTION) :]
    if oid in (DeliveryService.STANDARD, DeliveryService.EXPRESS):
        return DeliveryService(oid), None
    return None


def service_problems(
    method: str, service: DeliveryService, field: str = "service", method_field: str = "method"
) -> list[str]:
    """Why a service does not go with a delivery method (empty when it does)."""
    if method_of(service) == method:
        return []
    if service is DeliveryService.CLICK_AND_COLLECT:
        where = "is collected at a store"
    else:
        where = "delivers to an address"
    return [f'{field}: {service.value} {where}, but {method_field} is "{method}"']


@dataclass(frozen=True, slots=True)
class Choice:
    """A request's delivery, resolved: its service, method and pickup store."""

    service: DeliveryService
    method: str  # ship | pickup
    pickup_node: str | None


def choose(
    *,
    service: str | None,
    option_id: str | None,
    method: str | None,
    pickup_node: str | None,
) -> Choice:
    """The delivery a request asks for. `service` or `option_id` (not both) chooses the service,
    else the method does; the method (default: the service's, else ship) and a pickup option's
    store may be given too, but must agree. ValidationError names every field in contradiction."""
    problems: list[str] = []
    chosen: DeliveryService | None = None
    field = "service"
    store = pickup_node
    if service is not None and option_id is not None:
        problems.append("option_id: give service or option_id, not both")
    elif service is not None:
        try:
            chosen = DeliveryService(service)
        except ValueError:
            names = ", ".join(s.value for s in DeliveryService)
            problems.append(f"service: must be one of {names}, got {service!r}")
    elif option_id is not None:
        field = "option_id"
        parsed = parse_option_id(option_id)
        if parsed is None:
            problems.append(
                f'option_id: "{option_id}" is not a promise option id '
                "(standard, express or pickup:<store>)"
            )
        else:
            chosen, option_store = parsed
            if option_store is not None and pickup_node not in (None, option_store):
                problems.append(
                    f'pickup_node: "{pickup_node}" is not the option\'s store "{option_store}"'
                )
            store = option_store or pickup_node
    if problems:
        raise ValidationError(problems)
    if chosen is None:
        method = method or SHIP
        return Choice(default_service(method), method, store)
    method = method or method_of(chosen)
    problems = service_problems(method, chosen, field)
    if problems:
        raise ValidationError(problems)
    return Choice(chosen, method, store)
