"""TAK gateway: client certificates bound to accounts (serial, fingerprint, revocation).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from marchwarden.adapters.db.types import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tak_certificates",
        sa.Column("serial", sa.String(64), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("client_uid", sa.String(200), nullable=True),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.Column("not_after", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_reason", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("serial", name="pk_tak_certificates"),
        sa.UniqueConstraint("fingerprint", name="uq_tak_certificates_fingerprint"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_tak_certificates_user_id_users"
        ),
    )
    op.create_index("ix_tak_certificates_user_id", "tak_certificates", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_tak_certificates_user_id", table_name="tak_certificates")
    op.drop_table("tak_certificates")
