"""Alerts and their CAP messages in the store. Never commits."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from marchwarden.adapters.db import civil_tables as c
from marchwarden.core.alerts.areas import AreaSpec
from marchwarden.core.alerts.model import (
    Alert,
    AlertContent,
    AlertMessage,
    AlertState,
    AreaSummary,
    CapScope,
    CapSeverity,
    CapStatus,
    Category,
    Certainty,
    InfoText,
    Instruction,
    MsgType,
    Urgency,
)
from marchwarden.services.civil_ports import FeedRow, StoredMessage

if TYPE_CHECKING:
    from collections.abc import Sequence


def content_to_json(content: AlertContent) -> dict[str, Any]:
    return {
        "event": content.event,
        "category": content.category.value,
        "urgency": content.urgency.value,
        "severity": content.severity.value,
        "certainty": content.certainty.value,
        "instruction": content.instruction.value,
        "texts": [
            {
                "language": x.language,
                "headline": x.headline,
                "description": x.description,
                "instruction": x.instruction,
            }
            for x in content.texts
        ],
        "area": content.area.to_json(),
        "expires": content.expires.isoformat(),
        "scope": content.scope.value,
        "status": content.status.value,
        "restriction": content.restriction,
        "addresses": content.addresses,
        "incident_id": content.incident_id,
    }


def content_from_json(d: dict[str, Any]) -> AlertContent:
    return AlertContent(
        event=d["event"],
        category=Category(d["category"]),
        urgency=Urgency(d["urgency"]),
        severity=CapSeverity(d["severity"]),
        certainty=Certainty(d["certainty"]),
        instruction=Instruction(d["instruction"]),
        texts=tuple(InfoText(**x) for x in d["texts"]),
        area=AreaSpec.from_json(d["area"]),
        expires=datetime.fromisoformat(d["expires"]),
        scope=CapScope(d["scope"]),
        status=CapStatus(d["status"]),
        restriction=d.get("restriction", ""),
        addresses=d.get("addresses", ""),
        incident_id=d.get("incident_id"),
    )


def _area_json(a: AreaSummary) -> dict[str, Any]:
    return {
        "description": a.description,
        "settlement_ids": list(a.settlement_ids),
        "population": a.population,
        "regions": sorted(a.regions),
    }


def _area(d: dict[str, Any]) -> AreaSummary:
    return AreaSummary(
        description=d["description"],
        settlement_ids=tuple(d["settlement_ids"]),
        population=int(d["population"]),
        regions=frozenset(d["regions"]),
    )


def _CURRENT_PUBLIC(now: datetime) -> tuple[Any, ...]:
    a = c.alerts
    return (
        a.c.live.is_(True),
        a.c.external.is_(False),
        a.c.scope == CapScope.PUBLIC.value,
        a.c.expires > now,
    )


class AlertRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def _values(self, alert: Alert, geometry: dict[str, Any], now: datetime) -> dict[str, Any]:
        return {
            "state": alert.state.value,
            "external": alert.external,
            "sender": alert.sender,
            "content": content_to_json(alert.content),
            "area": _area_json(alert.area),
            "geometry": geometry,
            "scope": alert.content.scope.value,
            "expires": alert.content.expires,
            "live": alert.live,
            "incident_id": alert.content.incident_id,
            "created_by": alert.created_by,
            "created_by_id": alert.created_by_id,
            "approved_by": alert.approved_by,
            "approved_by_id": alert.approved_by_id,
            "updated_at": now,
        }

    def add(self, alert: Alert, geometry: dict[str, Any], now: datetime) -> int:
        values = self._values(alert, geometry, now) | {"created_at": alert.created_at}
        pk = self.conn.execute(c.alerts.insert().values(**values)).inserted_primary_key
        assert pk is not None
        return int(pk[0])

    def save(self, alert: Alert, now: datetime, geometry: dict[str, Any] | None = None) -> None:
        values = self._values(alert, geometry or {}, now)
        if geometry is None:
            del values["geometry"]
        self.conn.execute(c.alerts.update().where(c.alerts.c.id == alert.id).values(**values))

    def add_message(
        self, alert_id: int, message: AlertMessage, document: bytes, now: datetime
    ) -> int:
        pk = self.conn.execute(
            c.alert_messages.insert().values(
                alert_id=alert_id,
                identifier=message.identifier,
                sender=message.sender,
                sent=message.sent,
                msg_type=message.msg_type.value,
                document=document.decode("utf-8"),
                created_at=now,
            )
        ).inserted_primary_key
        assert pk is not None
        return int(pk[0])

    def _messages(self, alert_ids: Sequence[int]) -> dict[int, list[AlertMessage]]:
        out: dict[int, list[AlertMessage]] = {i: [] for i in alert_ids}
        if not alert_ids:
            return out
        m = c.alert_messages
        rows = self.conn.execute(
            sa.select(m.c.alert_id, m.c.identifier, m.c.sender, m.c.sent, m.c.msg_type)
            .where(m.c.alert_id.in_(alert_ids))
            .order_by(m.c.id)
        )
        for r in rows:
            out[r.alert_id].append(
                AlertMessage(r.identifier, r.sender, r.sent, MsgType(r.msg_type))
            )
        return out

    def _alert(self, row: sa.Row[Any], messages: list[AlertMessage]) -> Alert:
        return Alert(
            id=row.id,
            state=AlertState(row.state),
            content=content_from_json(row.content),
            area=_area(row.area),
            created_by=row.created_by,
            created_by_id=row.created_by_id,
            created_at=row.created_at,
            approved_by=row.approved_by,
            approved_by_id=row.approved_by_id,
            messages=tuple(messages),
            external=bool(row.external),
            sender=row.sender,
        )

    def get(self, alert_id: int, *, for_update: bool = False) -> Alert | None:
        q = sa.select(c.alerts).where(c.alerts.c.id == alert_id)
        if for_update:
            q = q.with_for_update()
        row = self.conn.execute(q).first()
        if row is None:
            return None
        return self._alert(row, self._messages([row.id])[row.id])

    def geometry(self, alert_id: int) -> dict[str, Any]:
        value = self.conn.execute(
            sa.select(c.alerts.c.geometry).where(c.alerts.c.id == alert_id)
        ).scalar_one()
        return dict(value)

    def find(
        self,
        *,
        states: set[AlertState] | None = None,
        live_only: bool = False,
        now: datetime | None = None,
        limit: int = 200,
    ) -> list[tuple[Alert, dict[str, Any]]]:
        """Newest first, with each alert's geometry."""
        a = c.alerts
        q = sa.select(a).order_by(a.c.id.desc()).limit(limit)
        if states:
            q = q.where(a.c.state.in_([s.value for s in states]))
        if live_only:
            q = q.where(a.c.live.is_(True))
            if now is not None:
                q = q.where(a.c.expires > now)
        rows = self.conn.execute(q).all()
        messages = self._messages([r.id for r in rows])
        return [(self._alert(r, messages[r.id]), dict(r.geometry)) for r in rows]

    def feed_rows(self, now: datetime) -> list[FeedRow]:
        """The current public alerts (live, not expired, scope Public) of this
        headquarters, each with its newest message; newest first. Only what the feed
        shows is read (not the geometry)."""
        a, m = c.alerts, c.alert_messages
        newest = (
            sa.select(m.c.alert_id, sa.func.max(m.c.id).label("mid"))
            .group_by(m.c.alert_id)
            .subquery()
        )
        q = (
            sa.select(a.c.content, a.c.area, a.c.expires, m.c.identifier, m.c.sent)
            .join(newest, newest.c.alert_id == a.c.id)
            .join(m, m.c.id == newest.c.mid)
            .where(*_CURRENT_PUBLIC(now))
            .order_by(m.c.id.desc())
        )
        out = []
        for r in self.conn.execute(q):
            texts = r.content["texts"]
            out.append(
                FeedRow(
                    identifier=r.identifier,
                    sent=r.sent,
                    headline=texts[0]["headline"] if texts else r.content["event"],
                    event=r.content["event"],
                    severity=r.content["severity"],
                    area=r.area["description"],
                    expires=r.expires,
                )
            )
        return out

    def feed_version(self, now: datetime) -> tuple[int, int, datetime | None, datetime | None]:
        """What the feed's ETag rests on: (newest message id, number of current alerts,
        newest change, the next expiry among them)."""
        a, m = c.alerts, c.alert_messages
        row = self.conn.execute(
            sa.select(sa.func.count(), sa.func.min(a.c.expires))
            .select_from(a)
            .where(*_CURRENT_PUBLIC(now))
        ).one()
        newest = self.conn.execute(
            sa.select(sa.func.max(m.c.id), sa.func.max(m.c.created_at))
        ).one()
        return (int(newest[0] or 0), int(row[0]), newest[1], row[1])

    def message(self, identifier: str, sender: str | None = None) -> StoredMessage | None:
        m = c.alert_messages
        q = sa.select(m).where(m.c.identifier == identifier)
        if sender is not None:
            q = q.where(m.c.sender == sender)
        row = self.conn.execute(q.limit(1)).first()
        if row is None:
            return None
        return StoredMessage(
            row.id, row.alert_id, row.identifier, row.sender, row.sent, row.msg_type, row.document
        )

    def message_by_id(self, message_id: int) -> StoredMessage:
        row = self.conn.execute(
            sa.select(c.alert_messages).where(c.alert_messages.c.id == message_id)
        ).one()
        return StoredMessage(
            row.id, row.alert_id, row.identifier, row.sender, row.sent, row.msg_type, row.document
        )

    def alert_for_refs(self, refs: Sequence[tuple[str, str]]) -> int | None:
        """The alert one of the referenced (sender, identifier) messages belongs to."""
        m = c.alert_messages
        for sender, identifier in reversed(refs):
            found = self.conn.execute(
                sa.select(m.c.alert_id).where(m.c.sender == sender, m.c.identifier == identifier)
            ).scalar_one_or_none()
            if found is not None:
                return int(found)
        return None
