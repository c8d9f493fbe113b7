"""The scenario clock's rule (pure) and the clock object: never back, never ahead of the
wall clock; released, it follows the wall clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from marchwarden.adapters.clock import ScenarioClock
from marchwarden.core.clock import FixedClock, ScenarioClockError, next_scenario_time

WALL = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def test_the_rule() -> None:
    current = WALL - timedelta(days=2)
    assert next_scenario_time(current, current, WALL) == current
    later = (current + timedelta(hours=1)).astimezone(timezone(timedelta(hours=3)))
    assert next_scenario_time(current, later, WALL) == later and later.tzinfo is not None
    assert next_scenario_time(current, later, WALL).utcoffset() == timedelta(0)
    assert next_scenario_time(current, WALL, WALL) == WALL
    with pytest.raises(ScenarioClockError, match="cannot go back"):
        next_scenario_time(current, current - timedelta(seconds=1), WALL)
    with pytest.raises(ScenarioClockError, match="later than the wall clock"):
        next_scenario_time(current, WALL + timedelta(seconds=1), WALL)
    with pytest.raises(ValueError, match="timezone-aware"):
        next_scenario_time(current, datetime(2026, 12, 4, 12, 0), WALL)  # noqa: DTZ001


def test_the_clock_stands_then_follows_the_wall_clock() -> None:
    wall = FixedClock(WALL)
    start = WALL - timedelta(days=2)
    clock = ScenarioClock(start, wall=wall)
    wall.advance(timedelta(minutes=10))
    assert clock.now() == start  # stands until moved
    assert clock.set(start + timedelta(hours=5)) == clock.now() == start + timedelta(hours=5)
    with pytest.raises(ScenarioClockError):
        clock.set(start)
    assert clock.now() == start + timedelta(hours=5)
    assert clock.release() == wall.now() and clock.released
    wall.advance(timedelta(minutes=1))
    assert clock.now() == wall.now()
    with pytest.raises(ScenarioClockError):
        clock.set(start + timedelta(hours=6))  # back into the past after the hand-back
    with pytest.raises(ValueError, match="later than the wall clock"):
        ScenarioClock(WALL + timedelta(days=1), wall=FixedClock(WALL))
