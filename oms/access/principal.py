"""Who is calling: the role of the API key (or store session) behind a request, and what it
allows."""

from __future__ import annotations

from dataclasses import dataclass

from oms.access.model import ApiRole
from oms.domain.errors import ForbiddenError


@dataclass(frozen=True)
class Principal:
    role: ApiRole
    node_id: str | None = None
    key_id: str = ""  # the API key's id: idempotency keys are scoped to it

    def require(self, *roles: ApiRole) -> None:
        """Ops may do everything; others only what their role allows."""
        if self.role is not ApiRole.OPS and self.role not in roles:
            raise ForbiddenError(f"a {self.role.value} key may not do this")

    def require_node(self, node_id: str) -> None:
        if self.role is ApiRole.STORE and self.node_id != node_id:
            raise ForbiddenError(f"this store key is bound to {self.node_id}, not {node_id}")
