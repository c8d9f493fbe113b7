from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from marchwarden.core.access.model import Role, Scope, ScopeKind, User
from marchwarden.entrypoints.api.schemas.base import Schema
from marchwarden.entrypoints.api.schemas.types import Id


class LoginIn(Schema):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class ScopeOut(Schema):
    kind: ScopeKind
    regions: list[str] = Field(default_factory=list)
    agency_id: int | None = None
    unit_id: int | None = None
    description: str

    @classmethod
    def of(cls, scope: Scope) -> ScopeOut:
        return cls(
            kind=scope.kind,
            regions=sorted(scope.regions),
            agency_id=scope.agency_id,
            unit_id=scope.unit_id,
            description=scope.describe(),
        )


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    role: Role
    scope: ScopeOut
    disabled: bool
    created_at: datetime
    language: str | None = Field(
        default=None, description="the language the user reads; null: the browser's"
    )

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            role=user.role,
            scope=ScopeOut.of(user.scope),
            disabled=user.disabled,
            created_at=user.created_at,
            language=user.language,
        )


class TokenOut(Schema):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - a token kind, not a secret
    expires_at: datetime
    user: UserOut


class MeOut(Schema):
    user: UserOut
    actions: list[str]


class MeIn(Schema):
    """What a user may change of their own account."""

    language: str | None = Field(
        max_length=16, description="a language code (en, ru), or null for the browser's"
    )


class ScopeIn(Schema):
    kind: ScopeKind
    regions: list[str] = Field(default_factory=list, max_length=50)
    agency_id: Id | None = None
    unit_id: Id | None = None


class UserIn(Schema):
    username: str = Field(min_length=2, max_length=64)
    display_name: str = Field(default="", max_length=200)
    password: str = Field(min_length=1, max_length=1024)
    role: Role
    scope: ScopeIn
