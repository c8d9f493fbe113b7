"""RFC 9457 problem details: the one mapping from errors to HTTP responses."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from marchwarden.core.authority.errors import AuthorityError
from marchwarden.core.dispatch.errors import DispatchError
from marchwarden.core.dispatch.tasking import IllegalTaskTransition
from marchwarden.core.errors import DomainError, Throttled, Unavailable
from marchwarden.core.forces.status import IllegalStatusTransition, UnitStatusError
from marchwarden.core.incidents.errors import IllegalIncidentTransition, IncidentError

log = logging.getLogger("marchwarden.api")

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "/problems/"

STATUS_BY_KIND = {
    "invalid": 422,
    "not_found": 404,
    "conflict": 409,
    "forbidden": 403,
    "unauthenticated": 401,
    "throttled": 429,
    "unavailable": 503,
    "too_large": 413,
    "unsupported_media": 415,
}

HTTP_TITLES = {
    400: ("bad-request", "Bad request"),
    401: ("unauthenticated", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    409: ("conflict", "Conflict with the current state"),
    413: ("body-too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("invalid", "Invalid request"),
    429: ("too-many-requests", "Too many requests"),
    500: ("internal-error", "Internal error"),
    503: ("unavailable", "Service unavailable"),
}


def problem(
    status: int,
    code: str,
    title: str,
    detail: str,
    /,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem+json reply; ``extra``: its extension members (among them ``code`` and
    ``params``, what ``detail`` says, for a domain error that carries them)."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code,
        "title": title,
        "status": status,
        "detail": detail,
    }
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


#: the request-validation errors the page words itself (``error.validation.<type>`` in the
#: catalogue), each with the members of pydantic's ``ctx`` its sentence names; any other type
#: is ``validation.other`` with pydantic's English message as its param
VALIDATION_PARAMS: dict[str, tuple[str, ...]] = {
    "missing": (),
    "extra_forbidden": (),
    "string_too_short": ("min_length",),
    "string_too_long": ("max_length",),
    "string_pattern_mismatch": ("pattern",),
    "string_type": (),
    "too_short": ("min_length",),
    "too_long": ("max_length",),
    "greater_than": ("gt",),
    "greater_than_equal": ("ge",),
    "less_than": ("lt",),
    "less_than_equal": ("le",),
    "multiple_of": ("multiple_of",),
    "finite_number": (),
    "int_parsing": (),
    "int_type": (),
    "int_from_float": (),
    "float_parsing": (),
    "float_type": (),
    "bool_parsing": (),
    "bool_type": (),
    "literal_error": ("expected",),
    "enum": ("expected",),
    "list_type": (),
    "dict_type": (),
    "model_type": (),
    "model_attributes_type": (),
    "datetime_parsing": ("error",),
    "datetime_from_date_parsing": ("error",),
    "datetime_type": (),
    "date_parsing": ("error",),
    "date_from_datetime_parsing": ("error",),
    "timezone_aware": (),
    "timezone_naive": (),
    "uuid_parsing": ("error",),
    "url_parsing": ("error",),
    "union_tag_invalid": ("tag", "expected_tags"),
    "union_tag_not_found": ("discriminator",),
    "value_error": ("error",),
}


def _limit(value: object) -> str:
    """A limit as pydantic's message writes it (``180``, not ``180.0``)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def validation_words(kind: str, field: str, msg: str, ctx: dict[str, Any]) -> dict[str, Any]:
    """A validation error's ``code`` and ``params`` (the field, and what its sentence names)."""
    if kind not in VALIDATION_PARAMS:
        return {"code": "validation.other", "params": {"field": field, "message": msg}}
    named = {k: _limit(ctx.get(k, "")) for k in VALIDATION_PARAMS[kind]}
    return {"code": f"validation.{kind}", "params": {"field": field, **named}}


def _loc(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    return ".".join(parts) if parts else "request"


def validation_problem(exc: RequestValidationError) -> JSONResponse:
    errors = list(exc.errors())
    for err in errors:
        if err.get("type") == "json_invalid":
            ctx = err.get("ctx") or {}
            where = err.get("loc", ("body", 0))
            position = where[1] if len(where) > 1 else 0
            return problem(
                400,
                "malformed-json",
                "Malformed JSON",
                f"the body is not valid JSON at character {position}: "
                f"{ctx.get('error', 'parse error')}",
            )
    described = []
    items = []
    for err in errors:
        loc = _loc(err.get("loc", ()))
        msg = str(err.get("msg", "invalid"))
        if err.get("type") == "extra_forbidden":
            msg = "unknown field (not part of this request's schema)"
        described.append(f"{loc}: {msg}")
        kind = str(err.get("type"))
        items.append(
            {
                "loc": loc,
                "message": msg,
                "kind": kind,
                **validation_words(kind, loc, msg, dict(err.get("ctx") or {})),
            }
        )
    return problem(422, "validation-error", "Invalid request", "; ".join(described), errors=items)


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        status = STATUS_BY_KIND.get(exc.kind, 400)
        headers: dict[str, str] = {}
        if isinstance(exc, (Throttled, Unavailable)):
            headers["Retry-After"] = str(exc.retry_after_seconds)
        if status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return problem(
            status,
            exc.code,
            exc.title,
            exc.detail,
            headers=headers or None,
            **exc.extra,
            **exc.words(),
        )

    @app.exception_handler(AuthorityError)
    async def _authority(request: Request, exc: AuthorityError) -> JSONResponse:
        status = 404 if exc.code.startswith("unknown") else 422
        return problem(
            status, exc.code.replace("_", "-"), "Legal-authority error", exc.message, **exc.words()
        )

    @app.exception_handler(UnitStatusError)
    async def _unit_status(request: Request, exc: UnitStatusError) -> JSONResponse:
        if isinstance(exc, IllegalStatusTransition):
            return problem(
                409,
                exc.code,
                "Illegal unit status change",
                str(exc),
                allowed=[s.value for s in exc.allowed],
                current=exc.current.value,
                requested=exc.requested.value,
            )
        return problem(422, exc.code, "Invalid unit status", str(exc), **exc.words())

    @app.exception_handler(IncidentError)
    async def _incident(request: Request, exc: IncidentError) -> JSONResponse:
        if isinstance(exc, IllegalIncidentTransition):
            return problem(
                409,
                exc.code,
                "Illegal incident lifecycle step",
                exc.message,
                current=exc.current,
                requested=exc.requested,
                allowed=list(exc.allowed),
            )
        return problem(422, exc.code, "Invalid incident or report", exc.message, **exc.words())

    @app.exception_handler(DispatchError)
    async def _dispatch(request: Request, exc: DispatchError) -> JSONResponse:
        if isinstance(exc, IllegalTaskTransition):
            return problem(
                409,
                exc.code,
                "Illegal task step",
                exc.message,
                current=exc.current.value,
                requested=exc.requested.value,
                allowed=[s.value for s in exc.allowed],
            )
        return problem(
            422, exc.code, "Invalid task or dispatch request", exc.message, **exc.words()
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return validation_problem(exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, title = HTTP_TITLES.get(exc.status_code, ("http-error", "HTTP error"))
        detail = exc.detail if isinstance(exc.detail, str) else title
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no resource at {request.url.path}"
        if exc.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}"
        return problem(
            exc.status_code, code, title, detail, headers=dict(exc.headers) if exc.headers else None
        )

    @app.exception_handler(sa_exc.OperationalError)
    async def _store_unavailable(request: Request, exc: sa_exc.OperationalError) -> JSONResponse:
        # the store is down, restarting, locked or out of space: nothing was committed,
        # and the same request may succeed later
        request_id = getattr(request.state, "request_id", None)
        log.warning("store unavailable in request %s: %s", request_id, str(exc.orig)[:200])
        reason = str(exc.orig).splitlines()[0][:200] if exc.orig else type(exc).__name__
        return problem(
            503,
            "store-unavailable",
            "Service unavailable",
            f"the store cannot take the request now ({reason}); nothing was changed",
            headers={"Retry-After": "1"},
            request_id=request_id,
        )

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
        request_id = getattr(request.state, "request_id", None)
        log.exception("unhandled error in request %s", request_id)
        return problem(
            500,
            "internal-error",
            "Internal error",
            "the server failed to handle the request; it has been logged",
            request_id=request_id,
        )
