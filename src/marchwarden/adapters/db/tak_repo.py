"""Certificates of the TAK gateway, bound to accounts (migration 0006)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa

from marchwarden.adapters.db import tables as t
from marchwarden.adapters.db.types import UTCDateTime

if TYPE_CHECKING:
    from datetime import datetime

tak_certificates = sa.Table(
    "tak_certificates",
    t.metadata,
    sa.Column("serial", sa.String(64), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False, unique=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("client_uid", sa.String(200), nullable=True),
    sa.Column("issued_at", UTCDateTime(), nullable=False),
    sa.Column("not_after", UTCDateTime(), nullable=False),
    sa.Column("revoked_at", UTCDateTime(), nullable=True),
    sa.Column("revoked_reason", sa.String(200), nullable=True),
)


@dataclass(frozen=True, slots=True)
class TakCertRow:
    serial: str
    fingerprint: str
    user_id: int
    client_uid: str | None
    issued_at: datetime
    not_after: datetime
    revoked_at: datetime | None
    revoked_reason: str | None


class TakCertRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def add(self, row: TakCertRow) -> None:
        self.conn.execute(
            tak_certificates.insert().values(
                serial=row.serial,
                fingerprint=row.fingerprint,
                user_id=row.user_id,
                client_uid=row.client_uid,
                issued_at=row.issued_at,
                not_after=row.not_after,
                revoked_at=row.revoked_at,
                revoked_reason=row.revoked_reason,
            )
        )

    def by_fingerprint(self, fingerprint: str) -> TakCertRow | None:
        r = self.conn.execute(
            sa.select(tak_certificates).where(tak_certificates.c.fingerprint == fingerprint)
        ).first()
        return None if r is None else TakCertRow(**r._mapping)

    def by_serial(self, serial: str) -> TakCertRow | None:
        r = self.conn.execute(
            sa.select(tak_certificates).where(tak_certificates.c.serial == serial)
        ).first()
        return None if r is None else TakCertRow(**r._mapping)

    def of_user(self, user_id: int) -> list[TakCertRow]:
        rows = self.conn.execute(
            sa.select(tak_certificates)
            .where(tak_certificates.c.user_id == user_id)
            .order_by(tak_certificates.c.issued_at)
        ).all()
        return [TakCertRow(**r._mapping) for r in rows]

    def revoke(self, serial: str, at: datetime, reason: str) -> None:
        self.conn.execute(
            tak_certificates.update()
            .where(tak_certificates.c.serial == serial)
            .values(revoked_at=at, revoked_reason=reason)
        )
