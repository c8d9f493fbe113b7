"""A deployment's own offline base map: an MBTiles file (SQLite, the MBTiles 1.3 layout:
``metadata(name, value)`` and ``tiles(zoom_level, tile_column, tile_row, tile_data)``
with TMS rows), named by ``MARCHWARDEN_BASEMAP`` and served by ``/api/v1/basemap``.

Opened read-only once at start-up (a wrong path or file stops the server with the
reason); one connection shared under a lock — a tile read is a primary-key lookup.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

#: tile formats the MBTiles spec names, and their media types
MEDIA_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "pbf": "application/x-protobuf",
}
MAX_ZOOM = 24


class BasemapError(ValueError):
    """The file named as the base map cannot be served (the message says why)."""


class MBTiles:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise BasemapError(f"base map {self.path}: no such file")
        uri = self.path.resolve().as_uri() + "?mode=ro"
        try:
            self._conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
            rows = self._conn.execute("SELECT name, value FROM metadata").fetchall()
            self._conn.execute("SELECT tile_data FROM tiles LIMIT 1").fetchall()
        except sqlite3.DatabaseError as exc:
            raise BasemapError(f"base map {self.path}: not an MBTiles file ({exc})") from exc
        self.metadata = {str(name): str(value) for name, value in rows}
        self.format = self.metadata.get("format", "png").lower()
        if self.format not in MEDIA_TYPES:
            raise BasemapError(
                f"base map {self.path}: tile format {self.format!r} is not one of "
                f"{', '.join(sorted(MEDIA_TYPES))}"
            )
        self._lock = threading.Lock()

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The tile at zoom ``z``, column ``x``, row ``y`` (XYZ, top row 0), or None."""
        with self._lock:
            row = self._conn.execute(
                "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? "
                "AND tile_row = ?",
                (z, x, (1 << z) - 1 - y),
            ).fetchone()
        return None if row is None else bytes(row[0])

    def close(self) -> None:
        self._conn.close()
