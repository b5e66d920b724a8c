"""What a replay writes: kpis.csv (a row per strategy), PNG plots, a self-contained HTML report
(inline CSS, no external URL; plots referenced by relative file name) and timings.json.

kpis.csv holds no wall-clock figure, so the same scenario and seed give the same bytes; elapsed
times go to timings.json and the report.
"""

from __future__ import annotations

import csv
import html
import io
import json
from pathlib import Path

from rich.table import Table

from oms.replay.kpis import KPIS, KpiSpec, Value, kpi_definition
from oms.replay.plots import write_plots
from oms.replay.policies import policies_html
from oms.replay.runner import ReplayResult
from oms.replay.scenario_types import (
    Adjustment,
    CapacityChange,
    Event,
    OrderStream,
    Outage,
    Receipt,
    Recovery,
    ReturnsRateChange,
)

CSV_FILE = "kpis.csv"
HTML_FILE = "report.html"
TIMINGS_FILE = "timings.json"
CSV_DIGITS = {"count": 0, "money": 2, "share": 4, "number": 3}


def write_outputs(result: ReplayResult, out_dir: Path) -> list[Path]:
    """Write every output into `out_dir` (created if needed); returns the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    plots = write_plots(result, out_dir)
    files = {
        CSV_FILE: kpis_csv(result),
        HTML_FILE: report_html(result, plots),
        TIMINGS_FILE: json.dumps(timings(result), indent=1) + "\n",
    }
    for name, text in files.items():
        (out_dir / name).write_text(text, encoding="utf-8")
    return [out_dir / name for name in [*files, *plots.values()]]


# ---------------------------------------------------------------- values


def csv_value(spec: KpiSpec, value: Value) -> str:
    """Fixed decimals per kind; an empty cell where the KPI does not apply."""
    if value is None:
        return ""
    digits = CSV_DIGITS[spec.kind]
    return str(round(value)) if digits == 0 else f"{value:.{digits}f}"


def shown_value(spec: KpiSpec, value: Value) -> str:
    """For people: percentages, thousands separators, N/A."""
    if value is None:
        return "N/A"
    if spec.kind == "share":
        return f"{100.0 * value:.2f}%"
    if spec.kind == "count":
        return f"{round(value):,}"
    if spec.kind == "money":
        return f"{value:,.2f}"
    return f"{value:.3f}"


def kpis_csv(result: ReplayResult) -> str:
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(["strategy", *(spec.key for spec in KPIS)])
    for s in result.strategies:
        out.writerow([s.run.name, *(csv_value(spec, s.kpis[spec.key]) for spec in KPIS)])
    return buf.getvalue()


def kpi_table(result: ReplayResult) -> Table:
    """The KPI table for a terminal: a row per KPI, a column per strategy."""
    table = Table(title=f"Replay of {result.scenario.name} (seed {result.day.seed})")
    table.add_column("KPI")
    for s in result.strategies:
        table.add_column(s.run.name, justify="right")
    for spec in KPIS:
        table.add_row(spec.label, *(shown_value(spec, s.kpis[spec.key]) for s in result.strategies))
    return table


def timings(result: ReplayResult) -> dict[str, object]:
    runs = {s.run.name: round(s.run.elapsed_s, 3) for s in result.strategies}
    waves = {
        s.run.name: {"waves": s.run.waves, "proven_optimal": s.run.waves_optimal}
        for s in result.strategies
        if s.run.waves
    }
    pricings = {s.run.name: s.run.pricings for s in result.strategies if s.run.pricings}
    bound = None
    if result.bound is not None:
        bound = {"elapsed_s": round(result.bound.elapsed_s, 3), "converged": result.bound.converged}
    hindsight = None
    if result.hindsight is not None:
        h = result.hindsight
        hindsight = {"elapsed_s": round(h.elapsed_s, 3), "proven": h.proven, "seed": h.seed}
    return {
        "strategies_s": runs,
        "waves": waves,
        "pricings": pricings,
        "bound": bound,
        "hindsight": hindsight,
        "total_s": round(result.elapsed_s, 3),
    }


# ---------------------------------------------------------------- HTML

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1100px;
color:#222;line-height:1.4;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}
h2{font-size:1.2em;margin-top:1.8em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0;font-size:.92em}
th,td{border:1px solid #ddd;padding:.25em .6em}th{background:#f3f3f3;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}
img{max-width:100%;border:1px solid #eee;margin:.5em 0}
.note{color:#555;font-size:.9em}dl{font-size:.9em}dt{font-weight:600;margin-top:.4em}
"""


def report_html(result: ReplayResult, plots: dict[str, str]) -> str:
    sc = result.scenario
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Replay: {_e(sc.name)}</title><style>{CSS}</style></head><body>",
        f"<h1>Replay: {_e(sc.name)}</h1>",
        f"<p>{_e(sc.description)}</p>",
        _summary(result),
        "<h2>KPIs</h2>",
        _kpi_table_html(result),
        _bound_html(result),
        _hindsight_html(result),
        policies_html(result),
        "<h2>Cost and splits</h2>",
        _img(plots["cost"], "Total cost per strategy, by component, and the lower bound"),
        _img(plots["splits"], "Shipments per order and split rate per strategy"),
        "<h2>Over the day</h2>",
        _img(plots["over_time"], "Cost per order and fill rate by arrival time"),
        "<h2>Network and flows</h2>",
        _img(plots["map"], "Nodes and the heaviest flows from nodes to destination regions"),
        _events_html(result),
        _definitions_html(),
        _timings_html(result),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _e(text: object) -> str:
    return html.escape(str(text))


def _img(file_name: str, alt: str) -> str:
    return f'<p><img src="{_e(file_name)}" alt="{_e(alt)}"></p>'


def _summary(result: ReplayResult) -> str:
    p, clock, wave = result.day.problem, result.scenario.clock, result.wave
    kinds = {k: p.nodes.kind.count(k) for k in sorted(set(p.nodes.kind))}
    rows = [
        (
            "Simulated day",
            f"{clock.day.isoformat()}, {clock.label(0)} to {_end(result)} ({clock.timezone})",
        ),
        ("Seed", str(result.day.seed)),
        ("Network", ", ".join(f"{n} {k}s" for k, n in kinds.items()) + f", {len(p.sku_ids)} SKUs"),
        ("Orders", f"{len(p.orders):,} ({int(p.orders.line_qty.sum()):,} units)"),
        ("Demand", "explicit order stream (CSV)" if _is_csv(result) else "seeded demand model"),
        (
            "Wave",
            f"released every {wave.period_s / 60:g} min, {wave.time_limit_s:g} s per wave",
        ),
    ]
    body = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def _end(result: ReplayResult) -> str:
    clock = result.scenario.clock
    return "24:00" if clock.end.date() > clock.day else clock.label(clock.horizon_s)


def _is_csv(result: ReplayResult) -> bool:
    return isinstance(result.scenario.demand, OrderStream)


def _kpi_table_html(result: ReplayResult) -> str:
    head = "".join(f"<th>{_e(s.run.name)}</th>" for s in result.strategies)
    rows = []
    for spec in KPIS:
        cells = "".join(
            f'<td class="num">{_e(shown_value(spec, s.kpis[spec.key]))}</td>'
            for s in result.strategies
        )
        rows.append(f'<tr><th title="{_e(spec.key)}">{_e(spec.label)}</th>{cells}</tr>')
    return f"<table><tr><th>KPI</th>{head}</tr>{''.join(rows)}</table>"


def _bound_html(result: ReplayResult) -> str:
    b = result.bound
    if b is None:
        return '<p class="note">No lower bound was computed for this replay.</p>'
    status = "converged" if b.converged else "stopped by its time limit (a valid, looser bound)"
    return (
        f"<p>Lower bound: <b>{b.value:,.2f}</b> ({status}). It covers {_e(b.covers)}. Every "
        "strategy's plan is feasible for that relaxed problem, so each strategy's gap to the "
        "bound is an upper bound on its distance to the best plan any strategy could find; "
        "outages, late receipts and capacity cuts make it looser, never wrong.</p>"
    )


def _hindsight_html(result: ReplayResult) -> str:
    h = result.hindsight
    if h is None:
        return '<p class="note">No hindsight optimum was computed for this replay.</p>'
    status = "proven optimal" if h.proven else "the best plan found within its time limit"
    gaps = ", ".join(
        f"{_e(s.run.name)} {shown_value(_GAP, s.kpis['gap_to_hindsight'])}"
        for s in result.strategies
    )
    return (
        f"<p>Hindsight optimum: <b>{h.cost:,.2f}</b> ({status}; proven bound "
        f"<b>{h.bound:,.2f}</b>, {h.elapsed_s:.1f} s). It covers {_e(h.covers)}. It is what "
        "knowing every order in advance would have cost, on the network as the day really "
        "went. Every online strategy's plan keeps its rules, so the most that looking ahead "
        "could save a strategy lies between its gap to this plan and its gap to the proven bound "
        "(one figure when proven optimal). The lower bound above is looser: it also lets "
        "every receipt, the highest capacity and every node serve the whole day. A wave "
        "strategy decides after arrivals, so it may use a receipt or a recovery a little before "
        "the arrival rule allows: its gap can be slightly negative. Gap to the hindsight "
        f"optimum: {gaps or 'no strategy'}.</p>"
    )


_GAP = next(spec for spec in KPIS if spec.key == "gap_to_hindsight")


def _events_html(result: ReplayResult) -> str:
    events = result.scenario.events
    if not events:
        return "<h2>Events</h2><p>None.</p>"
    clock = result.scenario.clock
    rows = "".join(
        f"<tr><td>{clock.label(e.at_s)}</td><td>{_e(describe_event(e, result))}</td></tr>"
        for e in events
    )
    return f"<h2>Events</h2><table><tr><th>time</th><th>event</th></tr>{rows}</table>"


def describe_event(event: Event, result: ReplayResult) -> str:
    p = result.day.problem
    ids = p.nodes.ids

    def names(nodes: tuple[int, ...]) -> str:
        return ", ".join(ids[n] for n in nodes) if len(nodes) <= 3 else f"{len(nodes)} nodes"

    match event:
        case Outage(nodes=nodes):
            return f"outage: {names(nodes)} down"
        case Recovery(nodes=nodes):
            return f"recovery: {names(nodes)} up"
        case Receipt(node=node, sku=sku, qty=qty):
            return f"receipt: {qty} x {p.sku_ids[sku]} at {ids[node]}"
        case Adjustment(node=node, sku=sku, delta=delta):
            return f"adjustment: {delta:+d} x {p.sku_ids[sku]} at {ids[node]}"
        case CapacityChange(nodes=nodes, capacity=cap, factor=factor):
            what = (
                f"x {factor:g}"
                if factor is not None
                else ("no limit" if cap is None else f"{cap} units")
            )
            return f"capacity: {names(nodes)} {what}"
        case ReturnsRateChange(rate=rate):
            return f"returns rate: {100 * rate:g}%"
    return ""


def _definitions_html() -> str:
    items = "".join(
        f"<dt>{_e(spec.label)} <code>{_e(spec.key)}</code></dt>"
        f"<dd>{_e(kpi_definition(spec.key))}</dd>"
        for spec in KPIS
    )
    return f"<h2>KPI definitions</h2><dl>{items}</dl>"


def _timings_html(result: ReplayResult) -> str:
    runs = ", ".join(f"{s.run.name} {s.run.elapsed_s:.2f} s" for s in result.strategies)
    waves = "".join(
        f" {s.run.name}: {s.run.waves} waves, {s.run.waves_optimal} proven optimal."
        for s in result.strategies
        if s.run.waves
    )
    waves += "".join(
        f" {s.run.name}: priced {s.run.pricings} times."
        for s in result.strategies
        if s.run.pricings
    )
    bound = "" if result.bound is None else f" Bound: {result.bound.elapsed_s:.2f} s."
    if result.hindsight is not None:
        bound += f" Hindsight optimum: {result.hindsight.elapsed_s:.2f} s."
    return f'<h2>Run</h2><p class="note">Elapsed: {_e(runs)}.{_e(bound)}{_e(waves)}</p>'
