from __future__ import annotations

from datetime import UTC, datetime, timedelta

from marchwarden.core.access.throttle import (
    FailureRecord,
    ThrottlePolicy,
    after_failure,
    allowed_at,
    is_locked,
)

T0 = datetime(2026, 11, 26, 12, tzinfo=UTC)
POLICY = ThrottlePolicy(slowdown_after=3, lock_after=10, lock_seconds=900, window_seconds=900)


def test_no_wait_below_the_slowdown_threshold() -> None:
    rec = None
    for _ in range(2):
        rec = after_failure(rec, "k", POLICY, T0)
    assert allowed_at(rec, POLICY, T0) == T0


def test_waits_double_then_lock() -> None:
    rec: FailureRecord | None = None
    now = T0
    waits = []
    for _ in range(10):
        now = allowed_at(rec, POLICY, now)
        rec = after_failure(rec, "k", POLICY, now)
        waits.append((allowed_at(rec, POLICY, now) - now).total_seconds())
    assert waits[:2] == [0, 0]
    assert waits[2:9] == [1, 2, 4, 8, 16, 32, 60]
    assert waits[9] == 900
    assert is_locked(rec, POLICY, now)
    assert not is_locked(rec, POLICY, now + timedelta(seconds=900))


def test_failures_are_forgotten_after_the_window() -> None:
    rec = FailureRecord("k", 9, T0)
    later = T0 + timedelta(seconds=900)
    assert allowed_at(rec, POLICY, later) == later
    assert after_failure(rec, "k", POLICY, later).failures == 1
