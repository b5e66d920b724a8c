"""`oms source` end to end: plans written, summaries printed, bad input refused with exit 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from oms.cli import app
from tests.problems import random_problem_dict

runner = CliRunner()

PLAN_KEYS = {"allocations", "cost", "unfilled", "lower_bound", "status", "mode", "elapsed_s"}


def _write(tmp_path: Path, data: object, name: str = "problem.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("strategy", ["online", "priority", "nearest", "fewest-splits"])
def test_source_writes_a_contract_plan_and_a_summary_line(tmp_path, strategy):
    problem = _write(tmp_path, random_problem_dict(3, n_nodes=5, n_orders=8))
    out = tmp_path / "plan.json"
    result = runner.invoke(
        app, ["source", str(problem), "--mode", "online", "--strategy", strategy, "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    plan = json.loads(out.read_text())
    assert plan.keys() >= PLAN_KEYS
    assert plan["mode"] == "online"
    assert set(plan["cost"]) == {"total", "shipping", "handling", "split", "unfilled"}
    assert f"strategy={strategy}" in result.stderr
    assert "orders=8" in result.stderr and "fill_rate=" in result.stderr


def test_source_without_an_output_file_prints_the_plan_on_stdout(tmp_path):
    problem = _write(tmp_path, random_problem_dict(4))
    result = runner.invoke(app, ["source", str(problem)])
    assert result.exit_code == 0
    assert json.loads(result.stdout).keys() >= PLAN_KEYS


def test_a_malformed_problem_exits_2_names_the_record_and_writes_no_plan(tmp_path):
    data = random_problem_dict(5)
    data["orders"][1]["lines"][0]["qty"] = 0
    data["inventory"].append({"node": "NOWHERE", "sku": "S0", "qty": 1})
    out = tmp_path / "plan.json"
    result = runner.invoke(app, ["source", str(_write(tmp_path, data)), "-o", str(out)])
    assert result.exit_code == 2
    assert 'orders[1] (id "O1")' in result.stderr and '"qty" must be >= 1' in result.stderr
    assert 'unknown node "NOWHERE"' in result.stderr
    assert not out.exists()


def test_bad_json_and_a_missing_file_exit_2(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert runner.invoke(app, ["source", str(bad)]).exit_code == 2
    assert runner.invoke(app, ["source", str(tmp_path / "missing.json")]).exit_code == 2


def test_an_unknown_mode_or_strategy_exits_2(tmp_path):
    problem = str(_write(tmp_path, random_problem_dict(6)))
    assert runner.invoke(app, ["source", problem, "--mode", "batch"]).exit_code == 2
    assert runner.invoke(app, ["source", problem, "--strategy", "cheapest"]).exit_code == 2


def test_the_installed_oms_command_runs_from_a_shell(tmp_path):
    problem = _write(tmp_path, random_problem_dict(8, n_orders=3))
    out = tmp_path / "plan.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "oms.cli",
            "source",
            str(problem),
            "--mode",
            "online",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text())["mode"] == "online"
    assert "total_cost=" in proc.stderr


def test_the_demo_file_is_what_the_generator_makes(tmp_path):
    out = tmp_path / "demo.json"
    assert runner.invoke(app, ["demo", "-o", str(out)]).exit_code == 0
    shipped = Path(__file__).resolve().parents[2] / "scenarios" / "demo-fr.json"
    assert out.read_bytes() == shipped.read_bytes()


def test_wave_mode_writes_a_plan_with_a_proven_bound_and_its_gap(tmp_path):
    problem = _write(tmp_path, random_problem_dict(9, n_nodes=5, n_orders=10))
    out = tmp_path / "plan.json"
    result = runner.invoke(
        app, ["source", str(problem), "--mode", "wave", "--time-limit", "5", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    plan = json.loads(out.read_text())
    assert plan["mode"] == "wave" and plan["status"] in {"optimal", "feasible"}
    assert plan["lower_bound"] is not None
    assert plan["lower_bound"] <= plan["cost"]["total"] + 1e-6
    assert "gap=" in result.stderr and "lower_bound=" in result.stderr


def test_a_baseline_strategy_in_wave_mode_is_refused(tmp_path):
    problem = str(_write(tmp_path, random_problem_dict(10)))
    result = runner.invoke(app, ["source", problem, "--mode", "wave", "--strategy", "nearest"])
    assert result.exit_code == 2
    assert "--strategy applies to --mode online only" in result.stderr


def test_keys_create_prints_a_key_and_refuses_an_unknown_role(tmp_path, monkeypatch):
    from oms.config import get_settings

    monkeypatch.setenv("OMS_DATABASE_URL", f"sqlite:///{tmp_path / 'oms.db'}")
    get_settings.cache_clear()
    try:
        ok = runner.invoke(app, ["keys", "create", "--role", "ops"])
        assert ok.exit_code == 0 and ok.stdout.strip().startswith("oms_")
        bad = runner.invoke(app, ["keys", "create", "--role", "admin"])
        assert bad.exit_code == 2 and "role: must be one of" in bad.stderr
    finally:
        get_settings.cache_clear()


def test_seed_demo_loads_the_network_once_and_prints_a_key_per_role(tmp_path, monkeypatch):
    from oms.config import get_settings

    monkeypatch.setenv("OMS_DATABASE_URL", f"sqlite:///{tmp_path / 'oms.db'}")
    get_settings.cache_clear()
    demo = Path(__file__).resolve().parents[2] / "scenarios" / "demo-fr.json"
    try:
        first = runner.invoke(app, ["seed-demo", "--problem", str(demo)])
        assert first.exit_code == 0, first.output
        assert "seeded 64 nodes" in first.stderr
        roles = [line.split(":")[0].strip() for line in first.stdout.splitlines()]
        assert roles[:2] == ["checkout", "ops"] and roles[2].startswith("store (")
        again = runner.invoke(app, ["seed-demo", "--problem", str(demo)])
        assert again.exit_code == 0 and "already seeded" in again.stderr
        missing = runner.invoke(app, ["seed-demo", "--problem", str(tmp_path / "none.json")])
        assert missing.exit_code == 2
    finally:
        get_settings.cache_clear()
