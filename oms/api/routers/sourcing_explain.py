"""POST /v1/sourcing/explain: why the sourcer would source a cart as it does (ops, checkout)."""

from __future__ import annotations

from fastapi import APIRouter

from oms.access.model import ApiRole
from oms.api.deps import PrincipalDep, StateDep, UowDep
from oms.api.explain_schemas import ExplainIn, ExplanationOut
from oms.api.responses import KEYED, errors
from oms.promise.explain import explain_cart

router = APIRouter(prefix="/v1/sourcing", tags=["sourcing"], responses=errors(*KEYED, 404))

DESCRIPTION = """The plan the sourcer chooses now for the cart (the promise's body: `lines`,
and a `destination` or an `address`; or `pickup_node` to collect it at that store), with its
cost breakdown (the contract's one cost function: shipping, handling, split, unfilled), and the
alternatives it rejected: node sets drawn from the chosen nodes and the eligible nodes cheapest
for this destination (one, two or three nodes), each filled as cheaply as those nodes allow and
given a `verdict`: `no_stock`, `capacity`, `max_shipments`, `dominated`, `costlier` (by
`extra_cost`) or `tied`. Under the look-ahead policy each unit carries its `lookahead_price` and
the plan its `stock_value`; `objective` is what the sourcer minimises (cost + stock value).
Reads stock now (not the promise's cache); reserves nothing. 404 `unknown_sku` or
`unknown_node` names the record; 422 names the field. Ops and checkout keys."""


@router.post("/explain", response_model=ExplanationOut, description=DESCRIPTION)
def explain(body: ExplainIn, uow: UowDep, state: StateDep, who: PrincipalDep) -> ExplanationOut:
    """Explain the sourcing of a cart."""
    who.require(ApiRole.CHECKOUT)
    dest = body.destination
    found = explain_cart(
        uow,
        state.networks,
        [(line.sku, line.qty) for line in body.lines],
        destination=(dest.lat, dest.lon) if dest else None,
        address=body.address.postal() if body.address else None,
        pickup_node=body.pickup_node,
    )
    return ExplanationOut.of(found)
