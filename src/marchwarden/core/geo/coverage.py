"""Coverage: which settlements some responder can reach within a time budget.

A settlement is covered when the travel time from its nearest responder point — under a
:class:`~marchwarden.core.geo.distance.TravelModel` — is at most ``budget_minutes``. Every
result states the travel model it rests on.

The nearest responder is found for all settlements x all responders at once, in chunks of
responders. The haversine term of two points is ``a = sin²(Δφ/2) + cos φ1 cos φ2
sin²(Δλ/2) = (1 − p·u) / 2`` with ``p``, ``u`` their unit vectors, so the matrix of ``a`` is
one matrix product; the smallest ``a`` in a row is the nearest responder, whose distance
is then computed with the usual haversine formula.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from marchwarden.core.geo.areas import (
    haversine_km_array,
    settlement_coordinates,
    unit_vectors,
)
from marchwarden.core.geo.model import Settlement, check_lon_lat

if TYPE_CHECKING:
    from collections.abc import Sequence

    from marchwarden.core.geo.distance import TravelModel

DEFAULT_CHUNK_ELEMENTS = 1 << 22
"""Settlements x responders handled per matrix product (about 32 MB of float64)."""


@dataclass(frozen=True, slots=True)
class ResponderPoint:
    """Where a unit able to respond is (its home base or last position)."""

    unit_id: str
    lon: float
    lat: float

    def __post_init__(self) -> None:
        check_lon_lat(self.lon, self.lat, f"responder {self.unit_id!r}")


@dataclass(frozen=True, slots=True)
class SettlementReach:
    """A settlement and its nearest responder (``None`` when there are no responders)."""

    settlement: Settlement
    nearest_unit_id: str | None
    distance_km: float | None
    minutes: float | None
    covered: bool


@dataclass(frozen=True, slots=True)
class CoverageResult:
    """Covered and uncovered settlements (each in input order) and their population."""

    travel_model: str
    budget_minutes: float
    reach_km: float
    responder_count: int
    covered: tuple[SettlementReach, ...]
    uncovered: tuple[SettlementReach, ...]

    @property
    def settlement_count(self) -> int:
        return len(self.covered) + len(self.uncovered)

    @property
    def covered_count(self) -> int:
        return len(self.covered)

    @property
    def covered_population(self) -> int:
        return sum(r.settlement.population for r in self.covered)

    @property
    def uncovered_population(self) -> int:
        return sum(r.settlement.population for r in self.uncovered)

    @property
    def population(self) -> int:
        return self.covered_population + self.uncovered_population

    @property
    def covered_ids(self) -> frozenset[int]:
        return frozenset(r.settlement.id for r in self.covered)


def nearest_responders(
    settlements: Sequence[Settlement],
    responders: Sequence[ResponderPoint],
    chunk_elements: int = DEFAULT_CHUNK_ELEMENTS,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
    """For each settlement, the index in ``responders`` of the nearest one and its
    great-circle distance in km. Ties go to the responder listed first. Requires at
    least one responder."""
    if not responders:
        raise ValueError("nearest_responders needs at least one responder")
    if chunk_elements < 1:
        raise ValueError("chunk_elements must be positive")
    lons, lats = settlement_coordinates(settlements)
    n = lons.shape[0]
    best_index = np.zeros(n, dtype=np.intp)
    if n == 0:
        return best_index, np.zeros(0, dtype=np.float64)
    ulons = np.fromiter((r.lon for r in responders), dtype=np.float64, count=len(responders))
    ulats = np.fromiter((r.lat for r in responders), dtype=np.float64, count=len(responders))
    p = unit_vectors(lons, lats)
    u = unit_vectors(ulons, ulats)
    best_dot = np.full(n, -np.inf, dtype=np.float64)
    rows = np.arange(n)
    step = max(1, chunk_elements // n)
    for lo in range(0, u.shape[0], step):
        dots = p @ u[lo : lo + step].T  # (1 - dots) / 2 is the haversine term
        idx = np.argmax(dots, axis=1)  # first maximum: ties go to the earlier responder
        val = dots[rows, idx]
        better = val > best_dot
        best_dot[better] = val[better]
        best_index[better] = idx[better] + lo
    distances = haversine_km_array(ulons[best_index], ulats[best_index], lons, lats)
    return best_index, distances


def coverage(
    settlements: Sequence[Settlement],
    responders: Sequence[ResponderPoint],
    travel: TravelModel,
    budget_minutes: float,
    *,
    chunk_elements: int = DEFAULT_CHUNK_ELEMENTS,
) -> CoverageResult:
    """Which settlements are within ``budget_minutes`` of at least one responder
    (a travel time equal to the budget counts as covered)."""
    if math.isnan(budget_minutes) or budget_minutes < 0:
        raise ValueError("budget_minutes must be >= 0")
    covered: list[SettlementReach] = []
    uncovered: list[SettlementReach] = []
    if not responders:
        uncovered = [SettlementReach(s, None, None, None, covered=False) for s in settlements]
    else:
        index, distances = nearest_responders(settlements, responders, chunk_elements)
        for s, i, d in zip(settlements, index.tolist(), distances.tolist(), strict=True):
            minutes = travel.minutes(d)
            reach = SettlementReach(
                settlement=s,
                nearest_unit_id=responders[i].unit_id,
                distance_km=d,
                minutes=minutes,
                covered=minutes <= budget_minutes,
            )
            (covered if reach.covered else uncovered).append(reach)
    return CoverageResult(
        travel_model=travel.describe(),
        budget_minutes=budget_minutes,
        reach_km=travel.reach_km(budget_minutes),
        responder_count=len(responders),
        covered=tuple(covered),
        uncovered=tuple(uncovered),
    )


@dataclass(frozen=True, slots=True)
class CoverageComparison:
    """Coverage of the same settlements before and after a change of responders."""

    travel_model: str
    budget_minutes: float
    before: CoverageResult
    after: CoverageResult
    gained: tuple[Settlement, ...]
    lost: tuple[Settlement, ...]

    @property
    def gained_population(self) -> int:
        return sum(s.population for s in self.gained)

    @property
    def lost_population(self) -> int:
        return sum(s.population for s in self.lost)

    @property
    def population_delta(self) -> int:
        """Covered population after minus before."""
        return self.after.covered_population - self.before.covered_population

    @property
    def count_delta(self) -> int:
        return self.after.covered_count - self.before.covered_count


def compare_coverage(
    before_points: Sequence[ResponderPoint],
    after_points: Sequence[ResponderPoint],
    settlements: Sequence[Settlement],
    travel: TravelModel,
    budget_minutes: float,
    *,
    chunk_elements: int = DEFAULT_CHUNK_ELEMENTS,
) -> CoverageComparison:
    """Coverage with ``before_points`` and with ``after_points``: the settlements gained
    and lost (in input order) and the change in covered population."""
    before = coverage(
        settlements, before_points, travel, budget_minutes, chunk_elements=chunk_elements
    )
    after = coverage(
        settlements, after_points, travel, budget_minutes, chunk_elements=chunk_elements
    )
    was, now = before.covered_ids, after.covered_ids
    return CoverageComparison(
        travel_model=travel.describe(),
        budget_minutes=budget_minutes,
        before=before,
        after=after,
        gained=tuple(s for s in settlements if s.id in now and s.id not in was),
        lost=tuple(s for s in settlements if s.id in was and s.id not in now),
    )
