"""Re-optimisation of open orders (ops): POST /v1/sourcing/reoptimise."""

from __future__ import annotations

from fastapi import APIRouter

from oms.access.model import ApiRole
from oms.api.deps import PrincipalDep, StateDep
from oms.api.reoptimise_schemas import ReoptimiseIn, ReoptimiseOut
from oms.api.responses import KEYED, errors
from oms.stores.reoptimise import reoptimise

router = APIRouter(prefix="/v1/sourcing", tags=["sourcing"], responses=errors(*KEYED))

DESCRIPTION = """Re-plans the open orders' units that can still move, all together, with the wave
optimiser, and moves them (unless `dry_run`). Checkout sources each order on its own, against
what earlier orders left: the first orders of a day can take the stock later ones needed, which
then split or ship from far. This undoes that while the units are still on the shelf.

**What may move**: units of orders not cancelled, expired or complete, in shipments still
`created` (not picked, packed or shipped) whose store pick is not confirmed, except a pickup
order's units already at its own store. Everything else of an order stays (`frozen`: it adds the
same split penalty before and after).
**Filters** (all that are given must hold): `node` (orders with units that may move there: their
movable units anywhere are re-planned together), `region` (`lat`, `lon`, `radius_km`: orders
whose destination, a pickup's store, lies within), `orders` (ids, at most 1000). An unknown node
or order id is refused (422 naming the field); nothing changes.
**Rules**: a move never makes an order later than its promise (the latest of its live
shipments' `promised_at`; a pickup's `ready_at`): nodes that would are closed to it. A pickup
order keeps its store. No unit that was allocated is left unallocated. Disabled or closed nodes
keep the units they hold but receive none. Under `OMS_SOURCING_POLICY=lookahead` each unit's
look-ahead price is added to the objective (`priced`: true); costs stay the contract's.
**Applying**: one transaction per order that changed: the order is locked, its movable units
re-checked (else skipped: `changed`), the ledger releases the units leaving and holds those
arriving in one pass in lock order, conditionally (a checkout that took the stock meanwhile
skips the order: `lost_race`; nothing is ever oversold; an order whose new stock another move
frees is tried again after it, and orders that wait on each other, such as two swapping units,
are applied together in one transaction). Units leaving shrink their allocations and open picks (an
emptied pick or shipment is cancelled); units arriving extend the order's movable shipment at
that node or make a new one with its promise; picks are released for new shipments at stores;
each shipment that gained units raises `order.resourced` with `reason` "reoptimised" (webhooks,
the order's history).
**Answer**: the moves (`from`, `to`, each order's `saving`), the orders skipped and why, the
cost, shipments and splits before and after, the optimiser's `status` (`optimal` when proven),
its proven `bound` and `gap`. One run at a time across all processes (a lease in the database):
another run meanwhile gets 409 `reoptimisation_running`. `OMS_REOPTIMISE_EVERY_MINUTES` runs it
in the background too. Only ops keys may call it (403 otherwise)."""


@router.post(
    "/reoptimise",
    response_model=ReoptimiseOut,
    description=DESCRIPTION,
    responses=errors(409),
)
def reoptimise_open_orders(body: ReoptimiseIn, state: StateDep, who: PrincipalDep) -> ReoptimiseOut:
    """Re-optimise the open orders jointly and move their units."""
    who.require(ApiRole.OPS)
    report = reoptimise(state.unit_of_work, state.networks, state.leases(), body.request())
    return ReoptimiseOut.of(report)
