"""Durability: a report that got a 2xx reply survives a crash of the server right after.

A real server process (``marchwarden serve``) takes reports from four clients at once and
is killed with SIGKILL in the middle of it — no shutdown, no flush. After a restart every
acknowledged report is there, and retrying it with its idempotency key returns the
original report instead of storing a second one. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import signal
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.e2e.conftest import ADMIN_PASSWORD

if TYPE_CHECKING:
    from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e

#: kill once at least this many reports were acknowledged (the writers keep going)
ACKNOWLEDGED_BEFORE_KILL = 60


def report(writer: int, n: int, observed_at: datetime) -> dict[str, Any]:
    return {
        "source_kind": "volunteer",
        "observed_at": observed_at.isoformat(),
        "position": {"lon": 35.5 + writer * 0.01, "lat": 50.4 + n * 0.0001},
        "uncertainty_m": 100,
        "incident_type": "gunfire",
        "text": f"writer {writer} report {n}",
        "rating": "B2",
        "reporter": f"Sokol-{writer}",
    }


def all_reports(
    http: httpx.Client, server: Server, auth: dict[str, str]
) -> dict[int, dict[str, Any]]:
    stored: dict[int, dict[str, Any]] = {}
    after = 0
    while True:
        page = http.get(
            server.url + "/api/v1/reports",
            params={"after_id": after, "limit": 1000},
            headers=auth,
        ).json()
        stored.update({r["id"]: r for r in page["items"]})
        if page["next_after_id"] is None:
            return stored
        after = page["next_after_id"]


@pytest.mark.parametrize(
    "writers",
    [
        4,
        # many at once: the group writer commits several reports per transaction, and
        # replies to each only after that commit (see adapters/db/uow.py: GroupCommit)
        pytest.param(24, id="concurrent"),
    ],
)
def test_acknowledged_reports_survive_sigkill(server: Server, writers: int) -> None:
    token = server.login("admin", ADMIN_PASSWORD)
    auth = {"Authorization": f"Bearer {token}"}
    observed = datetime.now(UTC) - timedelta(minutes=1)
    acknowledged: dict[str, tuple[int, dict[str, Any]]] = {}
    lock = threading.Lock()
    stop = threading.Event()
    transport_errors: list[str] = []

    def writer(k: int) -> None:
        n = 0
        with httpx.Client(timeout=30) as http:
            while not stop.is_set():
                key = f"durable-{k}-{n}"
                body = report(k, n, observed)
                try:
                    reply = http.post(
                        server.url + "/api/v1/reports",
                        json=body,
                        headers=auth | {"Idempotency-Key": key},
                    )
                except httpx.TransportError as exc:
                    transport_errors.append(type(exc).__name__)
                    return
                if reply.status_code == 201:
                    with lock:
                        acknowledged[key] = (int(reply.json()["id"]), body)
                n += 1

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(writers)]
    for th in threads:
        th.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < ACKNOWLEDGED_BEFORE_KILL and time.monotonic() < deadline:
        time.sleep(0.01)
    code = server.stop(signal.SIGKILL)  # mid-stream: requests are in flight
    stop.set()
    for th in threads:
        th.join()
    assert code == -signal.SIGKILL
    assert len(acknowledged) >= ACKNOWLEDGED_BEFORE_KILL
    assert transport_errors  # the writers were cut off, not finished

    server.start()
    auth = {"Authorization": f"Bearer {server.login('admin', ADMIN_PASSWORD)}"}
    with httpx.Client(timeout=30) as http:
        stored = all_reports(http, server, auth)
        for key, (report_id, body) in acknowledged.items():
            assert report_id in stored, f"acknowledged report {report_id} ({key}) was lost"
            assert stored[report_id]["text"] == body["text"]
        # ids are unique: nothing acknowledged twice under two keys
        assert len({rid for rid, _ in acknowledged.values()}) == len(acknowledged)
        # the keys survived too: a retry returns the original, stores nothing
        sample = sorted(acknowledged.items())[:: max(1, len(acknowledged) // 10)]
        for key, (report_id, body) in sample:
            retry = http.post(
                server.url + "/api/v1/reports", json=body, headers=auth | {"Idempotency-Key": key}
            )
            assert retry.status_code == 201
            assert retry.headers["idempotent-replayed"] == "true"
            assert retry.json()["id"] == report_id
        assert all_reports(http, server, auth).keys() == stored.keys()
        verify = http.get(server.url + "/api/v1/audit/verify", headers=auth).json()
    assert verify["ok"], verify
