"""The OpenAPI document declares what every operation can answer: its success, and each
problem (RFC 9457, ``application/problem+json``) it can return, with the schema of a
problem. Done in one place for every route, from what the route is (needs a token,
takes ids, takes a body, changes state); route-specific answers stay in the route's own
``responses=`` and are kept.

| answer | declared for |
|---|---|
| 400 malformed JSON | operations with a JSON body |
| 401 unauthenticated | operations that need a token |
| 403 forbidden | operations that need a token |
| 404 not found | operations that name a thing (path parameter, ``*_id`` query or body field) |
| 409 conflict | operations that change state (POST, PUT, PATCH, DELETE) |
| 413 body too large | operations with a body |
| 415 unsupported media type | operations with a body |
| 422 invalid | every operation (validation, NUL in the request, domain rules) |
| 429 throttled | the login (and 401 for a wrong password) and report submission |
| 500, 503 | every operation |
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import routing
from fastapi.openapi.utils import get_openapi

from marchwarden.entrypoints.api.deps import bearer_token, current_principal
from marchwarden.entrypoints.api.errors import HTTP_TITLES, PROBLEM_MEDIA_TYPE

if TYPE_CHECKING:
    from fastapi import FastAPI
    from fastapi.dependencies.models import Dependant

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details; some problems carry more members "
    "(e.g. ``errors`` for a validation problem, ``allowed`` for an illegal transition).",
    "properties": {
        "type": {"type": "string", "description": "/problems/<code>: a stable code"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "what exactly was wrong"},
        "code": {
            "type": "string",
            "description": "what ``detail`` says as a stable message code (e.g. "
            "``incident.closed``), for a reader in another language; with ``params``",
        },
        "params": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "the values ``detail`` names, by name (with ``code``)",
        },
    },
    "required": ["type", "title", "status", "detail"],
    "additionalProperties": True,
}

#: answers particular to one operation that the route itself does not show
EXTRA: dict[tuple[str, str], frozenset[int]] = {
    ("POST", "/api/v1/auth/login"): frozenset({401, 429}),  # wrong password; throttled
    ("POST", "/api/v1/reports"): frozenset({429}),
}


def _needs_token(dependant: Dependant) -> bool:
    return any(
        d.call in (bearer_token, current_principal) or _needs_token(d)
        for d in dependant.dependencies
    )


def _names_ids(param: Any) -> bool:
    """Whether a body names stored things by id (a field ``*_id`` or ``*_ids``)."""
    model = getattr(param, "type_", None) or getattr(param.field_info, "annotation", None)
    fields = getattr(model, "model_fields", {})
    return any(name.endswith(("_id", "_ids")) for name in fields)


def _statuses(route: Any) -> set[int]:
    dependant = route.dependant
    methods = set(route.methods or ())
    statuses = {422, 500, 503}
    if _needs_token(dependant):
        statuses |= {401, 403}
    names_a_thing = (
        bool(dependant.path_params)
        or any(p.name.endswith("_id") for p in dependant.query_params)
        or any(_names_ids(p) for p in dependant.body_params)
    )
    if names_a_thing:
        statuses.add(404)
    if methods & {"POST", "PUT", "PATCH", "DELETE"}:
        statuses |= {400, 409, 413, 415}
    for method in methods:
        statuses |= EXTRA.get((method, route.path_format), frozenset())
    return statuses


def _problem_response(status: int) -> dict[str, Any]:
    _, title = HTTP_TITLES.get(status, ("", "Problem"))
    return {
        "description": title,
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = get_openapi(
            title=app.title,
            version=app.version,
            summary=app.summary,
            routes=app.routes,
        )
        doc.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        doc["components"]["schemas"].pop("HTTPValidationError", None)
        doc["components"]["schemas"].pop("ValidationError", None)
        paths = doc.get("paths", {})
        for route in routing.iter_route_contexts(app.routes):
            if not isinstance(route.original_route, routing.APIRoute):
                continue
            if not route.include_in_schema:
                continue
            item = paths.get(route.path_format, {})
            for method in route.methods or ():
                op = item.get(method.lower())
                if op is None:
                    continue
                responses = op.setdefault("responses", {})
                for status in sorted(_statuses(route)):
                    declared = responses.get(str(status))
                    if declared is None or status == 422:
                        responses[str(status)] = _problem_response(status)
                    else:  # a route's own entry (e.g. a 404 it explains): add the schema
                        declared.setdefault("content", {})[PROBLEM_MEDIA_TYPE] = {
                            "schema": {"$ref": "#/components/schemas/Problem"}
                        }
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
