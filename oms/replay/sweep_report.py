"""What a sweep writes: runs.csv (a row per seed and strategy, kpis.csv's columns after `seed`),
runs.parquet as well when pyarrow is installed, summary.csv (a row per strategy and KPI: mean
and 95% interval, and the paired difference to the baseline), the plot, report.html
(self-contained, as the replay's) and timings.json.

runs.csv and summary.csv hold no wall-clock figure: the same sweep gives the same bytes, save for
wave strategies, whose solves stop at a wall-clock time limit.
"""

from __future__ import annotations

import csv
import html
import importlib
import io
import json
from pathlib import Path

from rich.table import Table

from oms.replay.kpis import KPIS, KpiSpec, kpi_definition
from oms.replay.report import CSS, CSV_DIGITS, csv_value, shown_value
from oms.replay.sweep import SweepResult
from oms.replay.sweep_plots import write_sweep_plot
from oms.replay.sweep_stats import Interval, KpiSummary

RUNS_FILE = "runs.csv"
PARQUET_FILE = "runs.parquet"
SUMMARY_FILE = "summary.csv"
HTML_FILE = "report.html"
TIMINGS_FILE = "timings.json"
SUMMARY_COLUMNS = (
    "strategy",
    "kpi",
    "n",
    "mean",
    "ci_low",
    "ci_high",
    "baseline",
    "diff_n",
    "diff_mean",
    "diff_ci_low",
    "diff_ci_high",
)
SPECS = {spec.key: spec for spec in KPIS}


def write_sweep_outputs(result: SweepResult, out_dir: Path) -> list[Path]:
    """Write every output into `out_dir` (created if needed); returns the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    plot = write_sweep_plot(result, out_dir)
    files = {
        RUNS_FILE: runs_csv(result),
        SUMMARY_FILE: summary_csv(result),
        HTML_FILE: sweep_html(result, plot),
        TIMINGS_FILE: json.dumps(timings(result), indent=1) + "\n",
    }
    for name, text in files.items():
        (out_dir / name).write_text(text, encoding="utf-8")
    written = [out_dir / name for name in files] + [out_dir / plot]
    if _write_parquet(result, out_dir / PARQUET_FILE):
        written.append(out_dir / PARQUET_FILE)
    return written


def runs_csv(result: SweepResult) -> str:
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(["seed", "strategy", *(spec.key for spec in KPIS)])
    for r in result.runs:
        out.writerow([r.seed, r.strategy, *(csv_value(s, r.kpis.get(s.key)) for s in KPIS)])
    return buf.getvalue()


def summary_csv(result: SweepResult) -> str:
    """Two more decimals than the runs' (a mean is finer than one run)."""
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(SUMMARY_COLUMNS)
    base = result.options.baseline
    for s in result.summaries:
        digits = CSV_DIGITS[SPECS[s.kpi].kind] + 2
        d = s.difference
        out.writerow(
            [
                s.strategy,
                s.kpi,
                s.value.n,
                *_cells(s.value, digits),
                base,
                "" if d is None else d.n,
                *(_cells(d, digits) if d is not None else ("", "", "")),
            ]
        )
    return buf.getvalue()


def _cells(interval: Interval, digits: int) -> tuple[str, str, str]:
    def cell(v: float | None) -> str:
        return "" if v is None else f"{v:.{digits}f}"

    return cell(interval.mean), cell(interval.low), cell(interval.high)


def _write_parquet(result: SweepResult, path: Path) -> bool:
    """runs.parquet, when pyarrow is installed (not a dependency: the CSV is the record)."""
    try:
        pa = importlib.import_module("pyarrow")
        pq = importlib.import_module("pyarrow.parquet")
    except ImportError:
        return False
    columns: dict[str, list[object]] = {
        "seed": [r.seed for r in result.runs],
        "strategy": [r.strategy for r in result.runs],
    }
    for spec in KPIS:
        columns[spec.key] = [r.kpis.get(spec.key) for r in result.runs]
    types = [("seed", pa.int64()), ("strategy", pa.string())]
    schema = pa.schema(types + [(spec.key, pa.float64()) for spec in KPIS])  # None: null
    pq.write_table(pa.table(columns, schema=schema), path)
    return True


def timings(result: SweepResult) -> dict[str, object]:
    per_strategy: dict[str, list[float]] = {}
    for r in result.runs:
        per_strategy.setdefault(r.strategy, []).append(r.elapsed_s)
    return {
        "cluster": result.cluster,
        "workers": result.workers,
        "runs": len(result.runs),
        "total_s": round(result.elapsed_s, 3),
        "run_s_sum": round(sum(r.elapsed_s for r in result.runs), 3),
        "mean_run_s": {k: round(sum(v) / len(v), 3) for k, v in per_strategy.items()},
    }


def summary_table(result: SweepResult, keys: tuple[str, ...] = ("total_cost",)) -> Table:
    """For a terminal: per strategy, the mean [95% interval] of `keys` and the difference."""
    o = result.options
    table = Table(title=f"Sweep of {result.scenario.name}: {len(o.seeds)} seeds (95% intervals)")
    table.add_column("strategy")
    for key in keys:
        label = SPECS[key].label
        table.add_column(label, justify="right")
        table.add_column(f"{label} - {o.baseline}", justify="right")
    rows = {(s.strategy, s.kpi): s for s in result.summaries}
    for name in o.strategies:
        cells = []
        for key in keys:
            s = rows.get((name, key))
            cells += [_shown(s, False), _shown(s, True)]
        table.add_row(name, *cells)
    return table


def _shown(s: KpiSummary | None, difference: bool) -> str:
    if s is None:
        return "N/A"
    interval = s.difference if difference else s.value
    if interval is None:
        return "N/A"
    spec = SPECS[s.kpi]
    text = _signed(spec, interval.mean) if difference else shown_value(spec, interval.mean)
    if interval.low is None or interval.high is None:
        return text
    low, high = (
        (_signed(spec, interval.low), _signed(spec, interval.high))
        if difference
        else (shown_value(spec, interval.low), shown_value(spec, interval.high))
    )
    return f"{text} [{low}, {high}]"


def _signed(spec: KpiSpec, value: float) -> str:
    text = shown_value(spec, value)
    return text if text.startswith("-") else f"+{text}"


# ---------------------------------------------------------------- HTML


def sweep_html(result: SweepResult, plot: str) -> str:
    name = html.escape(result.scenario.name)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Sweep: {name}</title><style>{CSS}</style></head><body>",
        f"<h1>Sweep: {name}</h1>",
        f"<p>{html.escape(result.scenario.description)}</p>",
        _facts_html(result),
        "<h2>Distributions over the seeds</h2>",
        f'<p><img src="{html.escape(plot)}" alt="Total cost and fill rate per strategy over the '
        "seeds, and each strategy's paired differences to the baseline with their mean and 95% "
        'interval"></p>',
        "<h2>Mean and 95% confidence interval</h2>",
        _summary_table_html(result, difference=False),
        f"<h2>Paired difference to {html.escape(result.options.baseline)} (same seed)</h2>",
        '<p class="note">Strategy minus baseline, seed by seed, then the mean and its interval: '
        "every strategy of a seed faces the same orders, shelves and customers, so the pairing "
        "removes the day's own luck. An interval that excludes 0 is a difference the seeds "
        "show.</p>",
        _summary_table_html(result, difference=True),
        _definitions_html(result),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _facts_html(result: SweepResult) -> str:
    o = result.options
    seeds = o.seeds
    rows = [
        ("Seeds", f"{len(seeds)} ({_seed_text(seeds)})"),
        ("Strategies", ", ".join(o.strategies) + f" (baseline {o.baseline})"),
        ("Runs", f"{len(result.runs)}, one Dask task each, without the lower bound"),
        ("Cluster", f"{result.cluster}, {result.workers} workers"),
        ("Elapsed", f"{result.elapsed_s:.1f} s"),
    ]
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def _seed_text(seeds: tuple[int, ...]) -> str:
    if seeds == tuple(range(seeds[0], seeds[0] + len(seeds))):
        return f"{seeds[0]}-{seeds[-1]}"
    return ", ".join(map(str, seeds[:20])) + (", ..." if len(seeds) > 20 else "")


def _summary_table_html(result: SweepResult, *, difference: bool) -> str:
    names = [n for n in result.options.strategies if not difference or n != result.options.baseline]
    rows = {(s.strategy, s.kpi): s for s in result.summaries}
    keys = [spec.key for spec in KPIS if any((n, spec.key) in rows for n in names)]
    head = "".join(f"<th>{html.escape(n)}</th>" for n in names)
    body = []
    for key in keys:
        cells = "".join(
            f'<td class="num">{html.escape(_shown(rows.get((n, key)), difference))}</td>'
            for n in names
        )
        label = html.escape(SPECS[key].label)
        body.append(f'<tr><th title="{html.escape(key)}">{label}</th>{cells}</tr>')
    return f"<table><tr><th>KPI</th>{head}</tr>{''.join(body)}</table>"


def _definitions_html(result: SweepResult) -> str:
    keys = list(dict.fromkeys(s.kpi for s in result.summaries))
    items = "".join(
        f"<dt>{html.escape(SPECS[k].label)} <code>{html.escape(k)}</code></dt>"
        f"<dd>{html.escape(kpi_definition(k))}</dd>"
        for k in keys
    )
    return f"<h2>KPI definitions</h2><dl>{items}</dl>"
