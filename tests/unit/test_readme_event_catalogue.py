"""The README's event catalogue lists every public event type with every field of its data."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

from oms.domain import events as e
from oms.integrations.catalogue import EVENT_TYPES, TYPES

README = Path(__file__).resolve().parents[2] / "README.md"

# Fields whose contents are spread into data (documented as "the node's fields" and so on).
SPREAD = {e.NodeAdded: {"fields"}, e.SkuPut: {"values"}, e.StockChanged: {"details", "change"}}


def catalogue_rows() -> dict[str, str]:
    section = README.read_text().split("### Event catalogue", 1)[1].split("\n### ", 1)[0]
    rows = {}
    for line in section.splitlines():
        if line.startswith("| `"):
            for kind in re.findall(r"`([a-z_]+\.[a-z_]+)`", line.split("|")[1]):
                rows[kind] = line
    return rows


def test_every_public_event_type_has_a_row_in_the_readme():
    assert sorted(set(EVENT_TYPES) - set(catalogue_rows())) == []
    assert sorted(set(catalogue_rows()) - set(EVENT_TYPES)) == []


def test_each_row_names_every_field_of_the_events_data():
    rows = catalogue_rows()
    missing = []
    for kind, name in TYPES.items():
        data_column = rows[name].split("|")[3]
        for f in fields(kind):
            if f.name not in SPREAD.get(kind, set()) and f"`{f.name}`" not in data_column:
                missing.append(f"{name}: {f.name}")
    assert missing == []
