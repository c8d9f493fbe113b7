"""The field page: a unit position's accuracy (browser geolocation states one) and the
photos attached to field reports (stored in the database, so every API node serves them).

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from marchwarden.adapters.db.types import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("unit_positions") as batch:
        batch.add_column(sa.Column("accuracy_m", sa.Float, nullable=True))
    op.create_table(
        "report_photos",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "report_id",
            sa.Integer,
            sa.ForeignKey("reports.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content_type", sa.String(32), nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("size_bytes", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("lon", sa.Float, nullable=True),
        sa.Column("lat", sa.Float, nullable=True),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.UniqueConstraint("report_id", "sha256", name="uq_report_photos_report_sha256"),
    )


def downgrade() -> None:
    op.drop_table("report_photos")
    with op.batch_alter_table("unit_positions") as batch:
        batch.drop_column("accuracy_m")
