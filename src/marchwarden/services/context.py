"""What every service needs: the store, the clock and the password hasher."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from marchwarden.core.access.policy import Action, decide
from marchwarden.core.access.throttle import ThrottlePolicy
from marchwarden.core.errors import Forbidden

if TYPE_CHECKING:
    from marchwarden.adapters.db.uow import Database
    from marchwarden.adapters.passwords import Argon2Passwords
    from marchwarden.core.access.model import Principal, Resource
    from marchwarden.core.clock import Clock
    from marchwarden.settings import Settings


@dataclass
class Services:
    settings: Settings
    db: Database
    clock: Clock
    passwords: Argon2Passwords

    @property
    def throttle(self) -> ThrottlePolicy:
        s = self.settings
        return ThrottlePolicy(
            slowdown_after=s.login_slowdown_after,
            lock_after=s.login_lock_after,
            lock_seconds=s.login_lock_seconds,
            window_seconds=s.login_window_seconds,
        )


def authorise(principal: Principal, action: Action, resource: Resource | None = None) -> None:
    """Ask the policy; raise ``Forbidden`` with its reason when denied."""
    decision = decide(principal, action, resource)
    if not decision.allowed:
        raise Forbidden(decision.reason)
