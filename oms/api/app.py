"""The FastAPI application: one router per context, one error mapping, kernels warmed at start."""

from __future__ import annotations

import inspect
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from oms import __version__
from oms.api import observability, security_headers
from oms.api.body_limit import BodyLimit
from oms.api.errors import install_error_handlers
from oms.api.promise_tallies import write_tallies_forever
from oms.api.routers import (
    catalog,
    customer_orders,
    customers,
    events,
    health,
    inventory,
    keys,
    kpis,
    ops_pages,
    order_search,
    orders,
    promise,
    reservations,
    returns,
    sourcing,
    sourcing_explain,
    sourcing_reoptimise,
    store_counter,
    store_counter_pages,
    store_counts,
    store_counts_pages,
    store_order_pages,
    store_pages,
    store_pick_pages,
    store_picks,
    store_receiving,
    store_receiving_pages,
    store_returns_desk,
    store_returns_pages,
    store_today,
    store_today_pages,
    stores,
    track,
    tracking,
    webhooks,
)
from oms.api.state import AppState
from oms.config import get_settings
from oms.promise.lookahead_refresh import refresh_forever
from oms.stores.reoptimise import reoptimise_forever

# The service exports its own Prometheus metrics (oms/api/observability.py); FastAPI's native
# OpenTelemetry looks up its providers on every request (~10 us) when it may: off, where the
# installed FastAPI has it.
_NO_OTEL: dict[str, Any] = (
    {"telemetry": {"tracing": False, "metrics": False, "logs": False}}
    if "telemetry" in inspect.signature(FastAPI.__init__).parameters
    else {}
)


def create_app(state: AppState) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Compile in the background: /healthz answers at once, /readyz once kernels are warm.
        threading.Thread(target=state.warm_up, name="oms-warm-up", daemon=True).start()
        stop = threading.Event()
        sweeper = threading.Thread(
            target=state.sweep_forever, args=(stop,), name="oms-sweeper", daemon=True
        )
        sweeper.start()
        dispatcher = threading.Thread(
            target=state.dispatch_forever, args=(stop,), name="oms-dispatcher", daemon=True
        )
        if get_settings().dispatcher:
            dispatcher.start()
        tallies = threading.Thread(
            target=write_tallies_forever, args=(state, stop), name="oms-tallies", daemon=True
        )
        tallies.start()
        # The look-ahead policy's prices, refreshed off the request path (once warm, then every
        # OMS_LOOKAHEAD_REFRESH_S seconds).
        prices = threading.Thread(
            target=refresh_forever,
            args=(state.read_uow, state.networks, stop),
            kwargs={
                "weeks": get_settings().lookahead_weeks,
                "every_s": get_settings().lookahead_refresh_s,
                "after": state.warm,
            },
            name="oms-lookahead-prices",
            daemon=True,
        )
        if state.networks.policy == "lookahead":
            prices.start()
        # Re-optimisation of open orders, every OMS_REOPTIMISE_EVERY_MINUTES (0: off).
        if get_settings().reoptimise_every_minutes > 0:
            threading.Thread(
                target=reoptimise_forever,
                args=(state.unit_of_work, state.networks, state.leases(), stop),
                kwargs={
                    "every_s": get_settings().reoptimise_every_minutes * 60,
                    "time_limit_s": get_settings().reoptimise_time_limit_s,
                    "after": state.warm,
                },
                name="oms-reoptimise",
                daemon=True,
            ).start()
        yield
        stop.set()
        sweeper.join(timeout=5)
        tallies.join(timeout=5)
        if dispatcher.is_alive():  # its sends in flight finish first (within their timeout)
            dispatcher.join(timeout=get_settings().webhook_timeout_s + 5)
        state.engine.dispose()
        # A worker may then die by the signal that stopped it (no exit handlers): write the
        # last access lines now.
        observability.flush_access_log()

    app = FastAPI(title="OMS", version=__version__, lifespan=lifespan, **_NO_OTEL)
    app.state.oms = state
    install_error_handlers(app)
    # POST /v1/promise is answered in front of the framework (see routers/promise.py).
    app.add_middleware(promise.PromiseLane, state=state)
    promise.document(app)
    # Routes are matched in order: checkout's calls first (each router passed costs a scan).
    app.include_router(reservations.router)
    app.include_router(orders.router)
    app.include_router(health.router)
    app.include_router(inventory.router)  # before catalog: /inventory/export is no SKU
    app.include_router(catalog.router)
    app.include_router(stores.router)
    app.include_router(returns.router)
    app.include_router(store_pages.router)
    app.include_router(keys.router)
    app.include_router(events.router)
    app.include_router(webhooks.router)
    app.include_router(customers.router)
    # tracking: carriers' events, and the customer's page (no key)
    app.include_router(tracking.router)
    app.include_router(track.router)
    # Order search: GET /v1/orders and a customer's orders (GET "" never meets "/{order_id}").
    app.include_router(order_search.router)
    app.include_router(customer_orders.router)
    app.include_router(kpis.router)
    app.include_router(ops_pages.router)
    app.include_router(sourcing.router)  # the live sourcing policy and its prices (ops)
    app.include_router(sourcing_reoptimise.router)  # re-optimisation of open orders (ops)
    app.include_router(sourcing_explain.router)  # why a cart is sourced as it is
    # The store's incoming transfers and returns desk (JSON, then the pages).
    app.include_router(store_receiving.router)
    app.include_router(store_returns_desk.router)
    app.include_router(store_receiving_pages.router)
    app.include_router(store_returns_pages.router)
    # Store operations (issue 16): stock counts and the Today page; pages after store_pages
    # (GET /stores/{node} must not take /stores/login).
    app.include_router(store_counts.router)
    app.include_router(store_today.router)
    app.include_router(store_counts_pages.router)
    app.include_router(store_today_pages.router)
    # store app (issue 16): picks beyond confirmation, rejections, capacity
    app.include_router(store_picks.router)
    app.include_router(store_pick_pages.router)
    # The store counter: pack and ship, pickups and handover (JSON, and its pages)
    app.include_router(store_counter.router)
    app.include_router(store_counter_pages.router)
    app.include_router(store_order_pages.router)  # one order, and why it is sourced so
    # Outside the promise lane, so that a body over the cap never reaches any route.
    settings = get_settings()
    sync_cap = {inventory.SYNC_PATH: settings.max_sync_bytes}
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, larger=sync_cap)
    security_headers.install(app)
    observability.install(app, state)
    return app
