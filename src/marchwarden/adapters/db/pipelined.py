"""The group writer's last round trip on PostgreSQL: a batch's rows and its COMMIT sent
together in psycopg's pipeline mode, where each statement through SQLAlchemy is a round
trip of its own (and, on a busy machine, a wait for the GIL and for the database's turn).

Each table's INSERT is compiled once per column set by SQLAlchemy (its casts), and each
value goes through its column's bind processor, as SQLAlchemy would send it; psycopg runs
the rows as one prepared statement each (``executemany``). Only INSERTs whose result is
not read before the commit (or is read after it: the ids ``RETURNING`` gives) can go this
way — a SELECT must not (SQLAlchemy would read a result that is not there yet).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import psycopg

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    import sqlalchemy as sa

_Statement = tuple[str, dict[str, "Callable[[Any], Any] | None"]]
_compiled: dict[tuple[str, str, tuple[str, ...], str | None], _Statement] = {}


class BatchRefused(Exception):
    """``SqlUnitOfWork.commit_batch``: the batch cannot commit as it stands (nothing was)."""


class RowRefused(Exception):
    """A row of the batch broke a constraint (a key another transaction stored, …):
    nothing was committed, and the transaction is aborted."""


def _statement(
    dialect: sa.Dialect, table: sa.Table, keys: tuple[str, ...], returning: sa.Column[Any] | None
) -> _Statement:
    name = None if returning is None else returning.name
    cache_key = (dialect.name, table.name, keys, name)
    found = _compiled.get(cache_key)
    if found is None:
        insert = table.insert() if returning is None else table.insert().returning(returning)
        sql = str(insert.compile(dialect=dialect, column_keys=list(keys)))
        processors: dict[str, Callable[[Any], Any] | None] = {
            key: table.c[key].type.dialect_impl(dialect).bind_processor(dialect) for key in keys
        }
        found = (sql, processors)
        _compiled[cache_key] = found
    return found


def _params(
    processors: dict[str, Callable[[Any], Any] | None], rows: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        bound = {}
        for key, value in row.items():
            process = processors[key]
            bound[key] = value if process is None or value is None else process(value)
        out.append(bound)
    return out


def _runs(rows: Sequence[dict[str, Any]]) -> list[tuple[tuple[str, ...], list[dict[str, Any]]]]:
    """The rows in order, in runs of the same keys (one statement per run)."""
    runs: list[tuple[tuple[str, ...], list[dict[str, Any]]]] = []
    for row in rows:
        keys = tuple(row)
        if runs and runs[-1][0] == keys:
            runs[-1][1].append(row)
        else:
            runs.append((keys, [row]))
    return runs


def insert_and_commit(
    conn: sa.Connection,
    writes: Sequence[tuple[sa.Table, Sequence[dict[str, Any]]]],
    returning: tuple[sa.Table, sa.Column[Any], Sequence[dict[str, Any]]] | None = None,
) -> list[Any]:
    """Insert ``writes`` (in order; the rows of one table have the same keys), then the
    ``returning`` rows, then COMMIT — one round trip. Returns the ``returning`` column of
    those rows, in their order. SQLAlchemy's transaction is still open afterwards (its
    ``commit`` then sends nothing: the server's transaction has ended). Raises
    ``RowRefused`` for a constraint violation; any other error as psycopg raised it.
    Rows of one table with other keys than the row before them start a new statement."""
    raw = conn.connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    dialect = conn.dialect
    try:
        with raw.pipeline(), raw.cursor() as cursor:
            for table, rows in writes:
                for keys, run in _runs(rows):
                    sql, processors = _statement(dialect, table, keys, None)
                    cursor.executemany(sql, _params(processors, run))
            returned = raw.cursor()
            if returning is not None:
                table, column, rows = returning
                for keys, run in _runs(rows):
                    sql, processors = _statement(dialect, table, keys, column)
                    returned.executemany(sql, _params(processors, run), returning=True)
            raw.commit()  # in the pipeline: sent with the rest, and synced
    except psycopg.errors.IntegrityError as exc:
        raise RowRefused(str(exc)) from exc
    values: list[Any] = []
    if returning is not None and returning[2]:
        while True:  # one result per row, in the order sent
            row = returned.fetchone()
            assert row is not None
            values.append(row[0])
            if not returned.nextset():
                break
    returned.close()
    return values
