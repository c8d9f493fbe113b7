"""What every service needs: the store, the clock and the password hasher."""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from marchwarden.core.access.policy import Action, allowed_actions, decide
from marchwarden.core.access.throttle import ThrottlePolicy
from marchwarden.core.errors import Forbidden

if TYPE_CHECKING:
    from collections.abc import Callable

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


def authorise_role(principal: Principal, action: Action) -> None:
    """The role may do ``action`` at all (``Forbidden`` otherwise): asked by a list before
    it filters item by item, so that a role without the right gets 403, not an empty
    list that looks like "nothing there"."""
    if action not in allowed_actions(principal):
        raise Forbidden(f"role {principal.role} may not {action.value}")


_T = TypeVar("_T")


class PerStore(Generic[_T]):
    """One ``_T`` per store, made on first use and gone with the store.

    Keyed on the ``Database`` object itself, weakly — not on ``id(db)``: an id is reused
    once its object is freed, and a cache keyed by it served a new store the old one's law
    (services/authority.py, found by CI)."""

    def __init__(self, make: Callable[[], _T]) -> None:
        self._make = make
        self._items: weakref.WeakKeyDictionary[Database, _T] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def of(self, db: Database) -> _T:
        with self._lock:
            found = self._items.get(db)
            if found is None:
                found = self._items[db] = self._make()
            return found

    def get(self, db: Database) -> _T | None:
        """What ``of`` made for ``db``, or None; makes nothing."""
        return self._items.get(db)
