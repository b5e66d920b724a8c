"""Locating an address from GeoNames' places: by name in its country whatever the accents,
case and abbreviations; between namesakes, by the region a French postcode names; otherwise the
most populous namesake."""

from __future__ import annotations

import pytest

from oms.domain.contact import LocatedBy, PostalAddress
from oms.domain.errors import ValidationError
from oms.promise.places import Gazetteer, destination_of, place_key, shipped_gazetteer


def _city(name, cc, lat, lon, region, population):
    return {
        "name": name,
        "countrycode": cc,
        "latitude": lat,
        "longitude": lon,
        "admin1code": region,
        "population": population,
    }


SMALL = Gazetteer.of_cities(
    [
        _city("Valence", "FR", 44.93, 4.89, "84", 63864),
        _city("Valence", "FR", 44.11, 0.89, "76", 5039),
        _city("Valence", "ES", 39.47, -0.38, "60", 800000),
        _city("Saint-Étienne", "FR", 45.43, 4.39, "84", 171057),
        _city("Saint-Denis", "RE", -20.88, 55.45, "RE", 145000),
    ]
)


def test_names_compare_without_accents_case_hyphens_or_saint_abbreviated():
    assert place_key("St-Étienne") == place_key("saint etienne") == "saint etienne"
    assert SMALL.locate("ST ETIENNE", "fr").by is LocatedBy.CITY


def test_a_french_postcode_picks_the_namesake_in_its_region():
    drome = SMALL.locate("Valence", "FR", "26000")
    tarn = SMALL.locate("Valence", "FR", "82 400")
    assert (drome.lat, drome.by) == (44.93, LocatedBy.POSTCODE)
    assert (tarn.lat, tarn.by) == (44.11, LocatedBy.POSTCODE)


def test_without_a_telling_postcode_the_most_populous_namesake_is_taken():
    assert SMALL.locate("Valence", "FR", "").lat == 44.93
    assert SMALL.locate("Valence", "FR", "75001").by is LocatedBy.CITY  # Paris' region: none


def test_the_country_decides_before_anything_else():
    assert SMALL.locate("Valence", "ES").lat == 39.47
    assert SMALL.locate("Valence", "DE") is None


def test_a_french_overseas_postcode_looks_in_its_own_geonames_country():
    assert SMALL.locate("Saint-Denis", "FR", "97400").lat == -20.88


def test_a_destination_given_wins_and_no_destination_nor_address_is_refused():
    address = PostalAddress(line1="x", postcode="26000", city="Atlantis", country="FR")
    assert destination_of((1.0, 2.0), address) == (1.0, 2.0)
    with pytest.raises(ValidationError, match="destination"):
        destination_of(None, None)
    with pytest.raises(ValidationError, match=r"address\.city"):
        destination_of(None, address)


def test_the_shipped_data_knows_french_villages_and_tells_the_two_valences_apart():
    shipped = shipped_gazetteer()
    assert abs(shipped.locate("Valence", "FR", "26000").lon - 4.89) < 0.05
    assert abs(shipped.locate("Valence", "FR", "82400").lon - 0.89) < 0.05
    assert shipped.locate("Paris", "FR", "75011").by is LocatedBy.CITY
