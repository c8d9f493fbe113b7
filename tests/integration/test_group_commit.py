"""Group commit of reports (``adapters/db/uow.py: GroupCommit``) and the token cache
(``services/accounts.py``), on SQLite and PostgreSQL.

To put several reports into one batch, the writer is first kept busy by a job that waits
for an event; what is submitted meanwhile is committed together when it is let go.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from marchwarden.core.access.model import Role, Scope
from marchwarden.core.errors import Unauthenticated
from marchwarden.core.incidents.model import AdmiraltyRating, IncidentState, ReportSourceKind
from marchwarden.core.incidents.place import IncidentPlace
from marchwarden.core.incidents.taxonomy import IncidentType
from marchwarden.services import accounts, incidents, reports
from marchwarden.services.audit import verify
from tests.integration.command_support import sql_store

if TYPE_CHECKING:
    from concurrent.futures import Future

    from marchwarden.adapters.db.uow import SqlUnitOfWork
    from marchwarden.core.access.model import Principal
    from marchwarden.core.clock import FixedClock
    from marchwarden.services.context import Services
    from marchwarden.settings import Settings

PASSWORD = "group-commit-password"


@pytest.fixture
def reporter(services: Services) -> Principal:
    user = accounts.create_user(
        services,
        None,
        username="reporter",
        display_name="",
        password=PASSWORD,
        role=Role.ADMIN,
        scope=Scope.all(),
    )
    return user.principal()


def new_report(clock: FixedClock, n: int, text: str = "") -> reports.NewReport:
    return reports.NewReport(
        source_kind=ReportSourceKind.VOLUNTEER,
        observed_at=clock.now(),
        position=(35.47 + n * 0.05, 50.47),
        uncertainty_m=100.0,
        incident_type=IncidentType.GUNFIRE,
        text=text or f"report {n}: gunfire at the crossing",
        rating=AdmiraltyRating.parse("B2"),
        reporter="Sokol-1",
    )


class Gate:
    """Keeps the group writer busy until ``open()``: what is submitted meanwhile waits and
    is committed as one batch."""

    def __init__(self, services: Services) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

        def hold(uow: SqlUnitOfWork) -> None:
            self.entered.set()
            assert self.release.wait(30)

        self.future = sql_store(services).group_commit.submit(hold)
        assert self.entered.wait(30)

    def open(self) -> None:
        self.release.set()
        self.future.result(30)


def submit(
    services: Services, actor: Principal, new: reports.NewReport, key: str
) -> Future[reports.Submission]:
    # as the endpoint does: the batch's keys and duplicate checks are read at once
    job, duplicates = reports._prepared(services, actor, new, key)
    return sql_store(services).group_commit.submit(
        job, idempotency=(actor.user_id, reports.OPERATION, key), duplicates=duplicates
    )


def open_and_closed_incidents(
    services: Services, reporter: Principal, clock: FixedClock
) -> dict[str, int]:
    """Incidents near ``new_report``'s reports, by name: open ones with reports attached
    at several times (a point, a polygon, one opened from a report), one open without
    reports, and a closed and a rejected one with reports of their own."""

    def spec(name: str, place: IncidentPlace) -> incidents.IncidentSpec:
        return incidents.IncidentSpec(name, IncidentType.GUNFIRE, place=place, radius_km=5.0)

    def attach(incident_id: int, n: int, minutes_ago: int) -> None:
        new = replace(
            new_report(clock, n), observed_at=clock.now() - timedelta(minutes=minutes_ago)
        )
        key = f"attached-{incident_id}-{n}-{minutes_ago}"
        rid = reports.submit_report(services, reporter, new, idempotency_key=key).receipt["id"]
        reports.claim_report(services, reporter, rid)
        reports.attach_report(services, reporter, rid, incident_id)

    def create(name: str, place: IncidentPlace) -> int:
        return incidents.create_incident(services, reporter, spec(name, place)).incident.id

    made = {
        "point": create("Crossing gunfire", IncidentPlace.point(35.48, 50.47)),
        "area": create(
            "Border strip",
            IncidentPlace.polygon([[35.50, 50.44], [35.62, 50.44], [35.62, 50.50], [35.50, 50.47]]),
        ),
        "bare": create("No reports yet", IncidentPlace.point(35.66, 50.48)),
        "closed": create("Closed one", IncidentPlace.point(35.52, 50.47)),
        "rejected": create("Rejected one", IncidentPlace.point(35.57, 50.47)),
    }
    for n, minutes_ago in ((0, 50), (1, 20), (2, 35)):
        attach(made["point"], n, minutes_ago)
    for n, minutes_ago in ((3, 10), (4, 70)):
        attach(made["area"], n, minutes_ago)
    attach(made["closed"], 1, 5)
    attach(made["rejected"], 2, 15)
    first = reports.submit_report(
        services, reporter, new_report(clock, 6), idempotency_key="opens-one"
    ).receipt["id"]
    reports.claim_report(services, reporter, first)
    made["from report"] = reports.open_incident_from_report(
        services, reporter, first, incidents.IncidentSpec("From a report")
    )[1].incident.id
    for name, steps in (
        ("closed", (IncidentState.VERIFIED, IncidentState.CLOSED)),
        ("rejected", (IncidentState.REJECTED,)),
        ("area", (IncidentState.VERIFIED, IncidentState.ACTIVE)),
    ):
        for state in steps:
            incidents.change_state(services, reporter, made[name], state, reason="test")
    clock.advance(timedelta(minutes=1))
    return made


def stored(services: Services) -> tuple[int, int, int, int]:
    with services.db.unit_of_work(write=False) as uow:
        r = uow.reports.find(limit=1000)
        return (len(r), uow.audit.count(), uow.events.count(), len(r) and r[-1].id)


def test_one_batch_one_commit_each_report_its_own_record_and_event(
    services: Services, reporter: Principal, clock: FixedClock
) -> None:
    before = stored(services)
    batches = len(sql_store(services).group_commit.batch_sizes)
    gate = Gate(services)
    futures = [submit(services, reporter, new_report(clock, n), f"k-{n}") for n in range(5)]
    gate.open()
    results = [f.result(30) for f in futures]
    # the gate's own batch, then the five reports in one
    assert list(sql_store(services).group_commit.batch_sizes)[batches:] == [1, 5]
    assert [r.status_code for r in results] == [201] * 5
    ids = [r.receipt["id"] for r in results]
    assert ids == sorted(ids) and len(set(ids)) == 5
    n, audit, events, _ = stored(services)
    assert (n, audit, events) == (before[0] + 5, before[1] + 5, before[2] + 5)
    with services.db.unit_of_work(write=False) as uow:
        submitted = [e for e in uow.events.after(0) if e.type == "ReportSubmitted"]
        for rid in ids:
            report = uow.reports.get(rid)
            assert report is not None
            assert report.text == next(r.receipt["text"] for r in results if r.receipt["id"] == rid)
    assert [e.payload["report_id"] for e in submitted] == ids
    assert verify(services).result.ok


def test_a_batchs_reports_correlate_with_the_open_incidents_as_a_reader_does(
    services: Services, reporter: Principal, clock: FixedClock
) -> None:
    """The open incidents a batch's reports are matched against (read ahead with the
    batch's other reads on PostgreSQL, at its first report elsewhere) are those a reader
    sees: each report's stored matches and misses are what correlating it again gives."""
    made = open_and_closed_incidents(services, reporter, clock)
    is_open = {made[name] for name in ("point", "area", "bare", "from report")}
    gate = Gate(services)
    futures = [submit(services, reporter, new_report(clock, n), f"near-{n}") for n in range(4)]
    gate.open()
    ids = [f.result(30).receipt["id"] for f in futures]
    settings = reports.correlation_settings(services)
    flagged = 0
    with services.db.unit_of_work(write=False) as uow:
        for rid in ids:
            report = uow.reports.get(rid)
            assert report is not None
            again = reports.correlation_json(reports._correlate(uow, report.summary(), settings))
            for part in ("matches", "misses"):
                assert report.correlation[part] == again[part], (rid, part)
            seen = {m["incident_id"] for part in ("matches", "misses") for m in again[part]}
            assert seen == is_open, rid
            assert report.correlation["matches"], rid
            # and the same earlier reports flagged as duplicates (a reader sees later ones)
            earlier = [d for d in again["duplicates"] if d["report_id"] < rid]
            assert report.correlation["duplicates"] == earlier, rid
            flagged += len(earlier)
    assert flagged
    assert verify(services).result.ok


def test_same_key_twice_in_one_batch_stores_one_report(
    services: Services, reporter: Principal, clock: FixedClock
) -> None:
    before = stored(services)
    gate = Gate(services)
    same = new_report(clock, 1)
    first = submit(services, reporter, same, "twice")
    second = submit(services, reporter, same, "twice")
    other_body = submit(services, reporter, new_report(clock, 2), "twice")
    gate.open()
    a, b = first.result(30), second.result(30)
    assert (a.status_code, a.replayed) == (201, False)
    assert (b.status_code, b.replayed) == (201, True)
    assert b.receipt == a.receipt
    with pytest.raises(reports.IdempotencyKeyReused):
        other_body.result(30)
    assert stored(services)[:3] == (before[0] + 1, before[1] + 1, before[2] + 1)
    assert verify(services).result.ok


def test_keys_of_a_batch_read_at_once_replay_the_stored_and_store_the_new(
    services: Services, reporter: Principal, clock: FixedClock
) -> None:
    earlier = submit(services, reporter, new_report(clock, 1), "stored-before").result(30)
    before = stored(services)
    gate = Gate(services)
    retry = submit(services, reporter, new_report(clock, 1), "stored-before")
    fresh = [submit(services, reporter, new_report(clock, n), f"fresh-{n}") for n in (2, 3)]
    reused = submit(services, reporter, new_report(clock, 4), "stored-before")
    gate.open()
    again = retry.result(30)
    assert (again.status_code, again.replayed, again.receipt) == (201, True, earlier.receipt)
    assert [(f.result(30).status_code, f.result(30).replayed) for f in fresh] == [(201, False)] * 2
    with pytest.raises(reports.IdempotencyKeyReused):
        reused.result(30)
    assert stored(services)[:3] == (before[0] + 2, before[1] + 2, before[2] + 2)
    assert verify(services).result.ok


def test_a_failing_job_in_a_batch_leaves_its_neighbours_committed(
    services: Services, reporter: Principal, clock: FixedClock
) -> None:
    """A job that wrote a report, its audit record and its event and then failed is rolled
    back to its savepoint — rows, audit head and events — and only it fails."""
    before = stored(services)
    taken = reports.submit_report(
        services, reporter, new_report(clock, 9), idempotency_key="taken"
    ).receipt["id"]

    def half_then_fail(uow: SqlUnitOfWork) -> Any:
        reports._submission(services, reporter, new_report(clock, 7), "half")(uow)
        raise RuntimeError("broken after writing")

    gate = Gate(services)
    ok1 = submit(services, reporter, new_report(clock, 3), "ok-1")
    broken = sql_store(services).group_commit.submit(half_then_fail)
    reused = submit(services, reporter, new_report(clock, 4), "taken")  # a 409 in the batch
    ok2 = submit(services, reporter, new_report(clock, 5), "ok-2")
    gate.open()
    assert ok1.result(30).status_code == 201
    assert ok2.result(30).status_code == 201
    with pytest.raises(RuntimeError, match="broken after writing"):
        broken.result(30)
    with pytest.raises(reports.IdempotencyKeyReused):
        reused.result(30)
    n, audit, events, _ = stored(services)
    assert (n, audit, events) == (before[0] + 3, before[1] + 3, before[2] + 3)
    with services.db.unit_of_work(write=False) as uow:
        assert uow.idempotency.get(reporter.user_id, reports.OPERATION, "half") is None
        texts = {r.text for r in uow.reports.find(limit=1000)}
        ids = [e.payload["report_id"] for e in uow.events.after(0) if e.type == "ReportSubmitted"]
    assert "report 7: gunfire at the crossing" not in texts
    assert ids == [taken, ok1.result().receipt["id"], ok2.result().receipt["id"]]
    assert verify(services).result.ok  # no gap in the chain where the failed job's record was


def test_async_waiters_of_a_batch_settle_together_and_a_cancelled_one_is_not_run(
    services: Services, reporter: Principal, clock: FixedClock
) -> None:
    """``submit_async`` (the report endpoint's path): asyncio futures of one loop get their
    outcomes in one call into the loop; one whose caller gave up before the batch ran is
    not run at all (nothing stored for it)."""
    before = stored(services)
    gate = Gate(services)

    def half_then_fail(uow: SqlUnitOfWork) -> Any:
        reports._submission(services, reporter, new_report(clock, 8), "async-half")(uow)
        raise RuntimeError("broken after writing")

    async def scenario() -> tuple[list[Any], list[str]]:
        gc = sql_store(services).group_commit
        loop = asyncio.get_running_loop()
        calls: list[str] = []
        plain = loop.call_soon_threadsafe

        def counted(callback: Any, *args: Any) -> Any:
            calls.append(getattr(callback, "__name__", repr(callback)))
            return plain(callback, *args)

        loop.call_soon_threadsafe = counted  # type: ignore[method-assign,assignment]
        waiters = [
            gc.submit_async(
                reports._submission(services, reporter, new_report(clock, n), f"async-{n}"),
                idempotency=(reporter.user_id, reports.OPERATION, f"async-{n}"),
            )
            for n in range(4)
        ]
        broken = gc.submit_async(half_then_fail)
        gone = gc.submit_async(
            reports._submission(services, reporter, new_report(clock, 6), "async-gone")
        )
        gone.cancel()
        await loop.run_in_executor(None, gate.open)
        results = await asyncio.gather(*waiters, broken, return_exceptions=True)
        loop.call_soon_threadsafe = plain  # type: ignore[method-assign]
        return results, calls

    results, calls = asyncio.run(scenario())
    assert [r.status_code for r in results[:4]] == [201] * 4
    assert isinstance(results[4], RuntimeError)
    assert calls.count("_settle_waiters") == 1  # one wake-up of the loop for the batch
    n, audit, events, _ = stored(services)
    assert (n, audit, events) == (before[0] + 4, before[1] + 4, before[2] + 4)
    with services.db.unit_of_work(write=False) as uow:
        assert uow.idempotency.get(reporter.user_id, reports.OPERATION, "async-gone") is None
        assert uow.idempotency.get(reporter.user_id, reports.OPERATION, "async-half") is None
    assert verify(services).result.ok


POSTGRES_ONLY = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


@POSTGRES_ONLY
def test_a_batch_costs_one_statement_more_per_report_on_postgres(
    services: Services, reporter: Principal, clock: FixedClock
) -> None:
    """On PostgreSQL every statement is a round trip: a batch's reports and keys are
    written with one statement each at the end, so a report adds only its duplicate
    check (and the ids come from the sequence in one read). The open incidents the
    reports correlate with, and their reports' positions, are read with the batch's
    first reads too: no statement of the batch goes through SQLAlchemy."""
    import sqlalchemy as sa

    made = open_and_closed_incidents(services, reporter, clock)
    counted: list[str] = []

    def count(*args: Any) -> None:
        counted.append(args[2])

    def batch_of(n: int, tag: str) -> int:
        gate = Gate(services)
        futures = [submit(services, reporter, new_report(clock, k), f"{tag}-{k}") for k in range(n)]
        counted.clear()
        sa.event.listen(services.db.engine, "before_cursor_execute", count)
        try:
            gate.open()
            assert [f.result(30).status_code for f in futures] == [201] * n
        finally:
            sa.event.remove(services.db.engine, "before_cursor_execute", count)
        return len(counted)

    few, many = batch_of(2, "few"), batch_of(10, "many")
    assert many == few, (few, many)  # the same statements for 2 reports as for 10
    # and none at all: the lock, the audit head, the keys, the duplicate candidates, the
    # report ids and the open incidents with their reports' positions went in one
    # pipeline before (begin_batch), the rows and the COMMIT in another (commit_batch)
    assert counted == []
    with services.db.unit_of_work(write=False) as uow:  # the incidents were read
        report = uow.reports.find(limit=1000)[-10]  # the last batch's first
    assert report.text.startswith("report 0:")
    assert made["point"] in {m["incident_id"] for m in report.correlation["matches"]}
    assert verify(services).result.ok


@POSTGRES_ONLY
def test_a_key_stored_by_another_transaction_before_the_flush_is_replayed(
    services: Services, reporter: Principal, clock: FixedClock
) -> None:
    """The batch's keys are inserted at its end; one stored meanwhile by another
    transaction (here: another connection, committed) is refused there, the batch runs
    again with a savepoint per job, and that job replays the stored reply while its
    neighbours commit — nothing of its own first run is left."""
    import sqlalchemy as sa

    from marchwarden.adapters.db import tables as t

    raced = new_report(clock, 5)
    digest = reports._check_new(raced, clock.now()).request_hash()
    theirs = {"id": 424242, "status": "pending"}

    def store_key_elsewhere(uow: SqlUnitOfWork) -> None:
        with services.db.engine.begin() as other:
            other.execute(
                sa.dialects.postgresql.insert(t.idempotency_keys)
                .values(
                    user_id=reporter.user_id,
                    operation=reports.OPERATION,
                    key="raced",
                    request_hash=digest,
                    status_code=201,
                    response=theirs,
                    created_at=clock.now(),
                )
                .on_conflict_do_nothing()
            )

    before = stored(services)
    gate = Gate(services)
    ok1 = submit(services, reporter, new_report(clock, 1), "race-ok-1")
    elsewhere = sql_store(services).group_commit.submit(store_key_elsewhere)
    mine = submit(services, reporter, raced, "raced")
    ok2 = submit(services, reporter, new_report(clock, 2), "race-ok-2")
    gate.open()
    elsewhere.result(30)
    assert [(f.result(30).status_code, f.result(30).replayed) for f in (ok1, ok2)] == [
        (201, False)
    ] * 2
    replay = mine.result(30)
    assert (replay.status_code, replay.replayed, replay.receipt) == (201, True, theirs)
    assert stored(services)[:3] == (before[0] + 2, before[1] + 2, before[2] + 2)
    with services.db.unit_of_work(write=False) as uow:
        texts = {r.text for r in uow.reports.find(limit=1000)}
    assert "report 5: gunfire at the crossing" not in texts
    assert verify(services).result.ok


# --------------------------------------------------------------------------- token cache


def login(services: Services) -> str:
    return accounts.login(services, username="reporter", password=PASSWORD, address="t").token


def test_a_cached_token_is_refused_at_once_after_logout(
    services: Services, reporter: Principal
) -> None:
    token = login(services)
    principal = accounts.authenticate(services, token)
    assert accounts.authenticate_cached(services, token) == principal  # now cached
    accounts.logout(services, principal, token)
    assert accounts.authenticate_cached(services, token) is None
    with pytest.raises(Unauthenticated, match="revoked"):
        accounts.authenticate(services, token)


def test_a_cached_token_is_refused_at_once_after_the_user_is_disabled(
    services: Services, reporter: Principal
) -> None:
    token = login(services)
    accounts.authenticate(services, token)
    assert accounts.authenticate_cached(services, token) is not None
    accounts.disable_user(services, None, "reporter")
    with pytest.raises(Unauthenticated):
        accounts.authenticate(services, token)


def test_a_change_made_elsewhere_takes_effect_within_the_cache_time(
    services: Services, reporter: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process (here: a direct write the cache does not hear of) revokes a token;
    this process stops accepting it once the cached row is older than the bound."""
    token = login(services)
    accounts.authenticate(services, token)
    with services.db.unit_of_work() as uow:
        uow.tokens.revoke(accounts._token_hash(services, token), services.clock.now())
        uow.commit()
    assert accounts.authenticate(services, token).username == "reporter"  # still cached
    cache = accounts.token_cache(services)
    monkeypatch.setattr(cache, "ttl", 0.0)
    with pytest.raises(Unauthenticated, match="revoked"):
        accounts.authenticate(services, token)


def test_a_revocation_by_another_process_drops_the_cache_before_the_next_request(
    services: Services, settings: Settings, reporter: Principal
) -> None:
    """Another process (its own engine on the same store; it does not touch this
    process's cache) disables the account: the store's revocation signal reaches this
    process — on SQLite before the other's commit returns (the stamp file), on PostgreSQL
    with the commit (NOTIFY to the listening connection)."""
    import time

    from marchwarden.bootstrap import build_services

    services.db.revocations.start_listening()
    other = build_services(settings, clock=services.clock)
    try:
        token = login(services)
        accounts.authenticate(services, token)
        assert accounts.authenticate_cached(services, token) is not None  # cached
        now = services.clock.now()
        with other.db.unit_of_work() as uow:
            uow.users.set_disabled(reporter.user_id, now)
            uow.tokens.revoke_all_for(reporter.user_id, now)
            uow.tokens_revoked()
            uow.commit()
        if services.db.is_postgres:  # delivered by the listener thread: wait for it
            deadline = time.monotonic() + 5
            while accounts.authenticate_cached(services, token) is not None:
                assert time.monotonic() < deadline, "the revocation never arrived"
                time.sleep(0.005)
        assert accounts.authenticate_cached(services, token) is None
        with pytest.raises(Unauthenticated):
            accounts.authenticate(services, token)
    finally:
        services.db.revocations.stop_listening()
        other.db.engine.dispose()


def _stale_row(services: Services, token: str) -> Any:
    from dataclasses import replace

    with services.db.unit_of_work(write=False) as uow:
        row = uow.tokens.find(accounts._token_hash(services, token))
    assert row is not None
    return replace(row, revoked_at=None, user=replace(row.user, disabled=False))


def test_a_read_that_raced_with_a_logout_is_not_cached(
    services: Services, reporter: Principal
) -> None:
    token = login(services)
    cache = accounts.token_cache(services)
    generation = cache.generation  # a read begins ...
    row = _stale_row(services, token)
    principal = accounts.authenticate(services, token)
    accounts.logout(services, principal, token)  # ... a logout commits meanwhile ...
    cache.put(accounts._token_hash(services, token), row, generation)  # ... the read ends
    assert accounts.authenticate_cached(services, token) is None


def test_a_batch_of_positions_stores_history_latest_and_bound_as_one_at_a_time_would(
    services: Services, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Positions of several units in one batch (on PostgreSQL kept and written together
    at the end): every one in the history, cut to the newest ``POSITION_HISTORY_LIMIT``
    per unit; a unit's latest is its newest even when an older one comes after it in the
    batch, and only the positions that were the newest when stored say ``latest``."""
    from datetime import timedelta

    from marchwarden.services import forces
    from tests.factories import make_forces

    monkeypatch.setattr("marchwarden.adapters.db.forces_repo.POSITION_HISTORY_LIMIT", 3)
    ids = make_forces(services)
    a, b = ids["co1"], ids["co2"]
    start = clock.now() - timedelta(minutes=30)
    # (unit, minute): a's minute 9 is older than its minute 10 before it
    plan = [(a, 1), (b, 1), (a, 2), (a, 3), (a, 10), (b, 2), (a, 9), (a, 4)]
    gate = Gate(services)
    futures = []
    for unit, minute in plan:
        new = forces.NewPosition(36.0 + minute / 100, 50.0, start + timedelta(minutes=minute))
        job = forces._position_job(services, None, unit, new)
        futures.append(sql_store(services).group_commit.submit(job, position_of=unit))
    gate.open()
    replies = [f.result(30) for f in futures]
    assert [r.position_at == start + timedelta(minutes=10) for r in replies if r.id == a][-3:] == [
        True,
        True,
        True,
    ]
    with services.db.unit_of_work(write=False) as uow:
        history_a = [p.at for p in uow.forces.positions(a, 100)]
        history_b = [p.at for p in uow.forces.positions(b, 100)]
        unit_a, unit_b = uow.forces.unit(a), uow.forces.unit(b)
        events = uow.events.after(0, 10_000)
    minutes = [start + timedelta(minutes=m) for m in (10, 9, 4)]
    assert history_a == minutes  # the newest three of six
    assert history_b == [start + timedelta(minutes=m) for m in (2, 1)]
    assert unit_a is not None and unit_a.position_at == start + timedelta(minutes=10)
    assert unit_b is not None and unit_b.position_at == start + timedelta(minutes=2)
    published = [
        (e.payload["unit_id"], round((e.payload["lon"] - 36.0) * 100))
        for e in events
        if e.type == "UnitPositionUpdated"
    ]
    # only a position that was its unit's newest when stored is published (a's 9 and 4 not)
    assert published == [(a, 1), (b, 1), (a, 2), (a, 3), (a, 10), (b, 2)]
    with services.db.unit_of_work(write=False) as uow:
        audited = [r for r in uow.audit.iterate() if r.command == "unit.position"]
    assert len(audited) == len(plan)  # every one audited
    assert verify(services).result.ok


@POSTGRES_ONLY
def test_a_batch_of_positions_costs_the_same_statements_for_two_as_for_ten_on_postgres(
    services: Services, clock: FixedClock
) -> None:
    """On PostgreSQL a batch's units are read in one statement and its positions written
    in a few at the end: ten positions cost the statements of two."""
    from datetime import timedelta

    import sqlalchemy as sa

    from marchwarden.services import forces
    from tests.factories import make_forces

    ids = make_forces(services)
    units = [ids[k] for k in ("co1", "co2", "army_bel")]
    counted: list[str] = []

    def count(*args: Any) -> None:
        counted.append(args[2])

    def batch_of(n: int, offset: int) -> int:
        gate = Gate(services)
        futures = []
        for k in range(n):
            unit = units[k % len(units)]
            at = clock.now() - timedelta(minutes=60 - offset - k)
            job = forces._position_job(services, None, unit, forces.NewPosition(36.1, 50.1, at))
            futures.append(sql_store(services).group_commit.submit(job, position_of=unit))
        counted.clear()
        sa.event.listen(services.db.engine, "before_cursor_execute", count)
        try:
            gate.open()
            assert all(f.result(30).id in units for f in futures)
        finally:
            sa.event.remove(services.db.engine, "before_cursor_execute", count)
        return len(counted)

    few, many = batch_of(3, 0), batch_of(10, 20)
    assert many == few, (few, many)
    assert verify(services).result.ok


@POSTGRES_ONLY
def test_a_batch_begins_locks_and_reads_the_audit_head_in_one_round_trip(
    services: Services, reporter: Principal, clock: FixedClock
) -> None:
    """``SqlUnitOfWork._begin_locked``: no lock or head statement of its own in the
    batch, the chain still whole, and every pooled connection back out of the
    autocommit mode the batch used."""
    import sqlalchemy as sa

    from marchwarden.adapters.db import uow as uow_module

    assert (
        f"SELECT pg_advisory_xact_lock({uow_module.JOURNAL_LOCK_KEY})",
        None,
    ) in uow_module._BEGIN_LOCKED
    counted: list[str] = []

    def count(*args: Any) -> None:
        counted.append(args[2])

    gate = Gate(services)
    futures = [submit(services, reporter, new_report(clock, k), f"one-{k}") for k in range(3)]
    sa.event.listen(services.db.engine, "before_cursor_execute", count)
    try:
        gate.open()
        assert [f.result(30).status_code for f in futures] == [201] * 3
    finally:
        sa.event.remove(services.db.engine, "before_cursor_execute", count)
    assert not [s for s in counted if "pg_advisory_xact_lock" in s or "audit_log.seq" in s]
    assert verify(services).result.ok
    engine = sql_store(services).engine
    pool = engine.pool
    assert isinstance(pool, sa.pool.QueuePool)
    held = [engine.raw_connection() for _ in range(pool.checkedin())]
    try:
        assert held and not [c for c in held if getattr(c.driver_connection, "autocommit", True)]
    finally:
        for c in held:
            c.close()


@POSTGRES_ONLY
def test_the_head_read_with_the_lock_sees_a_record_committed_while_the_batch_waited(
    services: Services, reporter: Principal, clock: FixedClock
) -> None:
    """Another transaction holds the journal lock and appends a record; the batch waits
    for the lock, then must chain onto that record (the head is read by a statement
    that starts once the lock is held, not with the snapshot of the one that waited)."""
    entered, release = threading.Event(), threading.Event()

    def hold() -> None:
        with sql_store(services).unit_of_work() as uow:
            uow._append_audit(  # takes the journal lock and writes at once
                actor=None,
                command="test.hold",
                target_type="test",
                target_id=None,
                changes={},
                at=clock.now(),
            )
            entered.set()
            assert release.wait(30)
            uow.commit()

    holder = threading.Thread(target=hold)
    holder.start()
    assert entered.wait(30)
    try:
        future = submit(services, reporter, new_report(clock, 1), "after-hold")
        with pytest.raises(TimeoutError):  # the writer is blocked on the lock meanwhile
            future.result(0.3)
    finally:
        release.set()
        holder.join(30)
    assert future.result(30).status_code == 201
    with services.db.unit_of_work(write=False) as uow:
        records = uow.audit.page(limit=10_000)
    hold_record, report_record = records[-2:]
    assert hold_record.command == "test.hold"
    assert report_record.seq == hold_record.seq + 1
    assert verify(services).result.ok
