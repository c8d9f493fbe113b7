"""What every service needs: the store, the clock and the password hasher."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from marchwarden.core.access.policy import Action, Decision, allowed_actions, decide, denied
from marchwarden.core.access.throttle import ThrottlePolicy
from marchwarden.core.errors import Forbidden

if TYPE_CHECKING:
    from marchwarden.core.access.model import Principal, Resource
    from marchwarden.core.clock import Clock
    from marchwarden.services.alerts import FeedCache
    from marchwarden.services.authority import LegalSnapshots
    from marchwarden.services.civil_ports import CapDocuments
    from marchwarden.services.dispatch_board import RecommendationBoard
    from marchwarden.services.field_ports import ImageCodec
    from marchwarden.services.ports import PasswordHasher, Store, TileSource
    from marchwarden.settings import Settings


@dataclass
class Services:
    """What every service needs, built by the composition root (``bootstrap.py``): the
    store, the clock, the password hasher, and the read models kept per store."""

    settings: Settings
    db: Store
    clock: Clock
    passwords: PasswordHasher
    #: the legal engine's snapshot of the registry and the law (``services/authority.py``)
    law: LegalSnapshots
    #: the dispatch board recommendations run on (``services/dispatch_board.py``)
    board: RecommendationBoard
    #: CAP documents: built, checked against the OASIS schema, parsed, fetched
    cap: CapDocuments
    #: the newest rendered public alert feed (``services/alerts.py``)
    feeds: FeedCache
    #: reads and re-encodes report photos (``adapters/images.py``)
    images: ImageCodec
    #: the deployment's own offline base map (``MARCHWARDEN_BASEMAP``), if any
    basemap: TileSource | None = None

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
        raise denied(decision)


def allowed(decision: Decision) -> str:
    """A policy decision made (e.g. ``may_task_unit``): its reason, or ``Forbidden``."""
    if not decision.allowed:
        raise denied(decision)
    return decision.reason


def authorise_role(principal: Principal, action: Action) -> None:
    """The role may do ``action`` at all (``Forbidden`` otherwise): asked by a list before
    it filters item by item, so that a role without the right gets 403, not an empty
    list that looks like "nothing there"."""
    if action not in allowed_actions(principal):
        raise Forbidden(
            f"role {principal.role} may not {action.value}",
            message="forbidden.role",
            params={"role": principal.role, "action": action.value},
        )
