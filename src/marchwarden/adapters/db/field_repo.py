"""What the field page's inbox reads besides tasks: who gave each task to its unit."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from marchwarden.adapters.db import tables as t
from marchwarden.core.incidents.records import TimelineKind

if TYPE_CHECKING:
    from collections.abc import Collection


class FieldRepository:
    """``services/field_ports.py: FieldReads`` on the incident timeline."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def assigners(self, task_ids: Collection[int]) -> dict[int, str]:
        """Task id → the user who last assigned it (its ``task_assigned`` timeline entry)."""
        if not task_ids:
            return {}
        tl = t.incident_timeline
        q = (
            sa.select(tl.c.task_id, tl.c.actor_name)
            .where(tl.c.kind == TimelineKind.TASK_ASSIGNED.value, tl.c.task_id.in_(task_ids))
            .order_by(tl.c.id)
        )
        return {int(r.task_id): str(r.actor_name) for r in self.conn.execute(q)}
