"""The live KPIs' answer (GET /v1/kpis): each KPI over the period and per bucket."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from oms.kpis.rules import Percentiles, Rate
from oms.kpis.service import DEFINITIONS, Kpi, LiveKpis


def _iso(at: datetime) -> str:
    return at.isoformat()


class RatePoint(BaseModel):
    value: float | None = Field(description="numerator / denominator; null when it is 0")
    numerator: int
    denominator: int

    @classmethod
    def of(cls, rate: Rate) -> RatePoint:
        return cls(value=rate.value, numerator=rate.numerator, denominator=rate.denominator)


class RateBucket(RatePoint):
    start: str = Field(description="the bucket's start (UTC)")


class RateOut(RatePoint):
    definition: str
    reason: str | None = Field(None, description="why the value is null, when known")
    series: list[RateBucket]

    @classmethod
    def of_kpi(cls, key: str, kpi: Kpi[Rate]) -> RateOut:
        t = kpi.total
        return cls(
            value=t.value,
            numerator=t.numerator,
            denominator=t.denominator,
            definition=DEFINITIONS[key],
            reason=kpi.reason,
            series=[
                RateBucket(start=_iso(s), **RatePoint.of(r).model_dump()) for s, r in kpi.series
            ],
        )


class TimesPoint(BaseModel):
    count: int = Field(description="orders that got there")
    p50: float | None
    p90: float | None


class TimesBucket(TimesPoint):
    start: str


class TimesOut(TimesPoint):
    definition: str
    series: list[TimesBucket]

    @classmethod
    def of_kpi(cls, key: str, kpi: Kpi[Percentiles]) -> TimesOut:
        t = kpi.total
        return cls(
            count=t.count,
            p50=t.p50,
            p90=t.p90,
            definition=DEFINITIONS[key],
            series=[
                TimesBucket(start=_iso(s), count=p.count, p50=p.p50, p90=p.p90)
                for s, p in kpi.series
            ],
        )


class ChannelsBucket(BaseModel):
    start: str
    value: dict[str, int]


class ChannelsOut(BaseModel):
    value: dict[str, int] = Field(description="orders per channel")
    total: int
    definition: str
    series: list[ChannelsBucket]

    @classmethod
    def of_kpi(cls, key: str, kpi: Kpi[dict[str, int]]) -> ChannelsOut:
        return cls(
            value=kpi.total,
            total=sum(kpi.total.values()),
            definition=DEFINITIONS[key],
            series=[ChannelsBucket(start=_iso(s), value=v) for s, v in kpi.series],
        )


class KpisOut(BaseModel):
    from_: str = Field(alias="from", serialization_alias="from")
    to: str
    bucket: str
    orders_by_channel: ChannelsOut
    omnichannel_share: RateOut
    availability_rate: RateOut
    processing_hours: TimesOut
    on_time_rate: RateOut
    order_error_rate: RateOut
    cross_channel_return_rate: RateOut
    stock_accuracy: RateOut

    @classmethod
    def of(cls, k: LiveKpis) -> KpisOut:
        rates = {
            key: RateOut.of_kpi(key, getattr(k, key))
            for key in (
                "omnichannel_share",
                "availability_rate",
                "on_time_rate",
                "order_error_rate",
                "cross_channel_return_rate",
                "stock_accuracy",
            )
        }
        return cls.model_validate(
            {
                "from": _iso(k.window.start),
                "to": _iso(k.window.end),
                "bucket": k.window.bucket.value,
                "orders_by_channel": ChannelsOut.of_kpi("orders_by_channel", k.orders_by_channel),
                "processing_hours": TimesOut.of_kpi("processing_hours", k.processing_hours),
                **rates,
            }
        )
