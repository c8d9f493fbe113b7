"""Alerts and evacuation zones as the shapes ATAK draws.

A polygon is a ``u-d-f`` drawing shape whose vertices are ``<link point="lat,lon"/>``
(closed: the first vertex repeated last, as ATAK writes it); a circle is ``u-d-c-c``
with ``<shape><ellipse major=… minor=… angle="360"/></shape>`` (radius in metres) round
the event's point. Each shape of an alert has the uid ``mw.alert.<id>.<n>``, of an order
``mw.evac.<id>.<n>``. An alert's shapes go stale when the alert expires; a cancelled
alert or a lifted order is sent once more with a stale time of now (then deleted).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from marchwarden.core.tak import cot

DRAWN_POLYGON = "u-d-f"
DRAWN_CIRCLE = "u-d-c-c"
#: how long an evacuation zone stays current on a device without an update
ORDER_STALE = timedelta(days=2)
#: ATAK's colours are signed 32-bit ARGB integers
_COLOURS = {
    "Extreme": 0xFFFF0000,
    "Severe": 0xFFFF6600,
    "Moderate": 0xFFFFCC00,
    "Minor": 0xFF3399FF,
    "Unknown": 0xFF999999,
    "evacuation": 0xFFCC00CC,
}
_FILL_ALPHA = 0x40

LonLat = tuple[float, float]


def argb(colour: int, alpha: int = 0xFF) -> int:
    """``colour`` (0xAARRGGBB) with ``alpha``, as the signed int ATAK writes."""
    value = (alpha << 24) | (colour & 0xFFFFFF)
    return value - (1 << 32) if value >= 1 << 31 else value


@dataclass(frozen=True, slots=True)
class Circle:
    lon: float
    lat: float
    radius_km: float


@dataclass(frozen=True, slots=True)
class Zone:
    """What a shape shows: a label, words, a colour key, and the geometry (rings of
    (lon, lat), and circles)."""

    uid_prefix: str
    label: str
    text: str
    colour: str
    rings: tuple[tuple[LonLat, ...], ...] = ()
    circles: tuple[Circle, ...] = ()


def alert_uid(alert_id: int) -> str:
    return f"mw.alert.{alert_id}"


def order_uid(order_id: int) -> str:
    return f"mw.evac.{order_id}"


def rings_of(geometry: dict[str, Any]) -> tuple[tuple[LonLat, ...], ...]:
    """The outer rings of a GeoJSON Polygon or MultiPolygon, as (lon, lat) tuples."""
    kind = geometry.get("type")
    if kind == "Polygon":
        polygons = [geometry["coordinates"]]
    elif kind == "MultiPolygon":
        polygons = list(geometry["coordinates"])
    else:
        return ()
    return tuple(tuple((float(p[0]), float(p[1])) for p in poly[0]) for poly in polygons if poly)


def _style(colour: str) -> str:
    base = _COLOURS.get(colour, _COLOURS["Unknown"])
    return (
        f'<strokeColor value="{argb(base)}"/><strokeWeight value="3.0"/>'
        f'<fillColor value="{argb(base, _FILL_ALPHA)}"/><labels_on value="true"/>'
    )


def polygon_event(
    uid: str,
    ring: tuple[LonLat, ...],
    *,
    label: str,
    text: str,
    colour: str,
    now: datetime,
    stale: datetime,
) -> bytes:
    """A ``u-d-f`` drawn polygon; its point is the first vertex (ATAK centres the label)."""
    points = list(ring)
    if points and points[0] != points[-1]:
        points.append(points[0])
    lon0, lat0 = points[0] if points else (0.0, 0.0)
    links = "".join(f'<link point="{lat:.7f},{lon:.7f}"/>' for lon, lat in points)
    detail = links + cot.contact(label) + cot.remarks(text) + _style(colour)
    return cot.event_xml(
        uid=uid,
        type=DRAWN_POLYGON,
        now=now,
        stale=stale,
        lat=lat0,
        lon=lon0,
        how="h-e",
        detail=detail,
    )


def circle_event(
    uid: str,
    circle: Circle,
    *,
    label: str,
    text: str,
    colour: str,
    now: datetime,
    stale: datetime,
) -> bytes:
    """A ``u-d-c-c`` drawn circle of ``circle.radius_km`` round its centre."""
    metres = circle.radius_km * 1000.0
    detail = (
        f'<shape><ellipse major="{metres:.1f}" minor="{metres:.1f}" angle="360"/></shape>'
        + cot.contact(label)
        + cot.remarks(text)
        + _style(colour)
    )
    return cot.event_xml(
        uid=uid,
        type=DRAWN_CIRCLE,
        now=now,
        stale=stale,
        lat=circle.lat,
        lon=circle.lon,
        how="h-e",
        detail=detail,
    )


def zone_events(zone: Zone, now: datetime, stale: datetime) -> dict[str, bytes]:
    """Every shape of a zone by uid: its rings, then its circles."""
    out: dict[str, bytes] = {}
    n = 0
    for ring in zone.rings:
        uid = f"{zone.uid_prefix}.{n}"
        out[uid] = polygon_event(
            uid, ring, label=zone.label, text=zone.text, colour=zone.colour, now=now, stale=stale
        )
        n += 1
    for circle in zone.circles:
        uid = f"{zone.uid_prefix}.{n}"
        out[uid] = circle_event(
            uid, circle, label=zone.label, text=zone.text, colour=zone.colour, now=now, stale=stale
        )
        n += 1
    return out


@dataclass(frozen=True, slots=True)
class AlertInfo:
    """A published alert as its shapes need it. ``live``: its last message is not a
    Cancel. ``circle``: the issuer drew a circle (sent as one); otherwise ``geometry``
    (GeoJSON) gives the polygons."""

    id: int
    event: str
    headline: str
    severity: str
    instruction: str
    scope: str
    regions: frozenset[str]
    expires: datetime
    live: bool
    geometry: dict[str, Any]
    circle: Circle | None = None


def alert_zone(alert: AlertInfo) -> Zone:
    text = (
        f"ALERT {alert.id}: {alert.event} ({alert.severity}) — {alert.headline}; "
        f"{alert.instruction.replace('_', ' ')}; expires {cot.cot_time(alert.expires)}"
    )
    return Zone(
        alert_uid(alert.id),
        f"ALERT {alert.id} {alert.event}",
        text,
        alert.severity,
        () if alert.circle else rings_of(alert.geometry),
        (alert.circle,) if alert.circle else (),
    )


def alert_gone(alert: AlertInfo, now: datetime) -> bool:
    return not alert.live or alert.expires <= now


def alert_events(alert: AlertInfo, now: datetime) -> dict[str, bytes]:
    """The alert's shapes, stale at its expiry (now if it is cancelled or expired)."""
    stale = now if alert_gone(alert, now) else alert.expires
    return zone_events(alert_zone(alert), now, stale)


@dataclass(frozen=True, slots=True)
class OrderInfo:
    id: int
    kind: str
    state: str
    description: str
    regions: frozenset[str]
    to_move: int
    moved: int
    geometry: dict[str, Any]
    circle: Circle | None = None


def order_gone(order: OrderInfo) -> bool:
    return order.state == "lifted"


def order_events(order: OrderInfo, now: datetime) -> dict[str, bytes]:
    """The evacuation zone's shapes (stale now once the order is lifted)."""
    text = (
        f"EVACUATION {order.id} ({order.kind}, {order.state.replace('_', ' ')}): "
        f"{order.description} — {order.moved:,} of {order.to_move:,} moved"
    )
    zone = Zone(
        order_uid(order.id),
        f"EVAC {order.id} {order.description}"[:80],
        text,
        "evacuation",
        () if order.circle else rings_of(order.geometry),
        (order.circle,) if order.circle else (),
    )
    stale = now if order_gone(order) else now + ORDER_STALE
    return zone_events(zone, now, stale)
