"""The demo's scenario clock: the time a replay sets, step by step, until it hands the
clock back to the wall clock.

Only ``marchwarden demo`` builds one (``--scenario-clock``, on by default with
``--replay``); the server then offers ``/api/v1/scenario/clock`` to the admin account.
``marchwarden serve`` never does, and no setting turns it on, so a production server's
clock is the wall clock and nobody can move it. The rule (never back, never ahead of the
wall clock) is ``core.clock.next_scenario_time``.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from marchwarden.core.clock import Clock, SystemClock, ensure_utc, next_scenario_time

if TYPE_CHECKING:
    from datetime import datetime


class ScenarioClock:
    """Stands at the last scenario time set; released, follows ``wall`` (never earlier
    than the last scenario time)."""

    def __init__(self, start: datetime, *, wall: Clock | None = None) -> None:
        self._wall = wall or SystemClock()
        self._at = ensure_utc(start)
        if self._at > self._wall.now():
            raise ValueError("a scenario clock cannot start later than the wall clock")
        self._released = False
        self._lock = threading.Lock()

    def now(self) -> datetime:
        if self._released:
            return max(self._wall.now(), self._at)
        return self._at

    def wall_now(self) -> datetime:
        return self._wall.now()

    @property
    def released(self) -> bool:
        return self._released

    def set(self, at: datetime) -> datetime:
        """Move to scenario time ``at`` (and stand there); ``ScenarioClockError`` if the
        rule forbids it. Setting it again after :meth:`release` takes it back."""
        with self._lock:
            self._at = next_scenario_time(self.now(), at, self._wall.now())
            self._released = False
            return self._at

    def release(self) -> datetime:
        """Follow the wall clock from now on; returns the time it shows."""
        with self._lock:
            self._at = self.now()
            self._released = True
            return self.now()
