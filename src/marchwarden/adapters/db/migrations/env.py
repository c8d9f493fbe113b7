"""Alembic environment: the connection is handed in by ``marchwarden.adapters.db.migrate``."""

from __future__ import annotations

from alembic import context

from marchwarden.adapters.db.tables import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only through migrate.py
    raise RuntimeError("run migrations through `marchwarden db upgrade`")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
