"""Time as a port: only timezone-aware UTC datetimes, and a clock that tests can move."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from marchwarden.core.errors import Conflict


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The wall clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock that only moves when told to (tests, replays)."""

    current: datetime = field(default_factory=lambda: datetime(2026, 11, 26, 12, 0, tzinfo=UTC))

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current = self.current + delta


def ensure_utc(value: datetime) -> datetime:
    """Reject naive datetimes; convert aware ones to UTC."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware")
    return value.astimezone(UTC)


class ScenarioClockError(Conflict):
    """A scenario time that the clock may not take (see :func:`next_scenario_time`)."""

    code = "scenario-clock-refused"
    title = "The scenario clock cannot take this time"


def next_scenario_time(current: datetime, requested: datetime, wall: datetime) -> datetime:
    """The rule of the demo's scenario clock: it never goes back (every record the server
    writes is stamped no earlier than the one before) and never runs ahead of the wall
    clock (nothing is stamped in the future, so handing the clock back to the wall
    clock later is again a step forward). Returns ``requested`` in UTC."""
    at = ensure_utc(requested)
    if at < current:
        raise ScenarioClockError.said(
            "clock.scenario_clock_stands_cannot",
            "the scenario clock stands at {current}; it cannot go back to {at}",
            current=current.isoformat(),
            at=at.isoformat(),
        )
    if at > wall:
        raise ScenarioClockError.said(
            "clock.later_than_wall_clock",
            "{at} is later than the wall clock ({wall}); the scenario clock never runs ahead of it",
            at=at.isoformat(),
            wall=wall.isoformat(),
        )
    return at
