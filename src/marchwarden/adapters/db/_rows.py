"""What the repositories of the stores share."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlalchemy as sa


def _pk(result: sa.CursorResult[Any]) -> int:
    pk = result.inserted_primary_key
    assert pk is not None
    return int(pk[0])


def _one(conn: sa.Connection, query: sa.Select[Any], *, for_update: Any = False) -> Any:
    """The first row of ``query`` (None if none), read ``FOR UPDATE`` when asked (True, or
    the table to lock when the query joins several)."""
    if for_update is True:
        query = query.with_for_update()
    elif for_update is not False:
        query = query.with_for_update(of=for_update)
    return conn.execute(query).first()
