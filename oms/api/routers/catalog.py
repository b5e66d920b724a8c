"""Nodes, SKUs and inventory (ops; reads also for checkout). Thin: schema in, one call, out."""

from __future__ import annotations

from fastapi import APIRouter, status

from oms.access.model import ApiRole
from oms.api.catalog_schemas import (
    AdjustmentIn,
    InventoryOut,
    NodeFields,
    NodeIn,
    NodeOut,
    QtyIn,
    SkuIn,
    SkuOut,
    StockIn,
    StockRowOut,
)
from oms.api.deps import PrincipalDep, UowDep
from oms.api.fields import NodeId, SkuId
from oms.api.responses import KEYED, errors
from oms.db import ledger
from oms.inventory import catalog

router = APIRouter(prefix="/v1", tags=["catalog"], responses=errors(*KEYED))
OPS = ApiRole.OPS


@router.get("/nodes")
def list_nodes(uow: UowDep, who: PrincipalDep) -> list[NodeOut]:
    who.require(ApiRole.CHECKOUT, ApiRole.STORE)
    return [NodeOut.model_validate(n) for n in catalog.list_nodes(uow.session)]


@router.post("/nodes", status_code=status.HTTP_201_CREATED, responses=errors(409))
def add_node(body: NodeIn, uow: UowDep, who: PrincipalDep) -> NodeOut:
    who.require(OPS)
    node = catalog.add_node(uow.session, body.record())
    uow.commit()
    return NodeOut.model_validate(node)


@router.get("/nodes/{node_id}", responses=errors(404))
def get_node(node_id: NodeId, uow: UowDep, who: PrincipalDep) -> NodeOut:
    who.require(ApiRole.CHECKOUT, ApiRole.STORE)
    return NodeOut.model_validate(catalog.get_node(uow.session, node_id))


@router.patch("/nodes/{node_id}", responses=errors(404))
def update_node(node_id: NodeId, body: NodeFields, uow: UowDep, who: PrincipalDep) -> NodeOut:
    who.require(OPS)
    node = catalog.update_node(uow.session, node_id, body.changes())
    uow.commit()
    return NodeOut.model_validate(node)


@router.post("/nodes/{node_id}/disable", responses=errors(404))
def disable_node(node_id: NodeId, uow: UowDep, who: PrincipalDep) -> NodeOut:
    who.require(OPS)
    node = catalog.set_node_enabled(uow.session, node_id, False)
    uow.commit()
    return NodeOut.model_validate(node)


@router.post("/nodes/{node_id}/enable", responses=errors(404))
def enable_node(node_id: NodeId, uow: UowDep, who: PrincipalDep) -> NodeOut:
    who.require(OPS)
    node = catalog.set_node_enabled(uow.session, node_id, True)
    uow.commit()
    return NodeOut.model_validate(node)


@router.put("/skus/{sku_id}")
def put_sku(sku_id: SkuId, body: SkuIn, uow: UowDep, who: PrincipalDep) -> SkuOut:
    who.require(OPS)
    sku = catalog.put_sku(uow.session, sku_id, **body.model_dump())
    uow.commit()
    return SkuOut.model_validate(sku)


@router.get("/inventory/{sku_id}", responses=errors(404))
def inventory(sku_id: SkuId, uow: UowDep, who: PrincipalDep) -> InventoryOut:
    who.require(ApiRole.CHECKOUT, ApiRole.STORE)
    rows = catalog.stock_of(uow.session, sku_id)
    return InventoryOut(
        sku=sku_id,
        nodes=[StockRowOut(**vars(r)) for r in rows],
        available=sum(r.available for r in rows),
    )


@router.put("/inventory/{node_id}/{sku_id}", responses=errors(404, 409))
def put_stock(
    node_id: NodeId, sku_id: SkuId, body: StockIn, uow: UowDep, who: PrincipalDep
) -> StockRowOut:
    who.require(OPS)
    level = ledger.set_stock(
        uow.session, node_id, sku_id, on_hand=body.on_hand, safety_stock=body.safety_stock
    )
    if body.bin_location is not None:
        catalog.set_bin(uow.session, node_id, sku_id, body.bin_location)
    uow.commit()
    return _row(node_id, level)


@router.post("/inventory/{node_id}/{sku_id}/receipts", responses=errors(404, 409))
def receive(
    node_id: NodeId, sku_id: SkuId, body: QtyIn, uow: UowDep, who: PrincipalDep
) -> StockRowOut:
    who.require(OPS)
    level = ledger.receive(uow.session, node_id, sku_id, body.qty, ref=body.ref)
    uow.commit()
    return _row(node_id, level)


@router.post("/inventory/{node_id}/{sku_id}/adjustments", responses=errors(404, 409))
def adjust(
    node_id: NodeId, sku_id: SkuId, body: AdjustmentIn, uow: UowDep, who: PrincipalDep
) -> StockRowOut:
    who.require(OPS)
    level = ledger.adjust(uow.session, node_id, sku_id, body.delta, body.reason)
    uow.commit()
    return _row(node_id, level)


def _row(node_id: str, level: ledger.StockLevel) -> StockRowOut:
    return StockRowOut(
        node=node_id,
        on_hand=level.on_hand,
        reserved=level.reserved,
        safety_stock=level.safety_stock,
        available=level.atp,
    )
