"""Field reports in and out of the store. Never commits.

``ReportRepository.claim`` and ``.decide`` are conditional UPDATEs (``WHERE
claimed_by_id IS NULL OR claim_expires_at <= now``…); exactly one of two concurrent
officers gets a row count of 1. On PostgreSQL the loser's UPDATE waits for the winner's
row lock and then re-checks the condition against the committed row; on SQLite writers
are serialised by ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from marchwarden.adapters.db import tables as t
from marchwarden.core.clock import ensure_utc
from marchwarden.core.incidents.correlation import ReportSummary
from marchwarden.core.incidents.model import (
    AdmiraltyRating,
    InformationCredibility,
    ReportSourceKind,
    SourceReliability,
)
from marchwarden.core.incidents.records import (
    Report,
    ReportStatus,
)
from marchwarden.core.incidents.taxonomy import IncidentType

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Sequence
    from datetime import datetime

    from marchwarden.core.incidents.model import LonLat
from marchwarden.adapters.db._rows import _one, _pk
from marchwarden.services.ports import (
    REPORT_ORDERS,
    DuplicateQuery,
    NewReportRow,
)

# --------------------------------------------------------------------------- reports


def _report(row: Any) -> Report:
    return Report(
        id=int(row.id),
        source_kind=ReportSourceKind(row.source_kind),
        observed_at=row.observed_at,
        received_at=row.received_at,
        position=(float(row.lon), float(row.lat)),
        uncertainty_m=float(row.uncertainty_m),
        incident_type=IncidentType(row.incident_type),
        text=row.text,
        rating=AdmiraltyRating(
            SourceReliability(row.reliability), InformationCredibility(int(row.credibility))
        ),
        reporter=row.reporter,
        submitted_by=row.submitted_by,
        region=row.region,
        status=ReportStatus(row.status),
        incident_id=row.incident_id,
        claimed_by_id=row.claimed_by_id,
        claimed_by=row.claimed_by,
        claim_expires_at=row.claim_expires_at,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        decision_note=row.decision_note,
        correlation=dict(row.correlation or {}),
    )


_REPORTS = t.reports
_REPORT_INSERT = _REPORTS.insert()
#: ``n`` report ids from the table's sequence in one round trip (PostgreSQL); as psycopg
#: runs it in ``SqlUnitOfWork.begin_batch``
NEXT_IDS_SQL = (
    "SELECT nextval(pg_get_serial_sequence('reports', 'id')) FROM generate_series(1, %(n)s)"
)
_NEXT_IDS = sa.text(NEXT_IDS_SQL.replace("%(n)s", ":n"))
#: what a duplicate check reads of each candidate report
_CANDIDATE_COLUMNS = (
    _REPORTS.c.id,
    _REPORTS.c.lon,
    _REPORTS.c.lat,
    _REPORTS.c.observed_at,
    _REPORTS.c.text,
    _REPORTS.c.incident_id,
)
_DUPLICATE_CANDIDATES = (
    sa.select(*_CANDIDATE_COLUMNS)
    .where(
        _REPORTS.c.incident_type == sa.bindparam("incident_type"),
        _REPORTS.c.observed_at >= sa.bindparam("since"),
        _REPORTS.c.observed_at <= sa.bindparam("until"),
        _REPORTS.c.lat.between(sa.bindparam("lat_min"), sa.bindparam("lat_max")),
        _REPORTS.c.lon.between(sa.bindparam("lon_min"), sa.bindparam("lon_max")),
    )
    .order_by(_REPORTS.c.id)
)


#: the duplicate candidates of many reports in one round trip (PostgreSQL): one row of
#: arrays per condition of ``_DUPLICATE_CANDIDATES``, tagged with the query's number
_DUPLICATE_CANDIDATES_MANY_SQL = (
    "SELECT w.n, r.id, r.lon, r.lat, r.observed_at, r.text, r.incident_id "
    "FROM unnest(CAST(%(ns)s AS integer[]), CAST(%(types)s AS text[]), "
    "CAST(%(sinces)s AS timestamptz[]), CAST(%(untils)s AS timestamptz[]), "
    "CAST(%(lat_mins)s AS float8[]), CAST(%(lat_maxs)s AS float8[]), "
    "CAST(%(lon_mins)s AS float8[]), CAST(%(lon_maxs)s AS float8[])) "
    "AS w(n, incident_type, since, until, lat_min, lat_max, lon_min, lon_max) "
    "JOIN reports AS r ON r.incident_type = w.incident_type "
    "AND r.observed_at >= w.since AND r.observed_at <= w.until "
    "AND r.lat BETWEEN w.lat_min AND w.lat_max AND r.lon BETWEEN w.lon_min AND w.lon_max "
    "ORDER BY w.n, r.id"
)


def _candidate_params(
    incident_type: IncidentType,
    since: datetime,
    until: datetime,
    near: tuple[float, float],
    within_km: float,
) -> dict[str, Any]:
    """The bounds of a duplicate check: the window, and a box around ``near`` that
    contains every point within ``within_km``."""
    lon, lat = near
    dlat = within_km / 110.0 * 1.05 + 1e-6
    dlon = within_km / (111.32 * max(0.01, math.cos(math.radians(lat)))) * 1.05 + 1e-6
    return {
        "incident_type": incident_type.value,
        "since": since,
        "until": until,
        "lat_min": lat - dlat,
        "lat_max": lat + dlat,
        "lon_min": lon - dlon,
        "lon_max": lon + dlon,
    }


def _params_key(params: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(params.values())


class ReportRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        #: rows whose INSERT waits for ``flush`` (None: ``add`` inserts at once)
        self._pending: list[dict[str, Any]] | None = None
        #: ids taken from the sequence for ``add`` and not handed out yet
        self._ids: list[int] = []
        self._reserve = 1
        #: duplicate candidates read ahead (``candidates_read``), by query
        self._preloaded: dict[tuple[Any, ...], list[Any]] = {}

    def candidates_read(
        self, queries: Sequence[DuplicateQuery]
    ) -> tuple[str, dict[str, Any], list[dict[str, Any]]] | None:
        """PostgreSQL: the duplicate candidates of many reports in one statement, as
        psycopg runs it with the group writer's other first reads
        (``SqlUnitOfWork.begin_batch``, where each statement would be a round trip): its
        SQL, its parameters, and each query's bounds for ``preloaded_candidates``; else
        None. Each query is then answered by ``duplicate_candidates`` without a
        statement. Only for a transaction in which no report is written by anyone else
        until then but through ``batch`` (the group writer holds the journal lock, which
        every writer of reports takes before it commits; the batch's own reports are the
        kept rows)."""
        if not queries or self.conn.dialect.name != "postgresql":
            return None
        wanted = [_candidate_params(*q) for q in queries]
        columns = ("types", "sinces", "untils", "lat_mins", "lat_maxs", "lon_mins", "lon_maxs")
        arrays: dict[str, Any] = {"ns": list(range(len(wanted)))}
        for column, name in zip(columns, wanted[0], strict=True):
            arrays[column] = [w[name] for w in wanted]
        return _DUPLICATE_CANDIDATES_MANY_SQL, arrays, wanted

    def preloaded_candidates(self, wanted: list[dict[str, Any]], rows: Iterable[Any]) -> None:
        """Keep the rows of ``candidates_read``'s statement (``n``, then the candidate's
        columns) for ``duplicate_candidates``."""
        found: dict[int, list[Any]] = {n: [] for n in range(len(wanted))}
        for row in rows:
            found[int(row.n)].append(row)
        self._preloaded = {_params_key(w): found[n] for n, w in enumerate(wanted)}

    def reserve(self, ids: Iterable[int]) -> None:
        """Report ids taken from the sequence beforehand (``NEXT_IDS_SQL``, run with others
        in one round trip by ``SqlUnitOfWork.begin_batch``): ``add`` hands them out."""
        self._ids = sorted((int(i) for i in ids), reverse=True)

    def batch(self, expected: int) -> None:
        """From now on ``add`` keeps its row in memory and ``flush`` writes them all in
        one statement (the group commit on PostgreSQL, where each statement is a round
        trip). The id comes from the sequence beforehand: ``expected`` of them in one
        read, as many again when they run out (ids not used leave gaps, as a rolled-back
        insert does). ``duplicate_candidates`` sees the rows kept."""
        self._pending = []
        self._reserve = max(1, expected)

    def take_pending(self) -> list[dict[str, Any]]:
        """The rows kept by ``add`` since ``batch``, handed over to be inserted by the
        caller (``SqlUnitOfWork.commit_batch``); forgotten here."""
        rows = self._pending or []
        if self._pending is not None:
            self._pending = []  # still batching
        return rows

    def flush(self) -> None:
        """Insert the rows kept by ``add`` since ``batch``, in one statement."""
        rows = self.take_pending()
        if rows:
            self.conn.execute(_REPORT_INSERT, rows)

    def add(
        self,
        new: NewReportRow,
        *,
        submitted_by_id: int | None,
        submitted_by: str,
        received_at: datetime,
        correlation: dict[str, Any],
    ) -> int:
        row: dict[str, Any] = {
            "source_kind": new.source_kind.value,
            "observed_at": new.observed_at,
            "received_at": received_at,
            "lon": new.position[0],
            "lat": new.position[1],
            "uncertainty_m": new.uncertainty_m,
            "incident_type": new.incident_type.value,
            "text": new.text,
            "reliability": new.rating.reliability.value,
            "credibility": int(new.rating.credibility),
            "reporter": new.reporter,
            "submitted_by_id": submitted_by_id,
            "submitted_by": submitted_by,
            "region": new.region,
            "status": ReportStatus.PENDING.value,
            "decision_note": "",
            "correlation": correlation,
        }
        if self._pending is None:
            return _pk(self.conn.execute(_REPORT_INSERT, row))
        if not self._ids:
            ids = self.conn.execute(_NEXT_IDS, {"n": self._reserve}).scalars()
            self._ids = sorted((int(i) for i in ids), reverse=True)
        row["id"] = self._ids.pop()
        self._pending.append(row)
        return int(row["id"])

    def get(self, report_id: int, *, for_update: bool = False) -> Report | None:
        q = sa.select(t.reports).where(t.reports.c.id == report_id)
        row = _one(self.conn, q, for_update=for_update)
        return None if row is None else _report(row)

    def find(
        self,
        *,
        status: ReportStatus | None = None,
        regions: Collection[str] | None = None,
        incident_id: int | None = None,
        limit: int = 100,
        order: str = "id",
        after_key: Sequence[Any] | None = None,
    ) -> list[Report]:
        """Reports in ``order`` (a key of ``REPORT_ORDERS``), after ``after_key`` (the
        order's key of the last report of the previous page, see ``report_order_key``):
        keyset paging, nothing skipped or repeated."""
        r = t.reports
        q = sa.select(r)
        if status is not None:
            q = q.where(r.c.status == status.value)
        if regions is not None:
            q = q.where(r.c.region.in_(sorted(regions)))
        if incident_id is not None:
            q = q.where(r.c.incident_id == incident_id)
        keys = REPORT_ORDERS[order]
        if after_key is not None:
            # (k1, k2, ...) strictly after the cursor, each key in its own direction
            ors = []
            for n, (name, descending) in enumerate(keys):
                col = r.c[name]
                tie = [r.c[keys[m][0]] == after_key[m] for m in range(n)]
                beyond = col < after_key[n] if descending else col > after_key[n]
                ors.append(sa.and_(*tie, beyond))
            q = q.where(sa.or_(*ors))
        q = q.order_by(*(r.c[name].desc() if d else r.c[name] for name, d in keys))
        rows = self.conn.execute(q.limit(limit)).all()
        return [_report(row) for row in rows]

    def duplicate_candidates(
        self,
        incident_type: IncidentType,
        since: datetime,
        until: datetime,
        *,
        near: tuple[float, float],
        within_km: float,
    ) -> list[ReportSummary]:
        """Reports of one type observed in ``[since, until]`` inside a box around
        ``near`` that contains every point within ``within_km`` (the exact distance is the
        caller's; the box keeps the read small however many reports the window holds)."""
        params = _candidate_params(incident_type, since, until, near, within_km)
        rows = self._preloaded.pop(_params_key(params), None)
        if rows is None:
            rows = list(self.conn.execute(_DUPLICATE_CANDIDATES, params).all())
        found = [
            ReportSummary(
                report_id=int(row.id),
                incident_type=incident_type,
                position=(float(row.lon), float(row.lat)),
                observed_at=ensure_utc(row.observed_at),  # psycopg's own rows: its zone
                text=row.text,
                incident_id=row.incident_id,
            )
            for row in rows
        ]
        if not self._pending:
            return found
        kept = [  # the same conditions as the query, over the rows not inserted yet
            ReportSummary(
                report_id=int(r["id"]),
                incident_type=incident_type,
                position=(float(r["lon"]), float(r["lat"])),
                observed_at=r["observed_at"],
                text=r["text"],
                incident_id=None,
            )
            for r in self._pending
            if r["incident_type"] == params["incident_type"]
            and since <= r["observed_at"] <= until
            and params["lat_min"] <= r["lat"] <= params["lat_max"]
            and params["lon_min"] <= r["lon"] <= params["lon_max"]
        ]
        return sorted(found + kept, key=lambda r: r.report_id)

    def positions_by_incident(self, incident_ids: Iterable[int]) -> dict[int, list[LonLat]]:
        ids = sorted(set(incident_ids))
        out: dict[int, list[LonLat]] = {i: [] for i in ids}
        if not ids:
            return out
        r = t.reports
        rows = self.conn.execute(
            sa.select(r.c.incident_id, r.c.lon, r.c.lat)
            .where(r.c.incident_id.in_(ids))
            .order_by(r.c.id)
        ).all()
        for row in rows:
            out[int(row.incident_id)].append((float(row.lon), float(row.lat)))
        return out

    def count_by_incident(self, incident_id: int) -> int:
        r = t.reports
        return int(
            self.conn.execute(
                sa.select(sa.func.count()).select_from(r).where(r.c.incident_id == incident_id)
            ).scalar_one()
        )

    def claim(
        self, report_id: int, *, user_id: int, username: str, now: datetime, until: datetime
    ) -> bool:
        """Claim a pending report unless someone else holds a live claim. True when won."""
        r = t.reports
        result = self.conn.execute(
            r.update()
            .where(
                r.c.id == report_id,
                r.c.status == ReportStatus.PENDING.value,
                sa.or_(
                    r.c.claimed_by_id.is_(None),
                    r.c.claim_expires_at <= now,
                    r.c.claimed_by_id == user_id,
                ),
            )
            .values(
                claimed_by_id=user_id, claimed_by=username, claimed_at=now, claim_expires_at=until
            )
        )
        return result.rowcount == 1

    def release(self, report_id: int, *, user_id: int, now: datetime) -> bool:
        """Give up one's own live claim. True when there was one."""
        r = t.reports
        result = self.conn.execute(
            r.update()
            .where(
                r.c.id == report_id,
                r.c.status == ReportStatus.PENDING.value,
                r.c.claimed_by_id == user_id,
                r.c.claim_expires_at > now,
            )
            .values(claimed_by_id=None, claimed_by=None, claimed_at=None, claim_expires_at=None)
        )
        return result.rowcount == 1

    def decide(
        self,
        report_id: int,
        *,
        user_id: int,
        username: str,
        now: datetime,
        status: ReportStatus,
        incident_id: int | None,
        note: str,
    ) -> bool:
        """Attach or reject a pending report, only under the caller's live claim."""
        r = t.reports
        result = self.conn.execute(
            r.update()
            .where(
                r.c.id == report_id,
                r.c.status == ReportStatus.PENDING.value,
                r.c.claimed_by_id == user_id,
                r.c.claim_expires_at > now,
            )
            .values(
                status=status.value,
                incident_id=incident_id,
                decided_by=username,
                decided_at=now,
                decision_note=note,
                claimed_by_id=None,
                claimed_by=None,
                claimed_at=None,
                claim_expires_at=None,
            )
        )
        return result.rowcount == 1
