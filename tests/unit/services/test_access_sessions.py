"""Store page sessions on the fake unit of work: a store key signs in, the session is checked
at each request, and refused once it or its key expires or the key is revoked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from oms.access import keys, sessions
from oms.access.model import ApiRole
from oms.access.principal import Principal
from oms.domain.errors import UnauthorizedError
from oms.domain.events import utcnow
from tests.fakes import FakeUnitOfWork
from tests.fakes.nodes import store


def signed_in_world() -> tuple[FakeUnitOfWork, Principal]:
    uow = FakeUnitOfWork()
    uow.nodes.add(store())
    raw = keys.create_key(uow, "store", "ST-PARIS")
    return uow, keys.authenticate(uow, raw)


def test_a_store_key_signs_in_and_only_the_tokens_hash_is_stored():
    uow, who = signed_in_world()
    token, row = sessions.sign_in(uow, who, 60)
    assert row.id == sessions.session_id(token) and token not in vars(row).values()
    signed_in = sessions.check_session(uow, token)
    assert signed_in.principal == Principal(ApiRole.STORE, "ST-PARIS", who.key_id)
    assert signed_in.csrf_token == row.csrf_token and uow.committed == 2


def test_signing_in_again_ends_the_browsers_previous_session_and_clears_expired_ones():
    uow, who = signed_in_world()
    old, _ = sessions.sign_in(uow, who, 60)
    sessions.sign_in(uow, who, 1, now=utcnow() - timedelta(minutes=5))  # expired since
    new, _ = sessions.sign_in(uow, who, 60, previous_token=old)
    assert list(uow.store_sessions.rows) == [sessions.session_id(new)]
    with pytest.raises(sessions.SessionRefused, match="ended") as refused:
        sessions.check_session(uow, old)
    assert refused.value.stale is None


def test_only_a_store_key_signs_in():
    uow, _ = signed_in_world()
    with pytest.raises(UnauthorizedError, match="only a store key signs in"):
        sessions.sign_in(uow, Principal(ApiRole.OPS, None, "K-OPS"), 60)
    assert uow.store_sessions.rows == {}


def test_an_expired_session_is_refused_and_named_for_deletion():
    uow, who = signed_in_world()
    token, row = sessions.sign_in(uow, who, 60)
    with pytest.raises(sessions.SessionRefused, match="expired at") as refused:
        sessions.check_session(uow, token, now=row.expires_at)
    assert refused.value.stale == row.id
    assert sessions.sign_out(uow, row.id) and not sessions.sign_out(uow, row.id)


def test_a_session_whose_key_was_revoked_is_refused():
    uow, who = signed_in_world()
    token, _ = sessions.sign_in(uow, who, 60)
    keys.revoke_key(uow, who.key_id)
    with pytest.raises(sessions.SessionRefused, match="revoked"):
        sessions.check_session(uow, token)


def test_a_missing_token_asks_to_sign_in():
    uow, _ = signed_in_world()
    with pytest.raises(sessions.SessionRefused, match="sign in with your store key"):
        sessions.check_session(uow, None)
