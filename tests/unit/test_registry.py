"""The one strategy registry: the commands, the replay and the docs all name what it holds."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from oms.cli import app
from oms.domain.errors import ValidationError
from oms.sourcing.registry import (
    BASELINES,
    STRATEGIES,
    STRATEGY_NAMES,
    LookaheadStrategy,
    Mode,
    OnlineStrategy,
    WaveStrategy,
    get,
    of_mode,
)
from tests.problems import random_problem, random_problem_dict

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def readme_strategy_table() -> list[tuple[str, str, str]]:
    """(name, mode, description) rows of the README's table under "### Strategies"."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n### Strategies\n", 1)[1].split("\n#", 1)[0]
    row = re.compile(r"^\| `([^`]+)` \| (\w+) \| (.+?) \|$")
    return [m.groups() for m in map(row.match, section.splitlines()) if m]


def test_the_registry_holds_our_optimiser_in_both_modes_and_the_three_baselines():
    assert STRATEGY_NAMES == ("online", "lookahead", "wave", "nearest", "priority", "fewest-splits")
    assert [s.name for s in of_mode(Mode.online)] == [
        "online",
        "lookahead",
        "nearest",
        "priority",
        "fewest-splits",
    ]
    assert [s.name for s in of_mode(Mode.wave)] == ["wave"]
    assert set(BASELINES) == {"nearest", "priority", "fewest-splits"}


def test_every_strategy_has_a_one_line_description_and_the_hook_its_mode_needs():
    for name, s in STRATEGIES.items():
        assert s.name == name
        assert s.description and "\n" not in s.description and len(s.description) <= 90
        hooks = (OnlineStrategy, LookaheadStrategy) if s.mode is Mode.online else WaveStrategy
        assert isinstance(s, hooks)


def test_an_unknown_name_is_refused_naming_every_valid_one():
    with pytest.raises(ValidationError) as err:
        get("cheapest")
    assert err.value.detail == (
        "unknown strategy 'cheapest'; valid strategies: "
        "online, lookahead, wave, nearest, priority, fewest-splits"
    )


@pytest.mark.parametrize("name", STRATEGY_NAMES)
def test_every_strategy_plans_a_whole_problem_in_its_own_mode(name):
    problem = random_problem(2, n_nodes=4, n_orders=6)
    plan = get(name).plan(problem, time_limit=5)
    assert plan.mode == get(name).mode.value
    assert plan.extra.get("strategy", name) == name


def test_the_readme_table_lists_every_strategy_with_its_mode_and_description():
    assert readme_strategy_table() == [
        (s.name, s.mode.value, s.description) for s in STRATEGIES.values()
    ]


def test_the_scenarios_readme_names_every_strategy():
    text = (ROOT / "scenarios" / "README.md").read_text(encoding="utf-8")
    assert [name for name in STRATEGY_NAMES if f"`{name}`" not in text] == []


def test_the_commands_offer_every_registered_name():
    source_help = runner.invoke(app, ["source", "--help"], env={"COLUMNS": "300"}).stdout
    replay_help = runner.invoke(app, ["replay", "--help"], env={"COLUMNS": "300"}).stdout
    assert ", ".join(STRATEGY_NAMES) in source_help
    assert ", ".join(STRATEGY_NAMES) in replay_help
    assert ",".join(STRATEGY_NAMES) in replay_help  # the default: every strategy


def problem_file(tmp_path: Path) -> str:
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(random_problem_dict(1)), encoding="utf-8")
    return str(path)


def test_oms_source_refuses_an_unknown_strategy_with_exit_2_and_the_valid_names(tmp_path):
    path = problem_file(tmp_path)
    result = runner.invoke(app, ["source", path, "--strategy", "cheapest"])
    assert result.exit_code == 2
    assert "unknown strategy 'cheapest'; valid strategies: online, lookahead, wave" in result.stderr


def test_oms_source_takes_the_mode_from_the_strategy_and_refuses_a_mode_it_lacks(tmp_path):
    path = problem_file(tmp_path)
    wave = runner.invoke(app, ["source", path, "--strategy", "wave", "--time-limit", "5"])
    assert wave.exit_code == 0, wave.output
    assert "mode=wave" in wave.stderr
    mismatch = runner.invoke(app, ["source", path, "--mode", "online", "--strategy", "wave"])
    assert mismatch.exit_code == 2
    assert "--strategy applies to --mode wave only" in mismatch.stderr


def test_importing_the_cli_and_the_registry_loads_no_numba_or_ortools():
    code = (
        "import sys, oms.cli, oms.sourcing.registry; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'numba', 'ortools'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
