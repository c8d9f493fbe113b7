"""Duplicate settlement records: the same place listed twice under one name.

GeoNames sometimes holds a town twice — once as the populated place and once as its
administrative body ("Gorod Shebekino", "the town of Shebekino", next to "Shebekino"), or
as two records of one village with different ids. Counted both, an incident at Shebekino
"affects" the town twice. The rule applied to the bundled data (and checked by the tests):

* two records are the same place when their **normalised names** are equal (case-folded,
  "ё" read as "е", apostrophes dropped, a leading administrative word such as "Gorod" or
  "Posëlok" removed) **and** they lie within :data:`DUPLICATE_WITHIN_KM` of each other;
  records joined through a chain of such pairs are one place;
* of each place the record kept is the one with the **largest population**; on a tie the
  one whose name carries no administrative word (the proper name), then the lowest
  GeoNames id (the older record).
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from marchwarden.core.geo.distance import haversine_km

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from marchwarden.core.geo.model import Settlement

#: same-named settlement records closer than this are one place
DUPLICATE_WITHIN_KM = 6.0

#: leading words that name a settlement's administrative kind, not the place
#: (Russian, Ukrainian and Belarusian transliterations as GeoNames writes them)
ADMIN_WORDS = frozenset(
    {
        "gorod",
        "misto",
        "horad",
        "poselok",
        "posyolok",
        "selo",
        "derevnya",
        "khutor",
        "stanitsa",
        "pgt",
        "smt",
        "selyshche",
    }
)

_APOSTROPHES = re.compile(r"[’'ʼ`´]")
_SPACES = re.compile(r"[\s\-]+")


def _fold(name: str) -> str:
    text = _APOSTROPHES.sub("", name.casefold()).replace("ё", "е")
    # drop diacritics ("Posëlok" and "Poselok" are one word)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _SPACES.sub(" ", text).strip()


def has_admin_word(name: str) -> bool:
    """Whether ``name`` starts with an administrative word ("Gorod Shebekino")."""
    words = _fold(name).split(" ", 1)
    return len(words) == 2 and words[0] in ADMIN_WORDS


def normalised_name(name: str) -> str:
    """The name two records of one place share: ``"Gorod Shebekino"`` → ``"shebekino"``."""
    folded = _fold(name)
    return folded.split(" ", 1)[1] if has_admin_word(name) else folded


def _preference(s: Settlement) -> tuple[int, bool, int]:
    return (-s.population, has_admin_word(s.name), s.id)


def duplicate_groups(
    settlements: Iterable[Settlement], within_km: float = DUPLICATE_WITHIN_KM
) -> list[tuple[Settlement, ...]]:
    """Each group of records that are one place (two or more), the record to keep first;
    groups in the order of their kept record's GeoNames id."""
    by_name: dict[str, list[Settlement]] = {}
    for s in settlements:
        by_name.setdefault(normalised_name(s.name), []).append(s)
    groups: list[tuple[Settlement, ...]] = []
    for same in by_name.values():
        if len(same) > 1:
            groups.extend(_cluster(same, within_km))
    return sorted(groups, key=lambda g: g[0].id)


def _cluster(same: Sequence[Settlement], within_km: float) -> list[tuple[Settlement, ...]]:
    parent = list(range(len(same)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(same):
        for j in range(i + 1, len(same)):
            b = same[j]
            if haversine_km(a.lon, a.lat, b.lon, b.lat) <= within_km:
                parent[root(j)] = root(i)
    members: dict[int, list[Settlement]] = {}
    for i, s in enumerate(same):
        members.setdefault(root(i), []).append(s)
    return [tuple(sorted(m, key=_preference)) for m in members.values() if len(m) > 1]


def without_duplicates(
    settlements: Sequence[Settlement], within_km: float = DUPLICATE_WITHIN_KM
) -> tuple[tuple[Settlement, ...], tuple[Settlement, ...]]:
    """``(kept, dropped)``: the settlements with every duplicate record but the preferred
    one removed (in their input order), and the removed records."""
    dropped = {s.id: s for g in duplicate_groups(settlements, within_km) for s in g[1:]}
    kept = tuple(s for s in settlements if s.id not in dropped)
    return kept, tuple(s for s in settlements if s.id in dropped)
