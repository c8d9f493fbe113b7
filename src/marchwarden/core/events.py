"""Typed domain events: every state change emits one.

An event says what happened (its fields) and who may see it (``visibility``): the
action a reader needs and the resource the event is about, decided by the access policy.
Events carry no personal data; readers who may see personal data fetch it through the API.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from enum import Enum
from typing import Any, ClassVar

from marchwarden.core.access.model import Resource
from marchwarden.core.access.policy import Action


@dataclasses.dataclass(frozen=True, kw_only=True)
class DomainEvent:
    read_action: ClassVar[Action] = Action.AUDIT_READ

    @property
    def type(self) -> str:
        return type(self).__name__

    def resource(self) -> Resource:
        return Resource.everywhere(self.type)

    def payload(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}


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


@dataclasses.dataclass(frozen=True, kw_only=True)
class UserDisabled(DomainEvent):
    user_id: int
    username: str
