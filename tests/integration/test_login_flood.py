"""Login throttling under concurrency and bounded password hashing (issue 15, finding 6).

25 attempts sent at once against one account: the throttle lets no more be checked than
it would one after another (``login_slowdown_after``), and the right password among them
does not get in; a flood of logins for many accounts never runs more password checks at
once than ``password_hash_concurrency`` (each holds argon2's memory), and those beyond the
queue are refused with 503 and Retry-After.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from fastapi.testclient import TestClient

from marchwarden.adapters.passwords import Argon2Passwords
from marchwarden.bootstrap import build_services
from marchwarden.core.access.model import Role
from marchwarden.core.errors import Throttled, Unauthenticated, Unavailable
from marchwarden.entrypoints.api.app import create_app
from marchwarden.services import accounts
from tests.conftest import make_settings
from tests.factories import PASSWORD, make_user

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from marchwarden.core.clock import FixedClock
    from marchwarden.services.context import Services


def argon2(svc: Services) -> Argon2Passwords:
    """The hasher as the adapter it is: the tests read its observed figures."""
    assert isinstance(svc.passwords, Argon2Passwords)
    return svc.passwords


def at_once(n: int, attempt: Callable[[int], object]) -> list[object]:
    barrier = threading.Barrier(n)
    out: list[object] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            out[i] = attempt(i)
        except Exception as exc:  # noqa: BLE001 - the outcome is what is checked
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return out


def test_a_burst_of_guesses_is_checked_no_more_than_the_throttle_allows(
    database_url: str, tmp_path: Path, clock: FixedClock
) -> None:
    settings = make_settings(
        database_url,
        tmp_path,
        login_slowdown_after=3,
        password_hash_concurrency=4,
        password_hash_queue=100,
        password_hash_wait_seconds=60,
    )
    svc = build_services(settings, clock=clock)
    try:
        make_user(svc, "target", Role.HQ_COMMANDER)
        checks_before = argon2(svc).checks
        # 25 wrong guesses at once, from one address
        outcomes = at_once(
            25,
            lambda i: accounts.login(
                svc, username="target", password=f"wrong-guess-{i}", address="203.0.113.9"
            ),
        )
        checked = argon2(svc).checks - checks_before
        assert 1 <= checked <= settings.login_slowdown_after, outcomes
        throttled = [o for o in outcomes if isinstance(o, Throttled)]
        assert len(throttled) == 25 - checked
        assert all(isinstance(o, (Throttled, Unauthenticated)) for o in outcomes)
        with svc.db.unit_of_work(write=False) as uow:
            record = uow.login_failures.get("user:target")
        assert record is not None and record.failures == checked
        # the right password, right after: refused without being checked
        try:
            accounts.login(svc, username="target", password=PASSWORD, address="203.0.113.10")
        except Throttled:
            pass
        else:
            raise AssertionError("the right password got in during the slow-down")
        assert argon2(svc).checks - checks_before == checked
    finally:
        svc.db.engine.dispose()


def test_concurrent_password_checks_are_bounded_and_the_rest_wait_or_get_503(
    database_url: str, tmp_path: Path, clock: FixedClock
) -> None:
    settings = make_settings(
        database_url,
        tmp_path,
        argon2_time_cost=2,
        argon2_memory_kib=8192,
        password_hash_concurrency=2,
        password_hash_queue=3,
        password_hash_wait_seconds=30,
    )
    svc = build_services(settings, clock=clock)
    try:
        for n in range(25):
            make_user(svc, f"user{n}", Role.ANALYST)
        argon2(svc).peak = 0
        outcomes = at_once(
            25,
            lambda i: accounts.login(
                svc, username=f"user{i}", password=PASSWORD, address=f"198.51.100.{i}"
            ),
        )
        assert argon2(svc).peak <= 2
        busy = [o for o in outcomes if isinstance(o, Unavailable)]
        ok = [o for o in outcomes if isinstance(o, accounts.IssuedToken)]
        assert len(ok) + len(busy) == 25, outcomes
        assert busy and all(b.retry_after_seconds >= 1 for b in busy)
        assert len(ok) >= 2 + 3  # the two running and the three queued all got in
        # a refusal for being busy counted nothing against the account
        with svc.db.unit_of_work(write=False) as uow:
            assert all(uow.login_failures.get(f"user:user{i}") is None for i in range(25))
    finally:
        svc.db.engine.dispose()


def test_busy_is_503_problem_with_retry_after(
    database_url: str, tmp_path: Path, clock: FixedClock, services: Services
) -> None:
    settings = make_settings(
        database_url, tmp_path, password_hash_concurrency=1, password_hash_queue=0
    )
    make_user(services, "someone", Role.ANALYST)
    app = create_app(settings, clock=clock)
    with TestClient(app) as client:
        passwords = app.state.services.passwords
        with passwords.slot():  # every slot taken
            reply = client.post(
                "/api/v1/auth/login", json={"username": "someone", "password": PASSWORD}
            )
        assert reply.status_code == 503
        assert reply.headers["content-type"].startswith("application/problem+json")
        assert reply.headers["retry-after"] == "1"
        assert reply.json()["type"] == "/problems/busy"
        ok = client.post("/api/v1/auth/login", json={"username": "someone", "password": PASSWORD})
        assert ok.status_code == 200
