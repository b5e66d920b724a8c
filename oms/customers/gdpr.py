"""The GDPR's rights of access and erasure for one person.

``export``: everything held about them as plain JSON-ready data (profile, addresses, orders
with their lines, shipments, refunds, notifications and history, returns, reservations, the
customer's own events).

``erase``: the person is pseudonymised everywhere (Spree's ``anonymize``, Shopify's
``customers/redact``): the customer row, their addresses, the snapshots of who and where on
their orders and reservations (theirs by customer id, and guest ones with their e-mail), and
every stored payload about those records (events, outbox, webhook deliveries, notifications).
Kept, for accounting and returns: order, return and refund ids, SKUs, quantities, amounts,
dates, statuses, the country and the postcode's first two characters, and the destination
rounded to 0.1 degree (~10 km: where the goods went, not who lives there). Idempotent: a second
erase changes nothing and raises nothing."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Protocol

from oms.customers.model import Customer, CustomerAddress
from oms.customers.ports import CustomersUnitOfWork
from oms.domain.events import Aggregate, CustomerErased, EventRecord, utcnow
from oms.orders.model import Order, Reservation
from oms.orders.ports import OrderViewSource
from oms.orders.views import order_view
from oms.returns.records import ReturnAuthorization

ERASED = "[erased]"
KEPT_POSTCODE_CHARS = 2


@dataclass(frozen=True, kw_only=True)
class Scope:
    """The records about the person whose stored payloads are scrubbed."""

    customer_id: str
    order_ids: list[str]
    reservation_ids: list[str]
    return_ids: list[str]


class PersonalData(Protocol):
    def orders_of(self, customer_id: str, email: str) -> list[Order]:
        """Orders placed by the customer, or as a guest with their e-mail."""
        ...

    def reservations_of(self, customer_id: str, email: str) -> list[Reservation]: ...

    def returns_of(self, order_ids: list[str]) -> list[ReturnAuthorization]: ...

    def scrub(self, scope: Scope, needles: list[str], replacement: str) -> int:
        """Every stored payload about the scope's records (events, outbox, webhook deliveries
        and attempts, notifications) with each needle replaced; the rows changed."""
        ...


class GdprUnitOfWork(CustomersUnitOfWork, OrderViewSource, Protocol):
    @property
    def personal_data(self) -> PersonalData: ...


@dataclass(frozen=True, kw_only=True)
class Erasure:
    customer_id: str
    erased_at: datetime
    orders: list[str]
    reservations: int
    payloads_scrubbed: int


def export(uow: GdprUnitOfWork, customer_id: str) -> dict[str, Any]:
    """Everything held about the person, as JSON-ready data."""
    customer = uow.customers.get(customer_id)
    orders = uow.personal_data.orders_of(customer.id, customer.email)
    order_ids = [o.id for o in orders]
    return {
        "object": "customer_export",
        "generated_at": utcnow().isoformat(),
        "customer": _plain(asdict(customer)),
        "addresses": [_plain(asdict(a)) for a in _addresses(uow, customer)],
        "orders": [_plain(asdict(order_view(uow, o))) for o in orders],
        "returns": [_plain(asdict(r)) for r in uow.personal_data.returns_of(order_ids)],
        "reservations": [
            _plain(asdict(r))
            for r in uow.personal_data.reservations_of(customer.id, customer.email)
        ],
        "events": [_event(e) for e in uow.events.history(Aggregate.CUSTOMER, customer.id)],
    }


def erase(uow: GdprUnitOfWork, customer_id: str) -> Erasure:
    """Pseudonymise the person everywhere, keeping what accounting and returns need."""
    customer = uow.customers.get_for_update(customer_id)
    orders = uow.personal_data.orders_of(customer.id, customer.email)
    reservations = uow.personal_data.reservations_of(customer.id, customer.email)
    if customer.erased_at is not None:  # idempotent: already done
        return Erasure(
            customer_id=customer.id,
            erased_at=customer.erased_at,
            orders=[o.id for o in orders],
            reservations=len(reservations),
            payloads_scrubbed=0,
        )
    addresses = _addresses(uow, customer)
    records: list[Order | Reservation] = [*orders, *reservations]
    needles = _needles(customer, addresses, records)
    for record in records:
        _pseudonymise_snapshot(record, customer.id)
    for address in addresses:
        _pseudonymise_address(address)
    scope = Scope(
        customer_id=customer.id,
        order_ids=[o.id for o in orders],
        reservation_ids=[r.id for r in reservations],
        return_ids=[r.id for r in uow.personal_data.returns_of([o.id for o in orders])],
    )
    scrubbed = uow.personal_data.scrub(scope, needles, ERASED)
    _pseudonymise_customer(customer)
    uow.emit(CustomerErased(customer_id=customer.id, orders=scope.order_ids))
    uow.commit()
    return Erasure(
        customer_id=customer.id,
        erased_at=customer.erased_at or utcnow(),
        orders=scope.order_ids,
        reservations=len(reservations),
        payloads_scrubbed=scrubbed,
    )


def pseudonym(customer_id: str) -> str:
    """The e-mail an erased customer keeps: unique, unroutable (.invalid), not their own."""
    digest = hashlib.sha256(customer_id.encode()).hexdigest()[:16]
    return f"erased-{digest}@erased.invalid"


def _addresses(uow: CustomersUnitOfWork, customer: Customer) -> list[CustomerAddress]:
    return uow.customer_addresses.list_by(customer_id=customer.id, order_by="created_at")


def _needles(
    customer: Customer, addresses: list[CustomerAddress], records: list[Order | Reservation]
) -> list[str]:
    """Every personal string to be found in stored payloads, longest first (a name inside an
    e-mail is replaced as part of the e-mail)."""
    found = {customer.email, customer.name, customer.phone, customer.external_id}
    for a in addresses:
        found |= {a.line1, a.line2, a.postcode, a.city}
    for r in records:
        found |= {r.email, r.customer_name, r.phone}
        snapshot = r.address if isinstance(r.address, dict) else {}
        found |= {snapshot.get(k) for k in ("line1", "line2", "postcode", "city")}
    # Very short strings (a 2-letter city, an initial) would scrub unrelated text.
    return sorted((s for s in found if isinstance(s, str) and len(s) >= 3), key=len, reverse=True)


def _pseudonymise_snapshot(record: Order | Reservation, customer_id: str) -> None:
    record.customer_id = customer_id if record.customer_id is not None else None
    record.email = pseudonym(customer_id) if record.email is not None else None
    record.customer_name = None
    record.phone = None
    if isinstance(record.address, dict):
        record.address = _kept_of_address(record.address)
    if record.dest_lat is not None and record.dest_lon is not None:
        record.dest_lat, record.dest_lon = round(record.dest_lat, 1), round(record.dest_lon, 1)


def _kept_of_address(address: dict[str, Any]) -> dict[str, Any]:
    postcode = str(address.get("postcode") or "")[:KEPT_POSTCODE_CHARS]
    erased = dict.fromkeys(("line1", "line2", "city", "lat", "lon"))
    return {**erased, "postcode": postcode, "country": address.get("country")}


def _pseudonymise_address(address: CustomerAddress) -> None:
    address.line1 = ERASED
    address.line2 = None
    address.city = ERASED
    address.postcode = address.postcode[:KEPT_POSTCODE_CHARS]
    address.lat = address.lon = None


def _pseudonymise_customer(customer: Customer) -> None:
    customer.email = pseudonym(customer.id)
    customer.name = None
    customer.phone = None
    customer.external_id = None
    customer.erased_at = customer.updated_at = utcnow()


def _event(e: EventRecord) -> dict[str, Any]:
    return {"type": e.type, "at": e.occurred_at.isoformat(), "data": e.payload}


def _plain(value: Any) -> Any:
    """JSON-ready: instants as ISO 8601, enums as their values."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "value") and isinstance(value.value, str):
        return value.value
    return value
