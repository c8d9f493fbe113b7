"""The storage schema (SQLAlchemy Core). Every change here needs an Alembic migration."""

from __future__ import annotations

import sqlalchemy as sa

from marchwarden.adapters.db.types import UTCDateTime, json_type

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING)

instance = sa.Table(
    "instance",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(200), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("scope", json_type(), nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("disabled_at", UTCDateTime(), nullable=True),
    sa.Column("language", sa.String(16), nullable=True),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column(
        "user_id",
        sa.Integer,
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("expires_at", UTCDateTime(), nullable=False),
    sa.Column("revoked_at", UTCDateTime(), nullable=True),
)

login_failures = sa.Table(
    "login_failures",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("last_failure_at", UTCDateTime(), nullable=False),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column(
        "seq",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        primary_key=True,
        autoincrement=False,
    ),
    sa.Column("at", UTCDateTime(), nullable=False, index=True),
    sa.Column("actor_id", sa.Integer, nullable=True, index=True),
    sa.Column("actor_name", sa.String(64), nullable=False),
    sa.Column("command", sa.String(100), nullable=False),
    sa.Column("target_type", sa.String(64), nullable=False),
    sa.Column("target_id", sa.String(64), nullable=True),
    sa.Column("changes", json_type(), nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Index("ix_audit_log_target", "target_type", "target_id"),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer, "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("payload", json_type(), nullable=False),
    sa.Column("read_action", sa.String(64), nullable=False),
    sa.Column("resource", json_type(), nullable=False),
    sqlite_autoincrement=True,
)

# --------------------------------------------------------------------------- forces

agencies = sa.Table(
    "agencies",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(32), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("region", sa.String(16), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)

units = sa.Table(
    "units",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("agency_id", sa.Integer, sa.ForeignKey("agencies.id"), nullable=False, index=True),
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("units.id"), nullable=True, index=True),
    #: materialised path of ids, e.g. "/3/17/42/": a subtree is a prefix match
    sa.Column("path", sa.String(512), nullable=False, unique=True),
    sa.Column("category", sa.String(32), nullable=False),
    sa.Column("region", sa.String(16), nullable=False, index=True),
    sa.Column("home_lon", sa.Float, nullable=False),
    sa.Column("home_lat", sa.Float, nullable=False),
    sa.Column("capabilities", json_type(), nullable=False),
    sa.Column("readiness", sa.Integer, nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("status_since", UTCDateTime(), nullable=False),
    sa.Column("declared_strength", sa.Integer, nullable=True),
    sa.Column("position_lon", sa.Float, nullable=True),
    sa.Column("position_lat", sa.Float, nullable=True),
    sa.Column("position_at", UTCDateTime(), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)

unit_status_history = sa.Table(
    "unit_status_history",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id", ondelete="CASCADE"), nullable=False),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("previous", sa.String(32), nullable=True),
    sa.Column("by_user", sa.String(64), nullable=False),
    sa.Column("note", sa.String(500), nullable=False),
    sa.Index("ix_unit_status_history_unit_at", "unit_id", "at"),
)

unit_positions = sa.Table(
    "unit_positions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id", ondelete="CASCADE"), nullable=False),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("source", sa.String(32), nullable=False),
    #: the device's stated accuracy (metres, 95 %), when it gave one (browser geolocation)
    sa.Column("accuracy_m", sa.Float, nullable=True),
    sa.Index("ix_unit_positions_unit_at", "unit_id", "at"),
)

members = sa.Table(
    "members",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("external_id", sa.String(64), nullable=False, unique=True),
    sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=False, index=True),
    sa.Column("callsign", sa.String(64), nullable=False),
    sa.Column("given_name", sa.String(100), nullable=False),
    sa.Column("family_name", sa.String(100), nullable=False),
    sa.Column("date_of_birth", sa.Date, nullable=True),
    sa.Column("phone", sa.String(32), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)

member_trainings = sa.Table(
    "member_trainings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "member_id",
        sa.Integer,
        sa.ForeignKey("members.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("programme", sa.String(64), nullable=False),
    sa.Column("completed_on", sa.Date, nullable=False),
    sa.Column("hours", sa.Float, nullable=False),
)

member_qualifications = sa.Table(
    "member_qualifications",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "member_id",
        sa.Integer,
        sa.ForeignKey("members.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("issued_on", sa.Date, nullable=False),
    sa.Column("expires_on", sa.Date, nullable=True),
)

member_fitness = sa.Table(
    "member_fitness",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "member_id",
        sa.Integer,
        sa.ForeignKey("members.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("examined_on", sa.Date, nullable=False),
    sa.Column("valid_until", sa.Date, nullable=True),
    sa.Column("fit", sa.Boolean, nullable=False),
)

# --------------------------------------------------------------------------- law

legal_acts = sa.Table(
    "legal_acts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("reference", sa.String(64), nullable=False, unique=True),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("effective_from", UTCDateTime(), nullable=True),
    sa.Column("effective_to", UTCDateTime(), nullable=True),
    #: null = everywhere
    sa.Column("regions", json_type(), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)

grants = sa.Table(
    "grants",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "act_id",
        sa.Integer,
        sa.ForeignKey("legal_acts.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("clause", sa.String(32), nullable=False),
    sa.Column("power", sa.String(64), nullable=False),
    #: [{"axis": "agency_kind" | "unit_category", "code": ...}]
    sa.Column("categories", json_type(), nullable=False),
    #: [{"kind": "qualification" | "training" | "fit" | "unit_activated", "value": ...}]
    sa.Column("conditions", json_type(), nullable=False),
    sa.Column("min_members", sa.Integer, nullable=False),
    sa.UniqueConstraint("act_id", "clause", "power", name="uq_grants_act_clause_power"),
)

activation_orders = sa.Table(
    "activation_orders",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "unit_id",
        sa.Integer,
        sa.ForeignKey("units.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("reference", sa.String(100), nullable=False),
    sa.Column("issued_by", sa.String(64), nullable=False),
    sa.Column("issued_at", UTCDateTime(), nullable=False),
    sa.Column("valid_from", UTCDateTime(), nullable=False),
    sa.Column("valid_to", UTCDateTime(), nullable=True),
)

# --- unified command

#: a client's idempotency key for one operation, with the hash of the request body and
#: the reply it got, so that a retry returns the original reply (see services/reports.py)
idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("operation", sa.String(64), nullable=False),
    sa.Column("key", sa.String(255), nullable=False),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("status_code", sa.Integer, nullable=False),
    sa.Column("response", json_type(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.UniqueConstraint(
        "user_id", "operation", "key", name="uq_idempotency_keys_user_operation_key"
    ),
)

#: photos attached to field reports, stored in the database so every API node serves
#: them; ``data`` is the re-encoded image (metadata stripped, see services/photos.py)
report_photos = sa.Table(
    "report_photos",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "report_id", sa.Integer, sa.ForeignKey("reports.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("content_type", sa.String(32), nullable=False),
    sa.Column("width", sa.Integer, nullable=False),
    sa.Column("height", sa.Integer, nullable=False),
    sa.Column("size_bytes", sa.Integer, nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    #: the photo's own GPS position, kept only when the reporter chose to keep it
    sa.Column("lon", sa.Float, nullable=True),
    sa.Column("lat", sa.Float, nullable=True),
    sa.Column("uploaded_by", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.UniqueConstraint("report_id", "sha256", name="uq_report_photos_report_sha256"),
)

incidents = sa.Table(
    "incidents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("incident_type", sa.String(64), nullable=False),
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("state_since", UTCDateTime(), nullable=False),
    #: the region of the place's reference point (None: outside every known region)
    sa.Column("region", sa.String(16), nullable=True, index=True),
    #: GeoJSON Point or Polygon; lon/lat is its reference point
    sa.Column("place", json_type(), nullable=False),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("radius_km", sa.Float, nullable=False),
    #: settlements within the radius of the place: [{id, name, region, population}]
    sa.Column("affected", json_type(), nullable=False),
    sa.Column("affected_population", sa.Integer, nullable=False),
    sa.Column("lead_agency_id", sa.Integer, sa.ForeignKey("agencies.id"), nullable=True),
    #: the reporting period of the reports attached to it (correlation's time window)
    sa.Column("first_report_at", UTCDateTime(), nullable=True),
    sa.Column("last_report_at", UTCDateTime(), nullable=True),
    sa.Column("opened_from_report_id", sa.Integer, nullable=True),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)

#: the supporting agencies of an incident's unified command (the lead is on the incident)
incident_agencies = sa.Table(
    "incident_agencies",
    metadata,
    sa.Column(
        "incident_id",
        sa.Integer,
        sa.ForeignKey("incidents.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("agency_id", sa.Integer, sa.ForeignKey("agencies.id"), primary_key=True),
)

reports = sa.Table(
    "reports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("source_kind", sa.String(16), nullable=False),
    sa.Column("observed_at", UTCDateTime(), nullable=False, index=True),
    sa.Column("received_at", UTCDateTime(), nullable=False),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("uncertainty_m", sa.Float, nullable=False),
    sa.Column("incident_type", sa.String(64), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("reliability", sa.String(1), nullable=False),
    sa.Column("credibility", sa.Integer, nullable=False),
    #: who observed it, as the submitter names them (a callsign, "public hotline", ...)
    sa.Column("reporter", sa.String(200), nullable=False),
    sa.Column("submitted_by_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
    sa.Column("submitted_by", sa.String(64), nullable=False),
    sa.Column("region", sa.String(16), nullable=True, index=True),
    #: pending -> attached | rejected
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id"), nullable=True, index=True),
    sa.Column("claimed_by_id", sa.Integer, nullable=True),
    sa.Column("claimed_by", sa.String(64), nullable=True),
    sa.Column("claimed_at", UTCDateTime(), nullable=True),
    sa.Column("claim_expires_at", UTCDateTime(), nullable=True),
    sa.Column("decided_by", sa.String(64), nullable=True),
    sa.Column("decided_at", UTCDateTime(), nullable=True),
    sa.Column("decision_note", sa.String(2000), nullable=False),
    #: correlation at submission: {"matches": [...], "duplicates": [...]}, with reasons
    sa.Column("correlation", json_type(), nullable=False),
    #: the duplicate check at submission: one type, a lat/lon box (migration 0004)
    sa.Index("ix_reports_type_lat_lon", "incident_type", "lat", "lon"),
)

casualty_updates = sa.Table(
    "casualty_updates",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "incident_id",
        sa.Integer,
        sa.ForeignKey("incidents.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    #: the moment the counts refer to ("as of")
    sa.Column("at", UTCDateTime(), nullable=False),
    #: absolute counts per category named, e.g. {"civilian_killed": 1}
    sa.Column("counts", json_type(), nullable=False),
    sa.Column("source", sa.String(200), nullable=False),
    sa.Column("note", sa.String(2000), nullable=False),
    sa.Column("recorded_by", sa.String(64), nullable=False),
    sa.Column("recorded_at", UTCDateTime(), nullable=False),
)

tasks = sa.Table(
    "tasks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id"), nullable=False, index=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("required_powers", json_type(), nullable=False),
    sa.Column("required_capabilities", json_type(), nullable=False),
    sa.Column("minimum_readiness", sa.Integer, nullable=False),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("priority", sa.String(16), nullable=False),
    sa.Column("needed_by", UTCDateTime(), nullable=True),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("status_since", UTCDateTime(), nullable=False),
    sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=True, index=True),
    sa.Column("assigned_at", UTCDateTime(), nullable=True),
    sa.Column("ended_at", UTCDateTime(), nullable=True),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)

#: append-only: every change of an incident, its tasks and free-text log entries
incident_timeline = sa.Table(
    "incident_timeline",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column(
        "incident_id",
        sa.Integer,
        sa.ForeignKey("incidents.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("actor_name", sa.String(64), nullable=False),
    sa.Column("unit_id", sa.Integer, nullable=True),
    sa.Column("task_id", sa.Integer, nullable=True),
    sa.Column("text", sa.String(4000), nullable=False),
    sa.Column("data", json_type(), nullable=False),
    sa.Index("ix_incident_timeline_incident_id", "incident_id", "id"),
    sa.Index("ix_incident_timeline_unit_at", "unit_id", "at"),
)

# --- the TAK gateway: client certificates bound to accounts (migration 0006)
tak_certificates = sa.Table(
    "tak_certificates",
    metadata,
    sa.Column("serial", sa.String(64), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False, unique=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("client_uid", sa.String(200), nullable=True),
    sa.Column("issued_at", UTCDateTime(), nullable=False),
    sa.Column("not_after", UTCDateTime(), nullable=False),
    sa.Column("revoked_at", UTCDateTime(), nullable=True),
    sa.Column("revoked_reason", sa.String(200), nullable=True),
)

# civil protection (alerts, webhooks, shelters, evacuation orders): their own module
from marchwarden.adapters.db import civil_tables as _civil_tables  # noqa: E402, F401
