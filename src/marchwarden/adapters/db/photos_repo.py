"""Photos of field reports (table ``report_photos``)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from marchwarden.adapters.db import tables as t
from marchwarden.services.field_ports import PhotoRow

_META = [c for c in t.report_photos.c if c.name != "data"]


def _row(r: Any) -> PhotoRow:
    m = r._mapping
    return PhotoRow(**{c.name: m[c.name] for c in _META})


class PhotoRepository:
    """``services/field_ports.py: Photos`` on the table ``report_photos``."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def add(self, row: PhotoRow, data: bytes) -> int:
        values = {c.name: getattr(row, c.name) for c in _META if c.name != "id"}
        result = self.conn.execute(
            t.report_photos.insert().values(**values, data=data).returning(t.report_photos.c.id)
        )
        return int(result.scalar_one())

    def by_sha(self, report_id: int, sha256: str) -> PhotoRow | None:
        q = sa.select(*_META).where(
            t.report_photos.c.report_id == report_id, t.report_photos.c.sha256 == sha256
        )
        r = self.conn.execute(q).first()
        return None if r is None else _row(r)

    def of_report(self, report_id: int) -> list[PhotoRow]:
        q = (
            sa.select(*_META)
            .where(t.report_photos.c.report_id == report_id)
            .order_by(t.report_photos.c.id)
        )
        return [_row(r) for r in self.conn.execute(q).all()]

    def get(self, photo_id: int) -> tuple[PhotoRow, bytes] | None:
        q = sa.select(*_META, t.report_photos.c.data).where(t.report_photos.c.id == photo_id)
        r = self.conn.execute(q).first()
        return None if r is None else (_row(r), bytes(r._mapping["data"]))
