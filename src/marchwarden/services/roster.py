"""Roster CSV import and export.

An import is validated as a whole before anything is written; a file with any error
imports nothing (errors name line, column and reason). Members are keyed by their
external id: re-importing the same file changes nothing (no write, no audit record).
The caller needs ``roster.import`` on every unit the file names (and on the unit a moved
member leaves).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from marchwarden.core.access.policy import Action, decide, may_see_personal
from marchwarden.core.errors import Forbidden, Invalid
from marchwarden.core.forces.decisions import roster_imported
from marchwarden.core.forces.model import MemberRecord, PersonalData, unit_resource
from marchwarden.core.forces.roster import RosterError, format_roster, parse_roster
from marchwarden.services.context import authorise, authorise_role

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime

    from marchwarden.core.access.model import Principal
    from marchwarden.services.context import Services
    from marchwarden.services.ports import UnitOfWork


#: what an export shows of a member's personal data to a caller without need to know
WITHHELD = PersonalData("", "", None, "")


class RosterInvalid(Invalid):
    code = "roster-invalid"
    title = "The roster file has errors; nothing was imported"

    def __init__(self, errors: tuple[RosterError, ...]) -> None:
        shown = "; ".join(e.describe() for e in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        super().__init__(
            f"{len(errors)} error(s), nothing imported: {shown}{more}",
            extra={
                "errors": [
                    {"line": e.line, "column": e.column, "reason": e.reason, **e.said.words()}
                    for e in errors
                ]
            },
            # the page writes the first part from the code and each error from its own
            message="roster.invalid",
            params={"count": len(errors)},
        )
        self.errors = errors


@dataclass(frozen=True, slots=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def import_roster(
    svc: Services,
    actor: Principal | None,
    text: str,
    *,
    progress: Callable[[str, int, int], None] | None = None,
) -> ImportResult:
    now = svc.clock.now()
    index, records = _checked(svc, actor, text, now, progress)
    with svc.db.unit_of_work() as uow:
        new, changed = _sort_out(uow, actor, index, records)
        result = ImportResult(len(new), len(changed), len(records) - len(new) - len(changed))
        if not new and not changed:
            return result
        if progress:
            progress("writing", 0, len(new) + len(changed))
        uow.forces.insert_members(new, now)
        uow.forces.update_members(changed, now)
        if len(new) + len(changed) >= 1000:
            uow.forces.analyze()
        event = roster_imported(index, new, changed, unchanged=result.unchanged)
        uow.record(actor, [event], at=now)
        uow.commit()
    if progress:
        progress("done", result.total, result.total)
    return result


UnitIndex = dict[str, tuple[int, str, str, int]]


def _checked(
    svc: Services,
    actor: Principal | None,
    text: str,
    now: datetime,
    progress: Callable[[str, int, int], None] | None,
) -> tuple[UnitIndex, tuple[MemberRecord, ...]]:
    """The whole file parsed and checked, and the caller's right over every unit in it."""
    with svc.db.unit_of_work(write=False) as uow:
        index = uow.forces.unit_index()
    parsed = parse_roster(
        text,
        today=now.date(),
        unit_exists=index.__contains__,
        progress=(lambda n: progress("validating", n, 0)) if progress else None,
    )
    if not parsed.ok:
        raise RosterInvalid(parsed.errors)
    if actor is not None:
        for code in sorted({r.unit_code for r in parsed.records}):
            _uid, path, region, agency = index[code]
            decision = decide(actor, Action.ROSTER_IMPORT, unit_resource(region, agency, path))
            if not decision.allowed:
                raise Forbidden(f"unit {code}: {decision.reason}")
    return index, tuple(parsed.records)


def _sort_out(
    uow: UnitOfWork,
    actor: Principal | None,
    index: UnitIndex,
    records: Sequence[MemberRecord],
) -> tuple[list[tuple[MemberRecord, int]], list[tuple[int, MemberRecord, int]]]:
    """The members to create and those to change (a member who moves leaves a unit the
    caller must have the right over too); unchanged ones are left out."""
    existing = uow.forces.existing_by_external_id(r.external_id for r in records)
    by_id = {path[0]: (code, path) for code, path in index.items()}
    current: dict[str, MemberRecord] = {}
    if existing:
        current = {m.external_id: m for m in uow.forces.roster() if m.external_id in existing}
    new: list[tuple[MemberRecord, int]] = []
    changed: list[tuple[int, MemberRecord, int]] = []
    for r in records:
        unit_id = index[r.unit_code][0]
        if r.external_id not in existing:
            new.append((r, unit_id))
            continue
        member_id, old_unit = existing[r.external_id]
        if current.get(r.external_id) == r:
            continue
        if actor is not None and old_unit != unit_id:
            code, (_, path, region, agency) = by_id[old_unit]
            decision = decide(actor, Action.ROSTER_IMPORT, unit_resource(region, agency, path))
            if not decision.allowed:
                raise Forbidden(f"member {r.external_id} leaves unit {code}: {decision.reason}")
        changed.append((member_id, r, unit_id))
    return new, changed


def export_roster(svc: Services, actor: Principal | None, unit_id: int | None = None) -> str:
    """The roster (of one unit's subtree, or all units in the caller's scope) as CSV."""
    if actor is not None:
        authorise_role(actor, Action.ROSTER_EXPORT)
    with svc.db.unit_of_work(write=False) as uow:
        under = None
        if unit_id is not None:
            unit = uow.forces.unit(unit_id)
            if unit is None:
                from marchwarden.core.errors import NotFound

                raise NotFound.with_id("unit", unit_id)
            if actor is not None:
                authorise(actor, Action.ROSTER_EXPORT, unit.resource())
            under = unit.path
        records = uow.forces.roster(under_path=under)
        index = uow.forces.unit_index()
    if actor is not None:
        shown = []
        for r in records:
            _, path, region, agency = index[r.unit_code][:4]
            resource = unit_resource(region, agency, path)
            if not decide(actor, Action.ROSTER_EXPORT, resource).allowed:
                continue
            if not may_see_personal(actor, unit_resource(region, agency, path, kind="member")):
                r = dataclasses.replace(r, personal=WITHHELD)
            shown.append(r)
        records = shown
    return format_roster(records)
