"""Places in API schemas: points and GeoJSON geometries."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from marchwarden.entrypoints.api.schemas.base import Schema


class PointIn(Schema):
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)


class PointOut(Schema):
    lon: float
    lat: float


class GeometryIn(Schema):
    """A GeoJSON Point ``[lon, lat]`` or Polygon ``[[[lon, lat], ...]]`` (no holes)."""

    type: Literal["Point", "Polygon"]
    coordinates: list[Any] = Field(max_length=2000)
