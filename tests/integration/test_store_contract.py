"""The unit-of-work contract, run on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from marchwarden.adapters.db import tables as t
from marchwarden.adapters.db.migrate import current_revision, head_revision
from marchwarden.core.access.model import Role, Scope
from marchwarden.core.events import UserCreated
from marchwarden.services import audit

if TYPE_CHECKING:
    from marchwarden.core.clock import FixedClock
    from marchwarden.services.context import Services


def _add_user(svc: Services, name: str) -> int:
    with svc.db.unit_of_work() as uow:
        uid = uow.users.add(
            username=name,
            display_name=name,
            password_hash="x",
            role=Role.ANALYST,
            scope=Scope.all(),
            created_at=svc.clock.now(),
        )
        event = UserCreated(user_id=uid, username=name, role="analyst", scope="all")
        uow.record(None, [event], at=svc.clock.now())
        uow.commit()
    return uid


def test_migrations_are_at_head_and_match_the_tables(services: Services) -> None:
    engine = services.db.engine
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), t.metadata)
    assert diff == [], f"tables.py and the migrations disagree: {diff}"


def test_commit_persists_and_rollback_discards(services: Services) -> None:
    uid = _add_user(services, "kept")
    with services.db.unit_of_work() as uow:
        uow.users.add(
            username="dropped",
            display_name="d",
            password_hash="x",
            role=Role.ANALYST,
            scope=Scope.all(),
            created_at=services.clock.now(),
        )
        event = UserCreated(user_id=0, username="dropped", role="analyst", scope="all")
        uow.record(None, [event], at=services.clock.now())
        # no commit: leaving the block rolls back
    with services.db.unit_of_work(write=False) as uow:
        assert uow.users.get(uid) is not None
        assert uow.users.by_username("dropped") is None
        assert uow.audit.count() == 1
        assert uow.events.count() == 1


def test_an_exception_inside_rolls_back(services: Services) -> None:
    try:
        with services.db.unit_of_work() as uow:
            uow.users.add(
                username="boom",
                display_name="b",
                password_hash="x",
                role=Role.ANALYST,
                scope=Scope.all(),
                created_at=services.clock.now(),
            )
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with services.db.unit_of_work(write=False) as uow:
        assert uow.users.by_username("boom") is None


def test_times_come_back_aware_utc(services: Services, clock: FixedClock) -> None:
    clock.advance(timedelta(microseconds=123))
    uid = _add_user(services, "timely")
    with services.db.unit_of_work(write=False) as uow:
        user = uow.users.get(uid)
    assert user is not None
    assert user.created_at == clock.now()
    assert user.created_at.utcoffset() == timedelta(0)


def test_concurrent_writers_keep_the_chain_and_event_ids_in_order(services: Services) -> None:
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            for i in range(10):
                _add_user(services, f"w{k}-{i}")
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    result = audit.verify(services).result
    assert result.ok, result.problem
    assert result.checked == 40
    with services.db.unit_of_work(write=False) as uow:
        events = uow.events.after(0, 100)
    ids = [e.id for e in events]
    assert ids == sorted(ids) and len(ids) == 40
    # event order follows audit order: the n-th event is the n-th user created
    with services.db.engine.connect() as conn:
        audit_targets = (
            conn.execute(sa.select(t.audit_log.c.target_id).order_by(t.audit_log.c.seq))
            .scalars()
            .all()
        )
    assert [str(e.payload["user_id"]) for e in events] == list(audit_targets)


def test_sqlite_pragmas(services: Services) -> None:
    if services.db.engine.dialect.name != "sqlite":
        assert services.db.is_postgres
        return
    with services.db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
