"""The customer notifications' templates: every kind in English and French, HTML escaped and
text not, an integrator's override winning file by file, money and dates as each language
writes them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from jinja2 import UndefinedError

from oms.domain.contact import LOCALES
from oms.notifications.model import NotificationKind
from oms.notifications.render import PACKAGED, Renderer, money, when

STORE = {"id": "ST-PARIS-1", "timezone": "Europe/Paris", "opens": "09:00", "closes": "19:30"}
BASE: dict[str, Any] = {
    "order_id": "O-7",
    "customer_name": "Zoé <Martin>",
    "method": "pickup",
    "currency": "EUR",
    "store": STORE,
}
ITEMS = [{"sku": "MUG", "name": "Mug & Co", "qty": 2, "amount_minor": 2598}]
EXPIRES = "2026-12-08T17:00:00+00:00"  # 18:00 in Paris, a Tuesday
SAMPLES: dict[str, dict[str, Any]] = {
    "order_confirmed": {"lines": ITEMS, "total_minor": 2598},
    "ready_for_pickup": {"pickup_code": "042917", "expires_at": EXPIRES},
    "pickup_reminder": {"pickup_code": "042917", "expires_at": EXPIRES},
    "pickup_expired": {"refunds": [], "refund_minor": 2598},
    "shipped": {
        "shipment": "S-1",
        "tracking": "TRK-42",
        "carrier": "colissimo",
        "tracking_url": "https://track.example/TRK-42?a=1&b=2",
    },
    "delivered": {"shipment": "S-1"},
    "order_cancelled": {"lines": ITEMS},
    "lines_cancelled": {"lines": ITEMS},
    "refund_issued": {
        "amount_minor": 123456,
        "shipping_minor": 499,
        "reason": "return",
        "return_id": "RMA-1",
        "lines": [],
    },
    "return_received": {"return_id": "RMA-1", "lines": ITEMS},
}
# What each message must say, in each language (besides the order's id).
SAYS = {
    ("ready_for_pickup", "en"): ["ready for pickup", "042917", "Tuesday 8 December 2026, 18:00"],
    ("ready_for_pickup", "fr"): ["prête à être retirée", "042917", "mardi 8 décembre 2026 à 18:00"],
    ("pickup_reminder", "en"): ["042917", "Tuesday 8 December 2026, 18:00"],
    ("pickup_reminder", "fr"): ["Votre code de retrait : 042917", "avant le mardi 8 décembre"],
    ("shipped", "en"): ["TRK-42", "colissimo", "https://track.example/TRK-42?a=1&b=2"],
    ("shipped", "fr"): ["Numéro de suivi : TRK-42", "Suivez votre colis"],
    ("refund_issued", "en"): ["€1,234.56", "€4.99", "RMA-1"],
    ("refund_issued", "fr"): ["1\u202f234,56\u00a0€", "4,99\u00a0€", "RMA-1"],
    ("order_confirmed", "en"): ["2 x Mug & Co", "Total: €25.98"],
    ("order_confirmed", "fr"): ["2 × Mug & Co", "Total : 25,98\u00a0€"],
}


def rendered(kind: str, locale: str, renderer: Renderer | None = None):
    return (renderer or Renderer()).render(kind, locale, {**BASE, **SAMPLES[kind]})


def test_every_kind_has_its_three_templates_in_every_language():
    assert set(SAMPLES) == {k.value for k in NotificationKind}
    missing = [
        f"{locale}/{kind.value}{suffix}"
        for locale in LOCALES
        for kind in NotificationKind
        for suffix in (".subject.txt", ".txt", ".html")
        if not (PACKAGED / locale / f"{kind.value}{suffix}").is_file()
    ]
    assert missing == []


@pytest.mark.parametrize("kind", [k.value for k in NotificationKind])
def test_each_kind_renders_in_english_and_in_french_differently(kind):
    en, fr = rendered(kind, "en"), rendered(kind, "fr")
    for message in (en, fr):
        assert "O-7" in message.subject and "\n" not in message.subject
        assert "O-7" in message.text and "O-7" in message.html
        assert "{{" not in message.text + message.html and message.text.endswith("\n")
    assert en.subject != fr.subject and en.text != fr.text
    assert en.text.startswith("Hello Zoé <Martin>,") and fr.text.startswith("Bonjour Zoé <Martin>,")
    assert '<html lang="en">' in en.html and '<html lang="fr">' in fr.html


@pytest.mark.parametrize(("kind", "locale"), sorted(SAYS))
def test_each_message_says_what_the_customer_needs(kind, locale):
    message = rendered(kind, locale)
    for words in SAYS[(kind, locale)]:
        assert words in message.text, words


def test_html_is_escaped_and_plain_text_is_not():
    message = rendered("shipped", "en")
    assert "Zoé &lt;Martin&gt;" in message.html and "<Martin>" not in message.html
    assert 'href="https://track.example/TRK-42?a=1&amp;b=2"' in message.html
    assert "https://track.example/TRK-42?a=1&b=2" in message.text
    assert "Mug &amp; Co" in rendered("order_confirmed", "fr").html


def test_a_shipment_without_a_tracking_link_says_its_number_only():
    data = {**BASE, **SAMPLES["shipped"], "tracking_url": None, "carrier": None}
    message = Renderer().render("shipped", "en", data)
    assert "TRK-42" in message.text and "http" not in message.text and "<a " not in message.html


def test_an_integrators_template_wins_file_by_file(tmp_path: Path):
    (tmp_path / "fr").mkdir()
    (tmp_path / "fr" / "ready_for_pickup.subject.txt").write_text(
        "Retrait {{ order_id }} : code {{ pickup_code }}\n"
    )
    (tmp_path / "fr" / "_layout.html").write_text(
        "<html><body>MARQUE {% block body %}{% endblock %}</body></html>\n"
    )
    override = Renderer(tmp_path)
    message = rendered("ready_for_pickup", "fr", override)
    assert message.subject == "Retrait O-7 : code 042917"
    assert "Votre code de retrait : 042917" in message.text  # the packaged body still
    assert message.html.startswith("<html><body>MARQUE") and "042917" in message.html
    assert rendered("ready_for_pickup", "en", override) == rendered("ready_for_pickup", "en")


def test_an_override_naming_an_unknown_field_fails_instead_of_leaving_a_blank(tmp_path: Path):
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "delivered.subject.txt").write_text("Delivered {{ ordr_id }}\n")
    with pytest.raises(UndefinedError):
        rendered("delivered", "en", Renderer(tmp_path))


def test_money_and_dates_are_written_as_each_language_writes_them():
    assert money(123456, "EUR", "en") == "€1,234.56"
    assert money(123456, "EUR", "fr") == "1\u202f234,56\u00a0€"
    assert money(-5, "GBP", "en") == "-£0.05" and money(100, "CHF", "fr") == "1,00\u00a0CHF"
    assert (
        when("2026-07-01T08:30:00+00:00", "Europe/Paris", "fr") == "mercredi 1 juillet 2026 à 10:30"
    )
    assert when("2026-07-01T08:30:00+00:00", "Nowhere/City", "en") == "Wednesday 1 July 2026, 08:30"
