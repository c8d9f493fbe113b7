"""Certificates of the TAK gateway, bound to accounts (``tables.tak_certificates``);
implements ``services/tak_ports.py: TakCerts`` (``uow.tak_certs``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from marchwarden.adapters.db import tables as t
from marchwarden.services.tak_ports import TakCertRow

if TYPE_CHECKING:
    from datetime import datetime

tak_certificates = t.tak_certificates

__all__ = ["TakCertRepository", "TakCertRow"]


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
