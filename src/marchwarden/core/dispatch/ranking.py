"""Recommend units for a task: the nearest eligible ones, by ETA, and why others are not.

ETA = ``TravelModel.minutes(great-circle distance)`` from the unit's current position,
else from its home base (units with neither cannot be ranked and are listed apart).
One travel model applies to every unit of a recommendation, so ranking by ETA is
ranking by distance.

Order: ETA (distances compared to the metre), then readiness (higher first), then unit
id (lower first) — so units at the same base always come out in the same order.

Ineligible units within ``ineligible_radius_km`` of the task are listed, nearest first
(same tie-breaks), each with every reason (``eligibility.assess_eligibility``).

Speed: a :class:`DispatchBoard` holds the units as numpy columns (origin, status,
readiness, one boolean column per power and per capability). Build it once and reuse it
for many recommendations (``updated`` replaces changed units); a recommendation is then
a handful of vectorised operations over all units plus Python work only for the units it
lists. ``recommend_units`` builds a board and recommends in one call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from marchwarden.core.dispatch.eligibility import (
    IneligibilityReason,
    assess_eligibility,
)
from marchwarden.core.dispatch.errors import (
    DuplicateUnit,
    InvalidRecommendationRequest,
    InvalidTaskPosition,
)
from marchwarden.core.dispatch.model import (
    LonLat,
    PositionSource,
    TaskRequirements,
    UnitCandidate,
    valid_lon_lat,
)
from marchwarden.core.geo.distance import EARTH_RADIUS_KM, TravelModel

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

DEFAULT_LIMIT = 10
DEFAULT_INELIGIBLE_RADIUS_KM = 25.0
DEFAULT_INELIGIBLE_LIMIT = 20


@dataclass(frozen=True, slots=True)
class RankedUnit:
    rank: int
    unit_id: int
    name: str
    distance_km: float
    eta_minutes: float
    position_source: PositionSource
    readiness: int
    granted_powers: Mapping[str, str] = field(default_factory=dict)
    """The task's required powers → what grants each (legal engine)."""

    def __hash__(self) -> int:
        return hash((self.rank, self.unit_id))

    def describe(self) -> str:
        text = (
            f"{self.rank}. {self.name}: {self.distance_km:.1f} km from its "
            f"{self.position_source.value}, ETA {self.eta_minutes:.0f} min"
        )
        if self.granted_powers:
            grants = ", ".join(f"{p} ({g})" for p, g in sorted(self.granted_powers.items()))
            text += f"; holds {grants}"
        return text


@dataclass(frozen=True, slots=True)
class IneligibleUnit:
    unit_id: int
    name: str
    distance_km: float
    position_source: PositionSource
    reasons: tuple[IneligibilityReason, ...]

    def describe(self) -> str:
        why = "; ".join(r.message for r in self.reasons)
        return f"{self.name} ({self.distance_km:.1f} km): {why}"


@dataclass(frozen=True, slots=True)
class Recommendation:
    target: LonLat
    travel_model: str
    """``TravelModel.describe()``: what every ETA here rests on."""
    ranked: tuple[RankedUnit, ...]
    eligible_count: int
    """Eligible units with a known position (``ranked`` holds at most ``limit`` of them)."""
    ineligible_nearby: tuple[IneligibleUnit, ...]
    ineligible_nearby_count: int
    """Ineligible units within the radius (``ineligible_nearby`` lists at most the limit)."""
    eligible_without_position: tuple[int, ...]
    """Ids of eligible units that have neither a current position nor a home base."""
    max_eta_minutes: float | None = None
    """The cut-off: eligible units farther than this (by ETA) are left out of ``ranked``."""
    beyond_eta_count: int = 0
    """Eligible units left out because their ETA is over ``max_eta_minutes``."""


def _haversine_from(
    lon: float, lat: float, lon_rad: FloatArray, lat_rad: FloatArray, cos_lat: FloatArray
) -> FloatArray:
    """Great-circle km from one (lon, lat) in degrees to many points in radians."""
    lat0 = np.radians(lat)
    lon0 = np.radians(lon)
    a = (
        np.sin((lat_rad - lat0) * 0.5) ** 2
        + np.cos(lat0) * cos_lat * np.sin((lon_rad - lon0) * 0.5) ** 2
    )
    result: FloatArray = (2.0 * EARTH_RADIUS_KM) * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
    return result


def _column(n: int, rows: list[int]) -> BoolArray:
    column = np.zeros(n, np.bool_)
    column[np.array(rows, np.int64)] = True
    return column


class DispatchBoard:
    """Units prepared for fast recommendations. Immutable: ``updated`` returns a new board."""

    __slots__ = (
        "_available",
        "_capabilities",
        "_cos_lat",
        "_from_current",
        "_has_origin",
        "_ids",
        "_index",
        "_lat",
        "_lat_rad",
        "_lon",
        "_lon_rad",
        "_powers",
        "_readiness",
        "_units",
    )

    def __init__(self, units: Iterable[UnitCandidate]) -> None:
        self._units: tuple[UnitCandidate, ...] = tuple(units)
        n = len(self._units)
        index: dict[int, int] = {}
        for row, unit in enumerate(self._units):
            if unit.unit_id in index:
                raise DuplicateUnit.said(
                    "task.unit_appears_more_than",
                    "unit {unit_id} appears more than once",
                    unit_id=unit.unit_id,
                )
            index[unit.unit_id] = row
        self._index = index
        self._ids: IntArray = np.fromiter((u.unit_id for u in self._units), np.int64, n)
        self._available: BoolArray = np.fromiter(
            (u.status.is_available for u in self._units), np.bool_, n
        )
        self._readiness: IntArray = np.fromiter((u.readiness for u in self._units), np.int64, n)
        # Plain lists first, then one conversion each: far faster than n numpy item writes.
        lon: list[float] = [0.0] * n
        lat: list[float] = [0.0] * n
        has_origin: list[bool] = [False] * n
        from_current: list[bool] = [False] * n
        power_rows: dict[str, list[int]] = {}
        capability_rows: dict[str, list[int]] = {}
        for row, unit in enumerate(self._units):
            if unit.position is not None:
                lon[row], lat[row] = unit.position
                has_origin[row] = from_current[row] = True
            elif unit.home_base is not None:
                lon[row], lat[row] = unit.home_base
                has_origin[row] = True
            for name in unit.powers:
                power_rows.setdefault(name, []).append(row)
            for name in unit.capabilities:
                capability_rows.setdefault(name, []).append(row)
        self._has_origin: BoolArray = np.array(has_origin, np.bool_)
        self._from_current: BoolArray = np.array(from_current, np.bool_)
        self._lon: FloatArray = np.array(lon, np.float64)
        self._lat: FloatArray = np.array(lat, np.float64)
        self._powers: dict[str, BoolArray] = {
            name: _column(n, rows) for name, rows in power_rows.items()
        }
        self._capabilities: dict[str, BoolArray] = {
            name: _column(n, rows) for name, rows in capability_rows.items()
        }
        self._lon_rad: FloatArray = np.radians(self._lon)
        self._lat_rad: FloatArray = np.radians(self._lat)
        self._cos_lat: FloatArray = np.cos(self._lat_rad)

    def _fill_row(self, row: int, unit: UnitCandidate) -> None:
        n = len(self._units)
        self._available[row] = unit.status.is_available
        self._readiness[row] = unit.readiness
        origin = unit.origin
        if origin is None:
            self._has_origin[row] = False
            self._from_current[row] = False
            self._lon[row] = self._lat[row] = 0.0
        else:
            (self._lon[row], self._lat[row]), source = origin
            self._has_origin[row] = True
            self._from_current[row] = source is PositionSource.CURRENT
        for name in unit.powers:
            column = self._powers.get(name)
            if column is None:
                column = self._powers[name] = np.zeros(n, np.bool_)
            column[row] = True
        for name in unit.capabilities:
            column = self._capabilities.get(name)
            if column is None:
                column = self._capabilities[name] = np.zeros(n, np.bool_)
            column[row] = True

    @classmethod
    def build(cls, units: Iterable[UnitCandidate]) -> DispatchBoard:
        return cls(units)

    @property
    def units(self) -> tuple[UnitCandidate, ...]:
        return self._units

    def __len__(self) -> int:
        return len(self._units)

    def updated(self, changed: Iterable[UnitCandidate]) -> DispatchBoard:
        """A new board with ``changed`` units replacing those with the same id.

        Units not on the board yet are added (which rebuilds it).
        """
        changed = list(changed)
        if any(u.unit_id not in self._index for u in changed):
            merged = {u.unit_id: u for u in self._units}
            merged.update((u.unit_id, u) for u in changed)
            return DispatchBoard(merged.values())
        new = object.__new__(DispatchBoard)
        units = list(self._units)
        for unit in changed:
            units[self._index[unit.unit_id]] = unit
        new._units = tuple(units)
        new._index = self._index
        new._ids = self._ids
        new._available = self._available.copy()
        new._readiness = self._readiness.copy()
        new._has_origin = self._has_origin.copy()
        new._from_current = self._from_current.copy()
        new._powers = {k: v.copy() for k, v in self._powers.items()}
        new._capabilities = {k: v.copy() for k, v in self._capabilities.items()}
        new._lon = self._lon.copy()
        new._lat = self._lat.copy()
        for unit in changed:
            row = self._index[unit.unit_id]
            for column in (*new._powers.values(), *new._capabilities.values()):
                column[row] = False
            new._fill_row(row, unit)
        new._lon_rad = np.radians(new._lon)
        new._lat_rad = np.radians(new._lat)
        new._cos_lat = np.cos(new._lat_rad)
        return new

    # ----------------------------------------------------------------- queries

    def eligible_mask(self, requirements: TaskRequirements) -> BoolArray:
        """Row-wise: is the unit eligible? (Agrees with ``assess_eligibility``.)"""
        mask = self._available & (self._readiness >= requirements.minimum_readiness)
        for name in requirements.required_powers:
            column = self._powers.get(name)
            if column is None:
                return np.zeros(len(self._units), np.bool_)
            mask &= column
        for name in requirements.required_capabilities:
            column = self._capabilities.get(name)
            if column is None:
                return np.zeros(len(self._units), np.bool_)
            mask &= column
        return mask

    def distances_km(self, target: LonLat) -> FloatArray:
        """Great-circle km from each unit's origin to ``target`` (NaN: no origin)."""
        d = _haversine_from(target[0], target[1], self._lon_rad, self._lat_rad, self._cos_lat)
        return np.where(self._has_origin, d, np.nan)

    def _ordered(self, rows: IntArray, metres: IntArray, count: int) -> IntArray:
        """The first ``count`` of ``rows`` by (distance to the metre, -readiness, id)."""
        if rows.size > count:
            kth = np.partition(metres[rows], count - 1)[count - 1]
            rows = rows[metres[rows] <= kth]  # keeps every tie at the cut
        order = np.lexsort((self._ids[rows], -self._readiness[rows], metres[rows]))
        ordered: IntArray = rows[order][:count]
        return ordered

    def recommend(
        self,
        requirements: TaskRequirements,
        target: LonLat,
        *,
        travel: TravelModel | None = None,
        limit: int = DEFAULT_LIMIT,
        ineligible_radius_km: float = DEFAULT_INELIGIBLE_RADIUS_KM,
        ineligible_limit: int = DEFAULT_INELIGIBLE_LIMIT,
        max_eta_minutes: float | None = None,
    ) -> Recommendation:
        travel = travel or TravelModel()
        if max_eta_minutes is not None and not max_eta_minutes > 0:
            raise InvalidRecommendationRequest.said(
                "task.max_eta_minutes_positive",
                "max_eta_minutes must be positive, got {max_eta_minutes}",
                max_eta_minutes=max_eta_minutes,
            )
        target = (float(target[0]), float(target[1]))
        if not valid_lon_lat(target):
            raise InvalidTaskPosition.said(
                "task.task_position_valid_lon",
                "task position {target} is not a valid (lon, lat)",
                target=target,
            )
        if limit < 1:
            raise InvalidRecommendationRequest.said(
                "task.limit_least_got", "limit must be at least 1, got {limit}", limit=limit
            )
        if ineligible_limit < 0:
            raise InvalidRecommendationRequest.said(
                "task.ineligible_limit_negative_got",
                "ineligible_limit must not be negative, got {ineligible_limit}",
                ineligible_limit=ineligible_limit,
            )
        if not ineligible_radius_km >= 0:
            raise InvalidRecommendationRequest.said(
                "task.ineligible_radius_km_negative",
                "ineligible_radius_km must not be negative, got {ineligible_radius_km}",
                ineligible_radius_km=ineligible_radius_km,
            )

        eligible = self.eligible_mask(requirements)
        d = _haversine_from(target[0], target[1], self._lon_rad, self._lat_rad, self._cos_lat)
        metres: IntArray = np.rint(d * 1000.0).astype(np.int64)

        eligible_rows: IntArray = np.flatnonzero(eligible & self._has_origin)
        beyond = 0
        if max_eta_minutes is not None and eligible_rows.size:
            reach_km = travel.reach_km(max_eta_minutes)
            within = d[eligible_rows] <= reach_km
            beyond = int(eligible_rows.size - int(within.sum()))
            eligible_rows = eligible_rows[within]
        top = self._ordered(eligible_rows, metres, limit)
        ranked = []
        for rank, row in enumerate(top.tolist(), start=1):
            unit = self._units[row]
            km = float(d[row])
            ranked.append(
                RankedUnit(
                    rank=rank,
                    unit_id=unit.unit_id,
                    name=unit.name,
                    distance_km=km,
                    eta_minutes=travel.minutes(km),
                    position_source=_source(bool(self._from_current[row])),
                    readiness=unit.readiness,
                    granted_powers=MappingProxyType(
                        {p: unit.powers[p] for p in sorted(requirements.required_powers)}
                    ),
                )
            )

        near_rows: IntArray = np.flatnonzero(
            ~eligible & self._has_origin & (d <= ineligible_radius_km)
        )
        near: list[IneligibleUnit] = []
        if ineligible_limit and near_rows.size:
            for row in self._ordered(near_rows, metres, ineligible_limit).tolist():
                unit = self._units[row]
                near.append(
                    IneligibleUnit(
                        unit.unit_id,
                        unit.name,
                        float(d[row]),
                        _source(bool(self._from_current[row])),
                        assess_eligibility(requirements, unit).reasons,
                    )
                )

        unplaced = np.flatnonzero(eligible & ~self._has_origin)
        return Recommendation(
            target=target,
            travel_model=travel.describe(),
            ranked=tuple(ranked),
            eligible_count=int(eligible_rows.size) + beyond,
            ineligible_nearby=tuple(near),
            ineligible_nearby_count=int(near_rows.size),
            eligible_without_position=tuple(sorted(self._ids[unplaced].tolist())),
            max_eta_minutes=max_eta_minutes,
            beyond_eta_count=beyond,
        )


def _source(from_current: bool) -> PositionSource:
    return PositionSource.CURRENT if from_current else PositionSource.HOME_BASE


def recommend_units(
    units: Sequence[UnitCandidate] | DispatchBoard,
    requirements: TaskRequirements,
    target: LonLat,
    *,
    travel: TravelModel | None = None,
    limit: int = DEFAULT_LIMIT,
    ineligible_radius_km: float = DEFAULT_INELIGIBLE_RADIUS_KM,
    ineligible_limit: int = DEFAULT_INELIGIBLE_LIMIT,
) -> Recommendation:
    """One-shot recommendation; pass a prepared ``DispatchBoard`` to skip building one."""
    board = units if isinstance(units, DispatchBoard) else DispatchBoard(units)
    return board.recommend(
        requirements,
        target,
        travel=travel,
        limit=limit,
        ineligible_radius_km=ineligible_radius_km,
        ineligible_limit=ineligible_limit,
    )
