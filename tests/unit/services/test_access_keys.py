"""API keys on the fake unit of work: created (the secret shown once, only its hash kept),
listed, revoked, refused once revoked or expired."""

from __future__ import annotations

from datetime import timedelta

import pytest

from oms.access import keys
from oms.access.keys import KeyStatus
from oms.access.model import ApiRole
from oms.domain.errors import ConflictError, NotFoundError, UnauthorizedError, ValidationError
from oms.domain.events import utcnow
from tests.fakes import FakeUnitOfWork
from tests.fakes.nodes import store


def with_store(node_id: str = "ST-PARIS") -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    uow.nodes.add(store(node_id))
    return uow


def test_a_new_key_is_shown_once_and_only_its_hash_is_stored():
    uow = FakeUnitOfWork()
    raw, key = keys.issue_key(uow, "checkout", name="web shop")
    assert raw.startswith(keys.KEY_PREFIX) and uow.committed == 1
    [stored] = uow.api_keys.rows.values()
    assert stored is key and stored.key_hash == keys.hash_key(raw)
    assert raw not in vars(stored).values()
    who = keys.authenticate(uow, raw)
    assert (who.role, who.node_id, who.key_id) == (ApiRole.CHECKOUT, None, key.id)


def test_a_store_key_is_bound_to_a_store_that_exists():
    uow = with_store()
    raw = keys.create_key(uow, "store", "ST-PARIS")
    assert keys.authenticate(uow, raw).node_id == "ST-PARIS"
    with pytest.raises(NotFoundError, match='node "ST-LILLE" does not exist'):
        keys.create_key(uow, "store", "ST-LILLE")
    assert len(uow.api_keys.rows) == 1 and uow.committed == 1


def test_every_problem_of_a_new_key_is_reported_at_once_and_nothing_is_stored():
    uow = FakeUnitOfWork()
    with pytest.raises(ValidationError) as refused:
        keys.issue_key(uow, "admin", name="tab\there", expires_in_days=0)
    assert [p.split(":")[0] for p in refused.value.problems] == ["role", "name", "expires_in_days"]
    with pytest.raises(ValidationError, match="only a store key is bound to a node"):
        keys.issue_key(uow, "checkout", "ST-PARIS")
    with pytest.raises(ValidationError, match="a store key needs the store"):
        keys.issue_key(uow, "store")
    assert uow.api_keys.rows == {} and uow.committed == 0


def test_keys_are_listed_newest_first():
    uow = FakeUnitOfWork()
    now = utcnow()
    _, older = keys.issue_key(uow, "ops", now=now - timedelta(hours=1))
    _, newer = keys.issue_key(uow, "checkout", now=now)
    assert keys.list_keys(uow) == [newer, older]


def test_a_revoked_key_is_refused_and_revoking_it_again_changes_nothing():
    uow = FakeUnitOfWork()
    raw, key = keys.issue_key(uow, "checkout")
    at = utcnow()
    revoked = keys.revoke_key(uow, key.id, now=at)
    assert (revoked.revoked, revoked.revoked_at) == (True, at)
    assert keys.key_status(revoked) is KeyStatus.REVOKED
    with pytest.raises(UnauthorizedError, match="revoked"):
        keys.authenticate(uow, raw)
    again = keys.revoke_key(uow, key.id, now=at + timedelta(hours=1))
    assert again.revoked_at == at


def test_an_expired_key_is_refused_saying_when_it_expired():
    uow = FakeUnitOfWork()
    raw, key = keys.issue_key(uow, "checkout", expires_in_days=1)
    assert key.expires_at is not None
    later = key.expires_at + timedelta(seconds=1)
    assert keys.authenticate(uow, raw, now=later - timedelta(seconds=2)).key_id == key.id
    with pytest.raises(UnauthorizedError, match="expired at"):
        keys.authenticate(uow, raw, now=later)
    assert keys.key_status(key, later) is KeyStatus.EXPIRED


def test_a_missing_or_unknown_key_is_refused():
    uow = FakeUnitOfWork()
    with pytest.raises(UnauthorizedError, match="missing X-API-Key"):
        keys.authenticate(uow, None)
    with pytest.raises(UnauthorizedError, match="unknown API key"):
        keys.authenticate(uow, "oms_guess")


def test_revoking_an_unknown_key_names_it():
    with pytest.raises(NotFoundError, match='API key "K-NOPE" does not exist'):
        keys.revoke_key(FakeUnitOfWork(), "K-NOPE")


def test_the_last_active_ops_key_is_kept_when_asked_but_an_expired_one_does_not_count():
    uow = FakeUnitOfWork()
    _, first = keys.issue_key(uow, "ops")
    _, stale = keys.issue_key(uow, "ops", expires_in_days=1, now=utcnow() - timedelta(days=2))
    with pytest.raises(ConflictError, match="last active ops key"):
        keys.revoke_key(uow, first.id, keep_an_ops_key=True)
    assert not first.revoked
    keys.revoke_key(uow, stale.id, keep_an_ops_key=True)
    assert keys.active_ops_keys(uow) == 1
    keys.revoke_key(uow, first.id)  # the command line may
    assert keys.active_ops_keys(uow) == 0
