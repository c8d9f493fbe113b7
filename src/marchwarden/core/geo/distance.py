"""Great-circle distance and the straight-line travel-time model."""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Distance in kilometres between two WGS 84 points given as (lon, lat)."""
    p1 = math.radians(lat1)
    p2 = math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class TravelModel:
    """Straight-line distance times a detour factor, over a constant speed.

    The model is stated in every output that uses it (``describe``), so a reader knows
    what an ETA or a coverage figure rests on.
    """

    speed_kmh: float = 60.0
    detour_factor: float = 1.3

    def minutes(self, distance_km: float) -> float:
        return distance_km * self.detour_factor / self.speed_kmh * 60.0

    def reach_km(self, minutes: float) -> float:
        """The straight-line distance coverable in ``minutes``."""
        return minutes / 60.0 * self.speed_kmh / self.detour_factor

    def describe(self) -> str:
        return (
            f"straight-line distance x {self.detour_factor:g} detour factor "
            f"at {self.speed_kmh:g} km/h"
        )
