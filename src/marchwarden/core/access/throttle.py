"""Login throttling: slow down, then lock, after repeated failures. Pure.

One ``FailureRecord`` is kept per key (an account and a client address are separate keys).
The rule:

* fewer than ``slowdown_after`` failures: no wait;
* from ``slowdown_after`` failures: the next attempt must wait 2^(failures - slowdown_after)
  seconds after the last failure (1, 2, 4, ... capped at 60 s);
* from ``lock_after`` failures: the key is locked for ``lock_seconds`` after the last failure.

An attempt made while a key must wait is refused *without checking the password* and is
not counted, so the right password during a lock is refused too until the lock ends.
Failures older than ``window_seconds`` (counted from the last failure) are forgotten. A
successful login clears the account's and the address's records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_SLOWDOWN_SECONDS = 60


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    slowdown_after: int = 3
    lock_after: int = 10
    lock_seconds: int = 900
    window_seconds: int = 900


@dataclass(frozen=True, slots=True)
class FailureRecord:
    key: str
    failures: int
    last_failure_at: datetime


def current(record: FailureRecord | None, policy: ThrottlePolicy, now: datetime) -> int:
    """The failure count that still counts at ``now``."""
    if record is None:
        return 0
    forget_after = max(policy.window_seconds, policy.lock_seconds)
    if now - record.last_failure_at >= timedelta(seconds=forget_after):
        return 0
    return record.failures


def allowed_at(record: FailureRecord | None, policy: ThrottlePolicy, now: datetime) -> datetime:
    """The earliest moment the next attempt for this key may be checked."""
    failures = current(record, policy, now)
    if record is None or failures < policy.slowdown_after:
        return now
    if failures >= policy.lock_after:
        return record.last_failure_at + timedelta(seconds=policy.lock_seconds)
    wait = min(2 ** (failures - policy.slowdown_after), MAX_SLOWDOWN_SECONDS)
    return record.last_failure_at + timedelta(seconds=wait)


def is_locked(record: FailureRecord | None, policy: ThrottlePolicy, now: datetime) -> bool:
    return (
        current(record, policy, now) >= policy.lock_after and allowed_at(record, policy, now) > now
    )


def after_failure(
    record: FailureRecord | None, key: str, policy: ThrottlePolicy, now: datetime
) -> FailureRecord:
    return FailureRecord(key=key, failures=current(record, policy, now) + 1, last_failure_at=now)
