"""schemathesis over the whole OpenAPI document, against a real server process on each
store, as an admin and as a scoped account (issue 15: the reliability suite).

Every operation gets a bounded number of generated requests (valid ones, and invalid
ones), each checked: no server error, the status is one the document declares for the
operation, the content type is one it declares, and the body matches the declared
schema. The document is what clients are promised; this keeps it true.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup

from tests.e2e.conftest import ADMIN_PASSWORD

if TYPE_CHECKING:
    from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e

#: generated requests per operation, mode and account (MARCHWARDEN_FUZZ_EXAMPLES to raise)
EXAMPLES = int(os.environ.get("MARCHWARDEN_FUZZ_EXAMPLES", "4"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
#: operations that would end the fuzzing session itself (they are tested elsewhere)
SKIP = {("POST", "/api/v1/auth/logout")}


def _scoped_token(server: Server, admin: str) -> str:
    reply = httpx.post(
        server.url + "/api/v1/users",
        headers={"Authorization": f"Bearer {admin}"},
        json={
            "username": "kursk",
            "password": "kursk-password",
            "role": "regional_coordinator",
            "scope": {"kind": "regions", "regions": ["RU-KRS"]},
        },
        timeout=30,
    )
    assert reply.status_code == 201, reply.text
    return server.login("kursk", "kursk-password")


def _runner(
    server: Server,
    headers: dict[str, str],
    operation: Any,
    mode: GenerationMode,
    failures: list[str],
) -> Any:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        response = case.call(base_url=server.url, headers=headers, timeout=30)
        try:
            case.validate_response(response, checks=CHECKS)
        except (AssertionError, FailureGroup) as exc:
            found = exc.exceptions if isinstance(exc, FailureGroup) else [exc]
            for failure in found:
                failures.append(
                    f"{case.method} {case.formatted_path} ({mode.value}): "
                    f"{response.status_code} {str(failure)[:600]} "
                    f"body={response.text[:300]!r}"
                )

    return run


def _fuzz(server: Server, token: str) -> list[str]:
    schema = schemathesis.openapi.from_url(server.url + "/openapi.json")
    failures: list[str] = []
    headers = {"Authorization": f"Bearer {token}"}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an Err raises here
        if (operation.method.upper(), operation.path) in SKIP:
            continue
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _runner(server, headers, operation, mode, failures)()
            except Unsatisfiable:
                # nothing of this operation can be made invalid (e.g. no parameters)
                assert mode is GenerationMode.NEGATIVE, operation.label
    assert operations > 50
    return failures


def test_openapi_holds_for_an_admin_and_a_scoped_account(server: Server) -> None:
    admin = server.login("admin", ADMIN_PASSWORD)
    scoped = _scoped_token(server, admin)
    failures = _fuzz(server, scoped) + _fuzz(server, admin)
    distinct = sorted({" ".join(f.split(" body=")[0].split("\n")[:3]) for f in failures})
    assert failures == [], f"{len(failures)} failures:\n" + "\n".join(distinct)
