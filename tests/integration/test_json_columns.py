"""JSON columns are written by the engine's serializer (orjson, ``engine.json_text``): the
same JSON values as the standard library's ``json.dumps`` on both stores, and what it
refuses (a date, a dataclass) refused before anything is written."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa

from marchwarden.adapters.db.engine import create_engine, json_text
from marchwarden.adapters.db.types import json_type

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.engine import Engine

_META = sa.MetaData()
_TABLE = sa.Table(
    "json_probe",
    _META,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("value", json_type(), nullable=False),
)

VALUE: dict[Any, Any] = {
    "name": "Шебекино — «Gorod»",
    "count": 95_596,
    "share": 0.76,
    "tiny": 1e-05,
    2: "an int key",
    "nested": [1.5, None, True, {"empty": {}}],
    "escaped": 'quote " backslash \\ tab \t',
}


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    made = create_engine(database_url)
    _META.create_all(made)
    yield made
    _META.drop_all(made)
    made.dispose()


def _rows(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return [row.value for row in conn.execute(sa.select(_TABLE.c.value).order_by(_TABLE.c.id))]


def test_stored_json_is_what_json_dumps_means(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(_TABLE.insert(), [{"value": VALUE}, {"value": [VALUE, "x"]}])
    expected = json.loads(json.dumps(VALUE))  # the int key becomes "2", as json.dumps writes
    assert _rows(engine) == [expected, [expected, "x"]]
    assert json.loads(json_text(VALUE)) == expected


@dataclasses.dataclass
class _Thing:
    a: int


@pytest.mark.parametrize(
    "bad",
    [date(2026, 12, 5), datetime(2026, 12, 5, tzinfo=UTC), _Thing(1), {1, 2}],
    ids=["date", "datetime", "dataclass", "set"],
)
def test_what_json_dumps_refuses_is_refused_and_nothing_written(engine: Engine, bad: Any) -> None:
    with engine.begin() as conn:
        conn.execute(_TABLE.insert(), {"value": {"kept": 1}})
    # SQLAlchemy wraps it in a StatementError on SQLite; psycopg's executemany does not
    with pytest.raises((TypeError, sa.exc.StatementError)) as raised, engine.begin() as conn:
        conn.execute(_TABLE.insert(), [{"value": {"fine": 1}}, {"value": {"at": bad}}])
    error = getattr(raised.value, "orig", raised.value)
    assert isinstance(error, TypeError)
    assert f"{type(bad).__name__} is not JSON serializable" in str(error)
    assert _rows(engine) == [{"kept": 1}]
