"""The base of every domain error. Each has a stable ``code`` (the problem ``type``) and
an HTTP-agnostic kind that the edge maps to a status."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from collections.abc import Mapping


class DomainError(Exception):
    code: ClassVar[str] = "domain-error"
    #: one of: invalid, not_found, conflict, forbidden, unauthenticated, throttled, unavailable
    kind: ClassVar[str] = "invalid"
    title: ClassVar[str] = "The request cannot be carried out"

    def __init__(
        self,
        detail: str,
        *,
        extra: Mapping[str, Any] | None = None,
        message: str | None = None,
        params: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra: dict[str, Any] = dict(extra or {})
        #: what ``detail`` says, for a reader in another language: a stable message code
        #: (the problem's ``code`` member, e.g. ``incident.closed``) and its ``params``
        self.message_code = message
        self.params: dict[str, str] = {k: str(v) for k, v in (params or {}).items()}


class NotFound(DomainError):
    code = "not-found"
    kind = "not_found"
    title = "Not found"

    @classmethod
    def with_id(cls, thing: str, ident: object) -> NotFound:
        """``no incident with id 7`` (message ``not_found.id``: thing, id)."""
        return cls(
            f"no {thing} with id {ident}",
            message="not_found.id",
            params={"thing": thing, "id": ident},
        )


class Conflict(DomainError):
    code = "conflict"
    kind = "conflict"
    title = "Conflict with the current state"


class Invalid(DomainError):
    code = "invalid"
    kind = "invalid"
    title = "Invalid request"


class Forbidden(DomainError):
    code = "forbidden"
    kind = "forbidden"
    title = "Forbidden"


class Unauthenticated(DomainError):
    code = "unauthenticated"
    kind = "unauthenticated"
    title = "Authentication required"


class Throttled(DomainError):
    code = "login-throttled"
    kind = "throttled"
    title = "Too many failed attempts"

    def __init__(self, detail: str, *, retry_after_seconds: int) -> None:
        super().__init__(detail, extra={"retry_after_seconds": retry_after_seconds})
        self.retry_after_seconds = retry_after_seconds


class Unavailable(DomainError):
    """The server cannot take the request now (e.g. every password-hashing slot is busy);
    the same request may succeed after ``retry_after_seconds``."""

    code = "busy"
    kind = "unavailable"
    title = "Service busy"

    def __init__(self, detail: str, *, retry_after_seconds: int) -> None:
        super().__init__(detail, extra={"retry_after_seconds": retry_after_seconds})
        self.retry_after_seconds = retry_after_seconds
