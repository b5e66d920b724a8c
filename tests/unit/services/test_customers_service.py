"""The customers service on the fake unit of work: customers created, changed, found; who an
order is for resolved from a customer or a guest's details."""

from __future__ import annotations

import pytest

from oms.customers import service as svc
from oms.domain.contact import Contact
from oms.domain.errors import ConflictError, ValidationError
from oms.orders.recipients import RecipientForm, resolve
from tests.fakes import FakeUnitOfWork


def _alice(uow):
    return svc.create_customer(
        uow,
        svc.CustomerForm(email="A@X.FR", name="Alice", phone="06 12 34 56 78", locale="fr"),
    )


def test_a_customer_is_created_with_normal_email_and_phone_and_an_event():
    uow = FakeUnitOfWork()
    alice = _alice(uow)
    assert (alice.email, alice.phone, alice.locale) == ("a@x.fr", "0612345678", "fr")
    assert uow.emitted_names() == ["CustomerCreated"] and uow.committed == 1


def test_every_bad_field_is_named_at_once_and_nothing_is_kept():
    uow = FakeUnitOfWork()
    with pytest.raises(ValidationError) as err:
        svc.create_customer(uow, svc.CustomerForm(email="nope", phone="1", locale="de"))
    assert [p.split(":")[0] for p in err.value.problems] == ["email", "phone", "locale"]
    assert uow.customers.rows == {} and uow.emitted == []


def test_an_update_names_only_the_fields_that_changed():
    uow = FakeUnitOfWork()
    alice = _alice(uow)
    svc.update_customer(uow, alice.id, svc.CustomerForm(name="Alice", locale="en"))
    assert uow.emitted[-1].fields == ["locale"]


def test_an_erased_customer_cannot_be_changed():
    uow = FakeUnitOfWork()
    alice = _alice(uow)
    alice.erased_at = alice.created_at
    with pytest.raises(ConflictError):
        svc.update_customer(uow, alice.id, svc.CustomerForm(name="B"))


def test_an_order_for_a_customer_takes_their_details_unless_the_request_says_otherwise():
    uow = FakeUnitOfWork()
    alice = _alice(uow)
    form = RecipientForm(contact=Contact(customer_id=alice.id, phone="+44 20 7946 0000"))
    recipient, dest = resolve(uow.customer_contacts, form, (48.8, 2.3), needs_destination=True)
    assert recipient.contact.email == "a@x.fr" and recipient.contact.phone == "+442079460000"
    assert recipient.contact.locale == "fr" and recipient.located_by == "given"
    assert dest == (48.8, 2.3)


def test_an_unknown_or_erased_customer_is_refused_naming_customer_id():
    uow = FakeUnitOfWork()
    alice = _alice(uow)
    alice.erased_at = alice.created_at
    for cid in ("cus_nobody", alice.id):
        form = RecipientForm(contact=Contact(customer_id=cid))
        with pytest.raises(ValidationError, match="customer_id"):
            resolve(uow.customer_contacts, form, None, needs_destination=False)
