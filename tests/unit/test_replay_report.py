"""What a replay writes: a deterministic kpis.csv, PNG plots and a self-contained HTML report."""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from oms.replay.kpis import KPIS
from oms.replay.report import kpis_csv, write_outputs
from oms.replay.runner import ReplayOptions, ReplayResult, run_replay
from oms.sourcing.registry import STRATEGY_NAMES
from tests.unit.test_replay_fixtures import small

PNG = b"\x89PNG\r\n\x1a\n"


def replay_small(seed: int | None = None) -> ReplayResult:
    return run_replay(small(), ReplayOptions(STRATEGY_NAMES, seed=seed, bound_time_limit_s=30))


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[ReplayResult, Path]:
    result = replay_small()
    out = tmp_path_factory.mktemp("replay")
    write_outputs(result, out)
    return result, out


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.links: list[str] = []
        self.tags: set[str] = set()
        self.cells: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        a = dict(attrs)
        if tag == "img":
            self.images.append(a["src"] or "")
        self.links += [v for k, v in attrs if k in ("href", "src") and v]

    def handle_data(self, data: str) -> None:
        self.cells.append(data.strip())


def test_the_output_directory_holds_the_csv_the_report_and_the_plots(written):
    _, out = written
    names = {p.name for p in out.iterdir()}
    assert names == {
        "kpis.csv",
        "report.html",
        "timings.json",
        "cost.png",
        "splits.png",
        "kpi_over_time.png",
        "map.png",
    }
    for png in out.glob("*.png"):
        assert png.read_bytes().startswith(PNG), png.name
    assert set(json.loads((out / "timings.json").read_text())["strategies_s"]) == set(
        STRATEGY_NAMES
    )


def test_the_html_report_renders_and_references_its_plots_by_relative_name(written):
    result, out = written
    page = Page()
    page.feed((out / "report.html").read_text(encoding="utf-8"))
    page.close()
    assert page.images == ["cost.png", "splits.png", "kpi_over_time.png", "map.png"]
    assert all((out / src).is_file() for src in page.images)
    assert all("//" not in link and ":" not in link for link in page.links)  # no external URL
    assert {"style", "table"} <= page.tags and not {"script", "link"} & page.tags
    for s in result.strategies:
        assert s.run.name in page.cells
    assert "Total cost" in page.cells and "Lower bound (whole day)" in page.cells


def test_kpis_csv_has_a_header_and_a_row_per_strategy(written):
    _, out = written
    table = list(csv.reader(io.StringIO((out / "kpis.csv").read_text(encoding="utf-8"))))
    assert table[0] == ["strategy", *(spec.key for spec in KPIS)]
    assert [row[0] for row in table[1:]] == list(STRATEGY_NAMES)
    assert all(len(row) == len(table[0]) for row in table)


def test_the_small_day_has_every_kpi_and_a_bound_below_every_strategy(written):
    result, _ = written
    assert result.bound is not None and result.bound.converged
    for s in result.strategies:
        assert all(v is not None for v in s.kpis.values()), s.run.name
        assert s.kpis["lower_bound"] <= s.kpis["total_cost"]


def test_same_seed_gives_byte_identical_kpis(written):
    first, _ = written
    assert kpis_csv(replay_small()) == kpis_csv(first)


def test_another_seed_gives_another_day():
    assert kpis_csv(replay_small(seed=12)) != kpis_csv(replay_small(seed=13))


def test_the_report_sets_every_policy_side_by_side_with_its_gap_closed_against_online(written):
    result, out = written
    text = (out / "report.html").read_text(encoding="utf-8")
    section = text.split("<h2>Policies side by side</h2>", 1)[1].split("<h2>", 1)[0]
    page = Page()
    page.feed(section)
    assert result.hindsight is not None
    for s in result.strategies:
        assert s.run.name in page.cells
    assert "hindsight optimum" in page.cells
    assert "Acimovic &amp; Graves" in section
    kpis = {s.run.name: s.kpis for s in result.strategies}
    assert kpis["online"]["gap_closed"] == 0.0
    gap = kpis["online"]["total_cost"] - result.hindsight.cost
    saved = kpis["online"]["total_cost"] - kpis["lookahead"]["total_cost"]
    assert kpis["lookahead"]["gap_closed"] == pytest.approx(saved / gap)
    assert f"{100 * saved / gap:.1f}%" in section
