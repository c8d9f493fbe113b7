"""What a scoped caller sees of things outside its scope, inside replies about things
inside it (the "side doors"; issue 15, finding 2). The rules are the policy's
(``core/access/policy.py``: ``SIDE_DOORS``); this module applies them to stored data.

A report's correlation suggestions (matches, likely duplicates, misses) name incidents
and reports; the caller sees only the entries it may read itself (``incident.read`` on
the incident, ``report.read`` on the report) — a Belgorod coordinator is not told the
name or distance of a Kursk incident because a report fell near the regional border.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from marchwarden.core.access.model import ScopeKind
from marchwarden.core.access.policy import Action, decide
from marchwarden.services.incidents import read_resource

if TYPE_CHECKING:
    from collections.abc import Mapping

    from marchwarden.core.access.model import Principal
    from marchwarden.core.incidents.correlation import CorrelationResult
    from marchwarden.core.incidents.records import Report
    from marchwarden.services.ports import UnitOfWork


class Readable:
    """Which incidents and reports one caller may read, looked up once each."""

    def __init__(self, uow: UnitOfWork, actor: Principal) -> None:
        self.uow = uow
        self.actor = actor
        self.everything = actor.scope.kind is ScopeKind.ALL
        self._incidents: dict[int, bool] = {}
        self._reports: dict[int, bool] = {}

    def incident(self, incident_id: int | None) -> bool:
        if incident_id is None or self.everything:
            return True
        known = self._incidents.get(incident_id)
        if known is None:
            incident = self.uow.incidents.get(incident_id)
            known = incident is not None and (
                decide(self.actor, Action.INCIDENT_READ, incident.resource()).allowed
                or decide(
                    self.actor, Action.INCIDENT_READ, read_resource(self.uow, incident)
                ).allowed
            )
            self._incidents[incident_id] = known
        return known

    def report(self, report_id: int) -> bool:
        if self.everything:
            return True
        known = self._reports.get(report_id)
        if known is None:
            report = self.uow.reports.get(report_id)
            known = report is not None and (
                decide(self.actor, Action.REPORT_READ, report.resource()).allowed
            )
            self._reports[report_id] = known
        return known

    def correlation(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Stored suggestions (``correlation_json``) cut to what the caller may read."""
        return {
            **data,
            "matches": [m for m in data.get("matches", []) if self.incident(m["incident_id"])],
            "misses": [m for m in data.get("misses", []) if self.incident(m["incident_id"])],
            "duplicates": [
                d
                for d in data.get("duplicates", [])
                if self.report(d["report_id"]) and self.incident(d.get("incident_id"))
            ],
        }

    def report_view(self, report: Report) -> Report:
        if self.everything:
            return report
        return replace(report, correlation=self.correlation(report.correlation))

    def live(self, result: CorrelationResult) -> CorrelationResult:
        if self.everything:
            return result
        return replace(
            result,
            matches=tuple(m for m in result.matches if self.incident(m.incident_id)),
            misses=tuple(m for m in result.misses if self.incident(m.incident_id)),
            duplicates=tuple(
                d
                for d in result.duplicates
                if self.report(d.report_id) and self.incident(d.incident_id)
            ),
        )
