"""What a TAK connection may receive: the same policy as the WebSocket stream.

A connection is bound to an account (a client certificate issued to it) or anonymous (a
plain-TCP client no account vouches for). Anonymous connections only exchange their own
traffic among themselves; an account sees another device's traffic when it may read the
unit that device's account is bound to (``unit.read`` on that unit), exactly as it would
see that unit's position on the map.
"""

from __future__ import annotations

from dataclasses import dataclass

from marchwarden.core.access.model import Principal, Resource
from marchwarden.core.access.policy import Action, decide


@dataclass(frozen=True, slots=True)
class Identity:
    """Who is behind a connection. ``principal`` None: anonymous (plain TCP).
    ``resource``: what this device's own traffic counts as (its account's unit)."""

    principal: Principal | None = None
    unit_id: int | None = None
    resource: Resource | None = None
    cert_serial: str | None = None

    @property
    def user_id(self) -> int | None:
        return None if self.principal is None else self.principal.user_id


#: what the traffic of a device no account vouches for counts as
ANONYMOUS_DEVICE = Resource.everywhere("tak-device")


def may_connect(principal: Principal) -> bool:
    """An account may hold a TAK connection when it may subscribe to the live picture."""
    return decide(principal, Action.STREAM_SUBSCRIBE).allowed


def may_receive_from(receiver: Principal | None, sender: Resource | None) -> bool:
    """Whether a device of ``receiver`` gets what a device bound to ``sender`` sends
    (``None``: anonymous on either side)."""
    if receiver is None:
        return sender is None
    return decide(receiver, Action.UNIT_READ, sender or ANONYMOUS_DEVICE).allowed


def may_report_position(principal: Principal, unit: Resource) -> bool:
    return decide(principal, Action.UNIT_POSITION, unit).allowed


def may_report(principal: Principal) -> bool:
    return decide(principal, Action.REPORT_SUBMIT).allowed
