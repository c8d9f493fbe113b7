"""Field reports: idempotent submission, correlation, and the verification queue.

**Idempotent submission.** The client sends an idempotency key with each report (the
``Idempotency-Key`` header). The key is stored per user with the SHA-256 of the request's
canonical form (the parsed report as sorted, compact JSON, so that key order, spacing
or ``+00:00`` vs ``Z`` make no difference) and the reply it got, in the same transaction
as the report. The same key again with the same body returns that reply and stores
nothing; with a different body it is refused (409 ``idempotency-key-reused``). Two
concurrent requests with one key create one report: the key's unique constraint lets
only one transaction insert it, and the other reads the winner's reply. A reply is sent
only after the commit, so an acknowledged report survives a crash.

**Correlation.** At submission the report is matched against the open incidents and
earlier reports (``core/incidents/correlation.py``, limits from the settings) and the
suggestions are stored with their reasons; reading a pending report also shows them as
they stand now.

**Verification queue.** A duty officer claims a pending report for
``report_claim_ttl_seconds``; only the holder of a live claim may attach it to an
incident, open a new incident from it, or reject it. Claims and decisions are
conditional UPDATEs, so two officers can never both hold or both decide one report.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from marchwarden import geodata
from marchwarden.core.access.model import ScopeKind
from marchwarden.core.access.policy import Action, allowed_actions, decide, route_report
from marchwarden.core.clock import ensure_utc
from marchwarden.core.errors import Conflict, Forbidden, Invalid, NotFound
from marchwarden.core.incidents.correlation import (
    CodedReason,
    CorrelationResult,
    CorrelationSettings,
    IncidentSummary,
    ReportSummary,
    correlate,
)
from marchwarden.core.incidents.decisions import (
    attached_opening,
    claimed,
    decide_attach,
    rejected,
    released,
    submitted,
)
from marchwarden.core.incidents.model import SourceReliability, check_position
from marchwarden.core.incidents.records import Report, ReportStatus
from marchwarden.services.context import Services, authorise
from marchwarden.services.incidents import (
    OPEN_STATES,
    IncidentSpec,
    IncidentView,
    get_incident_row,
    incident_view,
    open_incident,
)
from marchwarden.services.ports import (
    OPEN_INCIDENTS_MEMO,
    REPORT_ORDERS,
    DuplicateQuery,
    NewReportRow,
    RetryJob,
    report_order_key,
)
from marchwarden.services.visibility import Readable

if TYPE_CHECKING:
    from collections.abc import Callable

    from marchwarden.core.access.model import Principal
    from marchwarden.services.ports import UnitOfWork

OPERATION = "report.submit"
#: visible ASCII, as in the IETF Idempotency-Key draft's examples (UUIDs and the like)
KEY_RE = re.compile(r"^[\x21-\x7e]{1,255}$")
#: a field device's clock may run a little ahead
OBSERVED_CLOCK_SKEW = timedelta(minutes=5)
MAX_UNCERTAINTY_M = 100_000.0
#: incidents not matched that a report still lists (nearest first), with why not
MISSES_SHOWN = 5


class IdempotencyKeyReused(Conflict):
    code = "idempotency-key-reused"
    title = "Idempotency key already used for a different request"


class IdempotencyKeyInvalid(Invalid):
    code = "idempotency-key-invalid"
    title = "Missing or malformed Idempotency-Key"


class ReportClaimedByOther(Conflict):
    code = "report-claimed"
    title = "Another officer is working on this report"


class ReportNotClaimed(Conflict):
    code = "report-not-claimed"
    title = "Claim the report first"


class ReportClaimExpired(Conflict):
    code = "report-claim-expired"
    title = "Your claim on the report ran out"


class ReportCursorInvalid(Invalid):
    code = "report-cursor-invalid"
    title = "Not a cursor of this report list"


class ReportAlreadyDecided(Conflict):
    code = "report-already-decided"
    title = "The report was already decided"


@dataclass(frozen=True, slots=True)
class NewReport(NewReportRow):
    """A report as submitted (its region, not part of the request, is left None)."""

    def canonical(self) -> bytes:
        """The request as compact, key-sorted JSON: what the idempotency hash covers."""
        data = {
            "source_kind": self.source_kind.value,
            "observed_at": ensure_utc(self.observed_at).isoformat(),
            "lon": self.position[0],
            "lat": self.position[1],
            "uncertainty_m": self.uncertainty_m,
            "incident_type": self.incident_type.value,
            "text": self.text,
            "rating": self.rating.code,
            "reporter": self.reporter,
        }
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    def request_hash(self) -> str:
        return hashlib.sha256(self.canonical()).hexdigest()


@dataclass(frozen=True, slots=True)
class Submission:
    status_code: int
    receipt: dict[str, Any]
    replayed: bool


@dataclass(frozen=True, slots=True)
class ReportView:
    report: Report
    live: CorrelationResult | None
    """Suggestions as they stand now (pending reports only)."""


def correlation_settings(svc: Services) -> CorrelationSettings:
    s = svc.settings
    return CorrelationSettings(
        max_distance_km=s.correlation_max_distance_km,
        time_window=timedelta(minutes=s.correlation_time_window_minutes),
        duplicate_distance_km=s.duplicate_distance_km,
        duplicate_window=timedelta(minutes=s.duplicate_window_minutes),
        duplicate_text_similarity=s.duplicate_text_similarity,
    )


def receipt(report: Report) -> dict[str, Any]:
    """What the submitter gets back (and a retry with the same key gets again)."""
    return {
        "id": report.id,
        "status": report.status.value,
        "received_at": report.received_at.isoformat(),
        "region": report.region,
        "source_kind": report.source_kind.value,
        "observed_at": report.observed_at.isoformat(),
        "position": {"lon": report.position[0], "lat": report.position[1]},
        "uncertainty_m": report.uncertainty_m,
        "incident_type": report.incident_type.value,
        "rating": report.rating.code,
        "reporter": report.reporter,
        "text": report.text,
    }


def _coded_json(reasons: tuple[CodedReason, ...]) -> list[dict[str, Any]]:
    return [{"code": r.code, "params": dict(r.params)} for r in reasons]


def correlation_json(result: CorrelationResult) -> dict[str, Any]:
    return {
        "matches": [
            {
                "incident_id": m.incident_id,
                "incident_name": m.incident_name,
                "score": m.score,
                "distance_km": round(m.distance_km, 3),
                "time_gap_seconds": int(m.time_gap.total_seconds()),
                "same_type": m.same_type,
                "reasons": list(m.reasons),
                "coded_reasons": _coded_json(m.coded_reasons),
            }
            for m in result.matches
        ],
        "duplicates": [
            {
                "report_id": d.report_id,
                "incident_id": d.incident_id,
                "similarity": d.similarity,
                "distance_km": round(d.distance_km, 3),
                "time_gap_seconds": int(d.time_gap.total_seconds()),
                "reasons": list(d.reasons),
                "coded_reasons": _coded_json(d.coded_reasons),
            }
            for d in result.duplicates
        ],
        "misses": [
            {
                "incident_id": m.incident_id,
                "incident_name": m.incident_name,
                "distance_km": round(m.distance_km, 3),
                "reasons": list(m.reasons),
                "coded_reasons": _coded_json(m.coded_reasons),
            }
            for m in result.misses[:MISSES_SHOWN]
        ],
    }


def _open_incident_summaries(uow: UnitOfWork) -> list[IncidentSummary]:
    """The open incidents as correlation sees them; read once per transaction (a batch of
    reports changes no incident), unless the group writer's batch read them ahead."""
    cached: list[IncidentSummary] | None = uow.memo.get(OPEN_INCIDENTS_MEMO)
    if cached is None:
        incidents = uow.incidents.find(states=OPEN_STATES, limit=None)
        positions = uow.reports.positions_by_incident(i.id for i in incidents)
        cached = [i.summary(tuple(positions.get(i.id, ()))) for i in incidents]
        uow.memo[OPEN_INCIDENTS_MEMO] = cached
    return cached


def _correlate(
    uow: UnitOfWork, summary: ReportSummary, settings: CorrelationSettings
) -> CorrelationResult:
    kind, since, until, near, within_km = _duplicate_query(summary, settings)
    earlier = uow.reports.duplicate_candidates(kind, since, until, near=near, within_km=within_km)
    return correlate(
        summary,
        _open_incident_summaries(uow),
        [r for r in earlier if r.report_id != summary.report_id],
        settings,
    )


def _duplicate_query(summary: ReportSummary, settings: CorrelationSettings) -> DuplicateQuery:
    """The duplicate check of a report: its type, the window, the place and distance."""
    window = settings.duplicate_window
    return (
        summary.incident_type,
        summary.observed_at - window,
        summary.observed_at + window,
        (summary.position[0], summary.position[1]),
        settings.duplicate_distance_km,
    )


def _check_new(new: NewReport, now: datetime) -> NewReport:
    position = check_position(new.position, "report position")
    if new.observed_at > now + OBSERVED_CLOCK_SKEW:
        raise Invalid.said(
            "report.observed_future_server_time",
            "observed_at {observed_at} is in the future (server time {now})",
            observed_at=new.observed_at.isoformat(),
            now=now.isoformat(),
        )
    if not 0 <= new.uncertainty_m <= MAX_UNCERTAINTY_M:
        raise Invalid.said(
            "report.uncertainty_between_metres",
            "uncertainty_m must be between 0 and {most} metres",
            most=format(MAX_UNCERTAINTY_M, "g"),
        )
    if not new.reporter.strip():
        raise Invalid.said(
            "report.report_needs_reporter_who", "a report needs a reporter (who observed it)"
        )
    return NewReport(
        source_kind=new.source_kind,
        observed_at=ensure_utc(new.observed_at),
        position=position,
        uncertainty_m=new.uncertainty_m,
        incident_type=new.incident_type,
        text=new.text.strip(),
        rating=new.rating,
        reporter=new.reporter.strip(),
    )


def submit_report(
    svc: Services, actor: Principal, new: NewReport, *, idempotency_key: str | None
) -> Submission:
    """Store a report once per idempotency key (see the module docstring); waits for the
    group commit that carries it."""
    job, duplicates = _prepared(svc, actor, new, idempotency_key)
    return svc.db.group_commit.run(
        job, idempotency=(actor.user_id, OPERATION, str(idempotency_key)), duplicates=duplicates
    )


async def submit_report_async(
    svc: Services, actor: Principal, new: NewReport, *, idempotency_key: str | None
) -> Submission:
    """``submit_report`` for the event loop: no thread waits while the writer works."""
    job, duplicates = _prepared(svc, actor, new, idempotency_key)
    return await svc.db.group_commit.submit_async(
        job, idempotency=(actor.user_id, OPERATION, str(idempotency_key)), duplicates=duplicates
    )


def _check_key(idempotency_key: str | None) -> str:
    if idempotency_key is None or not KEY_RE.match(idempotency_key):
        raise IdempotencyKeyInvalid.said(
            "report.send_idempotency_key_header",
            "send an Idempotency-Key header: 1-255 visible ASCII characters, unique per report (a "
            "UUID, for instance); retries of one report use the same key",
        )
    return idempotency_key


def _submission(
    svc: Services, actor: Principal, new: NewReport, idempotency_key: str | None
) -> Callable[[UnitOfWork], Submission]:
    """``_prepared``'s job alone."""
    return _prepared(svc, actor, new, idempotency_key)[0]


def _prepared(
    svc: Services, actor: Principal, new: NewReport, idempotency_key: str | None
) -> tuple[Callable[[UnitOfWork], Submission], DuplicateQuery]:
    """Check the request here, in the caller's thread; return the part that runs in the
    group writer's transaction (the store's group commit, ``Store.group_commit``).

    The reply is built from the values written, not read back. The key is looked up
    first (a retry costs no correlation) and stored with the reply by ``INSERT … ON
    CONFLICT DO NOTHING``; if another process's transaction stored it in between, the
    job is rolled back to its savepoint and runs again (``RetryJob``), then replays that
    reply. Two requests with one key in one batch: the second finds the first's key (same
    transaction) and replays its reply, or gets the 409. Also returns the job's duplicate
    check, which the group commit reads for the whole batch at once."""
    authorise(actor, Action.REPORT_SUBMIT)
    key = _check_key(idempotency_key)
    now = ensure_utc(svc.clock.now())
    new = _check_new(new, now)
    digest = new.request_hash()
    settings = correlation_settings(svc)
    region = route_report(actor, geodata.region_code_at(*new.position)).region
    row = replace(new, region=region)

    summary = ReportSummary(
        report_id=0,  # not stored yet; no earlier report has this id
        incident_type=new.incident_type,
        position=new.position,
        observed_at=new.observed_at,
        text=new.text,
    )

    def run(uow: UnitOfWork) -> Submission:
        if uow.idempotency.get(actor.user_id, OPERATION, key) is not None:
            return _replay(uow, actor, key, digest)
        result = _correlate(uow, summary, settings)
        correlation = correlation_json(result)
        report_id = uow.reports.add(
            row,
            submitted_by_id=actor.user_id,
            submitted_by=actor.username,
            received_at=now,
            correlation=correlation,
        )
        report = _new_report(report_id, row, actor, now, correlation)
        reply = receipt(report)
        stored = uow.idempotency.add(
            user_id=actor.user_id,
            operation=OPERATION,
            key=key,
            request_hash=digest,
            status_code=201,
            response=reply,
            at=now,
        )
        if stored is None:  # another process's transaction stored the key meanwhile
            raise RetryJob(key)
        event = submitted(report, key=key, digest=digest, correlation=result)
        uow.record(actor, [event], at=now)
        return Submission(201, reply, replayed=False)

    return run, _duplicate_query(summary, settings)


def _replay(uow: UnitOfWork, actor: Principal, key: str, digest: str) -> Submission:
    """The key is taken: the original reply, or 409 when the body differs."""
    stored = uow.idempotency.get(actor.user_id, OPERATION, key)
    assert stored is not None
    if stored.request_hash != digest:
        raise IdempotencyKeyReused.said(
            "report.key_reused",
            "the Idempotency-Key {key} was used on {at} for a different report; "
            "use a new key for a new report",
            key=repr(key),
            at=stored.created_at.isoformat(),
            extra={"original_report_id": stored.response.get("id")},
        )
    return Submission(stored.status_code, stored.response, replayed=True)


def _new_report(
    report_id: int,
    row: NewReportRow,
    actor: Principal,
    now: datetime,
    correlation: dict[str, Any],
) -> Report:
    """The report as just inserted (what reading it back would give)."""
    return Report(
        id=report_id,
        source_kind=row.source_kind,
        observed_at=row.observed_at,
        received_at=now,
        position=row.position,
        uncertainty_m=row.uncertainty_m,
        incident_type=row.incident_type,
        text=row.text,
        rating=row.rating,
        reporter=row.reporter,
        submitted_by=actor.username,
        region=row.region,
        status=ReportStatus.PENDING,
        incident_id=None,
        claimed_by_id=None,
        claimed_by=None,
        claim_expires_at=None,
        decided_by=None,
        decided_at=None,
        decision_note="",
        correlation=correlation,
    )


# --------------------------------------------------------------------------- reading


def list_reports(
    svc: Services,
    actor: Principal,
    *,
    status: ReportStatus | None = None,
    incident_id: int | None = None,
    after_id: int | None = None,
    limit: int = 100,
    order: str = "id",
    cursor: str | None = None,
) -> list[Report]:
    """Reports the caller may read, in ``order`` (a key of ``REPORT_ORDERS``; by id unless
    told), paged by ``cursor`` (``report_cursor`` of the last report of the previous page)
    or, in id order, by ``after_id``."""
    if Action.REPORT_READ not in allowed_actions(actor):
        raise Forbidden.said(
            "access.role_may",
            "role {role} may not {action}",
            role=actor.role,
            action=Action.REPORT_READ.value,
        )
    if order not in REPORT_ORDERS:
        raise Invalid.said(
            "report.order_one_got",
            "order must be one of {known}, got {order}",
            known=", ".join(REPORT_ORDERS),
            order=repr(order),
        )
    scope = actor.scope
    regions = set(scope.regions) if scope.kind is ScopeKind.REGIONS else None
    out: list[Report] = []
    key = parse_report_cursor(order, cursor) if cursor else None
    if key is None and after_id is not None and order == "id":
        key = (after_id,)
    with svc.db.unit_of_work(write=False) as uow:
        readable = Readable(uow, actor)
        while len(out) < limit:
            batch = uow.reports.find(
                status=status,
                regions=regions,
                incident_id=incident_id,
                limit=max(limit, 200),
                order=order,
                after_key=key,
            )
            if not batch:
                break
            for report in batch:
                if decide(actor, Action.REPORT_READ, report.resource()).allowed:
                    out.append(readable.report_view(report))
                    if len(out) == limit:
                        break
            key = report_order_key(order, batch[-1])
    return out


def report_cursor(order: str, report: Report) -> str:
    """An opaque cursor: the next page starts after ``report`` in ``order``."""
    values = [
        v.isoformat() if isinstance(v, datetime) else v for v in report_order_key(order, report)
    ]
    raw = json.dumps([order, *values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def parse_report_cursor(order: str, cursor: str) -> tuple[Any, ...]:
    """The sort key a ``report_cursor`` stands for; ``Invalid`` if it is not one of
    ``order``'s (a cursor is only good for the order that made it)."""
    bad = ReportCursorInvalid(f"cursor is not one that GET /reports handed out for order={order!r}")
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        raise bad from None
    names = [name for name, _ in REPORT_ORDERS[order]]
    if not isinstance(data, list) or len(data) != len(names) + 1 or data[0] != order:
        raise bad
    out: list[Any] = []
    for name, value in zip(names, data[1:], strict=True):
        try:
            if name in ("observed_at", "received_at"):
                out.append(ensure_utc(datetime.fromisoformat(str(value))))
            elif name == "reliability":
                out.append(SourceReliability(str(value)).value)
            elif isinstance(value, int) and not isinstance(value, bool):
                out.append(value)
            else:
                raise ValueError(value)
        except ValueError:
            raise bad from None
    return tuple(out)


def _get(uow: UnitOfWork, report_id: int) -> Report:
    report = uow.reports.get(report_id)
    if report is None:
        raise NotFound.with_id("report", report_id)
    return report


def get_report(svc: Services, actor: Principal, report_id: int) -> ReportView:
    with svc.db.unit_of_work(write=False) as uow:
        report = _get(uow, report_id)
        authorise(actor, Action.REPORT_READ, report.resource())
        readable = Readable(uow, actor)
        live = None
        if report.status is ReportStatus.PENDING:
            live = readable.live(_correlate(uow, report.summary(), correlation_settings(svc)))
        return ReportView(readable.report_view(report), live)


# --------------------------------------------------------------------------- the queue


def _refuse(report: Report | None, actor: Principal, now: datetime) -> None:
    """Raise the reason a claim or decision by ``actor`` did not go through."""
    if report is None:
        raise NotFound.said("report.report_no_longer_exists", "the report no longer exists")
    if report.status is not ReportStatus.PENDING:
        facts = {"report_status": report.status.value, "incident_id": report.incident_id}
        if report.decided_by and report.decided_at:
            raise ReportAlreadyDecided.said(
                "report.decided_by_at",
                "report {id} was already {status} by {by} at {at}",
                extra=facts,
                id=report.id,
                status=report.status.value,
                by=report.decided_by,
                at=report.decided_at.isoformat(),
            )
        raise ReportAlreadyDecided.said(
            "report.decided",
            "report {id} was already {status}",
            extra=facts,
            id=report.id,
            status=report.status.value,
        )
    if report.claim_active(now) and report.claimed_by_id != actor.user_id:
        assert report.claim_expires_at is not None
        raise ReportClaimedByOther.said(
            "report.claimed_by_other",
            "report {id} is claimed by {by} until {until}",
            id=report.id,
            by=report.claimed_by,
            until=report.claim_expires_at.isoformat(),
            extra={
                "claimed_by": report.claimed_by,
                "claim_expires_at": report.claim_expires_at.isoformat(),
                # by the server's clock, as a claim's own seconds_left (a client with a
                # skewed clock counts down from this, not from claim_expires_at)
                "seconds_left": max(0, int((report.claim_expires_at - now).total_seconds())),
            },
        )
    if report.claimed_by_id == actor.user_id and report.claim_expires_at is not None:
        raise ReportClaimExpired.said(
            "report.claim_expired",
            "your claim on report {id} ran out at {at}; claim it again",
            id=report.id,
            at=report.claim_expires_at.isoformat(),
            extra={"claim_expires_at": report.claim_expires_at.isoformat()},
        )
    raise ReportNotClaimed.said(
        "report.claim_report_before_deciding",
        "claim report {id} before deciding it (POST /api/v1/reports/{id}/claim)",
        id=report.id,
    )


def claim_report(svc: Services, actor: Principal, report_id: int) -> Report:
    """Claim a pending report (or renew one's own claim) for the claim time."""
    now = svc.clock.now()
    until = now + timedelta(seconds=svc.settings.report_claim_ttl_seconds)
    with svc.db.unit_of_work() as uow:
        report = _get(uow, report_id)
        authorise(actor, Action.REPORT_TRIAGE, report.resource())
        if not uow.reports.claim(
            report_id, user_id=actor.user_id, username=actor.username, now=now, until=until
        ):
            _refuse(uow.reports.get(report_id), actor, now)
        uow.record(actor, [claimed(report, by=actor.username, until=until)], at=now)
        result = _get(uow, report_id)
        uow.commit()
    return result


def release_claim(svc: Services, actor: Principal, report_id: int) -> Report:
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        report = _get(uow, report_id)
        authorise(actor, Action.REPORT_TRIAGE, report.resource())
        if not uow.reports.release(report_id, user_id=actor.user_id, now=now):
            current = uow.reports.get(report_id)
            if (
                current is not None
                and current.status is ReportStatus.PENDING
                and not (current.claim_active(now))
            ):
                if current.claimed_by_id == actor.user_id and current.claim_expires_at:
                    _refuse(current, actor, now)  # report-claim-expired
                raise ReportNotClaimed.said(
                    "report.not_claimed",
                    "report {report_id} is not claimed",
                    report_id=report_id,
                )
            _refuse(current, actor, now)
        uow.record(actor, [released(report, by=actor.username)], at=now)
        result = _get(uow, report_id)
        uow.commit()
    return result


def attach_report(
    svc: Services, actor: Principal, report_id: int, incident_id: int, *, note: str = ""
) -> tuple[Report, IncidentView]:
    """Verify a claimed report as part of an open incident."""
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        report = _get(uow, report_id)
        authorise(actor, Action.REPORT_TRIAGE, report.resource())
        incident = get_incident_row(uow, incident_id, for_update=True)
        authorise(actor, Action.INCIDENT_WRITE, incident.resource())
        event = decide_attach(report, incident, by=actor.username, note=note.strip())
        _decide(uow, actor, report_id, ReportStatus.ATTACHED, incident_id, note.strip(), now)
        uow.incidents.widen_reporting_period(incident_id, report.observed_at)
        uow.record(actor, [event], at=now)
        decided = _get(uow, report_id)
        view = incident_view(uow, get_incident_row(uow, incident_id))
        uow.commit()
    return decided, view


def _decide(
    uow: UnitOfWork,
    actor: Principal,
    report_id: int,
    status: ReportStatus,
    incident_id: int | None,
    note: str,
    now: datetime,
) -> None:
    """Store the officer's decision on a report they hold the claim of (else refused)."""
    if not uow.reports.decide(
        report_id,
        user_id=actor.user_id,
        username=actor.username,
        now=now,
        status=status,
        incident_id=incident_id,
        note=note,
    ):
        _refuse(uow.reports.get(report_id), actor, now)


def open_incident_from_report(
    svc: Services, actor: Principal, report_id: int, spec: IncidentSpec, *, note: str = ""
) -> tuple[Report, IncidentView]:
    """Verify a claimed report by opening a new incident from it (its point, its type)."""
    now = svc.clock.now()
    radius = svc.settings.incident_default_radius_km
    with svc.db.unit_of_work() as uow:
        report = _get(uow, report_id)
        authorise(actor, Action.REPORT_TRIAGE, report.resource())
        incident, events = open_incident(
            uow, actor, spec, at=now, default_radius_km=radius, from_report=report
        )
        _decide(uow, actor, report_id, ReportStatus.ATTACHED, incident.id, note.strip(), now)
        events.append(attached_opening(report, incident, by=actor.username))
        uow.record(actor, events, at=now)
        decided = _get(uow, report_id)
        view = incident_view(uow, incident)
        uow.commit()
    return decided, view


def reject_report(svc: Services, actor: Principal, report_id: int, reason: str) -> Report:
    now = svc.clock.now()
    if not reason.strip():
        raise Invalid("rejecting a report needs a reason", message="report.reason_needed")
    with svc.db.unit_of_work() as uow:
        report = _get(uow, report_id)
        authorise(actor, Action.REPORT_TRIAGE, report.resource())
        event = rejected(report, by=actor.username, reason=reason)
        _decide(uow, actor, report_id, ReportStatus.REJECTED, None, event.reason, now)
        uow.record(actor, [event], at=now)
        decided = _get(uow, report_id)
        uow.commit()
    return decided
