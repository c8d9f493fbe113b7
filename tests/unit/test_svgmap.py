"""The SVG area map (pure): projection to scale, clipping, names that never overprint."""

from __future__ import annotations

import math

from lxml import etree
from shapely.geometry import LineString, Point, Polygon

from marchwarden.core.geo.svgmap import KM_PER_DEG, AreaMap, MapPlace, MapTask, frame_around, render

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> etree._Element:
    return etree.fromstring(svg.encode())


def names(root: etree._Element) -> list[str | None]:
    return [e.text for e in root.iter(SVG + "text") if "name" in (e.get("class") or "")]


def test_the_frame_and_the_scale() -> None:
    frame = frame_around(Point(36.0, 50.0), 10.0)
    west, south, east, north = frame
    assert math.isclose((north - south) * KM_PER_DEG, 20.0, rel_tol=1e-9)
    assert math.isclose(
        (east - west) * KM_PER_DEG * math.cos(math.radians(50.0)), 20.0, rel_tol=1e-6
    )
    root = parse(render(AreaMap(frame=frame, title="t", place=Point(36, 50), radius_km=5), 400))
    assert root.get("width") == "400" and abs(int(root.get("height") or 0) - 400) <= 1
    (circle,) = [c for c in root.iter(SVG + "circle") if c.get("class") == "affected-radius"]
    assert float(circle.get("cx") or 0) == 200 and math.isclose(
        float(circle.get("r") or 0), 100, rel_tol=1e-3
    )
    scale = root.find(f"{SVG}g[@class='scale']")
    assert scale is not None and "km" in "".join(scale.itertext())


def test_names_never_overprint_and_affected_ones_always_show() -> None:
    places = [
        MapPlace(36.0, 50.5, "Alpha", 500),
        MapPlace(36.0001, 50.5, "Beta", 400),
        MapPlace(36.0002, 50.5, "Gamma", 300, affected=True),
        MapPlace(36.0003, 50.5, "Delta", 200, affected=True),
        MapPlace(36.08, 50.55, "Far", 100),
        MapPlace(37.5, 50.5, "Outside", 100000),
    ]
    root = parse(render(AreaMap(frame=(35.9, 50.4, 36.1, 50.6), title="t", places=places)))
    assert names(root) == ["Gamma", "Delta", "Far"]
    assert len(list(root.iter(SVG + "circle"))) == 5  # Outside is not drawn


def test_geometry_is_clipped_and_text_escaped() -> None:
    river = LineString([(35.0, 50.5), (37.0, 50.5)])
    area = Polygon([(35.95, 50.45), (36.05, 50.45), (36.05, 50.55), (35.95, 50.45)])
    spec = AreaMap(
        frame=(35.9, 50.4, 36.1, 50.6),
        title="<script>x</script>",
        rivers=[river],
        place=area,
        radius_km=2,
        tasks=[MapTask(36.0, 50.5, "a & b"), MapTask(40.0, 50.0, "elsewhere")],
    )
    svg = render(spec, 500)
    root = parse(svg)
    assert "<script>" not in svg and root.find(SVG + "title").text == "<script>x</script>"  # type: ignore[union-attr]
    (path,) = [p for p in root.iter(SVG + "path") if p.get("class") == "river"]
    xs = [float(v) for v in (path.get("d") or "").replace("M", " ").replace("L", " ").split()[::2]]
    assert min(xs) == 0 and max(xs) == 500  # cut at the frame's edges
    assert len([g for g in root.iter(SVG + "g") if g.get("class") == "task"]) == 1
    assert [
        p.get("class") for p in root.iter(SVG + "path") if "incident" in (p.get("class") or "")
    ] == ["incident incident-area"]
