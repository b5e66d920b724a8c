"""API keys over HTTP, for ops keys only: list, create (the raw key is shown once), revoke.

A revoked key is refused at once by this worker and within a second by every other (see
oms/api/auth.py). The last active ops key cannot be revoked here, so that an operator cannot lock
everyone out of the API; `oms keys revoke` on the server still can."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from oms.access import keys
from oms.access.model import ApiRole
from oms.api.deps import PrincipalDep, StateDep, UowDep
from oms.api.fields import KeyId
from oms.api.key_schemas import CreatedKeyOut, KeyIn, KeyOut
from oms.api.responses import KEYED, errors

router = APIRouter(prefix="/v1/keys", tags=["keys"], responses=errors(*KEYED))


@router.get("")
def list_keys(uow: UowDep, who: PrincipalDep) -> list[KeyOut]:
    """Every key, newest first, with its status; never a key or its hash."""
    who.require(ApiRole.OPS)
    return [KeyOut.of(key) for key in keys.list_keys(uow)]


@router.post("", status_code=status.HTTP_201_CREATED, responses=errors(404))
def create_key(body: KeyIn, response: Response, uow: UowDep, who: PrincipalDep) -> CreatedKeyOut:
    """A new key: the answer's `key` is the only time it is shown."""
    who.require(ApiRole.OPS)
    issued = keys.issue_key(
        uow, body.role, body.node, name=body.name, expires_in_days=body.expires_in_days
    )
    response.headers["Cache-Control"] = "no-store"  # the raw key must not be kept on the way
    return CreatedKeyOut.created(issued.raw, issued.key)


@router.delete("/{key_id}", responses=errors(404, 409))
def revoke_key(key_id: KeyId, uow: UowDep, who: PrincipalDep, state: StateDep) -> KeyOut:
    """Revoke a key (again: no change). 409 for the last active ops key."""
    who.require(ApiRole.OPS)
    key = keys.revoke_key(uow, key_id, keep_an_ops_key=True)
    state.keys.forget(key.key_hash)  # refused here at once; by other workers within 1 s
    return KeyOut.of(key)
