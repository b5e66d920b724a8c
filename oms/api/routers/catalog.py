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
from oms.catalog import service as catalog
from oms.catalog.service import StockView

router = APIRouter(prefix="/v1", tags=["catalog"], responses=errors(*KEYED))
OPS = ApiRole.OPS


@router.get("/nodes")
def list_nodes(uow: UowDep, who: PrincipalDep) -> list[NodeOut]:
    who.require(ApiRole.CHECKOUT, ApiRole.STORE)
    return [NodeOut.model_validate(n) for n in catalog.list_nodes(uow)]


@router.post("/nodes", status_code=status.HTTP_201_CREATED, responses=errors(409))
def add_node(body: NodeIn, uow: UowDep, who: PrincipalDep) -> NodeOut:
    who.require(OPS)
    return NodeOut.model_validate(catalog.add_node(uow, body.record()))


@router.get("/nodes/{node_id}", responses=errors(404))
def get_node(node_id: NodeId, uow: UowDep, who: PrincipalDep) -> NodeOut:
    who.require(ApiRole.CHECKOUT, ApiRole.STORE)
    return NodeOut.model_validate(catalog.get_node(uow, node_id))


@router.patch("/nodes/{node_id}", responses=errors(404))
def update_node(node_id: NodeId, body: NodeFields, uow: UowDep, who: PrincipalDep) -> NodeOut:
    who.require(OPS)
    return NodeOut.model_validate(catalog.update_node(uow, node_id, body.changes()))


@router.post("/nodes/{node_id}/disable", responses=errors(404))
def disable_node(node_id: NodeId, uow: UowDep, who: PrincipalDep) -> NodeOut:
    who.require(OPS)
    return NodeOut.model_validate(catalog.set_node_enabled(uow, node_id, False))


@router.post("/nodes/{node_id}/enable", responses=errors(404))
def enable_node(node_id: NodeId, uow: UowDep, who: PrincipalDep) -> NodeOut:
    who.require(OPS)
    return NodeOut.model_validate(catalog.set_node_enabled(uow, node_id, True))


@router.put("/skus/{sku_id}")
def put_sku(sku_id: SkuId, body: SkuIn, uow: UowDep, who: PrincipalDep) -> SkuOut:
    who.require(OPS)
    return SkuOut.model_validate(catalog.put_sku(uow, sku_id, **body.model_dump()))


@router.get("/inventory/{sku_id}", responses=errors(404))
def inventory(sku_id: SkuId, uow: UowDep, who: PrincipalDep) -> InventoryOut:
    who.require(ApiRole.CHECKOUT, ApiRole.STORE)
    stock = catalog.stock_of(uow, sku_id)
    rows = [_row(view) for view in stock.nodes]
    return InventoryOut(sku=stock.sku, nodes=rows, available=stock.available)


@router.put("/inventory/{node_id}/{sku_id}", responses=errors(404, 409))
def put_stock(
    node_id: NodeId, sku_id: SkuId, body: StockIn, uow: UowDep, who: PrincipalDep
) -> StockRowOut:
    who.require(OPS)
    return _row(catalog.set_stock(uow, node_id, sku_id, **body.model_dump()))


@router.post("/inventory/{node_id}/{sku_id}/receipts", responses=errors(404, 409))
def receive(
    node_id: NodeId, sku_id: SkuId, body: QtyIn, uow: UowDep, who: PrincipalDep
) -> StockRowOut:
    who.require(OPS)
    return _row(catalog.receive_stock(uow, node_id, sku_id, body.qty, ref=body.ref))


@router.post("/inventory/{node_id}/{sku_id}/adjustments", responses=errors(404, 409))
def adjust(
    node_id: NodeId, sku_id: SkuId, body: AdjustmentIn, uow: UowDep, who: PrincipalDep
) -> StockRowOut:
    who.require(OPS)
    return _row(catalog.adjust_stock(uow, node_id, sku_id, body.delta, body.reason))


def _row(view: StockView) -> StockRowOut:
    return StockRowOut(**vars(view))
