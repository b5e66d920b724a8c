"""What a notification says, rendered from its data by Jinja2 templates: for each kind and
language a subject, a plain text body and an HTML body (autoescaped), in
``templates/<locale>/<kind>.subject.txt``, ``.txt`` and ``.html``.

An integrator overrides any of them with a directory of the same layout
(OMS_NOTIFICATION_TEMPLATES): a file there wins over the packaged one, file by file, so a
retailer may restyle the HTML layout alone, or reword one subject. Undefined names are errors
(a typo in an override fails the send, which is retried and shows in last_error), not blanks in
a customer's e-mail."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

PACKAGED = Path(__file__).resolve().parent / "templates"

_MONTHS = {
    "en": "January February March April May June July August September October November December",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
}
_DAYS = {
    "en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
    "fr": "lundi mardi mercredi jeudi vendredi samedi dimanche",
}


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


class Renderer:
    """Renders notifications; ``override``: the integrator's template directory, if any."""

    def __init__(self, override: str | Path | None = None) -> None:
        loaders = [FileSystemLoader(str(PACKAGED))]
        if override:
            loaders.insert(0, FileSystemLoader(str(override)))
        self.env = Environment(
            loader=ChoiceLoader(loaders),
            autoescape=select_autoescape(["html"], default_for_string=False, default=False),
            undefined=StrictUndefined,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters["money"] = money
        self.env.filters["when"] = when

    def render(self, kind: str, locale: str, data: dict[str, Any]) -> Rendered:
        context = {**data, "locale": locale}
        subject = self._one(f"{locale}/{kind}.subject.txt", context)
        return Rendered(
            subject=" ".join(subject.split()),  # one line, whatever the template's layout
            text=_paragraphs(self._one(f"{locale}/{kind}.txt", context)),
            html=self._one(f"{locale}/{kind}.html", context),
        )

    def _one(self, name: str, context: dict[str, Any]) -> str:
        return self.env.get_template(name).render(context)


def _paragraphs(text: str) -> str:
    """Plain text as mail clients show it best: no line's trailing blanks, paragraphs apart by
    one empty line whatever the template's conditionals left, one newline at the end."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def money(amount_minor: int, currency: str, locale: str) -> str:
    """``12,50 €`` in French, ``€12.50`` in English (two-decimal currencies)."""
    units, cents = divmod(abs(int(amount_minor)), 100)
    sign = "-" if int(amount_minor) < 0 else ""
    symbol = {"EUR": "€", "USD": "$", "GBP": "£"}.get(currency, currency)
    if locale == "fr":
        grouped = f"{units:,}".replace(",", "\u202f")
        return f"{sign}{grouped},{cents:02d}\u00a0{symbol}"
    return f"{sign}{symbol}{units:,}.{cents:02d}"


def when(iso: str, timezone: str, locale: str) -> str:
    """An instant as the customer reads it, in the store's time zone: ``Tuesday 14 May 2024,
    18:00`` / ``mardi 14 mai 2024 à 18:00``."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    at = datetime.fromisoformat(iso).astimezone(zone)
    lang = locale if locale in _MONTHS else "en"
    day = _DAYS[lang].split()[at.weekday()]
    month = _MONTHS[lang].split()[at.month - 1]
    if lang == "fr":
        return f"{day} {at.day} {month} {at.year} à {at:%H:%M}"
    return f"{day} {at.day} {month} {at.year}, {at:%H:%M}"
