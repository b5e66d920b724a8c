"""`oms scenario export`'s refusals: each exits with code 2, names what is wrong and writes
nothing (the day exported and replayed: tests/integration/test_scenario_export.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from oms.cli import app
from tests.db_templates import migrated_sqlite

runner = CliRunner()


def export(tmp_path: Path, *args: str) -> tuple[int, str]:
    out = ["--out", str(tmp_path / "day.json")] if "--out" not in args else []
    result = runner.invoke(app, ["scenario", "export", *args, *out])
    return result.exit_code, result.output


@pytest.mark.parametrize("day", ["2026-13-01", "yesterday", "01/12/2026"])
def test_a_date_that_is_not_a_calendar_date_is_refused(tmp_path, day):
    code, output = export(tmp_path, "--date", day, "--database", "sqlite:///x.db")
    assert code == 2 and "--date" in output
    assert not (tmp_path / "day.json").exists()


def test_a_sqlite_database_that_does_not_exist_is_refused_and_not_created(tmp_path):
    missing = tmp_path / "nowhere.db"
    code, output = export(tmp_path, "--date", "2026-12-01", "--database", f"sqlite:///{missing}")
    assert code == 2 and "no SQLite database" in output
    assert not missing.exists() and not (tmp_path / "day.json").exists()


def test_a_database_url_of_another_kind_is_refused(tmp_path):
    code, output = export(tmp_path, "--date", "2026-12-01", "--database", "mysql://h/db")
    assert code == 2 and "--database" in output


def test_an_unknown_time_zone_is_refused(tmp_path):
    args = ("--date", "2026-12-01", "--timezone", "Mars/Olympus", "--database", "sqlite:///x")
    code, output = export(tmp_path, *args)
    assert code == 2 and "--timezone" in output


def test_an_out_path_that_is_not_a_json_file_is_refused(tmp_path):
    args = ("--date", "2026-12-01", "--database", "sqlite:///x", "--out", str(tmp_path / "d.csv"))
    code, output = export(tmp_path, *args)
    assert code == 2 and "--out" in output


def test_a_database_without_nodes_has_nothing_to_export(tmp_path):
    url = migrated_sqlite(tmp_path / "oms.db")
    code, output = export(tmp_path, "--date", "2026-12-01", "--database", url)
    assert code == 2 and "no nodes" in output
    assert not (tmp_path / "day.json").exists()
