"""The OmsError hierarchy.

Every error carries a stable machine-readable ``code`` and a human message; adapters map codes to
HTTP statuses or exit codes. No transport details live here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class OmsError(Exception):
    """Base class of every error the OMS raises on purpose."""

    code: str = "oms_error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def extra(self) -> dict[str, Any]:
        """Fields beyond code and detail that a caller needs to act (e.g. every shortfall)."""
        return {}


class ValidationError(OmsError):
    """Input that breaks a rule; lists every problem found, not only the first."""

    code = "invalid_input"

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        shown = self.problems[:20]
        more = len(self.problems) - len(shown)
        detail = "; ".join(shown) + (f"; ... and {more} more" if more > 0 else "")
        super().__init__(detail)

    def extra(self) -> dict[str, Any]:
        return {"fields": self.problems}


class ContractError(ValidationError):
    """A sourcing problem or plan that does not follow the contract (DESIGN.md section 3)."""

    code = "invalid_problem"


class NotAvailableError(OmsError):
    """A feature that exists in the interface but cannot run in this configuration."""

    code = "not_available"


class NotFoundError(OmsError):
    """A record the request names does not exist."""

    code = "not_found"


class UnauthorizedError(OmsError):
    """No credentials, or credentials that name no active key."""

    code = "unauthorized"


class ForbiddenError(OmsError):
    """Valid credentials without the right to this resource."""

    code = "forbidden"


class ConflictError(OmsError):
    """The request contradicts the current state (reused idempotency key, full slot, ...)."""

    code = "conflict"
