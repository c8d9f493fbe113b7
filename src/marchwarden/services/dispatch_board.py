"""The dispatch board: what recommendations run on (numpy columns over every unit,
``core/dispatch/ranking.py: DispatchBoard``), with each unit's powers under the law.

It is a read model of one store: refreshed from the events committed since it was built
— unit status and position changes update single rows; anything that may change powers
(the law, members, activation orders, units created or edited) rebuilds it. The law is
evaluated for the board at the start of the current minute; when the minute turns, the
law is evaluated anew beside the request (``run_beside``), which is served meanwhile from
the board of the previous minute. Assignment checks the unit again, against the store
and the law at the exact moment, inside its transaction (``services/tasks.py``).
"""

from __future__ import annotations

import functools
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from marchwarden.core.access.model import Scope, ScopeKind
from marchwarden.core.access.policy import may_task_unit
from marchwarden.core.authority.model import POWER_CATALOGUE
from marchwarden.core.dispatch.decisions import granted_text
from marchwarden.core.dispatch.model import UnitCandidate
from marchwarden.core.dispatch.ranking import DispatchBoard
from marchwarden.core.events import DomainEvent
from marchwarden.core.incidents import events as ev
from marchwarden.services import authority

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from datetime import datetime

    from marchwarden.core.access.model import Principal
    from marchwarden.core.authority.evaluation import UnitAuthority
    from marchwarden.core.incidents.records import Incident, UnitRef
    from marchwarden.services.context import Services
    from marchwarden.services.ports import UnitOfWork

log = logging.getLogger("marchwarden.tasks")


def _refusal_text(auth: UnitAuthority | None, power: str) -> str:
    if auth is None:
        return ""
    return "; ".join(auth.reasons(power))


def candidate(
    unit: UnitRef,
    powers: Iterable[str],
    auth: UnitAuthority | None = None,
    required: Iterable[str] = (),
) -> UnitCandidate:
    """A unit as dispatch sees it; with ``auth``, the legal texts for ``required`` powers."""
    held = set(powers)
    return UnitCandidate(
        unit_id=unit.id,
        name=unit.name,
        status=unit.status,
        readiness=unit.readiness,
        capabilities=unit.capabilities,
        powers={p: granted_text(auth, p) for p in held},
        power_refusals={p: _refusal_text(auth, p) for p in required if p not in held},
        power_refusal_reasons={
            p: auth.reason_facts(p) for p in required if p not in held and auth is not None
        },
        position=unit.position,
        home_base=unit.home,
    )


# --------------------------------------------------------------------------- the board


#: event types that change nothing a recommendation depends on
_HARMLESS_EVENTS: frozenset[str] = frozenset(
    {
        "UserCreated",
        "UserDisabled",
        "AgencyCreated",
        *(
            name
            for name, obj in vars(ev).items()
            if isinstance(obj, type)
            and issubclass(obj, DomainEvent)
            and obj.__module__ == ev.__name__
        ),
    }
)
#: event types that change one unit's row but not its powers
_UNIT_ROW_EVENTS: frozenset[str] = frozenset({"UnitStatusChanged", "UnitPositionUpdated"})
#: more events than this since the last refresh: rebuild rather than replay them
_REPLAY_LIMIT = 2000
_SCOPED_BOARDS = 32

ScopeKey = tuple[Scope, frozenset[int]]


@dataclass
class RecommendationBoard:
    """The dispatch board of one store, kept up to date from the events committed since
    it was built (a read model). Built by the composition root (``bootstrap.py``) and
    carried on ``Services.board``; ``run_beside(fn)`` runs ``fn`` beside the request (the
    law evaluated anew when the minute turns), given by the composition root too."""

    run_beside: Callable[[Callable[[], None]], None]
    lock: threading.Lock = field(default_factory=threading.Lock)
    law_at: datetime | None = None
    ticking: bool = False
    last_event_id: int = -1
    authorities: Mapping[int, UnitAuthority] = field(default_factory=dict)
    holdings: dict[str, frozenset[int]] = field(default_factory=dict)
    units: dict[int, UnitRef] = field(default_factory=dict)
    board: DispatchBoard = field(default_factory=lambda: DispatchBoard(()))
    scoped: OrderedDict[ScopeKey, tuple[frozenset[int], DispatchBoard]] = field(
        default_factory=OrderedDict
    )


def _minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


def _holdings(
    auth: Mapping[int, UnitAuthority], powers: Iterable[str]
) -> dict[str, frozenset[int]]:
    holding = getattr(auth, "holding", None)
    out: dict[str, frozenset[int]] = {}
    for power in powers:
        if holding is not None:
            out[power] = frozenset(holding(power))
        else:
            out[power] = frozenset(u for u, a in auth.items() if a.holds(power))
    return out


def _powers_of(unit_id: int, holdings: Mapping[str, frozenset[int]]) -> list[str]:
    return [p for p, ids in holdings.items() if unit_id in ids]


def _rebuild(
    svc: Services,
    uow: UnitOfWork,
    b: RecommendationBoard,
    law_at: datetime,
    powers: Iterable[str],
) -> None:
    # the event id first: anything committed after it is replayed on the next refresh
    last = uow.events.last_id()
    auth = authority.unit_authority_map(svc, law_at)
    holdings = _holdings(auth, powers)
    units = uow.tasks.units()
    b.law_at = law_at
    b.last_event_id = last
    b.authorities = auth
    b.holdings = holdings
    b.units = {u.id: u for u in units}
    b.board = DispatchBoard(candidate(u, _powers_of(u.id, holdings)) for u in units)
    b.scoped.clear()


def refresh(
    svc: Services,
    uow: UnitOfWork,
    b: RecommendationBoard,
    now: datetime,
    required: Iterable[str],
) -> None:
    """Bring the board up to date with the store and the law (caller holds ``b.lock``).

    Reads go through the caller's read-only unit of work (one snapshot on SQLite)."""
    law_at = _minute(now)
    powers = set(POWER_CATALOGUE) | set(b.holdings) | set(required)
    if b.law_at is None or not powers <= set(b.holdings):
        _rebuild(svc, uow, b, law_at, powers)
        return
    last = uow.events.last_id()
    events = uow.events.after(b.last_event_id, _REPLAY_LIMIT + 1) if last > b.last_event_id else []
    if len(events) > _REPLAY_LIMIT or any(
        e.type not in _HARMLESS_EVENTS and e.type not in _UNIT_ROW_EVENTS for e in events
    ):
        _rebuild(svc, uow, b, law_at, powers)
        return
    changed_ids = {int(e.payload["unit_id"]) for e in events if e.type in _UNIT_ROW_EVENTS}
    if changed_ids:
        changed = uow.tasks.units(changed_ids)
        # copy on write: a recommendation running outside the lock keeps its own view
        b.units = {**b.units, **{u.id: u for u in changed}}
        candidates = [candidate(u, _powers_of(u.id, b.holdings)) for u in changed]
        b.board = b.board.updated(candidates)
        for key, (ids, scoped) in list(b.scoped.items()):
            mine = [c for c in candidates if c.unit_id in ids]
            if mine:
                b.scoped[key] = (ids, scoped.updated(mine))
    if events:
        b.last_event_id = max(e.id for e in events)
    if b.law_at is not None and law_at > b.law_at and not b.ticking:
        # time moved on: qualifications expire, acts take effect, so powers may change.
        # Evaluating the law again takes long with many units: do it beside the request,
        # which is served from the board of the previous minute (assignment checks the law
        # at its exact moment anyway).
        b.ticking = True
        b.run_beside(functools.partial(_tick, svc, b, law_at, frozenset(b.holdings)))


def _tick(svc: Services, b: RecommendationBoard, law_at: datetime, powers: frozenset[str]) -> None:
    try:
        auth = authority.unit_authority_map(svc, law_at)
        holdings = _holdings(auth, powers)
        with b.lock:
            if b.law_at is None or b.law_at >= law_at or set(b.holdings) != powers:
                return  # rebuilt meanwhile
            b.law_at = law_at
            b.authorities = auth
            if holdings != b.holdings:
                b.holdings = holdings
                b.board = DispatchBoard(
                    candidate(u, _powers_of(u.id, holdings)) for u in b.units.values()
                )
                b.scoped.clear()
    except Exception:  # the next request tries again
        log.exception("could not evaluate the law for the dispatch board")
    finally:
        b.ticking = False


def scoped_board(
    b: RecommendationBoard, actor: Principal, incident: Incident
) -> tuple[DispatchBoard, frozenset[int] | None]:
    if actor.scope.kind is ScopeKind.ALL:
        return b.board, None
    key: ScopeKey = (actor.scope, incident.command_agencies)
    found = b.scoped.get(key)
    if found is not None:
        b.scoped.move_to_end(key)
        return found[1], found[0]
    ids = frozenset(uid for uid, u in b.units.items() if may_task_unit(actor, incident, u).allowed)
    units = b.board.units
    board = DispatchBoard(c for c in units if c.unit_id in ids)
    b.scoped[key] = (ids, board)
    while len(b.scoped) > _SCOPED_BOARDS:
        b.scoped.popitem(last=False)
    return board, ids
