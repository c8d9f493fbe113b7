"""Typed domain events: every state change emits one.

An event says what happened (its fields) and who may see it (``visibility``): the
action a reader needs and the resource the event is about, decided by the access policy.
Events carry no personal data; readers who may see personal data fetch it through the API.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar

from marchwarden.core.access.model import Resource
from marchwarden.core.access.policy import Action

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping


@dataclasses.dataclass(frozen=True, slots=True)
class AuditFacts:
    """What an event puts in the audit trail: the command that caused it and its changes.

    ``changes`` must hold only JSON-plain values (str, int, float, bool, None, lists and
    dicts of them): they are hashed into the audit chain."""

    command: str
    target_type: str
    target_id: str | int | None
    changes: Mapping[str, Any]


@dataclasses.dataclass(frozen=True, slots=True)
class TimelineFacts:
    """What an event adds to an incident's timeline (``kind``: a ``TimelineKind`` value)."""

    incident_id: int
    kind: str
    text: str
    unit_id: int | None = None
    task_id: int | None = None
    data: Mapping[str, Any] = dataclasses.field(default_factory=dict)


def record_only(default: Any = None, *, factory: Callable[[], Any] | None = None) -> Any:
    """A field an event carries for its audit record and timeline entry only (free text,
    names, the reason of a decision): it is not in ``payload()``, so it never reaches the
    outbox or the live stream. ``factory``: for a mutable default (``dict``)."""
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata={"record_only": True})
    return dataclasses.field(default=default, metadata={"record_only": True})


@dataclasses.dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """A fact that happened. ``uow.record(actor, events, at=...)`` writes, per event, its
    audit record (``audit()``), its incident-timeline entry (``timeline()``) and the event
    itself to the outbox, in the command's transaction."""

    read_action: ClassVar[Action] = Action.AUDIT_READ

    def audit(self) -> AuditFacts | None:
        """The audit record this event stands for; None: it rides on another's record."""
        return None

    def timeline(self) -> TimelineFacts | None:
        """The incident-timeline entry this event adds; None: none."""
        return None

    def published(self) -> bool:
        """Whether the event goes to the outbox (and the live stream). False: it only
        stands for its audit record (a sign-in, a position older than the newest)."""
        return True

    @property
    def type(self) -> str:
        return type(self).__name__

    def resource(self) -> Resource:
        return Resource.everywhere(self.type)

    def payload(self) -> dict[str, Any]:
        names = _PAYLOAD_FIELDS.get(type(self))
        if names is None:
            names = tuple(
                f.name for f in dataclasses.fields(self) if not f.metadata.get("record_only")
            )
            _PAYLOAD_FIELDS[type(self)] = names
        out = {}
        for name in names:
            value = getattr(self, name)
            out[name] = value if type(value) in _SCALARS else _plain(value)
        return out


#: per event class, the fields ``payload()`` carries (``dataclasses.fields`` builds its
#: answer anew on every call, and every event written asks)
_PAYLOAD_FIELDS: dict[type[DomainEvent], tuple[str, ...]] = {}
#: values ``payload()`` keeps as they are (exact types: a ``StrEnum`` member goes to its value)
_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, frozenset | set):
        return sorted(_plain(v) for v in value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


@dataclasses.dataclass(frozen=True, kw_only=True)
class UserCreated(DomainEvent):
    user_id: int
    username: str
    role: str
    scope: str

    def audit(self) -> AuditFacts:
        changes = {"username": self.username, "role": self.role, "scope": self.scope}
        return AuditFacts("user.create", "user", self.user_id, changes)


@dataclasses.dataclass(frozen=True, kw_only=True)
class UserDisabled(DomainEvent):
    user_id: int
    username: str

    def audit(self) -> AuditFacts:
        return AuditFacts("user.disable", "user", self.user_id, {"disabled": [False, True]})


@dataclasses.dataclass(frozen=True, kw_only=True)
class UserLanguageSet(DomainEvent):
    """A user's language setting (None: the browser's); in the audit trail only."""

    user_id: int
    before: str | None
    after: str | None

    def audit(self) -> AuditFacts:
        return AuditFacts(
            "user.language", "user", self.user_id, {"language": [self.before, self.after]}
        )

    def published(self) -> bool:
        return False


@dataclasses.dataclass(frozen=True, kw_only=True)
class SessionStarted(DomainEvent):
    """A sign-in: in the audit trail only (not published)."""

    user_id: int
    address: str
    expires_at: datetime

    def audit(self) -> AuditFacts:
        changes = {"address": self.address, "expires_at": self.expires_at.isoformat()}
        return AuditFacts("session.login", "user", self.user_id, changes)

    def published(self) -> bool:
        return False


@dataclasses.dataclass(frozen=True, kw_only=True)
class SessionEnded(DomainEvent):
    """A sign-out: in the audit trail only (not published)."""

    user_id: int

    def audit(self) -> AuditFacts:
        return AuditFacts("session.logout", "user", self.user_id, {})

    def published(self) -> bool:
        return False


@dataclasses.dataclass(frozen=True, kw_only=True)
class ScenarioClockMoved(DomainEvent):
    """The demo's scenario clock was set (``scenario.clock.set``) or handed back to the
    wall clock (``scenario.clock.release``). Whoever may see the map sees it: the page
    tells scenario time from wall time by it."""

    read_action: ClassVar[Action] = Action.GEO_READ

    command: str
    before: datetime
    at: datetime
    released: bool

    def audit(self) -> AuditFacts:
        return AuditFacts(
            command=self.command,
            target_type="scenario_clock",
            target_id=None,
            changes={
                "at": [self.before.isoformat(), self.at.isoformat()],
                "released": self.released,
            },
        )
