"""API keys: only the hash is stored; roles and a store key's node are enforced."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from oms.api.auth import Principal, authenticate, create_key, hash_key
from oms.db.statuses import ApiRole
from oms.db.tables import ApiKey, Node
from oms.domain.errors import ForbiddenError, NotFoundError, UnauthorizedError, ValidationError


def _store(session, node_id="ST-PARIS"):
    session.add(
        Node(
            id=node_id,
            kind="store",
            lat=48.86,
            lon=2.35,
            can_ship=True,
            can_pickup=True,
            capacity_units=40,
            handling_cost=0.9,
            shipment_cost=6.0,
            cost_per_km=0.008,
        )
    )
    session.flush()


def test_a_new_key_authenticates_and_only_its_hash_is_stored(session_factory):
    with session_factory() as session:
        raw = create_key(session, "checkout")
        session.commit()
        stored = session.scalars(select(ApiKey)).one()
        assert stored.key_hash == hash_key(raw) and raw not in stored.key_hash
        who = authenticate(session, raw)
        assert (who.role, who.node_id) == (ApiRole.CHECKOUT, None) and who.key_id


def test_missing_unknown_and_revoked_keys_are_refused(session_factory):
    with session_factory() as session:
        raw = create_key(session, "ops")
        session.commit()
        with pytest.raises(UnauthorizedError, match="missing X-API-Key"):
            authenticate(session, None)
        with pytest.raises(UnauthorizedError, match="unknown or revoked"):
            authenticate(session, raw + "x")
        session.scalars(select(ApiKey)).one().revoked = True
        session.commit()
        with pytest.raises(UnauthorizedError):
            authenticate(session, raw)


def test_a_store_key_is_bound_to_its_existing_store(session_factory):
    with session_factory() as session:
        with pytest.raises(ValidationError, match="store key needs --node"):
            create_key(session, "store")
        with pytest.raises(NotFoundError, match="ST-NOWHERE"):
            create_key(session, "store", "ST-NOWHERE")
        with pytest.raises(ValidationError, match="role: must be one of"):
            create_key(session, "admin")
        _store(session)
        raw = create_key(session, "store", "ST-PARIS")
        session.commit()
        principal = authenticate(session, raw)
    principal.require_node("ST-PARIS")
    with pytest.raises(ForbiddenError, match="bound to ST-PARIS"):
        principal.require_node("ST-LYON")


def test_roles_allow_what_they_name_and_ops_allows_everything():
    Principal(ApiRole.OPS).require(ApiRole.CHECKOUT)
    Principal(ApiRole.CHECKOUT).require(ApiRole.CHECKOUT)
    with pytest.raises(ForbiddenError, match="a checkout key may not"):
        Principal(ApiRole.CHECKOUT).require(ApiRole.OPS)
