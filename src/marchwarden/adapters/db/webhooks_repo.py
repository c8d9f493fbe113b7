"""Webhook subscriptions and the delivery queue. Never commits.

A publication inserts one ``pending`` delivery per matching subscription in its own
transaction (``enqueue``), so a restart loses none; the delivery worker takes the due
ones (``due``) and records each attempt."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from marchwarden.adapters.db import civil_tables as c
from marchwarden.services.civil_ports import DeliveryRecord, DueDelivery, Subscription

if TYPE_CHECKING:
    from datetime import datetime


def _sub(r: sa.Row[Any]) -> Subscription:
    return Subscription(
        r.id,
        r.name,
        r.url,
        tuple(r.regions),
        bool(r.active),
        bool(r.failing),
        int(r.consecutive_failures),
        r.created_by,
        r.created_at,
    )


class WebhookRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def add(
        self, *, name: str, url: str, secret: str, regions: list[str], by: str, now: datetime
    ) -> int:
        pk = self.conn.execute(
            c.webhook_subscriptions.insert().values(
                name=name,
                url=url,
                secret=secret,
                regions=sorted(regions),
                active=True,
                failing=False,
                consecutive_failures=0,
                created_by=by,
                created_at=now,
            )
        ).inserted_primary_key
        assert pk is not None
        return int(pk[0])

    def get(self, sub_id: int) -> Subscription | None:
        s = c.webhook_subscriptions
        row = self.conn.execute(sa.select(s).where(s.c.id == sub_id)).first()
        return None if row is None else _sub(row)

    def subscriptions(self) -> list[Subscription]:
        s = c.webhook_subscriptions
        return [_sub(r) for r in self.conn.execute(sa.select(s).order_by(s.c.id))]

    def deactivate(self, sub_id: int) -> None:
        s = c.webhook_subscriptions
        self.conn.execute(s.update().where(s.c.id == sub_id).values(active=False))

    def enqueue(self, message_id: int, regions: frozenset[str], now: datetime) -> int:
        """A pending delivery of the message to every active subscription that wants one
        of ``regions`` (or every region). Returns how many."""
        rows = [
            {
                "message_id": message_id,
                "subscription_id": sub.id,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for sub in self.subscriptions()
            if sub.active and (not sub.regions or regions & set(sub.regions))
        ]
        if rows:
            self.conn.execute(c.webhook_deliveries.insert(), rows)
        return len(rows)

    def due(self, now: datetime, limit: int = 100) -> list[DueDelivery]:
        d, s, m = c.webhook_deliveries, c.webhook_subscriptions, c.alert_messages
        q = (
            sa.select(
                d.c.id,
                d.c.subscription_id,
                s.c.url,
                s.c.secret,
                d.c.message_id,
                m.c.identifier,
                m.c.document,
                d.c.attempts,
            )
            .join(s, s.c.id == d.c.subscription_id)
            .join(m, m.c.id == d.c.message_id)
            .where(d.c.status == "pending", d.c.next_attempt_at <= now)
            .order_by(d.c.next_attempt_at, d.c.id)
            .limit(limit)
        )
        return [DueDelivery(*r) for r in self.conn.execute(q)]

    def next_due_at(self) -> datetime | None:
        d = c.webhook_deliveries
        return self.conn.execute(
            sa.select(sa.func.min(d.c.next_attempt_at)).where(d.c.status == "pending")
        ).scalar_one_or_none()

    def record_attempt(
        self,
        delivery_id: int,
        *,
        status: str,
        attempts: int,
        http_status: int | None,
        error: str | None,
        next_at: datetime,
        now: datetime,
    ) -> None:
        d = c.webhook_deliveries
        values: dict[str, Any] = {
            "status": status,
            "attempts": attempts,
            "last_status": http_status,
            "last_error": (error or None) and error[:1000],
            "last_attempt_at": now,
            "next_attempt_at": next_at,
        }
        if status == "delivered":
            values["delivered_at"] = now
        self.conn.execute(d.update().where(d.c.id == delivery_id).values(**values))

    def subscriber_outcome(self, sub_id: int, *, ok: bool, failing_after: int) -> None:
        s = c.webhook_subscriptions
        if ok:
            self.conn.execute(
                s.update().where(s.c.id == sub_id).values(consecutive_failures=0, failing=False)
            )
            return
        self.conn.execute(
            s.update()
            .where(s.c.id == sub_id)
            .values(
                consecutive_failures=s.c.consecutive_failures + 1,
                failing=s.c.consecutive_failures + 1 >= failing_after,
            )
        )

    def log(self, alert_id: int) -> list[DeliveryRecord]:
        d, s, m = c.webhook_deliveries, c.webhook_subscriptions, c.alert_messages
        q = (
            sa.select(
                d.c.id,
                m.c.identifier,
                m.c.msg_type,
                d.c.subscription_id,
                s.c.name,
                d.c.status,
                d.c.attempts,
                d.c.last_status,
                d.c.last_error,
                d.c.last_attempt_at,
                d.c.delivered_at,
            )
            .join(s, s.c.id == d.c.subscription_id)
            .join(m, m.c.id == d.c.message_id)
            .where(m.c.alert_id == alert_id)
            .order_by(d.c.id)
        )
        return [DeliveryRecord(*r) for r in self.conn.execute(q)]

    def status_counts(self, alert_ids: list[int]) -> dict[int, dict[str, int]]:
        """Per alert: how many deliveries are pending, delivered, failed."""
        if not alert_ids:
            return {}
        d, m = c.webhook_deliveries, c.alert_messages
        q = (
            sa.select(m.c.alert_id, d.c.status, sa.func.count())
            .join(m, m.c.id == d.c.message_id)
            .where(m.c.alert_id.in_(alert_ids))
            .group_by(m.c.alert_id, d.c.status)
        )
        out: dict[int, dict[str, int]] = {}
        for alert_id, status, n in self.conn.execute(q):
            out.setdefault(int(alert_id), {})[str(status)] = int(n)
        return out
