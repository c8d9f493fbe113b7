"""Shelters and evacuation orders in the store. Never commits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from marchwarden.adapters.db import civil_tables as c
from marchwarden.core.alerts.areas import AreaSpec
from marchwarden.core.civil.evacuation import (
    AssemblyPoint,
    EvacuationOrder,
    OrderKind,
    OrderState,
)
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


def _order(r: sa.Row[Any]) -> EvacuationOrder:
    area = r.area
    return EvacuationOrder(
        id=r.id,
        incident_id=r.incident_id,
        alert_id=r.alert_id,
        kind=OrderKind(r.kind),
        state=OrderState(r.state),
        area=AreaSpec.from_json(area["spec"]),
        description=area["description"],
        regions=frozenset(r.regions),
        settlement_ids=tuple(r.settlement_ids),
        to_move=r.to_move,
        moved=r.moved,
        assembly_points=tuple(AssemblyPoint(**p) for p in r.assembly_points),
        created_by=r.created_by,
    )


class EvacuationRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def add(self, order: EvacuationOrder, geometry: dict[str, Any], now: datetime) -> int:
        pk = self.conn.execute(
            c.evacuation_orders.insert().values(
                incident_id=order.incident_id,
                alert_id=order.alert_id,
                kind=order.kind.value,
                state=order.state.value,
                area={"spec": order.area.to_json(), "description": order.description},
                geometry=geometry,
                regions=sorted(order.regions),
                settlement_ids=list(order.settlement_ids),
                to_move=order.to_move,
                moved=order.moved,
                assembly_points=[
                    {"name": p.name, "lon": p.lon, "lat": p.lat} for p in order.assembly_points
                ],
                created_by=order.created_by,
                created_at=now,
                updated_at=now,
            )
        ).inserted_primary_key
        assert pk is not None
        return int(pk[0])

    def get(self, order_id: int, *, for_update: bool = False) -> EvacuationOrder | None:
        q = sa.select(c.evacuation_orders).where(c.evacuation_orders.c.id == order_id)
        if for_update:
            q = q.with_for_update()
        row = self.conn.execute(q).first()
        return None if row is None else _order(row)

    def all(self) -> list[tuple[EvacuationOrder, dict[str, Any]]]:
        e = c.evacuation_orders
        rows = self.conn.execute(sa.select(e).order_by(e.c.id.desc()))
        return [(_order(r), dict(r.geometry)) for r in rows]

    def save(self, order: EvacuationOrder, now: datetime) -> None:
        e = c.evacuation_orders
        self.conn.execute(
            e.update()
            .where(e.c.id == order.id)
            .values(state=order.state.value, moved=order.moved, updated_at=now)
        )
