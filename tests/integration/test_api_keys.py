"""API keys: only the hash is stored; roles and a store key's node are enforced; keys are named,
expire, are listed and revoked (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from oms.access.keys import (
    KeyStatus,
    active_ops_keys,
    authenticate,
    create_key,
    hash_key,
    issue_key,
    key_status,
    list_keys,
    revoke_key,
)
from oms.access.model import ApiKey, ApiRole
from oms.access.principal import Principal
from oms.db.types import utcnow
from oms.db.uow import SqlUnitOfWork
from oms.domain.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    UnauthorizedError,
    ValidationError,
)
from oms.handlers import message_bus
from oms.inventory.model import Node


def _uow(session_factory) -> SqlUnitOfWork:
    return SqlUnitOfWork(session_factory, message_bus())


def _store(uow, node_id="ST-PARIS"):
    uow.nodes.add_now(
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


def test_a_new_key_authenticates_and_only_its_hash_is_stored(session_factory):
    with _uow(session_factory) as uow:
        raw = create_key(uow, "checkout")
        stored = uow.session.scalars(select(ApiKey)).one()
        assert stored.key_hash == hash_key(raw) and raw not in stored.key_hash
        who = authenticate(uow, raw)
        assert (who.role, who.node_id) == (ApiRole.CHECKOUT, None) and who.key_id == stored.id


def test_missing_unknown_and_revoked_keys_are_refused(session_factory):
    with _uow(session_factory) as uow:
        raw = create_key(uow, "ops")
        with pytest.raises(UnauthorizedError, match="missing X-API-Key"):
            authenticate(uow, None)
        with pytest.raises(UnauthorizedError, match="unknown API key"):
            authenticate(uow, raw + "x")
        uow.session.scalars(select(ApiKey)).one().revoked = True
        uow.commit()
        with pytest.raises(UnauthorizedError, match="revoked"):
            authenticate(uow, raw)


def test_a_store_key_is_bound_to_its_existing_store(session_factory):
    with _uow(session_factory) as uow:
        with pytest.raises(ValidationError, match="store key needs the store"):
            create_key(uow, "store")
        with pytest.raises(NotFoundError, match="ST-NOWHERE"):
            create_key(uow, "store", "ST-NOWHERE")
        with pytest.raises(ValidationError, match="role: must be one of"):
            create_key(uow, "admin")
        _store(uow)
        raw = create_key(uow, "store", "ST-PARIS")
        principal = authenticate(uow, raw)
    principal.require_node("ST-PARIS")
    with pytest.raises(ForbiddenError, match="bound to ST-PARIS"):
        principal.require_node("ST-LYON")


def test_roles_allow_what_they_name_and_ops_allows_everything():
    Principal(ApiRole.OPS).require(ApiRole.CHECKOUT)
    Principal(ApiRole.CHECKOUT).require(ApiRole.CHECKOUT)
    with pytest.raises(ForbiddenError, match="a checkout key may not"):
        Principal(ApiRole.CHECKOUT).require(ApiRole.OPS)


def test_every_problem_of_a_new_key_is_reported_at_once(session_factory):
    with _uow(session_factory) as uow, pytest.raises(ValidationError) as refused:
        issue_key(uow, "admin", name="tab\there", expires_in_days=0)
    assert [p.split(":")[0] for p in refused.value.problems] == [
        "role",
        "name",
        "expires_in_days",
    ]
    with _uow(session_factory) as uow, pytest.raises(ValidationError) as refused:
        issue_key(uow, "checkout", "ST-PARIS", name="", expires_in_days=3651)
    assert refused.value.problems == [
        "node: only a store key is bound to a node, not a checkout key",
        "name: 1 to 200 printable characters",
        "expires_in_days: from 1 to 3650, got 3651",
    ]
    with _uow(session_factory) as uow:
        assert uow.session.scalars(select(ApiKey)).all() == []


def test_a_key_carries_its_name_and_expiry_and_the_list_shows_the_newest_first(session_factory):
    now = utcnow()
    with _uow(session_factory) as uow:
        _, older = issue_key(uow, "ops", name="ops laptop", now=now - timedelta(hours=1))
        _, newer = issue_key(uow, "checkout", name="web shop", expires_in_days=30, now=now)
    with _uow(session_factory) as uow:
        listed = list_keys(uow)
    assert [k.id for k in listed] == [newer.id, older.id]
    assert listed[0].name == "web shop" and listed[0].expires_at == now + timedelta(days=30)
    assert listed[1].expires_at is None and listed[1].revoked_at is None
    assert [key_status(k) for k in listed] == [KeyStatus.ACTIVE, KeyStatus.ACTIVE]


def test_an_expired_key_is_refused_and_listed_as_expired(session_factory):
    with _uow(session_factory) as uow:
        raw, key = issue_key(uow, "checkout", expires_in_days=1)
        assert authenticate(uow, raw).key_id == key.id
        later = key.expires_at + timedelta(seconds=1)
        with pytest.raises(UnauthorizedError, match="expired at"):
            authenticate(uow, raw, now=later)
        assert key_status(key, later) is KeyStatus.EXPIRED


def test_revoking_sets_revoked_and_its_time_and_revoking_again_changes_nothing(session_factory):
    with _uow(session_factory) as uow:
        raw, key = issue_key(uow, "checkout")
        at = utcnow()
        revoke_key(uow, key.id, now=at)
    with _uow(session_factory) as uow:
        again = revoke_key(uow, key.id, now=at + timedelta(hours=1))
        assert (again.revoked, again.revoked_at) == (True, at)
        assert key_status(again) is KeyStatus.REVOKED
        with pytest.raises(UnauthorizedError, match="revoked"):
            authenticate(uow, raw)


def test_revoking_an_unknown_key_names_it(session_factory):
    with _uow(session_factory) as uow, pytest.raises(NotFoundError, match='"K-NOPE"'):
        revoke_key(uow, "K-NOPE")


def test_the_last_active_ops_key_is_kept_when_asked_and_an_expired_one_does_not_count(
    session_factory,
):
    with _uow(session_factory) as uow:
        _, first = issue_key(uow, "ops")
        _, stale = issue_key(uow, "ops", expires_in_days=1, now=utcnow() - timedelta(days=2))
        _, checkout = issue_key(uow, "checkout")
        with pytest.raises(ConflictError, match="last active ops key"):
            revoke_key(uow, first.id, keep_an_ops_key=True)
        uow.rollback()
        # Keys that are not the last active ops key go: the expired one, any other role.
        revoke_key(uow, stale.id, keep_an_ops_key=True)
        revoke_key(uow, checkout.id, keep_an_ops_key=True)
        assert active_ops_keys(uow) == 1
        # The command line may revoke the last one (it runs on the server).
        revoke_key(uow, first.id)
        assert active_ops_keys(uow) == 0


def test_of_two_concurrent_revocations_of_the_last_two_ops_keys_one_is_refused(session_factory):
    with _uow(session_factory) as uow:
        ids = [issue_key(uow, "ops")[1].id for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def revoke(key_id: str) -> None:
        with _uow(session_factory) as uow:
            barrier.wait()
            try:
                revoke_key(uow, key_id, keep_an_ops_key=True)
                outcomes.append("revoked")
            except ConflictError:
                outcomes.append("conflict")

    threads = [threading.Thread(target=revoke, args=(key_id,)) for key_id in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["conflict", "revoked"]
    with _uow(session_factory) as uow:
        assert active_ops_keys(uow) == 1


# --- the command line: oms keys create | list | revoke ------------------------------------


@pytest.fixture
def oms_keys(db_url, monkeypatch):
    """`oms keys ...` on the test's database."""
    from typer.testing import CliRunner

    from oms.cli import app
    from oms.config import get_settings

    monkeypatch.setenv("OMS_DATABASE_URL", db_url)
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(app, ["keys", *args])
    monkeypatch.delenv("OMS_DATABASE_URL")
    get_settings.cache_clear()


def test_the_command_line_creates_lists_and_revokes_keys(oms_keys):
    made = oms_keys("create", "--role", "ops", "--name", "ops laptop")
    assert made.exit_code == 0, made.output
    raw = made.stdout.strip()
    assert raw.startswith("oms_") and "\n" not in raw
    ops_id = made.stderr.split(" key ")[1].split(":")[0]
    assert "shown once" in made.stderr
    made = oms_keys("create", "--role", "checkout", "--name", "web", "--expires-in", "30")
    assert made.exit_code == 0 and ", expires 20" in made.stderr

    listed = oms_keys("list")
    assert listed.exit_code == 0
    header, *rows = listed.stdout.splitlines()
    columns = "ID NAME ROLE NODE CREATED (UTC) EXPIRES (UTC) STATUS"
    assert header.split() == columns.split()
    assert len(rows) == 2 and rows[0].split()[1:3] == ["web", "checkout"]
    assert rows[1].startswith(ops_id) and rows[1].split()[-1] == "active"
    assert raw not in listed.stdout and hash_key(raw) not in listed.stdout

    revoked = oms_keys("revoke", ops_id)
    assert revoked.exit_code == 0 and f"revoked ops key {ops_id}" in revoked.stderr
    assert "no active ops key is left" in revoked.stderr  # allowed here, with a warning
    again = oms_keys("revoke", ops_id)
    assert again.exit_code == 0 and "already revoked" in again.stderr
    assert oms_keys("list").stdout.splitlines()[2].split()[-1] == "revoked"


def test_the_command_line_refuses_bad_input_with_exit_code_2(oms_keys):
    unknown = oms_keys("revoke", "K-NOPE")
    assert unknown.exit_code == 2 and 'no API key with id "K-NOPE"' in unknown.stderr
    cases = {
        ("create", "--role", "admin"): "role: must be one of checkout, ops, store",
        ("create", "--role", "store"): "node: a store key needs the store",
        ("create", "--role", "store", "--node", "ST-NOWHERE"): 'node "ST-NOWHERE" does not',
        ("create", "--role", "ops", "--name", "a\tb"): "name: 1 to 200 printable",
        ("create", "--role", "ops", "--expires-in", "0"): "--expires-in",
        ("create", "--role", "ops", "--expires-in", "3651"): "--expires-in",
    }
    for args, message in cases.items():
        result = oms_keys(*args)
        assert result.exit_code == 2, args
        assert message in result.stderr, (args, result.stderr)
    listed = oms_keys("list")
    assert listed.exit_code == 0 and listed.stdout == "" and "no API keys" in listed.stderr


def test_the_command_lines_longest_expiry_is_the_services():
    import typer

    from oms.api.auth import MAX_EXPIRY_DAYS
    from oms.cli import app

    create = typer.main.get_command(app).commands["keys"].commands["create"]
    [days] = [p for p in create.params if p.name == "expires_in"]
    assert (days.min, days.max) == (1, MAX_EXPIRY_DAYS)
