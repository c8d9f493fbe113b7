"""The base of every domain error. Each has a stable ``code`` (the problem ``type``) and
an HTTP-agnostic kind that the edge maps to a status."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Self

if TYPE_CHECKING:
    from collections.abc import Mapping


@dataclass(frozen=True, slots=True)
class Said:
    """A sentence with its message code and params (see :class:`Worded`): an error the
    caller collects rather than raises (a roster file's line, a request field)."""

    code: str
    text: str
    params: dict[str, str] = field(default_factory=dict)

    def words(self) -> dict[str, Any]:
        return {"code": self.code, "params": self.params}


def said(code: str, template: str, /, **params: object) -> Said:
    """``template`` (``str.format`` fields, each a param by name, no conversion or format
    spec) filled from ``params``, with its message code; the catalogue's
    ``error.<code>`` holds the same template in English and its translations."""
    return Said(code, template.format(**params), {k: str(v) for k, v in params.items()})


class Worded(Exception):
    """An error whose sentence a reader in another language can have: besides the English
    text, a stable message code (the problem's ``code`` member, e.g. ``roster.not_a_date``)
    and the ``params`` it names. The page and the command line write the sentence from the
    catalogue's ``error.<code>`` (``web/i18n/<lang>.json``), whose English is the template
    given to :meth:`said`; ``tests/unit/test_error_words.py`` checks every call against
    both catalogues."""

    def __init__(
        self,
        text: str,
        /,
        *,
        message: str | None = None,
        params: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(text)
        self.message_code = message
        self.params: dict[str, str] = {k: str(v) for k, v in (params or {}).items()}

    @property
    def message(self) -> str:
        """The English text (what the engine's, dispatch's and incidents' errors call it)."""
        return str(self.args[0])

    @classmethod
    def said(cls, code: str, template: str, /, **params: object) -> Self:
        """The error whose English is ``template`` filled from ``params`` (``str.format``
        fields, each a param by name, no format spec) and whose message is ``code``."""
        words = said(code, template, **params)
        return cls(words.text, message=words.code, params=words.params)

    def words(self) -> dict[str, Any]:
        """The problem members that say what the text says (none for an uncoded error)."""
        return {"code": self.message_code, "params": self.params} if self.message_code else {}


class DomainError(Worded):
    code: ClassVar[str] = "domain-error"
    #: one of: invalid, not_found, conflict, forbidden, unauthenticated, throttled, unavailable
    kind: ClassVar[str] = "invalid"
    title: ClassVar[str] = "The request cannot be carried out"

    def __init__(
        self,
        detail: str,
        /,
        *,
        extra: Mapping[str, Any] | None = None,
        message: str | None = None,
        params: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(detail, message=message, params=params)
        self.detail = detail
        self.extra: dict[str, Any] = dict(extra or {})

    @classmethod
    def said(
        cls,
        code: str,
        template: str,
        /,
        *,
        extra: Any = None,
        **params: object,
    ) -> Self:
        """As :meth:`Worded.said`, with the problem's ``extra`` members (a mapping; typed
        ``Any`` only because ``Worded.said`` takes any param by that name)."""
        words = said(code, template, **params)
        return cls(words.text, extra=extra, message=words.code, params=words.params)


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
