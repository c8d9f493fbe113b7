"""Alerts and evacuation zones as the shapes ATAK draws (pure builders), and who gets
them (the same policy decisions as the alert and evacuation reads)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

from marchwarden.adapters.tak.cotxml import parse_event
from marchwarden.core.access.model import Principal, Role, Scope
from marchwarden.core.tak import shapes
from marchwarden.entrypoints.tak.bridge import alert_rule, order_rule

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
RING = [[35.55, 50.42], [35.75, 50.42], [35.75, 50.52], [35.55, 50.52], [35.55, 50.42]]
SQUARE = {"type": "Polygon", "coordinates": [RING]}


def xml(data: bytes) -> ET.Element:
    return ET.fromstring(data)  # noqa: S314 - our own builders' output


def alert(**kw: object) -> shapes.AlertInfo:
    base: dict[str, object] = {
        "id": 4,
        "event": "Incursion",
        "headline": "Take shelter",
        "severity": "Severe",
        "instruction": "shelter_in_place",
        "scope": "Public",
        "regions": frozenset({"RU-BEL"}),
        "expires": NOW + timedelta(hours=6),
        "live": True,
        "geometry": SQUARE,
    }
    base.update(kw)
    return shapes.AlertInfo(**base)  # type: ignore[arg-type]


def test_a_polygon_alert_is_a_drawn_shape_with_its_vertices_stale_at_expiry() -> None:
    events = shapes.alert_events(alert(), NOW)
    assert list(events) == ["mw.alert.4.0"]
    root = xml(events["mw.alert.4.0"])
    assert root.get("type") == "u-d-f"
    points = [link.get("point") for link in root.iterfind("detail/link")]
    assert points[0] == "50.4200000,35.5500000" and points[0] == points[-1] and len(points) == 5
    ev = parse_event(events["mw.alert.4.0"])
    assert ev.stale == NOW + timedelta(hours=6)
    assert ev.callsign == "ALERT 4 Incursion"
    assert ev.remarks is not None and "Take shelter" in ev.remarks and "Severe" in ev.remarks
    stroke = root.find("detail/strokeColor")
    assert stroke is not None and int(stroke.get("value") or 0) == shapes.argb(0xFF6600)


def test_an_open_ring_is_closed_and_a_multipolygon_gives_one_shape_each() -> None:
    two = {"type": "MultiPolygon", "coordinates": [[RING[:-1]], [RING]]}
    events = shapes.alert_events(alert(geometry=two), NOW)
    assert list(events) == ["mw.alert.4.0", "mw.alert.4.1"]
    first = xml(events["mw.alert.4.0"])
    assert len(first.findall("detail/link")) == 5  # closed as ATAK writes it


def test_a_circle_is_an_ellipse_in_metres_round_its_centre() -> None:
    events = shapes.alert_events(alert(circle=shapes.Circle(36.9, 50.41, 2.5)), NOW)
    root = xml(events["mw.alert.4.0"])
    assert root.get("type") == "u-d-c-c"
    ellipse = root.find("detail/shape/ellipse")
    assert ellipse is not None
    assert (ellipse.get("major"), ellipse.get("minor")) == ("2500.0", "2500.0")
    point = root.find("point")
    assert point is not None and point.get("lat") == "50.4100000"


def test_a_cancelled_or_expired_alert_is_stale_now() -> None:
    for gone in (alert(live=False), alert(expires=NOW - timedelta(minutes=1))):
        assert shapes.alert_gone(gone, NOW)
        ev = parse_event(shapes.alert_events(gone, NOW)["mw.alert.4.0"])
        assert ev.stale == NOW


def test_an_evacuation_zone_stays_until_lifted() -> None:
    order = shapes.OrderInfo(
        9,
        "mandatory",
        "in_progress",
        "Shebekino <east>",
        frozenset({"RU-BEL"}),
        1200,
        300,
        SQUARE,
    )
    ev = parse_event(shapes.order_events(order, NOW)["mw.evac.9.0"])
    assert ev.type == "u-d-f" and ev.stale == NOW + shapes.ORDER_STALE
    assert ev.remarks is not None and "300 of 1,200 moved" in ev.remarks
    assert "Shebekino <east>" in ev.remarks  # escaped in the XML, read back whole
    lifted = shapes.OrderInfo(9, "mandatory", "lifted", "x", frozenset(), 0, 0, SQUARE)
    assert shapes.order_gone(lifted)
    assert parse_event(shapes.order_events(lifted, NOW)["mw.evac.9.0"]).stale == NOW


def test_argb_is_the_signed_int_atak_writes() -> None:
    assert shapes.argb(0xFF0000) == -65536
    assert shapes.argb(0xFF0000, 0x40) == 0x40FF0000
    assert shapes.rings_of({"type": "Point", "coordinates": [1, 2]}) == ()


def test_who_gets_the_shapes_is_the_alert_and_evacuation_policy() -> None:
    kursk = Principal(1, "krs", Role.REGIONAL_COORDINATOR, Scope.of_regions("RU-KRS"))
    belgorod = Principal(2, "bel", Role.REGIONAL_COORDINATOR, Scope.of_regions("RU-BEL"))
    hq = Principal(3, "hq", Role.HQ_COMMANDER, Scope.all())
    public = alert_rule(alert())
    assert public(belgorod) and public(hq) and not public(kursk)
    private = alert_rule(alert(scope="Private"))
    assert private(hq) and not private(kursk)
    order = order_rule(
        shapes.OrderInfo(9, "mandatory", "ordered", "x", frozenset({"RU-BEL"}), 1, 0, SQUARE)
    )
    assert order(belgorod) and order(hq) and not order(kursk)
