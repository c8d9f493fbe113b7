"""Shelters and evacuation orders in the store. Never commits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from marchwarden.adapters.db import civil_tables as c
from marchwarden.core.civil.model import Shelter, ShelterStatus

if TYPE_CHECKING:
    from datetime import datetime


def _shelter(r: sa.Row[Any]) -> Shelter:
    return Shelter(
        id=r.id,
        name=r.name,
        region=r.region,
        lon=r.lon,
        lat=r.lat,
        address=r.address,
        capacity=r.capacity,
        occupancy=r.occupancy,
        services=frozenset(r.services),
        status=ShelterStatus(r.status),
    )


class ShelterRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def add(self, shelter: Shelter, now: datetime) -> int:
        pk = self.conn.execute(
            c.shelters.insert().values(
                name=shelter.name,
                region=shelter.region,
                lon=shelter.lon,
                lat=shelter.lat,
                address=shelter.address,
                capacity=shelter.capacity,
                occupancy=shelter.occupancy,
                services=sorted(shelter.services),
                status=shelter.status.value,
                created_at=now,
                updated_at=now,
            )
        ).inserted_primary_key
        assert pk is not None
        return int(pk[0])

    def get(self, shelter_id: int, *, for_update: bool = False) -> Shelter | None:
        q = sa.select(c.shelters).where(c.shelters.c.id == shelter_id)
        if for_update:
            q = q.with_for_update()
        row = self.conn.execute(q).first()
        return None if row is None else _shelter(row)

    def all(self) -> list[Shelter]:
        return [
            _shelter(r) for r in self.conn.execute(sa.select(c.shelters).order_by(c.shelters.c.id))
        ]

    def save(self, shelter: Shelter, now: datetime) -> None:
        self.conn.execute(
            c.shelters.update()
            .where(c.shelters.c.id == shelter.id)
            .values(occupancy=shelter.occupancy, status=shelter.status.value, updated_at=now)
        )
