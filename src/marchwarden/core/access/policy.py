"""The one place that decides every access. Pure; deny by default.

``decide(principal, action, resource)`` answers allowed or denied with a reason. The API
and the live stream ask it and nothing else. A role grants a set of actions; a *scoped*
action is then allowed only for a resource inside the principal's scope. *Global*
actions (reading the law, the map's geodata, submitting a field report) need the role's
grant only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from marchwarden.core.access.model import Principal, Resource, Role, Scope, ScopeKind


class Action(StrEnum):
    # administration and audit
    USER_MANAGE = "user.manage"
    AUDIT_READ = "audit.read"
    # geography, agencies, units, members
    GEO_READ = "geo.read"
    AGENCY_READ = "agency.read"
    AGENCY_WRITE = "agency.write"
    UNIT_READ = "unit.read"
    UNIT_WRITE = "unit.write"
    UNIT_STATUS = "unit.status"
    UNIT_POSITION = "unit.position"
    MEMBER_READ = "member.read"
    MEMBER_READ_PERSONAL = "member.read_personal"
    MEMBER_WRITE = "member.write"
    ROSTER_IMPORT = "roster.import"
    ROSTER_EXPORT = "roster.export"
    # law
    LAW_READ = "law.read"
    LAW_WRITE = "law.write"
    ACTIVATION_ISSUE = "activation.issue"
    AUTHORITY_EVALUATE = "authority.evaluate"
    WHATIF_RUN = "whatif.run"
    # unified command
    REPORT_SUBMIT = "report.submit"
    REPORT_READ = "report.read"
    REPORT_TRIAGE = "report.triage"
    INCIDENT_READ = "incident.read"
    INCIDENT_WRITE = "incident.write"
    INCIDENT_LOG = "incident.log"
    TASK_CREATE = "task.create"
    TASK_ASSIGN = "task.assign"
    TASK_RESPOND = "task.respond"
    SITREP_READ = "sitrep.read"
    ALERT_READ = "alert.read"
    ALERT_ISSUE = "alert.issue"
    # the live stream itself
    STREAM_SUBSCRIBE = "stream.subscribe"


#: actions that are not about one region, agency or unit
GLOBAL_ACTIONS: frozenset[Action] = frozenset(
    {
        Action.USER_MANAGE,
        Action.AUDIT_READ,
        Action.GEO_READ,
        Action.AGENCY_READ,
        Action.LAW_READ,
        Action.LAW_WRITE,
        Action.WHATIF_RUN,
        Action.REPORT_SUBMIT,
        Action.STREAM_SUBSCRIBE,
    }
)

_COMMON_READ = frozenset(
    {
        Action.GEO_READ,
        Action.AGENCY_READ,
        Action.UNIT_READ,
        Action.MEMBER_READ,
        Action.LAW_READ,
        Action.AUTHORITY_EVALUATE,
        Action.REPORT_READ,
        Action.INCIDENT_READ,
        Action.SITREP_READ,
        Action.ALERT_READ,
        Action.STREAM_SUBSCRIBE,
    }
)

_COMMAND = frozenset(
    {
        Action.AGENCY_WRITE,
        Action.UNIT_WRITE,
        Action.UNIT_STATUS,
        Action.UNIT_POSITION,
        Action.ACTIVATION_ISSUE,
        Action.WHATIF_RUN,
        Action.REPORT_SUBMIT,
        Action.REPORT_TRIAGE,
        Action.INCIDENT_WRITE,
        Action.INCIDENT_LOG,
        Action.TASK_CREATE,
        Action.TASK_ASSIGN,
        Action.TASK_RESPOND,
        Action.ALERT_ISSUE,
        Action.ROSTER_EXPORT,
    }
)

ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.HQ_COMMANDER: _COMMON_READ | _COMMAND,
    Role.REGIONAL_COORDINATOR: _COMMON_READ | (_COMMAND - {Action.AGENCY_WRITE}),
    Role.AGENCY_LIAISON: _COMMON_READ
    | {
        Action.UNIT_WRITE,
        Action.UNIT_STATUS,
        Action.UNIT_POSITION,
        Action.TASK_RESPOND,
        Action.REPORT_SUBMIT,
        Action.INCIDENT_LOG,
    },
    Role.UNIT_COMMANDER: _COMMON_READ
    | {
        Action.UNIT_WRITE,
        Action.UNIT_STATUS,
        Action.UNIT_POSITION,
        Action.MEMBER_READ_PERSONAL,
        Action.MEMBER_WRITE,
        Action.ROSTER_IMPORT,
        Action.ROSTER_EXPORT,
        Action.TASK_RESPOND,
        Action.REPORT_SUBMIT,
        Action.INCIDENT_LOG,
    },
    Role.PERSONNEL_OFFICER: frozenset(
        {
            Action.GEO_READ,
            Action.AGENCY_READ,
            Action.UNIT_READ,
            Action.MEMBER_READ,
            Action.MEMBER_READ_PERSONAL,
            Action.MEMBER_WRITE,
            Action.ROSTER_IMPORT,
            Action.ROSTER_EXPORT,
            Action.LAW_READ,
            Action.AUTHORITY_EVALUATE,
            Action.STREAM_SUBSCRIBE,
        }
    ),
    Role.FIELD_REPORTER: frozenset(
        {
            Action.GEO_READ,
            Action.REPORT_SUBMIT,
            Action.INCIDENT_READ,
            Action.ALERT_READ,
            Action.LAW_READ,
            Action.STREAM_SUBSCRIBE,
        }
    ),
    Role.ANALYST: _COMMON_READ | {Action.WHATIF_RUN, Action.LAW_WRITE, Action.ROSTER_EXPORT},
    Role.AUDITOR: frozenset({Action.AUDIT_READ, Action.GEO_READ, Action.LAW_READ}),
}


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def in_scope(scope: Scope, resource: Resource) -> bool:
    """Whether ``resource`` lies inside ``scope``."""
    if scope.kind is ScopeKind.ALL:
        return True
    if scope.kind is ScopeKind.REGIONS:
        return resource.region is not None and resource.region in scope.regions
    if scope.kind is ScopeKind.AGENCY:
        return scope.agency_id is not None and scope.agency_id in resource.agencies
    prefix = scope.unit_path
    return prefix is not None and any(p.startswith(prefix) for p in resource.unit_paths)


def decide(principal: Principal, action: Action, resource: Resource | None = None) -> Decision:
    """Allowed or denied, with the reason. Anything not explicitly allowed is denied."""
    granted = ROLE_ACTIONS.get(principal.role, frozenset())
    role = str(principal.role)
    if action not in granted:
        return Decision(False, f"role {role} may not {action.value}")
    if action in GLOBAL_ACTIONS:
        return Decision(True, f"role {role} may {action.value}")
    if resource is None:
        # a scoped action asked without saying about what: only an all-regions scope
        # covers "anything"; everyone else must name the resource.
        if principal.scope.kind is ScopeKind.ALL:
            return Decision(True, f"role {role} may {action.value} everywhere")
        return Decision(False, f"{action.value} needs a resource inside the caller's scope")
    if in_scope(principal.scope, resource):
        return Decision(
            True, f"{resource.kind} is inside the caller's scope ({principal.scope.describe()})"
        )
    return Decision(
        False,
        f"{resource.kind} is outside the caller's scope ({principal.scope.describe()})",
    )


def may_see_personal(principal: Principal, member_unit: Resource) -> bool:
    """The one rule for a member's personal data (names, date of birth, phone): need to
    know, which is ``member.read_personal`` on the member's unit — the personnel officer
    and unit commander of that unit (in their scope), and the admin. Every path that
    returns member data applies it: ``GET /members/{id}``, unit member lists, the roster
    export (the personal columns are left empty for anyone else). Member events and audit
    records carry no personal data at all (callsign and record kinds only)."""
    return decide(principal, Action.MEMBER_READ_PERSONAL, member_unit).allowed


def allowed_actions(principal: Principal) -> frozenset[Action]:
    """What the role may do at all (the UI uses this to show or hide controls)."""
    return ROLE_ACTIONS.get(principal.role, frozenset())
