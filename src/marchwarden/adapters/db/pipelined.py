"""The group writer's last round trip on PostgreSQL: a batch's rows and its COMMIT sent
together in psycopg's pipeline mode, where each statement through SQLAlchemy is a round
trip of its own (and, on a busy machine, a wait for the GIL and for the database's turn).

Each table's INSERT is compiled once per column set by SQLAlchemy (its casts) and sent as
one multi-row INSERT for all the batch's rows of that table; each value goes through its
column's bind processor, as SQLAlchemy would send it. Only INSERTs whose result is
not read before the commit (or is read after it: the ids ``RETURNING`` gives) can go this
way — a SELECT must not (SQLAlchemy would read a result that is not there yet).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg.rows import namedtuple_row

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    import sqlalchemy as sa

#: an INSERT of one table's column set: its text before the rows' values, one row's
#: values group with ``%s`` placeholders, what follows (``RETURNING``), the keys in the
#: order of the placeholders, and each key's bind processor
_Template = tuple[str, str, str, tuple[str, ...], dict[str, "Callable[[Any], Any] | None"]]
_templates: dict[tuple[str, str, tuple[str, ...], str | None], _Template] = {}
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
#: PostgreSQL's limit of bind parameters in one statement
_MAX_PARAMETERS = 65_535


class BatchRefused(Exception):
    """``SqlUnitOfWork.commit_batch``: the batch cannot commit as it stands (nothing was)."""


class RowRefused(Exception):
    """A row of the batch broke a constraint (a key another transaction stored, …):
    nothing was committed, and the transaction is aborted."""


def _template(
    dialect: sa.Dialect, table: sa.Table, keys: tuple[str, ...], returning: sa.Column[Any] | None
) -> _Template:
    """The table's INSERT for these columns as SQLAlchemy compiles it (its casts, such as
    ``::JSONB``), cut around its one group of values so that it can take many rows."""
    name = None if returning is None else returning.name
    cache_key = (dialect.name, table.name, keys, name)
    found = _templates.get(cache_key)
    if found is None:
        insert = table.insert() if returning is None else table.insert().returning(returning)
        sql = str(insert.compile(dialect=dialect, column_keys=list(keys)))
        head, values = sql.split(" VALUES ", 1)
        group, tail = _values_group(values)
        order = tuple(_PLACEHOLDER.findall(group))
        assert sorted(order) == sorted(keys), sql
        processors: dict[str, Callable[[Any], Any] | None] = {
            key: table.c[key].type.dialect_impl(dialect).bind_processor(dialect) for key in keys
        }
        found = (f"{head} VALUES ", _PLACEHOLDER.sub("%s", group), tail, order, processors)
        _templates[cache_key] = found
    return found


def _values_group(values: str) -> tuple[str, str]:
    """``(…) RETURNING …`` → the parenthesised group (nested parentheses of casts
    included) and what follows it."""
    depth = 0
    for end, char in enumerate(values):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return values[: end + 1], values[end + 1 :]
    raise ValueError(f"no values group in {values!r}")


def _text(template: _Template, n: int) -> str:
    head, group, tail, _order, _processors = template
    return head + ", ".join([group] * n) + tail


def _statements(
    dialect: sa.Dialect,
    table: sa.Table,
    keys: tuple[str, ...],
    rows: Sequence[dict[str, Any]],
    returning: sa.Column[Any] | None = None,
) -> list[tuple[str, list[Any]]]:
    """One multi-row INSERT for the rows (as many as PostgreSQL's parameter limit allows
    in one statement): psycopg then dumps and sends one statement, where ``executemany``
    spent a bind, an execute and a result of its own on each row. Each value goes through
    its column's bind processor, as SQLAlchemy would send it."""
    template = _template(dialect, table, keys, returning)
    order, processors = template[3], template[4]
    per_statement = max(1, _MAX_PARAMETERS // len(order))
    out = []
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        params: list[Any] = []
        for row in chunk:
            for key in order:
                value = row[key]
                process = processors[key]
                params.append(value if process is None or value is None else process(value))
        out.append((_text(template, len(chunk)), params))
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
    those rows (PostgreSQL does not promise the rows' order for a multi-row INSERT: the
    caller takes the largest id). SQLAlchemy's transaction is still open afterwards (its
    ``commit`` then sends nothing: the server's transaction has ended). Raises
    ``RowRefused`` for a constraint violation; any other error as psycopg raised it.
    Rows of one table with other keys than the row before them start a new statement."""
    raw = conn.connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    dialect = conn.dialect
    returned: list[psycopg.Cursor[Any]] = []
    try:
        with raw.pipeline(), raw.cursor() as cursor:
            for table, rows in writes:
                for keys, run in _runs(rows):
                    for sql, params in _statements(dialect, table, keys, run):
                        cursor.execute(sql, params)
            if returning is not None:
                table, column, rows = returning
                for keys, run in _runs(rows):
                    for sql, params in _statements(dialect, table, keys, run, column):
                        returned.append(raw.cursor())
                        returned[-1].execute(sql, params)
            raw.commit()  # in the pipeline: sent with the rest, and synced
        # every row a statement's RETURNING gave, in the order of the statements
        return [row[0] for cur in returned for row in cur.fetchall()]
    except psycopg.errors.IntegrityError as exc:
        raise RowRefused(str(exc)) from exc
    finally:
        for cur in returned:
            cur.close()


def read_together(
    raw: psycopg.Connection[Any], reads: Sequence[tuple[str, dict[str, Any] | None]]
) -> list[list[Any]]:
    """Run each ``(sql, params)`` in order in one psycopg pipeline — one round trip — and
    return the rows of each (named tuples; none for a statement that returns no rows).
    Each statement still starts after the one before it has finished on the server (and,
    under READ COMMITTED, takes its own snapshot then). Raw psycopg, not SQLAlchemy:
    SQLAlchemy reads a result before the pipeline has it (see above)."""
    cursors: list[psycopg.Cursor[Any]] = []
    try:
        with raw.pipeline():
            for sql, params in reads:
                cursor = raw.cursor(row_factory=namedtuple_row)
                cursors.append(cursor)
                cursor.execute(sql, params)
        return [cursor.fetchall() if cursor.description else [] for cursor in cursors]
    finally:
        for cursor in cursors:
            cursor.close()
