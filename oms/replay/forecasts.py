"""The demand the look-ahead policy forecasts in replay: the true rates, or the estimator's.

- `model`: the scenario's own demand model, as a sample of SAMPLE_DAYS days drawn from it (each
  weighted 1 / SAMPLE_DAYS, its own random stream, so the day replayed is not in it): the true
  rates, up to sampling noise. An explicit order stream stands for itself: its own orders.
- `history`: the estimator the service uses (`oms.sourcing.forecast`): the same weekday's
  orders over the last HISTORY_WEEKS weeks. Here those weeks are drawn from the model with their
  own stream (orders are drawn independently from one model, so HISTORY_WEEKS days of them are
  one draw of that many times the day's orders): its error is that of averaging a few weeks.
Replaying with both shows what forecast error costs.
"""

from __future__ import annotations

import dataclasses
from enum import StrEnum

import numpy as np

from oms.domain.errors import ValidationError
from oms.replay.day import Day
from oms.replay.demand import generate_orders
from oms.replay.scenario_types import DemandModel, OrderStream
from oms.sourcing.forecast import DemandLines, demand_lines

SAMPLE_DAYS = 20
HISTORY_WEEKS = 4
# Random streams after the day's own (oms.replay.day), so the day replayed is in neither sample.
MODEL_STREAM, HISTORY_STREAM = 5, 6


class ForecastSource(StrEnum):
    model = "model"
    history = "history"


def parse_forecast(text: str) -> ForecastSource:
    """`--forecast`'s value; anything else is a ValidationError naming the valid ones."""
    try:
        return ForecastSource(text.strip())
    except ValueError:
        valid = ", ".join(f.value for f in ForecastSource)
        raise ValidationError([f"--forecast: unknown forecast {text!r}; valid: {valid}"]) from None


def forecast_lines(day: Day, source: ForecastSource = ForecastSource.model) -> DemandLines:
    """The demand lines the look-ahead policy forecasts from, for `day`."""
    network = day.problem
    demand = day.scenario.demand
    if isinstance(demand, OrderStream):
        return demand_lines(demand.orders, demand.arrival_s, network.nodes, len(network.sku_ids))
    days, stream = (
        (SAMPLE_DAYS, MODEL_STREAM)
        if source is ForecastSource.model
        else (HISTORY_WEEKS, HISTORY_STREAM)
    )
    return drawn_lines(day, demand, days, np.random.default_rng([day.seed, stream]))


def drawn_lines(day: Day, model: DemandModel, days: int, rng: np.random.Generator) -> DemandLines:
    """`days` days of orders drawn from `model` (orders are drawn independently, so one draw of
    days x orders is `days` days), each weighted 1 / days to stand for one day."""
    scaled = dataclasses.replace(model, orders=model.orders * days)
    arrival, orders = generate_orders(scaled, day.scenario.network, day.scenario.clock, rng)
    return demand_lines(orders, arrival, day.problem.nodes, len(day.problem.sku_ids), 1.0 / days)
