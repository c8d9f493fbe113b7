"""Tampering with the audit table is detected by ``marchwarden audit verify``, which names
the record."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from marchwarden.adapters.db import tables as t
from marchwarden.core.access.model import Role
from marchwarden.entrypoints.cli import app
from marchwarden.services import audit
from tests.factories import make_user

if TYPE_CHECKING:
    from marchwarden.services.context import Services
    from marchwarden.settings import Settings


@pytest.fixture
def trail(services: Services) -> Services:
    for i in range(6):
        make_user(services, f"user{i}", Role.ANALYST)
    assert audit.verify(services).result.ok  # also writes the anchor now
    return services


def run_verify(settings: Settings) -> tuple[int, str]:
    env = {
        "MARCHWARDEN_DATABASE_URL": settings.database_url,
        "MARCHWARDEN_AUDIT_ANCHOR_PATH": settings.audit_anchor_path,
        "MARCHWARDEN_ENVIRONMENT": "test",
        "MARCHWARDEN_SECRET_KEY": "test-secret-" + "x" * 32,
        "COLUMNS": "200",
    }
    result = CliRunner().invoke(app, ["audit", "verify"], env=env)
    return result.exit_code, result.output


def test_cli_reports_an_intact_trail(trail: Services, settings: Settings) -> None:
    code, out = run_verify(settings)
    assert code == 0, out
    assert "intact: 6 records" in out


def test_edited_record_is_named(trail: Services, settings: Settings) -> None:
    with trail.db.engine.begin() as conn:
        conn.execute(
            t.audit_log.update()
            .where(t.audit_log.c.seq == 3)
            .values(changes={"username": "someone-else"})
        )
    code, out = run_verify(settings)
    assert code == 1
    assert "record 3" in out and "altered" in out


def test_deleted_record_is_named(trail: Services, settings: Settings) -> None:
    with trail.db.engine.begin() as conn:
        conn.execute(t.audit_log.delete().where(t.audit_log.c.seq == 4))
    code, out = run_verify(settings)
    assert code == 1
    assert "record 4 removed" in out


def test_reordered_records_are_named(trail: Services, settings: Settings) -> None:
    # swap the seq numbers of records 2 and 5 (move each row into the other's place)
    with trail.db.engine.begin() as conn:
        a = t.audit_log
        conn.execute(a.update().where(a.c.seq == 2).values(seq=1000))
        conn.execute(a.update().where(a.c.seq == 5).values(seq=2))
        conn.execute(a.update().where(a.c.seq == 1000).values(seq=5))
    code, out = run_verify(settings)
    assert code == 1
    assert "record 2" in out


def test_removal_of_the_newest_records_is_detected(trail: Services, settings: Settings) -> None:
    with trail.db.engine.begin() as conn:
        conn.execute(t.audit_log.delete().where(t.audit_log.c.seq >= 5))
    code, out = run_verify(settings)
    assert code == 1
    assert "records 5-6 removed from the end" in out


def test_recomputed_tail_is_detected_by_the_anchor(trail: Services, settings: Settings) -> None:
    # an attacker rewrites record 6 and fixes its hash so that the chain itself is valid
    from marchwarden.core.audit.chain import entry_hash

    with trail.db.engine.begin() as conn:
        a = t.audit_log
        row = conn.execute(sa.select(a).where(a.c.seq == 6)).one()
        from marchwarden.core.audit.chain import AuditEntry

        forged = AuditEntry(
            seq=6,
            at=row.at,
            actor_id=row.actor_id,
            actor_name="nobody",
            command=row.command,
            target_type=row.target_type,
            target_id=row.target_id,
            changes=row.changes,
            prev_hash=row.prev_hash,
            hash="",
        )
        conn.execute(
            a.update().where(a.c.seq == 6).values(actor_name="nobody", hash=entry_hash(forged))
        )
    code, out = run_verify(settings)
    assert code == 1
    assert "record 6 differs from the anchored head" in out
