"""The delivery service a request chooses: by name or by promise option, never both, and never
against its method or pickup store."""

from __future__ import annotations

import pytest

from oms.domain.errors import ValidationError
from oms.promise.choice import Choice, DeliveryService, choose, option_id, parse_option_id

S = DeliveryService


def pick(**given: str | None) -> Choice:
    fields: dict[str, str | None] = {
        "service": None,
        "option_id": None,
        "method": None,
        "pickup_node": None,
    }
    return choose(**{**fields, **given})


def test_without_a_service_the_method_decides_and_ship_is_the_default():
    assert pick() == Choice(S.STANDARD, "ship", None)
    collect = Choice(S.CLICK_AND_COLLECT, "pickup", "ST-1")
    assert pick(method="pickup", pickup_node="ST-1") == collect


def test_a_service_implies_its_method():
    assert pick(service="express") == Choice(S.EXPRESS, "ship", None)
    assert pick(service="click_and_collect", pickup_node="ST-1").method == "pickup"


def test_an_option_id_names_the_service_and_a_pickup_options_store():
    assert pick(option_id="express") == Choice(S.EXPRESS, "ship", None)
    assert pick(option_id="standard", method="ship") == Choice(S.STANDARD, "ship", None)
    assert pick(option_id="pickup:ST-1") == Choice(S.CLICK_AND_COLLECT, "pickup", "ST-1")
    assert pick(option_id="pickup:ST-1", pickup_node="ST-1").pickup_node == "ST-1"


def test_option_ids_are_made_and_read_by_the_same_rule():
    for service, store in ((S.STANDARD, None), (S.EXPRESS, None), (S.CLICK_AND_COLLECT, "ST-9")):
        assert parse_option_id(option_id(service, store)) == (service, store)
    assert parse_option_id("pickup:") is None and parse_option_id("click_and_collect") is None


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"service": "express", "option_id": "express"}, "option_id: give service or option_id"),
        ({"service": "express", "method": "pickup"}, "service: express delivers to an address"),
        ({"service": "standard", "method": "pickup"}, "service: standard delivers"),
        ({"service": "click_and_collect", "method": "ship"}, "service: click_and_collect is"),
        ({"option_id": "express", "method": "pickup"}, "option_id: express delivers"),
        ({"option_id": "pickup:ST-1", "method": "ship"}, "option_id: click_and_collect is"),
        ({"option_id": "pickup:ST-1", "pickup_node": "ST-2"}, 'pickup_node: "ST-2" is not'),
        ({"option_id": "overnight"}, 'option_id: "overnight" is not a promise option id'),
        ({"service": "overnight"}, "service: must be one of standard, express"),
    ],
)
def test_contradictions_are_refused_naming_the_field(given, field):
    with pytest.raises(ValidationError) as refused:
        pick(**given)
    assert refused.value.problems[0].startswith(field), refused.value.problems
