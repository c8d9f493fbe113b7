"""Idempotency keys: the stored reply of a command sent with a key.

``IdempotencyRepository.add`` inserts the key with ``ON CONFLICT DO NOTHING``: when
another transaction holds (or committed) the same key, the unique constraint refuses it,
nothing is stored and the caller reads the winner's reply instead. Never commits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from marchwarden.adapters.db import tables as t

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable
    from datetime import datetime

from marchwarden.services.ports import (
    RetryJob,
    StoredReply,
)

# --------------------------------------------------------------------------- idempotency


_KEYS = t.idempotency_keys
_KEY_GET = sa.select(_KEYS).where(
    _KEYS.c.user_id == sa.bindparam("user_id"),
    _KEYS.c.operation == sa.bindparam("operation"),
    _KEYS.c.key == sa.bindparam("key"),
)
_KEY_COLUMNS = (_KEYS.c.user_id, _KEYS.c.operation, _KEYS.c.key)
_KEY_ADD = {
    dialect: insert(_KEYS)
    .on_conflict_do_nothing(index_elements=[_KEYS.c.user_id, _KEYS.c.operation, _KEYS.c.key])
    .returning(_KEYS.c.id)
    for dialect, insert in (("sqlite", sqlite_insert), ("postgresql", pg_insert))
}
#: the keys kept by a batch, in one statement; RETURNING says which were stored
_KEYS_ADD = (
    pg_insert(_KEYS)
    .on_conflict_do_nothing(index_elements=list(_KEY_COLUMNS))
    .returning(*_KEY_COLUMNS)
)


_KEYS_PRESENT = sa.select(_KEYS.c.user_id, _KEYS.c.operation, _KEYS.c.key).where(
    _KEYS.c.user_id.in_(sa.bindparam("user_ids", expanding=True)),
    _KEYS.c.operation.in_(sa.bindparam("operations", expanding=True)),
    _KEYS.c.key.in_(sa.bindparam("keys", expanding=True)),
)


#: ``_KEYS_PRESENT`` as psycopg runs it on PostgreSQL (arrays for the lists)
KEYS_PRESENT_SQL = (
    "SELECT user_id, operation, key FROM idempotency_keys WHERE user_id = ANY(%(user_ids)s) "
    "AND operation = ANY(%(operations)s) AND key = ANY(%(keys)s)"
)


def keys_params(wanted: Collection[tuple[int, str, str]]) -> dict[str, Any]:
    """The parameters of the keys' read: each part's distinct values, sorted."""
    return {
        "user_ids": sorted({w[0] for w in wanted}),
        "operations": sorted({w[1] for w in wanted}),
        "keys": sorted({w[2] for w in wanted}),
    }


class IdempotencyRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        #: keys known not to be stored (``preload``); ``get`` answers them without a read
        self._absent: set[tuple[int, str, str]] = set()
        #: rows whose INSERT waits for ``flush`` (None: ``add`` inserts at once)
        self._pending: dict[tuple[int, str, str], dict[str, Any]] | None = None

    def batch(self) -> None:
        """From now on ``add`` keeps the row of a key that ``preload`` found absent in
        memory, and ``flush`` writes them all in one statement (the group commit on
        PostgreSQL, where each statement is a round trip); ``get`` answers them."""
        self._pending = {}

    def take_pending(self) -> list[dict[str, Any]]:
        """The keys kept by ``add``, in key order (two processes inserting the same keys
        lock them in the same order), handed over to be inserted by the caller with a
        plain INSERT (``SqlUnitOfWork.commit_batch``: a key stored meanwhile by another
        transaction is then a unique violation, and the batch runs again the careful way);
        forgotten here."""
        if not self._pending:
            return []
        rows = [self._pending[k] for k in sorted(self._pending)]
        self._pending = {}
        return rows

    def flush(self) -> None:
        """Insert the keys kept by ``add``, in one statement (in key order, so that two
        processes flushing the same keys lock them in the same order). Raises
        ``RetryJob`` when another transaction stored one of them since ``preload``:
        nothing of the batch may then be committed as it stands."""
        rows = self.take_pending()
        if not rows:
            return
        stored = {
            (int(r.user_id), str(r.operation), str(r.key))
            for r in self.conn.execute(_KEYS_ADD, rows)
        }
        taken = [r["key"] for r in rows if (r["user_id"], r["operation"], r["key"]) not in stored]
        if taken:
            raise RetryJob(taken[0])

    def preload(self, wanted: Collection[tuple[int, str, str]]) -> None:
        """Look up many (user id, operation, key) at once: those not stored are then
        answered by ``get`` without a statement each (a group-commit batch does this).

        Only for a transaction that holds the write lock from before this read (SQLite)
        or that resolves a key inserted meanwhile by another transaction when ``add``
        refuses it (both stores: ``add`` returns None, the caller runs again without the
        preload); ``add`` forgets the key it inserts."""
        if not wanted:
            return
        self.preloaded(wanted, self.conn.execute(_KEYS_PRESENT, keys_params(wanted)).all())

    def preloaded(self, wanted: Collection[tuple[int, str, str]], rows: Iterable[Any]) -> None:
        """``preload``, given the rows of its read (``KEYS_PRESENT_SQL`` run by the unit of
        work with others in one round trip: ``SqlUnitOfWork.begin_batch``)."""
        present = {(int(r.user_id), str(r.operation), str(r.key)) for r in rows}
        self._absent = set(wanted) - present

    def get(self, user_id: int, operation: str, key: str) -> StoredReply | None:
        kept = self._pending.get((user_id, operation, key)) if self._pending else None
        if kept is not None:
            return StoredReply(
                kept["request_hash"],
                int(kept["status_code"]),
                dict(kept["response"]),
                kept["created_at"],
            )
        if (user_id, operation, key) in self._absent:
            return None
        row = self.conn.execute(
            _KEY_GET, {"user_id": user_id, "operation": operation, "key": key}
        ).first()
        if row is None:
            return None
        return StoredReply(
            row.request_hash, int(row.status_code), dict(row.response), row.created_at
        )

    def add(
        self,
        *,
        user_id: int,
        operation: str,
        key: str,
        request_hash: str,
        status_code: int,
        response: dict[str, Any],
        at: datetime,
    ) -> int | None:
        """Store the key with its reply; None (and nothing stored) when the key is taken.
        Returns the row's id, or 0 when the row is kept for ``flush`` (``batch``).

        ``INSERT … ON CONFLICT DO NOTHING``: on PostgreSQL a concurrent transaction
        inserting the same key makes this wait until that one commits or rolls back; then
        the key is refused (or inserted). No error, so the transaction goes on.
        """
        wanted = (user_id, operation, key)
        values = {
            "user_id": user_id,
            "operation": operation,
            "key": key,
            "request_hash": request_hash,
            "status_code": status_code,
            "response": response,
            "created_at": at,
        }
        if self._pending is not None:
            if wanted in self._pending:  # kept by an earlier command of the batch
                return None
            if wanted in self._absent:
                self._absent.discard(wanted)
                self._pending[wanted] = values
                return 0
        self._absent.discard(wanted)
        row = self.conn.execute(_KEY_ADD[self.conn.dialect.name], values).first()
        return None if row is None else int(row[0])
