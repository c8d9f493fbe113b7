"""Duplicate settlement records: the rule (``core.geo.dedupe``) and the bundled data.

The bundled-data check is a brute-force loop over every pair with ``haversine_km``, not
``duplicate_groups``, so a fault in the rule cannot hide a duplicate in the data."""

from __future__ import annotations

import itertools
import json
from importlib import resources

from marchwarden import geodata
from marchwarden.core.geo.dedupe import (
    DUPLICATE_WITHIN_KM,
    duplicate_groups,
    has_admin_word,
    normalised_name,
    without_duplicates,
)
from marchwarden.core.geo.distance import haversine_km
from marchwarden.core.geo.model import Settlement


def town(sid: int, name: str, population: int, lon: float, lat: float = 50.0) -> Settlement:
    return Settlement(sid, name, population, "RU-BEL", "RU", lon, lat)


def test_names_normalise_past_case_admin_words_apostrophes_and_yo() -> None:
    assert normalised_name("Gorod Shebekino") == normalised_name("shebekino") == "shebekino"
    assert normalised_name("Posëlok Tëtkino") == normalised_name("Poselok Tetkino") == "tetkino"
    assert normalised_name("Bol’shoye Soldatskoye") == normalised_name("Bol'shoye  Soldatskoye")
    assert has_admin_word("Gorod Shebekino") and not has_admin_word("Shebekino")
    # a one-word name that happens to be an admin word stays itself
    assert normalised_name("Selo") == "selo" and not has_admin_word("Selo")
    assert normalised_name("Novyy Oskol") != normalised_name("Staryy Oskol")


def test_the_larger_record_is_kept_and_far_namesakes_stay() -> None:
    a = town(1, "Gorod Shebekino", 39680, 36.9167)
    b = town(2, "Shebekino", 45194, 36.9000)
    far = town(3, "Shebekino", 100, 37.5)  # ~43 km east: another place of that name
    other = town(4, "Maslova Pristan'", 8000, 36.91)
    kept, dropped = without_duplicates([a, b, far, other])
    assert kept == (b, far, other) and dropped == (a,)
    assert duplicate_groups([a, b, far, other]) == [(b, a)]


def test_ties_prefer_the_proper_name_then_the_older_id_and_chains_join() -> None:
    tie = [town(9, "Gorod Valuyki", 500, 38.10), town(7, "Valuyki", 500, 38.11)]
    assert duplicate_groups(tie)[0][0].id == 7
    twins = [town(20, "Birky", 500, 36.0), town(10, "Birky", 500, 36.01)]
    assert duplicate_groups(twins)[0][0].id == 10
    # 0 - 5 km - 1 - 5 km - 2: 0 and 2 are 10 km apart but one place through 1
    step = 5.0 / (111.32 * 0.6428)  # 5 km of longitude at 50° N
    chain = [town(i + 1, "Pikuzy", 100 * (i + 1), 37.0 + i * step) for i in range(3)]
    assert [g[0].id for g in duplicate_groups(chain)] == [3]
    assert len(duplicate_groups(chain)[0]) == 3


def test_no_two_bundled_settlements_share_a_name_within_a_few_km() -> None:
    near = [
        (a.name, b.name, round(haversine_km(a.lon, a.lat, b.lon, b.lat), 2))
        for a, b in itertools.combinations(geodata.settlements(), 2)
        if normalised_name(a.name) == normalised_name(b.name)
        and haversine_km(a.lon, a.lat, b.lon, b.lat) <= DUPLICATE_WITHIN_KM
    ]
    assert near == []
    names = {s.name for s in geodata.settlements()}
    assert "Shebekino" in names and "Gorod Shebekino" not in names


def test_the_bundled_file_is_what_the_loader_serves() -> None:
    raw = resources.files("marchwarden.data").joinpath("settlements.geojson").read_bytes()
    assert len(json.loads(raw)["features"]) == len(geodata.settlements())
