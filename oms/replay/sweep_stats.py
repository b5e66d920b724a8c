"""A sweep's statistics: per strategy and KPI, the mean over seeds with a 95% confidence interval
(Student's t), and the same for the paired difference to a baseline strategy, seed by seed.

Pairing is what makes a sweep worth running: every strategy of a seed faces the same day (common
random numbers, `day.py`), so the difference on one seed removes the day's own luck and its
interval is much narrower than the two strategies' intervals side by side.

Standard library only: the t quantile is worked out here (no SciPy in the stack).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

CONFIDENCE = 0.95

Value = float | None  # a KPI value; None where it does not apply (kpis.py)


@dataclass(frozen=True)
class SweepRun:
    """One (seed, strategy) replay of a sweep: its KPIs (`kpis.py`) and how long it took."""

    seed: int
    strategy: str
    kpis: dict[str, Value]
    elapsed_s: float


@dataclass(frozen=True)
class Interval:
    """The mean of `n` values and its confidence interval (None when n < 2: no spread to use)."""

    n: int
    mean: float
    low: float | None
    high: float | None


@dataclass(frozen=True)
class KpiSummary:
    strategy: str
    kpi: str
    value: Interval
    difference: Interval | None  # strategy - baseline on the same seeds; None: no common seed


def student_t_central(t: float, df: int) -> float:
    """P(|T| <= t) for Student's t with `df` degrees of freedom, exact for integer df
    (Abramowitz & Stegun 26.7.3 and 26.7.4, a finite series in cos(theta), theta =
    atan(t / sqrt(df)))."""
    if df < 1:
        raise ValueError(f"degrees of freedom must be >= 1, got {df}")
    theta = math.atan(t / math.sqrt(df))
    c2 = math.cos(theta) ** 2
    if df % 2 == 0:
        term = total = 1.0
        for j in range(1, (df - 2) // 2 + 1):
            term *= c2 * (2 * j - 1) / (2 * j)
            total += term
        return math.sin(theta) * total
    total = 0.0
    if df > 1:
        term = total = math.cos(theta)
        for j in range(2, (df - 1) // 2 + 1):
            term *= c2 * (2 * j - 2) / (2 * j - 1)
            total += term
    return 2.0 / math.pi * (theta + math.sin(theta) * total)


def t_quantile(confidence: float, df: int) -> float:
    """The t such that P(|T| <= t) = confidence (two-sided), by bisection on the exact CDF:
    t_quantile(0.95, df) is the 97.5th percentile of Student's t with df degrees of freedom."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    low, high = 0.0, 1.0
    while student_t_central(high, df) < confidence:
        low, high = high, 2.0 * high
    for _ in range(200):  # the bracket halves each time: far below float precision well before
        mid = 0.5 * (low + high)
        if mid in (low, high):
            break
        if student_t_central(mid, df) < confidence:
            low = mid
        else:
            high = mid
    return 0.5 * (low + high)


def mean_interval(values: Sequence[float], confidence: float = CONFIDENCE) -> Interval:
    """Mean +- t(confidence, n-1) * s / sqrt(n), s the sample standard deviation (n - 1)."""
    n = len(values)
    if n == 0:
        raise ValueError("no values")
    mean = math.fsum(values) / n
    if n == 1:
        return Interval(1, mean, None, None)
    spread = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
    half = t_quantile(confidence, n - 1) * spread / math.sqrt(n)
    return Interval(n, mean, mean - half, mean + half)


def summarise(
    runs: Iterable[SweepRun], strategies: Sequence[str], baseline: str, kpis: Sequence[str]
) -> list[KpiSummary]:
    """Per strategy (in the order given) and KPI (in `kpis` order): its interval over the seeds
    where it applies and the paired difference to `baseline` over the seeds where both apply.
    A KPI that applies to no run of a strategy has no summary row for it."""
    by_key = {(r.strategy, r.seed): r.kpis for r in runs}
    seeds = sorted({seed for _, seed in by_key})
    out = []
    for strategy in strategies:
        mine = [by_key[strategy, s] for s in seeds if (strategy, s) in by_key]
        base = [by_key.get((baseline, s)) for s in seeds if (strategy, s) in by_key]
        for kpi in kpis:
            values = [v for k in mine if (v := k.get(kpi)) is not None]
            if not values:
                continue
            diffs = [
                a - b
                for k, bk in zip(mine, base, strict=True)
                if bk is not None
                and (a := k.get(kpi)) is not None
                and (b := bk.get(kpi)) is not None
            ]
            difference = mean_interval(diffs) if diffs else None
            out.append(KpiSummary(strategy, kpi, mean_interval(values), difference))
    return out
