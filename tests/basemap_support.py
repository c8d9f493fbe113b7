"""A small MBTiles file for the tests: real PNG tiles (one colour each) in the MBTiles 1.3
layout, written with the standard library's sqlite3 and zlib."""

from __future__ import annotations

import math
import sqlite3
import struct
import zlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


def png(rgb: tuple[int, int, int], size: int = 256) -> bytes:
    """A ``size`` x ``size`` PNG of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * size))
        + chunk(b"IEND", b"")
    )


def tile_colour(z: int, x: int, y: int) -> tuple[int, int, int]:
    """A colour that differs from tile to tile (so a flipped row shows)."""
    return ((40 + 50 * z) % 256, (x * 37) % 256, (y * 71) % 256)


def tile_xy(z: int, lon: float, lat: float) -> tuple[int, int]:
    """The XYZ tile holding (lon, lat) at zoom ``z`` (Web Mercator)."""
    n = 1 << z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def _tiles(z: int, bbox: tuple[float, float, float, float] | None) -> list[tuple[int, int]]:
    if bbox is None:
        return [(x, y) for x in range(1 << z) for y in range(1 << z)]
    x0, y0 = tile_xy(z, bbox[0], bbox[3])
    x1, y1 = tile_xy(z, bbox[2], bbox[1])
    return [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def write_mbtiles(
    path: Path,
    *,
    max_zoom: int = 3,
    fmt: str = "png",
    bbox: tuple[float, float, float, float] | None = None,
) -> Path:
    """The tiles of zooms 0..``max_zoom`` (within ``bbox``, west, south, east, north, if
    given), XYZ ``y`` stored as the TMS row."""
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        conn.execute(
            "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, "
            "tile_data BLOB, PRIMARY KEY (zoom_level, tile_column, tile_row))"
        )
        conn.executemany(
            "INSERT INTO metadata VALUES (?, ?)",
            [
                ("name", "test base map"),
                ("format", fmt),
                ("minzoom", "0"),
                ("maxzoom", str(max_zoom)),
                ("bounds", "-180,-85,180,85"),
                ("attribution", "made by the tests <b>here</b>"),
            ],
        )
        conn.executemany(
            "INSERT INTO tiles VALUES (?, ?, ?, ?)",
            [
                (z, x, (1 << z) - 1 - y, png(tile_colour(z, x, y), 64))
                for z in range(max_zoom + 1)
                for x, y in _tiles(z, bbox)
            ],
        )
    conn.close()
    return path
