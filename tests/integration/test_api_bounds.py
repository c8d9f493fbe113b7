"""Every number the API accepts is bounded to what both stores hold (issue 15, finding 3),
and text no store keeps is refused at the edge (finding 5).

The class-level checks walk the OpenAPI document: every integer parameter and every
integer field of a request body must declare a maximum the stores hold (a new endpoint
with a bare ``int`` fails here), and every integer path or query parameter, sent 2^31 and
2^63, gets a 4xx problem — never a 500 — identically on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest

from marchwarden.core.access.model import Role
from marchwarden.entrypoints.api.schemas.types import MAX_ID
from tests.factories import login, make_user

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from marchwarden.services.context import Services

HUGE = (2**31, 2**63, 2**64 + 7)


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
    return schema


def _unbounded(
    doc: dict[str, Any], schema: dict[str, Any], where: str, seen: set[str]
) -> list[str]:
    """Paths to integer schemas without a maximum the stores hold."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        seen = seen | {name}
    schema = _resolve(doc, schema)
    out: list[str] = []
    if schema.get("type") == "integer" and not schema.get("maximum", float("inf")) <= MAX_ID:
        out.append(where)
    for key in ("anyOf", "oneOf", "allOf"):
        for i, sub in enumerate(schema.get(key, [])):
            out += _unbounded(doc, sub, f"{where}|{i}", seen)
    if "items" in schema:
        out += _unbounded(doc, schema["items"], f"{where}[]", seen)
    for name, sub in schema.get("properties", {}).items():
        out += _unbounded(doc, sub, f"{where}.{name}", seen)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        out += _unbounded(doc, extra, f"{where}{{}}", seen)
    return out


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


def test_every_integer_the_api_accepts_is_bounded(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    missing: list[str] = []
    for method, path, op in operations(doc):
        for p in op.get("parameters", []):
            missing += _unbounded(doc, p["schema"], f"{method} {path} {p['in']}:{p['name']}", set())
        for media in op.get("requestBody", {}).get("content", {}).values():
            missing += _unbounded(doc, media.get("schema", {}), f"{method} {path} body", set())
    assert missing == [], "integers without bounds (use schemas/types.py: Id, Cursor, Count)"


def test_huge_ids_in_paths_and_queries_are_4xx_problems(
    client: TestClient, services: Services
) -> None:
    make_user(services, "admin", Role.ADMIN)
    headers = login(client, "admin")
    doc = client.get("/openapi.json").json()
    tried = 0
    for method, path, op in operations(doc):
        params = op.get("parameters", [])
        ints = [p for p in params if "integer" in repr(p["schema"])]
        for target in ints:
            for value in HUGE:
                url = path
                for p in params:
                    if p["in"] == "path":
                        v = (
                            value
                            if p is target
                            else ("1" if "integer" in repr(p["schema"]) else "X")
                        )
                        url = url.replace("{" + p["name"] + "}", str(v))
                query = {target["name"]: str(value)} if target["in"] == "query" else {}
                reply = client.request(method, url, params=query, headers=headers, json={})
                tried += 1
                assert reply.status_code < 500, (method, url, query, reply.text)
                assert 400 <= reply.status_code < 500, (method, url, query, reply.status_code)
                assert reply.headers["content-type"].startswith("application/problem+json")
    assert tried > 100  # every id-taking operation was tried


@pytest.mark.parametrize(
    "body",
    [
        {"incident_id": 2**31},
        {"incident_id": 2**63},
        {"incident_id": -(2**63) - 1},
    ],
)
def test_huge_ids_in_bodies_are_422(
    client: TestClient, services: Services, body: dict[str, int]
) -> None:
    make_user(services, "admin", Role.ADMIN)
    headers = login(client, "admin")
    reply = client.post("/api/v1/reports/1/attach", headers=headers, json=body)
    assert reply.status_code == 422, reply.text
    assert "incident_id" in reply.json()["detail"]


def _counts(services: Services) -> tuple[int, int, int]:
    with services.db.unit_of_work(write=False) as uow:
        return len(uow.users.list()), uow.audit.count(), uow.events.last_id()


@pytest.mark.parametrize(
    "display_name",
    ["nul\u0000inside", "\u0000", "lone \ud800 surrogate", "low \udc00 alone"],
)
def test_text_no_store_keeps_is_422_and_changes_nothing(
    client: TestClient, services: Services, display_name: str
) -> None:
    make_user(services, "admin", Role.ADMIN)
    headers = login(client, "admin")
    before = _counts(services)
    body = {
        "username": "someone",
        "display_name": display_name,
        "password": "a-long-password",
        "role": "analyst",
        "scope": {"kind": "all"},
    }
    import json

    raw = json.dumps(body)  # \\u escapes, as any JSON client sends them
    reply = client.post(
        "/api/v1/users", headers=headers | {"content-type": "application/json"}, content=raw
    )
    assert reply.status_code == 422, reply.text
    assert reply.json()["type"] == "/problems/invalid-text"
    assert _counts(services) == before


def test_nul_in_query_path_and_raw_body_is_422(client: TestClient, services: Services) -> None:
    make_user(services, "admin", Role.ADMIN)
    headers = login(client, "admin")
    before = _counts(services)
    for reply in (
        client.get("/api/v1/reports?order=id%00", headers=headers),
        client.get("/api/v1/acts/PO%002014", headers=headers),
        client.post(
            "/api/v1/roster/import",
            headers=headers | {"content-type": "text/csv"},
            content=b"external_id,unit_code\nV1\x00,X\n",
        ),
    ):
        assert reply.status_code == 422, reply.text
        assert reply.json()["type"] == "/problems/invalid-text"
    assert _counts(services) == before


def test_escaped_backslash_and_surrogate_pairs_are_ordinary_text(
    client: TestClient, services: Services
) -> None:
    """Only real NUL and lone surrogates are refused: ``\\\\u0000`` (a backslash and
    'u0000') and an emoji written as a surrogate pair are kept as sent."""
    make_user(services, "admin", Role.ADMIN)
    headers = login(client, "admin")
    raw = (
        '{"username": "fine", "display_name": "path\\\\u0000 \\ud83d\\ude00", '
        '"password": "a-long-password", "role": "analyst", "scope": {"kind": "all"}}'
    )
    reply = client.post(
        "/api/v1/users", headers=headers | {"content-type": "application/json"}, content=raw
    )
    assert reply.status_code == 201, reply.text
    assert reply.json()["display_name"] == "path\\u0000 \U0001f600"
    assert re.search(r"u0000", reply.text)
