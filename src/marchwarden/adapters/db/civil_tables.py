"""Tables of civil protection: alerts and their CAP messages, webhook subscriptions and
the delivery queue, shelters, evacuation orders (migration 0005). On the same metadata
as ``tables.py`` (which imports this module at its end)."""

from __future__ import annotations

import sqlalchemy as sa

from marchwarden.adapters.db.tables import metadata
from marchwarden.adapters.db.types import UTCDateTime, json_type

alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("external", sa.Boolean, nullable=False),
    #: the issuing authority of an imported alert (None: this headquarters)
    sa.Column("sender", sa.String(255), nullable=True),
    #: AlertContent as JSON (event, CAP values, texts, area spec, expires, scope …)
    sa.Column("content", json_type(), nullable=False),
    #: what the area covered: description, settlement ids, population, regions
    sa.Column("area", json_type(), nullable=False),
    #: the area as GeoJSON, for the map
    sa.Column("geometry", json_type(), nullable=False),
    sa.Column("scope", sa.String(16), nullable=False),
    sa.Column("expires", UTCDateTime(), nullable=False),
    #: its newest message is an Alert or Update (not a Cancel): in the feed until expires
    sa.Column("live", sa.Boolean, nullable=False),
    sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id"), nullable=True),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_by_id", sa.Integer, nullable=True),
    sa.Column("approved_by", sa.String(64), nullable=True),
    sa.Column("approved_by_id", sa.Integer, nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Index("ix_alerts_live_scope_expires", "live", "scope", "expires"),
)

alert_messages = sa.Table(
    "alert_messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "alert_id", sa.Integer, sa.ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("identifier", sa.String(255), nullable=False, index=True),
    sa.Column("sender", sa.String(255), nullable=False),
    sa.Column("sent", UTCDateTime(), nullable=False),
    sa.Column("msg_type", sa.String(16), nullable=False),
    #: the CAP XML exactly as published (or as imported)
    sa.Column("document", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.UniqueConstraint("sender", "identifier", name="uq_alert_messages_sender_identifier"),
    sa.Index("ix_alert_messages_alert_id", "alert_id", "id"),
)

webhook_subscriptions = sa.Table(
    "webhook_subscriptions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("url", sa.String(2000), nullable=False),
    sa.Column("secret", sa.String(200), nullable=False),
    #: region codes it wants alerts for; empty: every region
    sa.Column("regions", json_type(), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    #: marked after ``webhook_failing_after`` deliveries in a row gave up
    sa.Column("failing", sa.Boolean, nullable=False),
    sa.Column("consecutive_failures", sa.Integer, nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)

webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "message_id",
        sa.Integer,
        sa.ForeignKey("alert_messages.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column(
        "subscription_id",
        sa.Integer,
        sa.ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    #: pending, delivered, failed (gave up)
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
    sa.Column("last_attempt_at", UTCDateTime(), nullable=True),
    sa.Column("last_status", sa.Integer, nullable=True),
    sa.Column("last_error", sa.String(1000), nullable=True),
    sa.Column("delivered_at", UTCDateTime(), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Index("ix_webhook_deliveries_status_next", "status", "next_attempt_at"),
)

shelters = sa.Table(
    "shelters",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("region", sa.String(16), nullable=True, index=True),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("address", sa.String(400), nullable=False),
    sa.Column("capacity", sa.Integer, nullable=False),
    sa.Column("occupancy", sa.Integer, nullable=False),
    #: beds, medical, accessible, pets …
    sa.Column("services", json_type(), nullable=False),
    #: open, full, closed
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)

evacuation_orders = sa.Table(
    "evacuation_orders",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id"), nullable=True),
    sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id"), nullable=True),
    #: recommended, mandatory
    sa.Column("kind", sa.String(16), nullable=False),
    #: ordered, in_progress, complete, lifted
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("area", json_type(), nullable=False),
    sa.Column("geometry", json_type(), nullable=False),
    sa.Column("regions", json_type(), nullable=False),
    sa.Column("settlement_ids", json_type(), nullable=False),
    sa.Column("to_move", sa.Integer, nullable=False),
    sa.Column("moved", sa.Integer, nullable=False),
    sa.Column("assembly_points", json_type(), nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)
