"""Returns and reverse logistics: the pure rules the DB/API layer calls.

eligibility (check_return) -> lifecycle (requested ... closed) -> routing of mail returns
(route_return) -> disposition at receipt (decide_receipt, restock_rows) -> refunds (refund_for)
or exchanges (exchange_for) -> KPIs. Standard library and numpy only: no persistence here.
"""

from oms.returns.disposition import (
    Condition,
    Decision,
    Disposition,
    ReceivedLine,
    decide,
    decide_receipt,
    restock_rows,
)
from oms.returns.eligibility import check_return
from oms.returns.errors import NoReturnDestination, Refusal, ReturnRefused
from oms.returns.exchanges import Exchange, ReplacementLine, exchange_for
from oms.returns.kpis import (
    Durations,
    ReturnKpis,
    ReturnRecord,
    cross_channel_return_rate,
    processing_time,
    restock_time,
    return_kpis,
    return_rate,
)
from oms.returns.lifecycle import (
    COUNTS_AS_RETURNED,
    IllegalReturnTransition,
    ReturnStatus,
    status_after_approval,
    transition,
)
from oms.returns.model import (
    ApprovedReturn,
    LineApproval,
    OrderFacts,
    OrderLineFacts,
    RequestLine,
    ReturnNode,
    ReturnRequest,
    StockNeed,
)
from oms.returns.policy import (
    SELLER_FAULTS,
    Channel,
    Method,
    Reason,
    ReturnPolicy,
    ShippingRefund,
    is_seller_fault,
    return_channel,
)
from oms.returns.refunds import (
    LineRefund,
    OrderMoney,
    PaidLine,
    Refund,
    ReturnedLine,
    paid_by_line,
    prorate,
    refund_for,
)
from oms.returns.routing import RouteChoice, RoutedLine, RouteScore, route_return

__all__ = [
    "COUNTS_AS_RETURNED",
    "SELLER_FAULTS",
    "ApprovedReturn",
    "Channel",
    "Condition",
    "Decision",
    "Disposition",
    "Durations",
    "Exchange",
    "IllegalReturnTransition",
    "LineApproval",
    "LineRefund",
    "Method",
    "NoReturnDestination",
    "OrderFacts",
    "OrderLineFacts",
    "OrderMoney",
    "PaidLine",
    "Reason",
    "ReceivedLine",
    "Refund",
    "Refusal",
    "ReplacementLine",
    "RequestLine",
    "ReturnKpis",
    "ReturnNode",
    "ReturnPolicy",
    "ReturnRecord",
    "ReturnRefused",
    "ReturnRequest",
    "ReturnStatus",
    "ReturnedLine",
    "RouteChoice",
    "RouteScore",
    "RoutedLine",
    "ShippingRefund",
    "StockNeed",
    "check_return",
    "cross_channel_return_rate",
    "decide",
    "decide_receipt",
    "exchange_for",
    "is_seller_fault",
    "paid_by_line",
    "processing_time",
    "prorate",
    "refund_for",
    "restock_rows",
    "restock_time",
    "return_channel",
    "return_kpis",
    "return_rate",
    "route_return",
    "status_after_approval",
    "transition",
]
