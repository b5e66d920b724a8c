"""`oms replay`: outputs written and the KPI table printed; bad input exits 2, writing nothing."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from oms.cli import app
from tests.unit.test_replay_fixtures import small_dict

runner = CliRunner()


def scenario_file(tmp_path: Path, data: dict[str, object]) -> Path:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_replay_writes_kpis_report_and_plots_and_prints_the_table(tmp_path):
    out = tmp_path / "out"
    args = ["replay", str(scenario_file(tmp_path, small_dict(120))), "--out", str(out)]
    result = runner.invoke(app, [*args, "--strategy", "online,nearest", "--bound-time-limit", "20"])
    assert result.exit_code == 0, result.output
    assert (out / "kpis.csv").read_text().splitlines()[1].startswith("online,120,")
    assert (out / "report.html").is_file() and (out / "map.png").is_file()
    assert "Replay of small (seed 11)" in result.stdout
    assert "Gap to the bound" in result.stdout
    assert f"wrote {out}" in result.stderr


def test_command_line_options_override_the_scenario(tmp_path):
    out = tmp_path / "out"
    args = ["replay", str(scenario_file(tmp_path, small_dict(60))), "--out", str(out)]
    options = ["--strategy", "wave", "--seed", "5", "--wave-minutes", "120"]
    result = runner.invoke(app, [*args, *options, "--wave-time-limit", "1"])
    assert result.exit_code == 0, result.output
    assert "(seed 5)" in result.stdout
    assert "released every 120 min, 1 s per wave" in (out / "report.html").read_text()


def test_an_invalid_scenario_exits_2_names_the_field_and_writes_nothing(tmp_path):
    data = small_dict()
    data["events"][0]["at"] = "07:00"
    data["wave"]["period_minutes"] = -5
    out = tmp_path / "out"
    result = runner.invoke(app, ["replay", str(scenario_file(tmp_path, data)), "--out", str(out)])
    assert result.exit_code == 2
    assert "events[0].at: must be within the simulated day (08:00 to 20:00)" in result.stderr
    assert "wave.period_minutes: must be > 0, got -5" in result.stderr
    assert not out.exists()


def test_an_unknown_strategy_exits_2(tmp_path):
    path = scenario_file(tmp_path, small_dict())
    result = runner.invoke(
        app, ["replay", str(path), "--out", str(tmp_path / "o"), "--strategy", "online,cheapest"]
    )
    assert result.exit_code == 2
    assert "unknown strategy 'cheapest'" in result.stderr


def test_a_missing_scenario_file_exits_2(tmp_path):
    result = runner.invoke(app, ["replay", str(tmp_path / "none.json"), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "cannot read scenario file" in result.stderr


def test_lookahead_re_prices_as_often_as_told_and_an_unknown_forecast_exits_2(tmp_path):
    path = scenario_file(tmp_path, small_dict(60))
    out = tmp_path / "out"
    options = ["--strategy", "lookahead", "--lookahead-minutes", "30", "--forecast", "history"]
    result = runner.invoke(app, ["replay", str(path), "--out", str(out), *options])
    assert result.exit_code == 0, result.output
    timings = json.loads((out / "timings.json").read_text())
    hourly = runner.invoke(
        app, ["replay", str(path), "--out", str(tmp_path / "h"), "--strategy", "lookahead"]
    )
    assert hourly.exit_code == 0, hourly.output
    every_hour = json.loads((tmp_path / "h" / "timings.json").read_text())
    assert timings["pricings"]["lookahead"] > every_hour["pricings"]["lookahead"] > 0
    bad = runner.invoke(
        app, ["replay", str(path), "--out", str(tmp_path / "b"), "--forecast", "oracle"]
    )
    assert bad.exit_code == 2
    assert "--forecast: unknown forecast 'oracle'; valid: model, history" in bad.stderr
