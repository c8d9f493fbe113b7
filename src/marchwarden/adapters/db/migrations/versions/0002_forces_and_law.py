"""Forces registry (agencies, units, members, training, qualifications, fitness) and the law
(legal acts, grants, activation orders).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from marchwarden.adapters.db.types import UTCDateTime, json_type

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agencies",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("region", sa.String(16), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_agencies"),
        sa.UniqueConstraint("code", name="uq_agencies_code"),
    )
    op.create_table(
        "units",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("agency_id", sa.Integer, nullable=False),
        sa.Column("parent_id", sa.Integer, nullable=True),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("region", sa.String(16), nullable=False),
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
        sa.PrimaryKeyConstraint("id", name="pk_units"),
        sa.UniqueConstraint("code", name="uq_units_code"),
        sa.UniqueConstraint("path", name="uq_units_path"),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name="fk_units_agency_id_agencies"),
        sa.ForeignKeyConstraint(["parent_id"], ["units.id"], name="fk_units_parent_id_units"),
    )
    op.create_index("ix_units_agency_id", "units", ["agency_id"])
    op.create_index("ix_units_parent_id", "units", ["parent_id"])
    op.create_index("ix_units_region", "units", ["region"])
    op.create_table(
        "unit_status_history",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("unit_id", sa.Integer, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("previous", sa.String(32), nullable=True),
        sa.Column("by_user", sa.String(64), nullable=False),
        sa.Column("note", sa.String(500), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_unit_status_history"),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["units.id"],
            ondelete="CASCADE",
            name="fk_unit_status_history_unit_id_units",
        ),
    )
    op.create_index("ix_unit_status_history_unit_at", "unit_status_history", ["unit_id", "at"])
    op.create_table(
        "unit_positions",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("unit_id", sa.Integer, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_unit_positions"),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], ondelete="CASCADE", name="fk_unit_positions_unit_id_units"
        ),
    )
    op.create_index("ix_unit_positions_unit_at", "unit_positions", ["unit_id", "at"])
    op.create_table(
        "members",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("external_id", sa.String(64), nullable=False),
        sa.Column("unit_id", sa.Integer, nullable=False),
        sa.Column("callsign", sa.String(64), nullable=False),
        sa.Column("given_name", sa.String(100), nullable=False),
        sa.Column("family_name", sa.String(100), nullable=False),
        sa.Column("date_of_birth", sa.Date, nullable=True),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_members"),
        sa.UniqueConstraint("external_id", name="uq_members_external_id"),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name="fk_members_unit_id_units"),
    )
    op.create_index("ix_members_unit_id", "members", ["unit_id"])
    children: tuple[tuple[str, list[sa.Column[object]]], ...] = (
        (
            "member_trainings",
            [
                sa.Column("programme", sa.String(64), nullable=False),
                sa.Column("completed_on", sa.Date, nullable=False),
                sa.Column("hours", sa.Float, nullable=False),
            ],
        ),
        (
            "member_qualifications",
            [
                sa.Column("kind", sa.String(64), nullable=False),
                sa.Column("issued_on", sa.Date, nullable=False),
                sa.Column("expires_on", sa.Date, nullable=True),
            ],
        ),
        (
            "member_fitness",
            [
                sa.Column("examined_on", sa.Date, nullable=False),
                sa.Column("valid_until", sa.Date, nullable=True),
                sa.Column("fit", sa.Boolean, nullable=False),
            ],
        ),
    )
    for name, cols in children:
        op.create_table(
            name,
            sa.Column("id", sa.Integer, nullable=False),
            sa.Column("member_id", sa.Integer, nullable=False),
            *cols,
            sa.PrimaryKeyConstraint("id", name=f"pk_{name}"),
            sa.ForeignKeyConstraint(
                ["member_id"],
                ["members.id"],
                ondelete="CASCADE",
                name=f"fk_{name}_member_id_members",
            ),
        )
        op.create_index(f"ix_{name}_member_id", name, ["member_id"])
    op.create_table(
        "legal_acts",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("reference", sa.String(64), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("effective_from", UTCDateTime(), nullable=True),
        sa.Column("effective_to", UTCDateTime(), nullable=True),
        sa.Column("regions", json_type(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_legal_acts"),
        sa.UniqueConstraint("reference", name="uq_legal_acts_reference"),
    )
    op.create_table(
        "grants",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("act_id", sa.Integer, nullable=False),
        sa.Column("clause", sa.String(32), nullable=False),
        sa.Column("power", sa.String(64), nullable=False),
        sa.Column("categories", json_type(), nullable=False),
        sa.Column("conditions", json_type(), nullable=False),
        sa.Column("min_members", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_grants"),
        sa.UniqueConstraint("act_id", "clause", "power", name="uq_grants_act_clause_power"),
        sa.ForeignKeyConstraint(
            ["act_id"], ["legal_acts.id"], ondelete="CASCADE", name="fk_grants_act_id_legal_acts"
        ),
    )
    op.create_index("ix_grants_act_id", "grants", ["act_id"])
    op.create_table(
        "activation_orders",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("unit_id", sa.Integer, nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("issued_by", sa.String(64), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.Column("valid_from", UTCDateTime(), nullable=False),
        sa.Column("valid_to", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_activation_orders"),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], ondelete="CASCADE", name="fk_activation_orders_unit_id_units"
        ),
    )
    op.create_index("ix_activation_orders_unit_id", "activation_orders", ["unit_id"])


def downgrade() -> None:
    for name in (
        "activation_orders",
        "grants",
        "legal_acts",
        "member_fitness",
        "member_qualifications",
        "member_trainings",
        "members",
        "unit_positions",
        "unit_status_history",
        "units",
        "agencies",
    ):
        op.drop_table(name)
