"""`oms sweep` end to end: a small sweep on a real local Dask cluster of two worker processes,
through the command line; its rows against `oms replay --seed`, its summary against its rows;
bad flags exit 2 before any cluster starts."""

from __future__ import annotations

import csv
import importlib.util
import json
import math
import socket
from pathlib import Path

import psutil
import pytest
from typer.testing import CliRunner

from oms.cli import app
from oms.replay import sweep_cluster
from tests.unit.test_replay_fixtures import small_dict

runner = CliRunner()
SEEDS = (1, 2, 3)
STRATEGIES = ("online", "nearest")
# What a replay works out once per day (the bound, the hindsight optimum and the gaps to them):
# a sweep compares strategies and leaves these cells empty
PER_DAY_COLUMNS = {
    "lower_bound",
    "gap_to_bound",
    "hindsight_cost",
    "hindsight_bound",
    "gap_to_hindsight",
    "gap_closed",
}


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scenario") / "small.json"
    path.write_text(json.dumps(small_dict(300)), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def swept(scenario: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sweep")
    options = ["--seeds", "1-3", "--strategy", ",".join(STRATEGIES), "--workers", "2"]
    result = runner.invoke(app, ["sweep", str(scenario), "--out", str(out), *options])
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.stderr and "6 runs on 2 workers" in result.stderr
    return out


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_the_sweep_leaves_no_worker_process_behind(swept):
    # multiprocessing's resource tracker stays for the life of this process, by design (it
    # exits when its pipe from us closes); the cluster's worker processes must be gone
    children = psutil.Process().children(recursive=True)
    assert [p.cmdline() for p in children if "resource_tracker" not in " ".join(p.cmdline())] == []


def test_runs_csv_has_a_row_per_seed_and_strategy_with_the_replays_kpi_columns(swept):
    runs = rows(swept / "runs.csv")
    assert [(int(r["seed"]), r["strategy"]) for r in runs] == [
        (s, n) for s in SEEDS for n in STRATEGIES
    ]
    assert all(r["orders"] == "300" and r["lower_bound"] == "" for r in runs)


def test_runs_parquet_holds_the_same_runs_when_pyarrow_is_installed_and_is_absent_otherwise(swept):
    path = swept / "runs.parquet"
    if importlib.util.find_spec("pyarrow") is None:
        assert not path.exists()
        return
    import pyarrow.parquet as pq

    table = pq.read_table(path).to_pylist()
    runs = rows(swept / "runs.csv")
    assert [(t["seed"], t["strategy"]) for t in table] == [
        (int(r["seed"]), r["strategy"]) for r in runs
    ]
    assert [round(t["total_cost"], 2) for t in table] == [float(r["total_cost"]) for r in runs]
    assert all(t["lower_bound"] is None for t in table)


def test_each_seeds_online_row_is_what_oms_replay_gives_for_that_seed(swept, scenario, tmp_path):
    runs = {(r["seed"], r["strategy"]): r for r in rows(swept / "runs.csv")}
    for seed in SEEDS:
        out = tmp_path / str(seed)
        options = [
            "--seed",
            str(seed),
            "--strategy",
            "online",
            "--no-hindsight",
            "--bound-time-limit",
            "2",
        ]
        result = runner.invoke(app, ["replay", str(scenario), "--out", str(out), *options])
        assert result.exit_code == 0, result.output
        (replayed,) = rows(out / "kpis.csv")
        swept_row = runs[str(seed), "online"]
        assert swept_row.pop("seed") == str(seed)
        assert set(swept_row) == set(replayed)
        assert all(swept_row[k] == "" for k in PER_DAY_COLUMNS if k in swept_row)
        assert {k: v for k, v in swept_row.items() if k not in PER_DAY_COLUMNS} == {
            k: v for k, v in replayed.items() if k not in PER_DAY_COLUMNS
        }


def test_the_summary_mean_is_the_mean_of_the_rows_inside_its_interval(swept):
    runs = rows(swept / "runs.csv")
    summary = {(s["strategy"], s["kpi"]): s for s in rows(swept / "summary.csv")}
    assert {s for s, _ in summary} == set(STRATEGIES)
    for (strategy, kpi), s in summary.items():
        values = [float(r[kpi]) for r in runs if r["strategy"] == strategy and r[kpi] != ""]
        assert int(s["n"]) == len(values) == 3
        # the rows are rounded to the KPI's digits, the summary is worked out before rounding
        digits = len(runs[0][kpi].partition(".")[2]) if "." in runs[0][kpi] else 0
        assert float(s["mean"]) == pytest.approx(sum(values) / 3, abs=10.0**-digits)
        assert float(s["ci_low"]) <= float(s["mean"]) <= float(s["ci_high"])
        spread = max(values) - min(values)
        assert (float(s["ci_high"]) > float(s["ci_low"])) == (spread > 0)


def test_the_paired_difference_is_zero_for_online_and_a_t_interval_over_seeds_for_nearest(swept):
    summary = {(s["strategy"], s["kpi"]): s for s in rows(swept / "summary.csv")}
    for (strategy, _), s in summary.items():
        assert s["baseline"] == "online"
        if strategy == "online":
            cells = (s["diff_mean"], s["diff_ci_low"], s["diff_ci_high"])
            assert [float(c) for c in cells] == [0.0, 0.0, 0.0]
    runs = {(r["seed"], r["strategy"]): r for r in rows(swept / "runs.csv")}
    diffs = [
        float(runs[str(s), "nearest"]["total_cost"]) - float(runs[str(s), "online"]["total_cost"])
        for s in SEEDS
    ]
    cost = summary["nearest", "total_cost"]
    assert float(cost["diff_mean"]) == pytest.approx(sum(diffs) / 3, abs=0.01)
    mean, half = sum(diffs) / 3, float(cost["diff_ci_high"]) - float(cost["diff_mean"])
    sd = math.sqrt(sum((d - mean) ** 2 for d in diffs) / 2)
    assert half == pytest.approx(4.302652729749 * sd / math.sqrt(3), abs=0.01)  # t(0.975, 2)


def test_the_report_shows_the_distributions_plot_and_the_summary_table(swept):
    page = (swept / "report.html").read_text(encoding="utf-8")
    assert '<img src="distributions.png"' in page
    assert (swept / "distributions.png").read_bytes().startswith(b"\x89PNG")
    assert "Paired difference to online (same seed)" in page and "Total cost" in page
    timings = json.loads((swept / "timings.json").read_text())
    assert timings["cluster"] == "local" and timings["workers"] == 2 and timings["runs"] == 6


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--seeds", "5-1"], "--seeds: the range 5-1 is empty"),
        (["--seeds", "1,x"], "--seeds: 'x' is not a seed or a range like 1-50"),
        (["--seeds", "1", "--strategy", "online,cheapest"], "unknown strategy 'cheapest'"),
        (["--seeds", "1", "--strategy", "nearest"], "--baseline: 'online' is not among"),
        (["--seeds", "1", "--scheduler", "host:8786"], "--scheduler: 'host:8786' is not a"),
        (["--seeds", "1", "--scheduler", "tcp://h:99999"], "--scheduler: port 99999 is not"),
        (["--seeds", "1", "--scheduler", "tcp://h:8786", "--workers", "2"], "--workers: sizes"),
        (["--seeds", "1", "--workers", "0"], "--workers: must be >= 1, got 0"),
    ],
)
def test_a_bad_flag_exits_2_naming_it_and_writes_nothing(scenario, tmp_path, flags, message):
    out = tmp_path / "out"
    result = runner.invoke(app, ["sweep", str(scenario), "--out", str(out), *flags])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert not out.exists()


def test_every_bad_flag_is_named_at_once(scenario, tmp_path):
    flags = ["--seeds", "9-2", "--strategy", "cheapest", "--scheduler", "nowhere"]
    result = runner.invoke(app, ["sweep", str(scenario), "--out", str(tmp_path), *flags])
    assert result.exit_code == 2
    assert all(f in result.stderr for f in ("--seeds", "--strategy", "--scheduler"))


def test_a_missing_scenario_exits_2(tmp_path):
    args = ["sweep", str(tmp_path / "none.json"), "--out", str(tmp_path / "o"), "--seeds", "1"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "cannot read scenario file" in result.stderr


def test_a_scheduler_nobody_listens_on_exits_2(scenario, tmp_path, monkeypatch):
    monkeypatch.setattr(sweep_cluster, "SCHEDULER_CONNECT_S", 1.0)
    with socket.socket() as s:  # a port that was free a moment ago
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    flags = ["--seeds", "1", "--strategy", "online", "--scheduler", f"tcp://127.0.0.1:{port}"]
    result = runner.invoke(app, ["sweep", str(scenario), "--out", str(tmp_path / "o"), *flags])
    assert result.exit_code == 2, result.output
    assert f"--scheduler: cannot reach tcp://127.0.0.1:{port}" in result.stderr


def test_a_sweep_on_a_running_scheduler_gives_the_same_rows_and_leaves_its_cluster_up(
    swept, scenario, tmp_path
):
    from distributed import Client, LocalCluster

    with LocalCluster(
        n_workers=1,
        processes=False,  # a worker thread here: quicker to start, same protocol
        protocol="tcp://",
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
    ) as cluster:
        flags = ["--seeds", "2", "--strategy", "online", "--scheduler", cluster.scheduler_address]
        result = runner.invoke(app, ["sweep", str(scenario), "--out", str(tmp_path), *flags])
        assert result.exit_code == 0, result.output
        (row,) = rows(tmp_path / "runs.csv")
        local = {(r["seed"], r["strategy"]): r for r in rows(swept / "runs.csv")}
        assert row == local["2", "online"]
        timings = json.loads((tmp_path / "timings.json").read_text())
        assert timings["cluster"] == cluster.scheduler_address and timings["workers"] == 1
        with Client(cluster) as client:  # still up: the sweep closed its client only
            assert len(client.scheduler_info()["workers"]) == 1
