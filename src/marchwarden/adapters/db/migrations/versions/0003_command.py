"""Unified command: idempotency keys, reports, incidents with their unified command,
casualty updates, tasks and the incident timeline.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from marchwarden.adapters.db.types import UTCDateTime, json_type

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("operation", sa.String(64), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer, nullable=False),
        sa.Column("response", json_type(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_idempotency_keys"),
        sa.UniqueConstraint(
            "user_id", "operation", "key", name="uq_idempotency_keys_user_operation_key"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            ondelete="CASCADE",
            name="fk_idempotency_keys_user_id_users",
        ),
    )
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("incident_type", sa.String(64), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("state_since", UTCDateTime(), nullable=False),
        sa.Column("region", sa.String(16), nullable=True),
        sa.Column("place", json_type(), nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("radius_km", sa.Float, nullable=False),
        sa.Column("affected", json_type(), nullable=False),
        sa.Column("affected_population", sa.Integer, nullable=False),
        sa.Column("lead_agency_id", sa.Integer, nullable=True),
        sa.Column("first_report_at", UTCDateTime(), nullable=True),
        sa.Column("last_report_at", UTCDateTime(), nullable=True),
        sa.Column("opened_from_report_id", sa.Integer, nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_incidents"),
        sa.ForeignKeyConstraint(
            ["lead_agency_id"], ["agencies.id"], name="fk_incidents_lead_agency_id_agencies"
        ),
    )
    op.create_index("ix_incidents_state", "incidents", ["state"])
    op.create_index("ix_incidents_region", "incidents", ["region"])
    op.create_table(
        "incident_agencies",
        sa.Column("incident_id", sa.Integer, nullable=False),
        sa.Column("agency_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("incident_id", "agency_id", name="pk_incident_agencies"),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            ondelete="CASCADE",
            name="fk_incident_agencies_incident_id_incidents",
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name="fk_incident_agencies_agency_id_agencies"
        ),
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("source_kind", sa.String(16), nullable=False),
        sa.Column("observed_at", UTCDateTime(), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("uncertainty_m", sa.Float, nullable=False),
        sa.Column("incident_type", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("reliability", sa.String(1), nullable=False),
        sa.Column("credibility", sa.Integer, nullable=False),
        sa.Column("reporter", sa.String(200), nullable=False),
        sa.Column("submitted_by_id", sa.Integer, nullable=True),
        sa.Column("submitted_by", sa.String(64), nullable=False),
        sa.Column("region", sa.String(16), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("incident_id", sa.Integer, nullable=True),
        sa.Column("claimed_by_id", sa.Integer, nullable=True),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("claimed_at", UTCDateTime(), nullable=True),
        sa.Column("claim_expires_at", UTCDateTime(), nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decision_note", sa.String(2000), nullable=False),
        sa.Column("correlation", json_type(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reports"),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["users.id"], name="fk_reports_submitted_by_id_users"
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name="fk_reports_incident_id_incidents"
        ),
    )
    op.create_index("ix_reports_observed_at", "reports", ["observed_at"])
    op.create_index("ix_reports_region", "reports", ["region"])
    op.create_index("ix_reports_status", "reports", ["status"])
    op.create_index("ix_reports_incident_id", "reports", ["incident_id"])
    op.create_table(
        "casualty_updates",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("incident_id", sa.Integer, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("counts", json_type(), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("note", sa.String(2000), nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_casualty_updates"),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            ondelete="CASCADE",
            name="fk_casualty_updates_incident_id_incidents",
        ),
    )
    op.create_index("ix_casualty_updates_incident_id", "casualty_updates", ["incident_id"])
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("incident_id", sa.Integer, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("required_powers", json_type(), nullable=False),
        sa.Column("required_capabilities", json_type(), nullable=False),
        sa.Column("minimum_readiness", sa.Integer, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("priority", sa.String(16), nullable=False),
        sa.Column("needed_by", UTCDateTime(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_since", UTCDateTime(), nullable=False),
        sa.Column("unit_id", sa.Integer, nullable=True),
        sa.Column("assigned_at", UTCDateTime(), nullable=True),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_tasks"),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name="fk_tasks_incident_id_incidents"
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name="fk_tasks_unit_id_units"),
    )
    op.create_index("ix_tasks_incident_id", "tasks", ["incident_id"])
    op.create_index("ix_tasks_status", "tasks", ["status"])
    op.create_index("ix_tasks_unit_id", "tasks", ["unit_id"])
    op.create_table(
        "incident_timeline",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("incident_id", sa.Integer, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("actor_name", sa.String(64), nullable=False),
        sa.Column("unit_id", sa.Integer, nullable=True),
        sa.Column("task_id", sa.Integer, nullable=True),
        sa.Column("text", sa.String(4000), nullable=False),
        sa.Column("data", json_type(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_incident_timeline"),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            ondelete="CASCADE",
            name="fk_incident_timeline_incident_id_incidents",
        ),
    )
    op.create_index("ix_incident_timeline_incident_id", "incident_timeline", ["incident_id", "id"])
    op.create_index("ix_incident_timeline_unit_at", "incident_timeline", ["unit_id", "at"])


def downgrade() -> None:
    for name in (
        "incident_timeline",
        "tasks",
        "casualty_updates",
        "reports",
        "incident_agencies",
        "incidents",
        "idempotency_keys",
    ):
        op.drop_table(name)
