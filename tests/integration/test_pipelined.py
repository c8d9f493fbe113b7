"""The group writer's last round trip on PostgreSQL (``adapters/db/pipelined.py``): a
batch's reports, keys, audit records and events inserted with its COMMIT in psycopg's
pipeline mode must store exactly what the statements through SQLAlchemy stored."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa

from marchwarden.adapters.db import pipelined
from marchwarden.adapters.db import tables as t
from marchwarden.adapters.db.pipelined import RowRefused, insert_and_commit
from marchwarden.core.incidents.correlation import ReportSummary
from marchwarden.services import reports
from marchwarden.services.audit import verify
from marchwarden.services.ports import OPEN_INCIDENTS_MEMO
from tests.integration.command_support import sql_store
from tests.integration.test_group_commit import (
    POSTGRES_ONLY,
    Gate,
    new_report,
    open_and_closed_incidents,
    reporter,
    submit,
)

if TYPE_CHECKING:
    from marchwarden.core.access.model import Principal
    from marchwarden.core.clock import FixedClock
    from marchwarden.services.context import Services

__all__ = ["reporter"]  # the fixture, shared


@POSTGRES_ONLY
def test_a_batch_stores_what_its_replies_say_and_tells_the_newest_event_id(
    services: Services, reporter: Principal, clock: FixedClock
) -> None:
    store = sql_store(services)
    told: list[int] = []
    store.on_events_committed(told.append)
    gate = Gate(services)
    futures = [submit(services, reporter, new_report(clock, k), f"pipe-{k}") for k in range(4)]
    gate.open()
    replies = [f.result(30) for f in futures]
    assert [r.status_code for r in replies] == [201] * 4
    ids = [int(r.receipt["id"]) for r in replies]
    with store.engine.connect() as conn:
        reports = {
            int(r.id): r
            for r in conn.execute(sa.select(t.reports).where(t.reports.c.id.in_(ids))).all()
        }
        keys = {
            r.key: r
            for r in conn.execute(
                sa.select(t.idempotency_keys).where(t.idempotency_keys.c.key.like("pipe-%"))
            ).all()
        }
        newest = conn.execute(sa.select(sa.func.max(t.events.c.id))).scalar_one()
        payloads = [
            p
            for (p,) in conn.execute(
                sa.select(t.events.c.payload).where(t.events.c.type == "ReportSubmitted")
            ).all()
        ]
    assert sorted(reports) == sorted(ids)
    for reply in replies:
        row = reports[int(reply.receipt["id"])]
        assert row.observed_at.isoformat() == reply.receipt["observed_at"]
        assert row.observed_at.utcoffset() is not None
        assert row.text == reply.receipt["text"]
        assert isinstance(row.correlation, dict)  # JSON, not a string of JSON
    assert {k: dict(r.response) for k, r in keys.items()} == {
        f"pipe-{k}": replies[k].receipt for k in range(4)
    }
    assert told and told[-1] == newest  # the after-commit listeners got the newest id
    assert sorted(int(p["report_id"]) for p in payloads if int(p["report_id"]) in ids) == sorted(
        ids
    )
    assert verify(services).result.ok


@POSTGRES_ONLY
def test_a_refused_row_commits_nothing_and_says_so(services: Services) -> None:
    store = sql_store(services)
    with store.engine.connect() as conn:
        before = conn.execute(sa.select(sa.func.count()).select_from(t.events)).scalar_one()
    row: dict[str, Any] = {
        "at": None,  # NOT NULL: the database refuses the row
        "type": "X",
        "payload": {},
        "read_action": "x",
        "resource": {},
    }
    with store.engine.connect() as conn:
        conn.begin()
        with pytest.raises(RowRefused):
            insert_and_commit(conn, [(t.events, [row])])
        conn.rollback()
    with store.engine.connect() as conn:
        after = conn.execute(sa.select(sa.func.count()).select_from(t.events)).scalar_one()
    assert after == before


@POSTGRES_ONLY
def test_rows_beyond_one_statements_parameters_go_in_several_and_all_commit(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A table's rows go as one multi-row INSERT, cut where PostgreSQL's limit of bind
    parameters would be passed (lowered here to 12: two event rows of five columns)."""
    monkeypatch.setattr(pipelined, "_MAX_PARAMETERS", 12)
    store = sql_store(services)
    at = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    rows: list[dict[str, Any]] = [
        {
            "at": at,
            "type": "Probe",
            "payload": {"n": n, "name": "Грайворон"},
            "read_action": "x",
            "resource": {"n": n},
        }
        for n in range(5)
    ]
    statements = pipelined._statements(store.engine.dialect, t.events, tuple(rows[0]), rows)
    assert [len(params) for _sql, params in statements] == [10, 10, 5]
    with store.engine.connect() as conn:
        conn.begin()
        ids = insert_and_commit(conn, [], (t.events, t.events.c.id, rows))
        conn.commit()
    with store.engine.connect() as conn:
        stored = conn.execute(
            sa.select(t.events.c.id, t.events.c.payload, t.events.c.at)
            .where(t.events.c.type == "Probe")
            .order_by(t.events.c.id)
        ).all()
    assert sorted(ids) == [r.id for r in stored]
    assert [r.payload for r in stored] == [{"n": n, "name": "Грайворон"} for n in range(5)]
    assert all(r.at == at for r in stored)


def _a_duplicate_check(services: Services, clock: FixedClock) -> Any:
    """One report's duplicate check: what makes ``begin_batch`` read for reports (near
    two of ``open_and_closed_incidents``'s reports)."""
    summary = ReportSummary(
        report_id=0,
        incident_type=new_report(clock, 1).incident_type,
        position=new_report(clock, 1).position,
        observed_at=clock.now(),
    )
    return reports._duplicate_query(summary, reports.correlation_settings(services))


@POSTGRES_ONLY
def test_the_batch_reads_the_open_incidents_as_the_sqlalchemy_path_does(
    services: Services, reporter: Principal, clock: FixedClock
) -> None:
    """``begin_batch`` reads the open incidents and their reports' positions in its
    pipeline (raw psycopg rows): the summaries correlation gets are the very ones
    ``find`` and ``positions_by_incident`` give through SQLAlchemy, in the same order."""
    made = open_and_closed_incidents(services, reporter, clock)
    store = sql_store(services)
    with store.unit_of_work() as uow:  # nothing read ahead: through SQLAlchemy
        assert OPEN_INCIDENTS_MEMO not in uow.memo
        expected = reports._open_incident_summaries(uow)
    counted: list[str] = []

    def count(*args: Any) -> None:
        counted.append(args[2])

    sa.event.listen(store.engine, "before_cursor_execute", count)
    try:
        with store.unit_of_work() as uow:
            uow.begin_batch([], [_a_duplicate_check(services, clock)])
            assert OPEN_INCIDENTS_MEMO in uow.memo
            got = reports._open_incident_summaries(uow)
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", count)
    assert counted == []  # read in the pipeline, not through SQLAlchemy
    assert got == expected
    assert repr(got) == repr(expected)  # the same time zones and float values too
    open_ids = sorted(made[name] for name in ("point", "area", "bare", "from report"))
    assert [s.incident_id for s in got] == open_ids
    by_id = {s.incident_id: s for s in got}
    assert len(by_id[made["point"]].report_positions) == 3
    assert len(by_id[made["area"]].report_positions) == 2
    assert by_id[made["bare"]].report_positions == ()
    assert by_id[made["point"]].first_report_at < by_id[made["point"]].last_report_at


@POSTGRES_ONLY
def test_a_batch_begun_after_a_statement_reads_the_open_incidents_at_its_first_report(
    services: Services, reporter: Principal, clock: FixedClock
) -> None:
    """A unit of work that already ran a statement cannot begin the batch in one
    pipeline: nothing is read ahead, and correlation reads the incidents and each report
    its duplicate candidates itself — the same as the pipeline's."""
    open_and_closed_incidents(services, reporter, clock)
    store = sql_store(services)
    query = _a_duplicate_check(services, clock)
    kind, since, until, near, within_km = query
    with store.unit_of_work() as uow:
        expected = reports._open_incident_summaries(uow)
    with store.unit_of_work() as uow:
        uow.begin_batch([], [query])
        ahead = uow.reports.duplicate_candidates(kind, since, until, near=near, within_km=within_km)
    with store.unit_of_work() as uow:
        uow.conn.execute(sa.text("SELECT 1"))
        uow.begin_batch([], [query])
        assert OPEN_INCIDENTS_MEMO not in uow.memo
        assert reports._open_incident_summaries(uow) == expected
        found = uow.reports.duplicate_candidates(kind, since, until, near=near, within_km=within_km)
    assert found == ahead
    assert len(ahead) == 2  # the two reports near it in the last half hour
