"""The one place that decides every access. Pure; deny by default.

``decide(principal, action, resource)`` answers allowed or denied with a reason. The API
and the live stream ask it and nothing else. A role grants a set of actions; a *scoped*
action is then allowed only for a resource inside the principal's scope. *Global*
actions (reading the law, the map's geodata, submitting a field report) need the role's
grant only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import TYPE_CHECKING

from marchwarden.core.access.model import Principal, Resource, Role, Scope, ScopeKind
from marchwarden.core.errors import Forbidden

if TYPE_CHECKING:
    from marchwarden.core.incidents.records import Incident, UnitRef


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
    #: see a unit (and its people) in a release analysis: a scoped account sees only the
    #: units inside its scope; the analysis itself is run over every unit
    RELEASE_UNIT_VIEW = "release.unit_view"
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
    #: the field page's inbox: the active tasks of the units the caller may answer for
    #: (a task is in it when the caller may ``task.respond`` for its unit)
    FIELD_INBOX = "field.inbox"
    SITREP_READ = "sitrep.read"
    ALERT_READ = "alert.read"
    ALERT_DRAFT = "alert.draft"
    ALERT_APPROVE = "alert.approve"
    ALERT_PUBLISH = "alert.publish"
    #: read Restricted alerts (the feed carries only Public ones); Private ones need
    #: ``alert.publish`` in their regions (the issuers)
    ALERT_READ_RESTRICTED = "alert.read_restricted"
    ALERT_IMPORT = "alert.import"
    WEBHOOK_MANAGE = "webhook.manage"
    SHELTER_READ = "shelter.read"
    SHELTER_WRITE = "shelter.write"
    EVACUATION_ORDER = "evacuation.order"
    # the live stream itself
    STREAM_SUBSCRIBE = "stream.subscribe"
    # the demo's scenario clock (exists only in `marchwarden demo`; admin only)
    SCENARIO_CLOCK = "scenario.clock"


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
        Action.SCENARIO_CLOCK,
        Action.ALERT_IMPORT,
        Action.WEBHOOK_MANAGE,
        # where people can shelter is not a regional secret: evacuees cross regions
        Action.SHELTER_READ,
        Action.FIELD_INBOX,
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
        Action.ALERT_READ_RESTRICTED,
        Action.SHELTER_READ,
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
        Action.RELEASE_UNIT_VIEW,
        Action.REPORT_SUBMIT,
        Action.REPORT_TRIAGE,
        Action.INCIDENT_WRITE,
        Action.INCIDENT_LOG,
        Action.TASK_CREATE,
        Action.TASK_ASSIGN,
        Action.TASK_RESPOND,
        # public alerts: draft, approve (a second person for the severe ones: the
        # workflow's rule), publish; a regional coordinator only inside its regions
        Action.ALERT_DRAFT,
        Action.ALERT_APPROVE,
        Action.ALERT_PUBLISH,
        Action.SHELTER_WRITE,
        Action.EVACUATION_ORDER,
        Action.ROSTER_EXPORT,
        Action.FIELD_INBOX,
    }
)

ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset(Action),
    Role.HQ_COMMANDER: _COMMON_READ | _COMMAND | {Action.ALERT_IMPORT, Action.WEBHOOK_MANAGE},
    Role.REGIONAL_COORDINATOR: _COMMON_READ | (_COMMAND - {Action.AGENCY_WRITE}),
    Role.AGENCY_LIAISON: _COMMON_READ
    | {
        Action.UNIT_WRITE,
        Action.UNIT_STATUS,
        Action.UNIT_POSITION,
        Action.TASK_RESPOND,
        Action.REPORT_SUBMIT,
        Action.INCIDENT_LOG,
        Action.FIELD_INBOX,
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
        Action.FIELD_INBOX,
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
    Role.ANALYST: _COMMON_READ
    | {Action.WHATIF_RUN, Action.RELEASE_UNIT_VIEW, Action.LAW_WRITE, Action.ROSTER_EXPORT},
    Role.AUDITOR: frozenset({Action.AUDIT_READ, Action.GEO_READ, Action.LAW_READ}),
}


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str
    code: str = ""
    """A denial's reason as a stable message code (``forbidden.role``,
    ``forbidden.needs_scope``, ``forbidden.outside_scope``, ``forbidden.no_unit``)."""
    params: tuple[tuple[str, str], ...] = ()
    """What the reason names (role, action; kind, scope)."""

    def __bool__(self) -> bool:
        return self.allowed


def denied(decision: Decision) -> Forbidden:
    """The refusal of a denied decision: its reason, with its code and what it names."""
    return Forbidden(decision.reason, message=decision.code or None, params=dict(decision.params))


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
        return Decision(
            False,
            f"role {role} may not {action.value}",
            "forbidden.role",
            (("role", role), ("action", action.value)),
        )
    if action in GLOBAL_ACTIONS:
        return Decision(True, f"role {role} may {action.value}")
    if resource is None:
        # a scoped action asked without saying about what: only an all-regions scope
        # covers "anything"; everyone else must name the resource.
        if principal.scope.kind is ScopeKind.ALL:
            return Decision(True, f"role {role} may {action.value} everywhere")
        return Decision(
            False,
            f"{action.value} needs a resource inside the caller's scope",
            "forbidden.needs_scope",
            (("action", action.value),),
        )
    if in_scope(principal.scope, resource):
        return Decision(
            True, f"{resource.kind} is inside the caller's scope ({principal.scope.describe()})"
        )
    return Decision(
        False,
        f"{resource.kind} is outside the caller's scope ({principal.scope.describe()})",
        "forbidden.outside_scope",
        (("kind", resource.kind), ("scope", principal.scope.describe())),
    )


def decide_in_regions(
    principal: Principal, action: Action, kind: str, regions: frozenset[str]
) -> Decision:
    """``action`` on a thing that spans ``regions`` (an alert area, an evacuation zone):
    allowed only if it is allowed in every one of them. No region: as ``decide`` without
    a resource (only an all-regions scope)."""
    if not regions:
        return decide(principal, action, None)
    for region in sorted(regions):
        decision = decide(principal, action, Resource(kind, region=region))
        if not decision.allowed:
            return decision
    return decide(principal, action, Resource(kind, region=sorted(regions)[0]))


def decide_alert_read(
    principal: Principal, scope: str, regions: frozenset[str], *, published: bool
) -> Decision:
    """Who reads an alert: a draft (never published) those who may draft in its regions;
    a published one by its CAP scope — Public: ``alert.read``, Restricted:
    ``alert.read_restricted``, Private: ``alert.publish`` (the issuers) in its regions.
    (Public alerts are also readable without an account through the feed.)"""
    if not published:
        action = Action.ALERT_DRAFT
    elif scope == "Public":
        action = Action.ALERT_READ
    elif scope == "Restricted":
        action = Action.ALERT_READ_RESTRICTED
    else:
        action = Action.ALERT_PUBLISH
    return decide_in_regions(principal, action, "alert", regions)


@dataclass(frozen=True, slots=True)
class ReportRoute:
    """Whose queue a field report goes to: the region where it lies (None: HQ only)."""

    region: str | None
    reason: str


def route_report(principal: Principal, region_at_position: str | None) -> ReportRoute:
    """A field report is **accepted and routed to the region where it lies**, whatever
    the reporter's own scope: a reporter scoped to RU-BEL who sees something across the
    line in RU-KRS files it, and it reaches the Kursk duty officers, who may act there.
    Refusing it would lose what was seen; routing it by the reporter's scope would put it
    before officers who may not act where it happened. A report outside every known
    region goes to the all-regions scope (HQ) only. Filing at all needs ``report.submit``
    (``decide``)."""
    if region_at_position is None:
        return ReportRoute(None, "outside every known region: for the all-regions scope (HQ)")
    inside = in_scope(principal.scope, Resource("report", region=region_at_position))
    where = "inside" if inside else "outside"
    return ReportRoute(
        region_at_position,
        f"lies in {region_at_position}, {where} the reporter's scope "
        f"({principal.scope.describe()}): routed to {region_at_position}",
    )


def may_attach_photo(principal: Principal, report: Resource, submitted_by: str) -> Decision:
    """Photos go with a report: its own submitter adds them (``report.submit``), or a duty
    officer who may triage the report (``report.triage`` in scope)."""
    if principal.username == submitted_by:
        return decide(principal, Action.REPORT_SUBMIT)
    triage = decide(principal, Action.REPORT_TRIAGE, report)
    if triage.allowed:
        return triage
    return Decision(
        False, f"only the report's submitter or a duty officer may add photos ({triage.reason})"
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


# ------------------------------------------------------------------------ tasking


def may_task_unit(principal: Principal, incident: Incident, unit: UnitRef) -> Decision:
    """The scope rule for tasking (docs/security.md): a caller who may ``task.assign`` on
    the incident may task a unit when the unit is inside the caller's scope, *or* the
    unit's agency is part of the incident's unified command (its lead or a supporting
    agency) — joining the unified command is how an agency puts its units at that
    incident's disposal. The reason names which (it goes into the audit record)."""
    if decide(principal, Action.TASK_ASSIGN, unit.resource()).allowed:
        return Decision(True, f"unit {unit.code} is inside the caller's scope")
    if unit.agency_id in incident.command_agencies:
        return Decision(
            True,
            f"unit {unit.code}'s agency {unit.agency_code} is part of incident "
            f"{incident.id}'s unified command",
        )
    return Decision(
        False,
        f"unit {unit.code} ({unit.region}, {unit.agency_name}) is outside the caller's scope "
        f"({principal.scope.describe()}) and its agency {unit.agency_code} is not part of "
        f"incident {incident.id}'s unified command",
        "forbidden.unit_outside",
        (
            ("unit", unit.code),
            ("region", str(unit.region)),
            ("agency", unit.agency_name),
            ("agency_code", unit.agency_code),
            ("scope", principal.scope.describe()),
            ("incident", str(incident.id)),
        ),
    )


class TaskRelation(Enum):
    """Who may move a task one step, by the caller's relation to it."""

    #: the tasked unit answers for it (accept, decline): ``task.respond`` on the unit
    UNIT = "unit"
    #: the unit, or the incident's command (en route, on scene, completed)
    UNIT_OR_COMMAND = "unit_or_command"
    #: the incident's command only (cancel): ``task.assign`` on the incident
    COMMAND = "command"


def may_move_task(
    principal: Principal,
    relation: TaskRelation,
    *,
    incident: Resource,
    unit: Resource | None,
) -> Decision:
    """Whether the caller may move a task whose unit is ``unit`` (None: no unit yet) on
    the incident ``incident``, given who may (``relation``)."""
    if relation is TaskRelation.UNIT:
        if unit is None:
            return Decision(False, "the task has no unit to answer for it", "forbidden.no_unit")
        return decide(principal, Action.TASK_RESPOND, unit)
    if relation is TaskRelation.UNIT_OR_COMMAND and unit is not None:
        by_unit = decide(principal, Action.TASK_RESPOND, unit)
        if by_unit.allowed:
            return by_unit
    return decide(principal, Action.TASK_ASSIGN, incident)


# --------------------------------------------------------------------------- the API's table


@dataclass(frozen=True, slots=True)
class OperationRule:
    """How one API operation is decided.

    ``action``: the action asked of the policy (None: any signed-in account; with
    ``public`` no account at all). ``on``: what the decision is about — the thing its
    path names (``unit``, ``member``, ``incident``, ``report``, ``task``, ``region``,
    ``alert``, ``shelter``, ``evacuation``, ``photo``: its report), ``EVERYTHING`` for
    an operation asked about
    everything at once (``decide`` without a resource: only an all-regions scope may), or
    None for an operation about nothing in particular (a list is then filtered to what
    the caller may see, item by item, with the same action).

    For a command whose path names nothing, ``about`` says what its body names that the
    decision is about: ``region`` (the region of its place or area; an area over several
    regions needs the action in each: ``decide_in_regions``) or ``unit`` (the unit it
    names; a new unit: its parent, whose region, agency and subtree it takes). None: decided
    without a resource. ``also``: a second action the command needs on the same thing
    (both must allow). The access matrix test sends every command, as every role, about a
    thing inside and one outside the role's scope, and expects exactly these decisions."""

    action: Action | None
    on: str | None = None
    public: bool = False
    about: str | None = None
    also: Action | None = None


_A = Action
#: ``OperationRule.on`` of an operation decided without a resource (see ``decide``)
EVERYTHING = "everything"
#: Every operation of the HTTP API (``METHOD /path`` under ``/api/v1``) and its rule.
#: ``tests/integration/test_access_matrix.py`` checks the API against this table for every
#: role, with objects inside and outside the caller's scope; an operation missing here
#: fails that test.
API_OPERATIONS: dict[str, OperationRule] = {
    # accounts
    "POST /auth/login": OperationRule(None, public=True),
    "POST /auth/logout": OperationRule(None),
    "GET /auth/me": OperationRule(None),
    # one's own settings (the language): anyone signed in, for their own account only
    "PATCH /auth/me": OperationRule(None),
    "GET /users": OperationRule(_A.USER_MANAGE),
    "POST /users": OperationRule(_A.USER_MANAGE),
    "POST /users/{username}/disable": OperationRule(_A.USER_MANAGE),
    "GET /config": OperationRule(None, public=True),
    "GET /stream/position": OperationRule(_A.STREAM_SUBSCRIBE),
    "GET /stream/recent": OperationRule(_A.STREAM_SUBSCRIBE),
    # the field page (docs/field.md): its settings for anyone signed in; the inbox and the
    # units are lists filtered to the units the caller answers for; an action is decided
    # as the command it carries too (a task step, a unit status: the rule's ``also``)
    "GET /field/config": OperationRule(None),
    "GET /field/tasks": OperationRule(_A.FIELD_INBOX),
    "GET /field/units": OperationRule(_A.FIELD_INBOX),
    "POST /field/actions": OperationRule(_A.FIELD_INBOX, about="unit", also=_A.UNIT_STATUS),
    # photos go with a report: read as the report is, added by a duty officer who may
    # triage it, or by its own submitter (``may_attach_photo``; the rule below is for
    # anyone else)
    "GET /reports/{report_id}/photos": OperationRule(_A.REPORT_READ, "report"),
    "GET /photos/{photo_id}": OperationRule(_A.REPORT_READ, "photo"),
    "POST /reports/{report_id}/photos": OperationRule(_A.REPORT_TRIAGE, "report"),
    # GeoChat from the HQ to a unit's TAK devices: whoever may task the unit
    "POST /units/{unit_id}/tak-chat": OperationRule(_A.TASK_ASSIGN, "unit"),
    # audit
    "GET /audit": OperationRule(_A.AUDIT_READ),
    "GET /audit/verify": OperationRule(_A.AUDIT_READ),
    "GET /audit/export": OperationRule(_A.AUDIT_READ),
    # geography
    "GET /geo/regions": OperationRule(_A.GEO_READ),
    "GET /geo/settlements": OperationRule(_A.GEO_READ),
    "GET /geo/border": OperationRule(_A.GEO_READ),
    "GET /incident-types": OperationRule(_A.GEO_READ),
    # forces
    "GET /agencies": OperationRule(_A.AGENCY_READ),
    "POST /agencies": OperationRule(_A.AGENCY_WRITE),
    "GET /units": OperationRule(_A.UNIT_READ),
    "POST /units": OperationRule(_A.UNIT_WRITE, about="unit"),
    "GET /units/{unit_id}": OperationRule(_A.UNIT_READ, "unit"),
    "PATCH /units/{unit_id}": OperationRule(_A.UNIT_WRITE, "unit"),
    "POST /units/{unit_id}/status": OperationRule(_A.UNIT_STATUS, "unit"),
    "GET /units/{unit_id}/status-history": OperationRule(_A.UNIT_READ, "unit"),
    "POST /units/{unit_id}/positions": OperationRule(_A.UNIT_POSITION, "unit"),
    "GET /units/{unit_id}/positions": OperationRule(_A.UNIT_READ, "unit"),
    "GET /units/{unit_id}/members": OperationRule(_A.MEMBER_READ, "unit"),
    "POST /members": OperationRule(_A.MEMBER_WRITE, about="unit"),
    "GET /members/{member_id}": OperationRule(_A.MEMBER_READ, "member"),
    "POST /members/{member_id}/records": OperationRule(_A.MEMBER_WRITE, "member"),
    "POST /roster/import": OperationRule(_A.ROSTER_IMPORT, about="unit"),
    "GET /roster/export": OperationRule(_A.ROSTER_EXPORT),
    # law
    "GET /powers": OperationRule(_A.LAW_READ),
    "GET /acts": OperationRule(_A.LAW_READ),
    "POST /acts": OperationRule(_A.LAW_WRITE),
    "GET /acts/{reference}": OperationRule(_A.LAW_READ),
    "POST /acts/{reference}/status": OperationRule(_A.LAW_WRITE),
    "GET /activation-orders": OperationRule(_A.LAW_READ),
    "POST /activation-orders": OperationRule(_A.ACTIVATION_ISSUE, about="unit"),
    "GET /members/{member_id}/authority": OperationRule(_A.AUTHORITY_EVALUATE, "member"),
    "GET /unit-powers": OperationRule(_A.AUTHORITY_EVALUATE),
    "GET /units/{unit_id}/authority": OperationRule(_A.AUTHORITY_EVALUATE, "unit"),
    "GET /whatif": OperationRule(_A.WHATIF_RUN),
    # reports
    "POST /reports": OperationRule(_A.REPORT_SUBMIT),
    "GET /reports": OperationRule(_A.REPORT_READ),
    "GET /reports/{report_id}": OperationRule(_A.REPORT_READ, "report"),
    "POST /reports/{report_id}/claim": OperationRule(_A.REPORT_TRIAGE, "report"),
    "POST /reports/{report_id}/release": OperationRule(_A.REPORT_TRIAGE, "report"),
    "POST /reports/{report_id}/attach": OperationRule(
        _A.REPORT_TRIAGE, "report", also=_A.INCIDENT_WRITE
    ),
    "POST /reports/{report_id}/open-incident": OperationRule(_A.REPORT_TRIAGE, "report"),
    "POST /reports/{report_id}/reject": OperationRule(_A.REPORT_TRIAGE, "report"),
    # incidents
    "POST /incidents": OperationRule(_A.INCIDENT_WRITE, about="region"),
    "GET /incidents": OperationRule(_A.INCIDENT_READ),
    "GET /incidents/{incident_id}": OperationRule(_A.INCIDENT_READ, "incident"),
    "PATCH /incidents/{incident_id}": OperationRule(_A.INCIDENT_WRITE, "incident"),
    "POST /incidents/{incident_id}/transition": OperationRule(_A.INCIDENT_WRITE, "incident"),
    "PUT /incidents/{incident_id}/command": OperationRule(_A.INCIDENT_WRITE, "incident"),
    "GET /incidents/{incident_id}/casualties": OperationRule(_A.INCIDENT_READ, "incident"),
    "POST /incidents/{incident_id}/casualties": OperationRule(_A.INCIDENT_WRITE, "incident"),
    "GET /incidents/{incident_id}/timeline": OperationRule(_A.INCIDENT_READ, "incident"),
    "POST /incidents/{incident_id}/log": OperationRule(_A.INCIDENT_LOG, "incident"),
    "GET /activity-log": OperationRule(_A.INCIDENT_READ),
    # tasks
    "POST /incidents/{incident_id}/tasks": OperationRule(_A.TASK_CREATE, "incident"),
    "GET /tasks": OperationRule(_A.INCIDENT_READ),
    "GET /tasks/{task_id}": OperationRule(_A.INCIDENT_READ, "task"),
    "GET /tasks/{task_id}/recommendations": OperationRule(_A.TASK_ASSIGN, "task"),
    "POST /tasks/{task_id}/assign": OperationRule(_A.TASK_ASSIGN, "task"),
    "POST /tasks/{task_id}/accept": OperationRule(_A.TASK_RESPOND, "task"),
    "POST /tasks/{task_id}/decline": OperationRule(_A.TASK_RESPOND, "task"),
    "POST /tasks/{task_id}/status": OperationRule(_A.TASK_RESPOND, "task"),
    "POST /tasks/{task_id}/cancel": OperationRule(_A.TASK_ASSIGN, "task"),
    # situation reports
    "GET /sitreps/incidents/{incident_id}": OperationRule(_A.SITREP_READ, "incident"),
    "GET /sitreps/regions/{region}": OperationRule(_A.SITREP_READ, "region"),
    # the border regions the caller may read, summed (403 when it may read none)
    "GET /sitreps/border-regions": OperationRule(_A.SITREP_READ),
    "GET /sitreps/incidents/{incident_id}/map.svg": OperationRule(_A.SITREP_READ, "incident"),
    # the base map
    "GET /geo/basemap": OperationRule(_A.GEO_READ),
    "GET /basemap": OperationRule(_A.GEO_READ),
    "GET /basemap/{z}/{x}/{y}": OperationRule(_A.GEO_READ),
    # the release analysis
    "GET /whatif/release": OperationRule(_A.WHATIF_RUN),
    # public alerts (an alert's regions are its area's: ``decide_in_regions``; reading
    # one goes by its CAP scope: ``decide_alert_read``, whose Public case is alert.read)
    "GET /alerts/templates": OperationRule(_A.ALERT_READ, EVERYTHING),
    "POST /alerts/preview": OperationRule(_A.ALERT_DRAFT, about="region"),
    "POST /alerts/import": OperationRule(_A.ALERT_IMPORT),
    "POST /alerts/import-feed": OperationRule(_A.ALERT_IMPORT),
    "POST /alerts": OperationRule(_A.ALERT_DRAFT, about="region"),
    "POST /incidents/{incident_id}/alerts": OperationRule(_A.ALERT_DRAFT, "incident"),
    "GET /alerts": OperationRule(_A.ALERT_READ),
    "GET /alerts/{alert_id}": OperationRule(_A.ALERT_READ, "alert"),
    "PUT /alerts/{alert_id}": OperationRule(_A.ALERT_DRAFT, "alert"),
    "POST /alerts/{alert_id}/approve": OperationRule(_A.ALERT_APPROVE, "alert"),
    "POST /alerts/{alert_id}/publish": OperationRule(_A.ALERT_PUBLISH, "alert"),
    "POST /alerts/{alert_id}/cancel": OperationRule(_A.ALERT_PUBLISH, "alert"),
    "GET /alerts/{alert_id}/deliveries": OperationRule(_A.ALERT_READ, "alert"),
    "POST /webhooks": OperationRule(_A.WEBHOOK_MANAGE),
    "GET /webhooks": OperationRule(_A.WEBHOOK_MANAGE),
    # shelters and evacuation
    "POST /shelters": OperationRule(_A.SHELTER_WRITE, about="region"),
    "GET /shelters": OperationRule(_A.SHELTER_READ, EVERYTHING),
    "POST /shelters/{shelter_id}/check-in": OperationRule(_A.SHELTER_WRITE, "shelter"),
    "POST /shelters/{shelter_id}/check-out": OperationRule(_A.SHELTER_WRITE, "shelter"),
    "GET /settlements/{settlement_id}/shelters": OperationRule(_A.SHELTER_READ, EVERYTHING),
    "POST /evacuation-orders": OperationRule(_A.EVACUATION_ORDER, about="region"),
    "PATCH /evacuation-orders/{order_id}": OperationRule(_A.EVACUATION_ORDER, "evacuation"),
    "GET /evacuation-orders": OperationRule(_A.INCIDENT_READ),
    "POST /evacuation-orders/{order_id}/tasks": OperationRule(_A.TASK_CREATE, "evacuation"),
    "GET /displacement": OperationRule(_A.SITREP_READ, EVERYTHING),
    # the demo's scenario clock (served only by ``marchwarden demo``)
    "GET /scenario/clock": OperationRule(_A.SCENARIO_CLOCK),
    "PUT /scenario/clock": OperationRule(_A.SCENARIO_CLOCK),
    "POST /scenario/clock/release": OperationRule(_A.SCENARIO_CLOCK),
}

#: The public CAP feed and documents, served outside ``/api/v1`` without an account
#: (Public alerts; a Restricted or Private document only to a signed-in reader the policy
#: lets read it: ``decide_alert_read``).
PUBLIC_OUTSIDE_API: frozenset[str] = frozenset({"GET /cap/feed.atom", "GET /cap/{identifier}.xml"})

#: What a scoped account sees of things outside its scope inside replies about things
#: it may see (the "side doors"). Applied by ``services/visibility.py`` and the what-if.
SIDE_DOORS: dict[str, str] = {
    "report suggestions": "matches, misses and likely duplicates name only incidents the "
    "caller may read (incident.read) and reports it may read (report.read)",
    "what-if": "counts per region and the coverage map are the law's effect everywhere "
    "(no unit is named in them); units gaining or losing a power are named only when the "
    "caller may read them (unit.read)",
    "member personal data": "names, date of birth and phone only with member.read_personal "
    "on the member's unit (may_see_personal), on every path: member, member lists, roster "
    "export; events and audit records carry none",
    "task recommendations": "only units the caller could task",
    "live stream": "each event only to subscribers whose policy decision on its resource "
    "allows its read action",
}
