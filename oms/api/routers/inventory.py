"""Bulk stock: the sync an ERP, WMS or till pushes, and the export that reads it back. Thin: the
body is spooled, then one service call in a write thread; the export streams from a server-side
cursor."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO, Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from oms.access.model import ApiRole
from oms.access.principal import Principal
from oms.api.deps import PrincipalDep, StateDep
from oms.api.inventory_schemas import SyncOut
from oms.api.responses import KEYED, errors
from oms.api.state import AppState
from oms.catalog import stock_sync as svc
from oms.db.stock_sync import SqlStockRows, SqlStockSync
from oms.domain.limits import ID_LENGTH, NO_CONTROL_CHARS, TEXT_LENGTH
from oms.inventory.sync import MAX_ERRORS_SHOWN, OnError, SyncMode, format_of

PREFIX = "/v1/inventory"
SYNC_PATH = f"{PREFIX}/sync"
SPOOL_IN_MEMORY = 8 * 1024 * 1024  # a larger body waits on disk, not in memory
EXPORT_LINES = 2_000  # CSV lines per chunk sent

router = APIRouter(prefix=PREFIX, tags=["inventory"], responses=errors(*KEYED))

SYNC_DOC = f"""
Sets stock at many (node, SKU) rows in one request, as an ERP, WMS or till pushes it (Saleor
`stockBulkUpdate`'s error policies, Spree `stock_levels/bulk_upsert`'s absolute or delta, Shopify
`inventorySetQuantities`' reference document). Ops keys only.

**Body.** `Content-Type: text/csv` with a header row naming `node`, `sku` and `on_hand`
(`mode=absolute`, the default) or `delta` (`mode=delta`), and optionally `safety_stock`; other
columns are ignored, so the export's CSV is accepted back as it is. Or JSON lines
(`application/x-ndjson` or `application/jsonl`): one object per line with the same keys. UTF-8.
A header that does not fit the mode (e.g. `delta` with `mode=absolute`) is refused (422, field
`header`). Ids are taken as written. `safety_stock` is always the level to keep (left out or
empty: unchanged; a new row starts with its store's protected units).

**Rows.** Row 1 is the first data row (CSV file line 2; JSON lines: row n is line n). Each row
is checked: known node and SKU, whole numbers, `on_hand`/`safety_stock` within 0..10^9, `delta`
within -10^9..10^9 and never taking on_hand below 0, one row per (node, sku) (a repeat is
reported on the later row, naming the first). Every problem is listed as
`{{"row", "field", "detail"}}` (at most {MAX_ERRORS_SHOWN}; `errors_left_off` counts the rest).

**Error policy.** `on_error=reject_all` (default): any bad row, nothing changes, 422 with the
`errors` list. `on_error=skip_rows`: bad rows are left out and reported, the others applied.
Either way the sync is one transaction (all its good rows or none).

**Effects.** Each row that changes a stock row bumps its version and raises one `StockSynced`
event (webhook/feed `stock.changed` with `change: "synced"`, `source`, `mode`, `row` and the
`previous` on_hand and safety stock); rows that change nothing raise none. `source` (at most
{TEXT_LENGTH} characters) names the reference document.

**Below reserved.** An on_hand below what is reserved at that node never oversells. Before the
row is written, the holds that no longer fit are moved off the node, newest first: active
reservations (their units are held by the engine at other nodes; units no node has leave the
hold: `ReservationMoved`) and order allocations whose shipment is not yet being picked (units
leave the shipment and its open pick, and the engine places them in a new shipment per node:
`Resourced`; units no node has are cancelled and refunded: `LineShort`). Then on_hand is set
and ATP is 0. Units already picked or handed over cannot move: an on_hand below them is a row
error on `on_hand`. The answer's `resourced` lists every hold moved and what was short.
"""

EXPORT_DOC = """
The stock as CSV, `node,sku,on_hand,safety_stock,reserved,atp`, ordered by node then SKU,
streamed (a server-side cursor: millions of rows never load at once). The sync accepts it back
as it is (it ignores `reserved` and `atp`). `node` limits it to one node; a store key exports
its own node only (its node when `node` is left out).
"""

_BODY = {
    "required": True,
    "content": {
        "text/csv": {"schema": {"type": "string"}, "example": "node,sku,on_hand\nDC-1,SKU-1,12\n"},
        "application/x-ndjson": {
            "schema": {"type": "string"},
            "example": '{"node": "DC-1", "sku": "SKU-1", "on_hand": 12}\n',
        },
    },
}
_CSV_OUT: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}}
}
NodeQuery = Annotated[
    str | None,
    Query(min_length=1, max_length=ID_LENGTH, pattern=NO_CONTROL_CHARS, description="node id"),
]
Source = Annotated[
    str | None,
    Query(max_length=TEXT_LENGTH, pattern=NO_CONTROL_CHARS, description="reference document"),
]


@router.post("/sync", description=SYNC_DOC, openapi_extra={"requestBody": _BODY})
async def sync(
    request: Request,
    state: StateDep,
    who: PrincipalDep,
    mode: SyncMode = SyncMode.ABSOLUTE,
    on_error: OnError = OnError.REJECT_ALL,
    source: Source = None,
    content_type: Annotated[str | None, Header()] = None,
) -> SyncOut:
    who.require(ApiRole.OPS)
    req = svc.SyncRequest(format_of(content_type), mode, on_error, source)
    # Spooled first: a slow upload never holds the database's write lock.
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as body:
        async for chunk in request.stream():
            body.write(chunk)
        body.seek(0)
        result = await to_thread.run_sync(_sync, state, req, body, limiter=state.writers)
    return SyncOut.of(result)


def _sync(state: AppState, req: svc.SyncRequest, body: IO[bytes]) -> svc.SyncResult:
    chunks = iter(lambda: body.read(1 << 20), b"")
    with state.unit_of_work() as uow:
        return svc.sync_stock(uow, SqlStockSync(uow), state.networks, req, chunks)


@router.get(
    "/export",
    description=EXPORT_DOC,
    response_class=StreamingResponse,
    responses={**_CSV_OUT, **errors(404)},
)
def export(state: StateDep, who: PrincipalDep, node: NodeQuery = None) -> StreamingResponse:
    node = _visible(who, node)
    session = state.readers()
    try:
        lines = svc.export_rows(SqlStockRows(session), node)
    except BaseException:
        session.close()
        raise
    return StreamingResponse(_chunks(lines, session), media_type="text/csv")


def _visible(who: Principal, node: str | None) -> str | None:
    """A store key sees its own node only; ops any node or all."""
    who.require(ApiRole.STORE)
    if who.role is ApiRole.STORE:
        node = node or who.node_id
        assert node is not None  # a store key is bound to a node
        who.require_node(node)
    return node


def _chunks(lines: Iterator[str], session: Session) -> Iterator[str]:
    """Lines joined into chunks (one send per chunk, not per line); the session closed at the
    end, or when the client goes away."""
    try:
        batch: list[str] = []
        for line in lines:
            batch.append(line)
            if len(batch) >= EXPORT_LINES:
                yield "".join(batch)
                batch = []
        if batch:
            yield "".join(batch)
    finally:
        session.close()
