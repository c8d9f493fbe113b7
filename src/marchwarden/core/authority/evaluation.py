"""Evaluating the law: which powers a member or a unit holds at a moment, and why (not).

Which acts count at moment ``t`` (:class:`ApplicableLaw`):

* an act in status ``in_force`` with ``effective_from <= t < effective_to``;
* a ``proposed`` act the caller adds by reference for a what-if: it counts as having
  passed at ``t`` — its ``effective_from`` (often ``None``, "from the day it passes")
  is not applied, its ``effective_to`` still is;
* never a ``draft``, an unchosen ``proposed``, a ``repealed`` act or an act in force
  outside its effective period — each of these is named in the reasons;
* an act with ``regions`` grants only to members whose region is among them.

A **member** holds power P when some counting grant of P names one of the member's
categories (agency kind or unit category) and every condition of that grant holds at
``t``. A **unit** holds P when, for some counting grant G of P, at least
``G.min_members`` members of the unit and its sub-units hold P through G.

Two paths give the same answers: :func:`evaluate_member` / :func:`evaluate_unit` work
on :class:`MemberFacts` and explain every answer; :func:`evaluate_table` works on a
columnar :class:`MemberTable` with numpy and answers for a whole population at once
(explanations for one unit via :meth:`BatchAuthority.unit_authority`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from marchwarden.core.authority.errors import (
    ActNotProposedError,
    AuthorityError,
    DuplicateActError,
    InvalidFactsError,
    InvalidMomentError,
    UnknownActError,
)
from marchwarden.core.authority.model import (
    POWER_CATALOGUE,
    ActStatus,
    Category,
    CategoryAxis,
    Condition,
    FitCondition,
    Grant,
    GrantKey,
    LegalAct,
    MemberFacts,
    MemberTable,
    QualificationCondition,
    TrainingCondition,
    UnitActivatedCondition,
    UnitFacts,
    UnitTree,
    as_utc,
    format_moment,
    power_label,
    to_epoch_us,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from datetime import datetime

# --------------------------------------------------------------------------- reasons


class ReasonCode(StrEnum):
    NOT_GRANTED = "not_granted"
    """No counting act grants the power to the member's (or unit's) category."""
    ACT_NOT_IN_FORCE = "act_not_in_force"
    """The act is a draft, or proposed and not added to this evaluation."""
    ACT_NOT_YET_EFFECTIVE = "act_not_yet_effective"
    ACT_NO_LONGER_EFFECTIVE = "act_no_longer_effective"
    ACT_REPEALED = "act_repealed"
    REGION_NOT_COVERED = "region_not_covered"
    CONDITION_NOT_MET = "condition_not_met"
    TOO_FEW_MEMBERS = "too_few_members"


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a power is not held: a stable code and a human sentence."""

    code: ReasonCode
    text: str
    act: str | None = None
    clause: str | None = None
    condition: Condition | None = None
    params: tuple[tuple[str, str], ...] = ()
    """What the sentence says, for a reader in another language: the power and agency kind
    (not granted), the region, the act's status and dates, the members counted."""

    def __str__(self) -> str:
        return self.text


# --------------------------------------------------------------------------- the law at t


def _moment(at: datetime) -> datetime:
    try:
        return as_utc(at, "moment of evaluation")
    except InvalidFactsError as exc:
        raise InvalidMomentError(exc.message) from exc


@dataclass(frozen=True, slots=True)
class ActStanding:
    """Whether an act counts at the moment of evaluation, and if not, why."""

    act: LegalAct
    in_effect: bool
    added_for_what_if: bool
    reason_code: ReasonCode | None
    reason: str
    params: tuple[tuple[str, str], ...] = ()


def _standing(act: LegalAct, at: datetime, chosen: bool) -> ActStanding:
    def out(code: ReasonCode, text: str, **params: str) -> ActStanding:
        return ActStanding(act, False, chosen, code, text, tuple(params.items()))

    start, end = act.effective_from, act.effective_to
    if act.status is ActStatus.REPEALED:
        until = f" (effective until {format_moment(end)})" if end is not None else ""
        return out(
            ReasonCode.ACT_REPEALED,
            f"act repealed{until}",
            until=end.isoformat() if end is not None else "",
        )
    if act.status is ActStatus.DRAFT:
        return out(ReasonCode.ACT_NOT_IN_FORCE, "act is a draft, not in force", status="draft")
    if act.status is ActStatus.PROPOSED and not chosen:
        return out(ReasonCode.ACT_NOT_IN_FORCE, "act is proposed, not in force", status="proposed")
    if act.status is ActStatus.IN_FORCE and start is not None and at < start:
        return out(
            ReasonCode.ACT_NOT_YET_EFFECTIVE,
            f"act not yet in force (effective from {format_moment(start)})",
            since=start.isoformat(),
        )
    if end is not None and at >= end:
        return out(
            ReasonCode.ACT_NO_LONGER_EFFECTIVE,
            f"act no longer in force (effective until {format_moment(end)})",
            until=end.isoformat(),
        )
    return ActStanding(act, True, chosen, None, "")


class ApplicableLaw:
    """A set of acts resolved at one moment, with chosen proposed acts added.

    Build it once and reuse it to evaluate many members at the same moment.
    """

    __slots__ = ("_by_power", "acts", "at", "powers", "proposed", "standings")

    def __init__(
        self, acts: Iterable[LegalAct], at: datetime, with_proposed: Iterable[str] = ()
    ) -> None:
        self.at = _moment(at)
        self.acts: tuple[LegalAct, ...] = tuple(acts)
        by_ref: dict[str, LegalAct] = {}
        for act in self.acts:
            if act.reference in by_ref:
                raise DuplicateActError.said(
                    "act.act_given_twice", "act {reference} given twice", reference=act.reference
                )
            by_ref[act.reference] = act
        self.proposed: tuple[str, ...] = tuple(dict.fromkeys(with_proposed))
        for ref in self.proposed:
            if ref not in by_ref:
                raise UnknownActError.said("act.unknown", "no act with reference '{ref}'", ref=ref)
            if by_ref[ref].status is not ActStatus.PROPOSED:
                raise ActNotProposedError.said(
                    "act.only_proposed_acts_can",
                    "{ref} is {status}; only proposed acts can be added",
                    ref=ref,
                    status=by_ref[ref].status.value,
                )
        chosen = set(self.proposed)
        self.standings: Mapping[str, ActStanding] = {
            a.reference: _standing(a, self.at, a.reference in chosen) for a in self.acts
        }
        by_power: dict[str, list[tuple[Grant, ActStanding]]] = {}
        for act in self.acts:
            for grant in act.grants:
                by_power.setdefault(grant.power, []).append((grant, self.standings[act.reference]))
        self._by_power: dict[str, tuple[tuple[Grant, ActStanding], ...]] = {
            p: tuple(v) for p, v in by_power.items()
        }
        extra = sorted(p for p in by_power if p not in POWER_CATALOGUE)
        self.powers: tuple[str, ...] = (*POWER_CATALOGUE, *extra)

    @property
    def in_effect(self) -> tuple[str, ...]:
        """References of the acts that count, in the order given."""
        return tuple(r for r, s in self.standings.items() if s.in_effect)

    def grants_for(self, power: str) -> tuple[tuple[Grant, ActStanding], ...]:
        """Every grant of ``power`` in the acts given (counting or not), in act order."""
        return self._by_power.get(power, ())

    def effective_grants(self) -> tuple[Grant, ...]:
        return tuple(g for p in self.powers for g, s in self.grants_for(p) if s.in_effect)

    def _nor_proposed(self) -> str:
        return f", nor {', '.join(self.proposed)} if passed," if self.proposed else ""

    def not_granted_to_member(self, power: str, kind: str) -> str:
        """``no act in force grants carry_weapons to volunteer_self_defence``."""
        return f"no act in force{self._nor_proposed()} grants {power} to {kind}"

    def not_granted_params(self, power: str, kind: str) -> tuple[tuple[str, str], ...]:
        """What "not granted" says: the power, the agency kind, the proposed acts counted."""
        return (("power", power), ("kind", kind), ("proposed", ", ".join(self.proposed)))

    def not_granted_to_unit(self, power: str, kind: str) -> str:
        """``armed_response: not granted to volunteer_self_defence by any act in force``."""
        nor = f", nor by {', '.join(self.proposed)} if passed" if self.proposed else ""
        return f"{power}: not granted to {kind} by any act in force{nor}"


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class ConditionMet:
    condition: Condition
    detail: str
    #: what ``detail`` says (``Check``'s params: condition, name, state, date …)
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class GrantBasis:
    """A grant through which a power is held, with each condition and how it is met."""

    grant: Grant
    act_title: str
    category: Category
    conditions: tuple[ConditionMet, ...]

    @property
    def act(self) -> str:
        return self.grant.act

    @property
    def clause(self) -> str:
        return self.grant.clause

    def describe(self) -> str:
        """``LSD-2023 c.2: training(self_defence_programme) completed 2026-01-15 ✓, …``."""
        if not self.conditions:
            return f"{self.grant.label}: granted to {self.category.code}, no conditions"
        return f"{self.grant.label}: " + ", ".join(f"{c.detail} ✓" for c in self.conditions)


@dataclass(frozen=True, slots=True)
class PowerHeld:
    power: str
    label: str
    bases: tuple[GrantBasis, ...]


@dataclass(frozen=True, slots=True)
class PowerNotHeld:
    power: str
    label: str
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class MemberAuthority:
    """The powers one member holds at ``at`` and the reasons for those not held."""

    member_id: str
    unit_id: str
    region: str
    at: datetime
    acts_in_effect: tuple[str, ...]
    proposed: tuple[str, ...]
    held: tuple[PowerHeld, ...]
    not_held: tuple[PowerNotHeld, ...]

    @property
    def powers(self) -> frozenset[str]:
        return frozenset(h.power for h in self.held)

    def holds(self, power: str) -> bool:
        return any(h.power == power for h in self.held)

    def basis(self, power: str) -> PowerHeld | None:
        return next((h for h in self.held if h.power == power), None)

    def reasons(self, power: str) -> tuple[str, ...]:
        """Human reasons why ``power`` is not held (empty when it is)."""
        return tuple(r.text for r in self.reason_facts(power))

    def reason_facts(self, power: str) -> tuple[Reason, ...]:
        """Why ``power`` is not held, each reason with its code and what it says."""
        for n in self.not_held:
            if n.power == power:
                return n.reasons
        return ()

    @property
    def grant_keys(self) -> frozenset[GrantKey]:
        return frozenset(b.grant.key for h in self.held for b in h.bases)


@dataclass(frozen=True, slots=True)
class UnitGrantCount:
    """Through one grant: how many members of the unit hold the power, of how many needed."""

    act: str
    clause: str
    power: str
    members_holding: int
    required: int

    @property
    def met(self) -> bool:
        return self.members_holding >= self.required

    def describe(self) -> str:
        """``LSD-2023 c.3: 5 of 8 required members hold armed_response``."""
        return (
            f"{self.act} {self.clause}: {self.members_holding} of {self.required} "
            f"required members hold {self.power}"
        )


@dataclass(frozen=True, slots=True)
class UnitPowerHeld:
    power: str
    label: str
    via: tuple[UnitGrantCount, ...]


@dataclass(frozen=True, slots=True)
class UnitPowerNotHeld:
    power: str
    label: str
    reasons: tuple[Reason, ...]
    counts: tuple[UnitGrantCount, ...]


@dataclass(frozen=True, slots=True)
class UnitAuthority:
    """The powers a unit holds at ``at`` (by member counts per grant), and why not others."""

    unit_id: str
    unit_name: str
    region: str
    at: datetime
    acts_in_effect: tuple[str, ...]
    proposed: tuple[str, ...]
    members_considered: int
    held: tuple[UnitPowerHeld, ...]
    not_held: tuple[UnitPowerNotHeld, ...]

    @property
    def powers(self) -> frozenset[str]:
        return frozenset(h.power for h in self.held)

    def holds(self, power: str) -> bool:
        return any(h.power == power for h in self.held)

    def reasons(self, power: str) -> tuple[str, ...]:
        return tuple(r.text for r in self.reason_facts(power))

    def reason_facts(self, power: str) -> tuple[Reason, ...]:
        for n in self.not_held:
            if n.power == power:
                return n.reasons
        return ()

    def counts(self, power: str) -> tuple[UnitGrantCount, ...]:
        """Per counting grant of ``power``: members holding it and members required."""
        for h in self.held:
            if h.power == power:
                return h.via
        for n in self.not_held:
            if n.power == power:
                return n.counts
        return ()


# --------------------------------------------------------------------------- conditions


Check = tuple[bool, str, tuple[tuple[str, str], ...]]
"""Whether a condition holds, the sentence, and what it says (``condition``: qualification,
training, fit, activated; ``name``: the qualification or programme; ``state``: why it does
not hold; ``date``, ``renewed``, ``unit``: the dates and unit the sentence names)."""


def _said(condition: str, name: str = "", **facts: str) -> tuple[tuple[str, str], ...]:
    return (("condition", condition), ("name", name), *facts.items())


def _check_qualification(cond: QualificationCondition, facts: MemberFacts, at: datetime) -> Check:
    name = cond.describe()
    said = partial(_said, "qualification", cond.kind)
    recs = [q for q in facts.qualifications if q.kind == cond.kind]
    valid = [q for q in recs if q.valid_at(at)]
    if valid:
        if any(q.expires_on is None for q in valid):
            return True, f"{name} valid, no expiry", said(state="valid")
        until = max(q.expires_on for q in valid if q.expires_on is not None)
        text = f"{name} valid until {format_moment(until)}"
        return True, text, said(state="valid", date=until.isoformat())
    if not recs:
        return False, f"no {name}", said(state="missing")
    expired = [q.expires_on for q in recs if q.expires_on is not None and q.expires_on <= at]
    future = [q.issued_on for q in recs if q.issued_on > at]
    if expired:
        text = f"{name} expired {format_moment(max(expired))}"
        renewed = ""
        if future:
            text += f"; renewed from {format_moment(min(future))}"
            renewed = min(future).isoformat()
        return False, text, said(state="expired", date=max(expired).isoformat(), renewed=renewed)
    start = min(future)
    return (
        False,
        f"{name} not valid before {format_moment(start)}",
        said(state="not_yet_valid", date=start.isoformat()),
    )


def _check_training(cond: TrainingCondition, facts: MemberFacts, at: datetime) -> Check:
    name = cond.describe()
    said = partial(_said, "training", cond.programme)
    done = [t.completed_on for t in facts.trainings if t.programme == cond.programme]
    before = [d for d in done if d <= at]
    if before:
        done_on = min(before)
        return (
            True,
            f"{name} completed {format_moment(done_on)}",
            said(state="completed", date=done_on.isoformat()),
        )
    if done:
        return (
            False,
            f"{name} not completed until {format_moment(min(done))}",
            said(state="completed_later", date=min(done).isoformat()),
        )
    return False, f"{name} not completed", said(state="not_completed")


def _check_fit(facts: MemberFacts, at: datetime) -> Check:
    said = partial(_said, "fit")
    valid = [f for f in facts.fitness if f.valid_at(at)]
    if valid:
        if any(f.valid_to is None for f in valid):
            return True, "fit, no end date", said(state="fit")
        until = max(f.valid_to for f in valid if f.valid_to is not None)
        return True, f"fit until {format_moment(until)}", said(state="fit", date=until.isoformat())
    if not facts.fitness:
        return False, "not fit: no fitness record", said(state="missing")
    ended = [f.valid_to for f in facts.fitness if f.valid_to is not None and f.valid_to <= at]
    if ended:
        end = max(ended)
        return (
            False,
            f"not fit: fitness record expired {format_moment(end)}",
            said(state="expired", date=end.isoformat()),
        )
    start = min(f.valid_from for f in facts.fitness)
    return (
        False,
        f"not fit: fitness record valid only from {format_moment(start)}",
        said(state="not_yet_valid", date=start.isoformat()),
    )


def _check_activation(facts: MemberFacts, tree: UnitTree, at: datetime) -> Check:
    said = partial(_said, "activated")
    act = tree.activation_at(facts.unit_id, at)
    if act is not None:
        text = f"{act.unit.display_name} activated since {format_moment(act.order.valid_from)}"
        if act.order.valid_to is not None:
            text += f" until {format_moment(act.order.valid_to)}"
        since, until = act.order.valid_from, act.order.valid_to
        return (
            True,
            text,
            said(
                state="activated",
                unit=act.unit.display_name,
                date=since.isoformat(),
                until="" if until is None else until.isoformat(),
            ),
        )
    chain = tree.ancestors(facts.unit_id)
    ended = [
        (o.valid_to, u)
        for u in chain
        for o in u.activation_orders
        if o.valid_to is not None and o.valid_to <= at
    ]
    if ended:
        end, unit = max(ended, key=lambda e: e[0])
        return (
            False,
            (
                f"unit not activated (activation order of {unit.display_name} "
                f"ended {format_moment(end)})"
            ),
            said(state="ended", unit=unit.display_name, date=end.isoformat()),
        )
    future = [(o.valid_from, u) for u in chain for o in u.activation_orders if o.valid_from > at]
    if future:
        start, unit = min(future, key=lambda e: e[0])
        return (
            False,
            (f"unit not activated (activation of {unit.display_name} from {format_moment(start)})"),
            said(state="not_yet", unit=unit.display_name, date=start.isoformat()),
        )
    return False, "unit not activated", said(state="not_activated")


def _check(cond: Condition, facts: MemberFacts, tree: UnitTree, at: datetime) -> Check:
    if isinstance(cond, QualificationCondition):
        return _check_qualification(cond, facts, at)
    if isinstance(cond, TrainingCondition):
        return _check_training(cond, facts, at)
    if isinstance(cond, FitCondition):
        return _check_fit(facts, at)
    return _check_activation(facts, tree, at)


# --------------------------------------------------------------------------- members


def _as_tree(units: UnitTree | Iterable[UnitFacts]) -> UnitTree:
    return units if isinstance(units, UnitTree) else UnitTree(units)


def _evaluate_member(law: ApplicableLaw, tree: UnitTree, facts: MemberFacts) -> MemberAuthority:
    tree.index_of(facts.unit_id)
    at = law.at
    held: list[PowerHeld] = []
    not_held: list[PowerNotHeld] = []
    for power in law.powers:
        bases: list[GrantBasis] = []
        failures: list[Reason] = []
        blocked: list[Reason] = []
        counting = False
        for grant, standing in law.grants_for(power):
            category = grant.applies_to(facts.agency_kind, facts.unit_category)
            if category is None:
                continue
            label = grant.label
            if not standing.in_effect:
                assert standing.reason_code is not None
                blocked.append(
                    Reason(
                        standing.reason_code,
                        f"{label}: {standing.reason}",
                        grant.act,
                        grant.clause,
                        params=standing.params,
                    )
                )
                continue
            if not standing.act.applies_in(facts.region):
                blocked.append(
                    Reason(
                        ReasonCode.REGION_NOT_COVERED,
                        f"{label}: act does not apply in {facts.region}",
                        grant.act,
                        grant.clause,
                        params=(("region", facts.region),),
                    )
                )
                continue
            counting = True
            met: list[ConditionMet] = []
            failed = False
            for cond in grant.conditions:
                ok, detail, said = _check(cond, facts, tree, at)
                if ok:
                    met.append(ConditionMet(cond, detail, said))
                else:
                    failed = True
                    failures.append(
                        Reason(
                            ReasonCode.CONDITION_NOT_MET,
                            f"{label}: {detail}",
                            grant.act,
                            grant.clause,
                            cond,
                            params=said,
                        )
                    )
            if not failed:
                bases.append(GrantBasis(grant, standing.act.title, category, tuple(met)))
        if bases:
            held.append(PowerHeld(power, power_label(power), tuple(bases)))
            continue
        reasons: list[Reason] = []
        if not counting:
            reasons.append(
                Reason(
                    ReasonCode.NOT_GRANTED,
                    law.not_granted_to_member(power, facts.agency_kind),
                    params=law.not_granted_params(power, facts.agency_kind),
                )
            )
        reasons.extend(failures)
        reasons.extend(blocked)
        not_held.append(PowerNotHeld(power, power_label(power), tuple(reasons)))
    return MemberAuthority(
        member_id=facts.member_id,
        unit_id=facts.unit_id,
        region=facts.region,
        at=at,
        acts_in_effect=law.in_effect,
        proposed=law.proposed,
        held=tuple(held),
        not_held=tuple(not_held),
    )


def evaluate_member(
    facts: MemberFacts,
    units: UnitTree | Iterable[UnitFacts],
    acts: Iterable[LegalAct] | ApplicableLaw,
    at: datetime,
    *,
    with_proposed: Iterable[str] = (),
) -> MemberAuthority:
    """Every power (catalogue and any granted one) held by one member at ``at``.

    ``acts`` is every act known (any status); the acts in force at ``at`` count, plus the
    proposed acts named in ``with_proposed``. An :class:`ApplicableLaw` built for the same
    moment may be passed instead to save resolving the acts again (``with_proposed`` must
    then be empty: the law already says which proposals it adds).
    """
    law = _law(acts, at, with_proposed)
    return _evaluate_member(law, _as_tree(units), facts)


def evaluate_members(
    members: Iterable[MemberFacts],
    units: UnitTree | Iterable[UnitFacts],
    acts: Iterable[LegalAct] | ApplicableLaw,
    at: datetime,
    *,
    with_proposed: Iterable[str] = (),
) -> tuple[MemberAuthority, ...]:
    """:func:`evaluate_member` for several members, resolving the law once."""
    law = _law(acts, at, with_proposed)
    tree = _as_tree(units)
    return tuple(_evaluate_member(law, tree, m) for m in members)


def _law(
    acts: Iterable[LegalAct] | ApplicableLaw, at: datetime, with_proposed: Iterable[str]
) -> ApplicableLaw:
    if isinstance(acts, ApplicableLaw):
        extra = tuple(with_proposed)
        if extra and extra != acts.proposed:
            raise AuthorityError(
                "with_proposed must be empty (or the same) when passing an ApplicableLaw"
            )
        if acts.at != _moment(at):
            raise InvalidMomentError("the ApplicableLaw was resolved for another moment")
        return acts
    return ApplicableLaw(acts, at, with_proposed)


# --------------------------------------------------------------------------- units


def _unit_authority(
    law: ApplicableLaw,
    unit: UnitFacts,
    counts: Mapping[GrantKey, int],
    members_considered: int,
) -> UnitAuthority:
    """Decide and explain a unit's powers from per-grant counts of qualifying members.

    A grant is *relevant* to the unit when it names the unit's own agency kind or
    category; its count is shown for relevant grants and for any grant some member holds
    through. "Not granted … by any act" is said when no counting grant is relevant.
    """
    held: list[UnitPowerHeld] = []
    not_held: list[UnitPowerNotHeld] = []
    for power in law.powers:
        shown: list[UnitGrantCount] = []
        blocked: list[Reason] = []
        relevant_counting = False
        for grant, standing in law.grants_for(power):
            relevant = grant.applies_to(unit.agency_kind, unit.category) is not None
            if not standing.in_effect:
                if relevant:
                    assert standing.reason_code is not None
                    blocked.append(
                        Reason(
                            standing.reason_code,
                            f"{grant.label}: {standing.reason}",
                            grant.act,
                            grant.clause,
                            params=standing.params,
                        )
                    )
                continue
            if relevant and not standing.act.applies_in(unit.region):
                blocked.append(
                    Reason(
                        ReasonCode.REGION_NOT_COVERED,
                        f"{grant.label}: act does not apply in {unit.region}",
                        grant.act,
                        grant.clause,
                        params=(("region", unit.region),),
                    )
                )
                relevant = False
            count = counts.get(grant.key, 0)
            if relevant or count > 0:
                shown.append(
                    UnitGrantCount(grant.act, grant.clause, power, count, grant.min_members)
                )
            relevant_counting = relevant_counting or relevant
        met = tuple(c for c in shown if c.met)
        if met:
            held.append(UnitPowerHeld(power, power_label(power), met))
            continue
        reasons: list[Reason] = []
        if not relevant_counting:
            reasons.append(
                Reason(
                    ReasonCode.NOT_GRANTED,
                    law.not_granted_to_unit(power, unit.agency_kind),
                    params=law.not_granted_params(power, unit.agency_kind),
                )
            )
        reasons.extend(
            Reason(
                ReasonCode.TOO_FEW_MEMBERS,
                c.describe(),
                c.act,
                c.clause,
                params=(("have", str(c.members_holding)), ("need", str(c.required))),
            )
            for c in shown
        )
        reasons.extend(blocked)
        not_held.append(UnitPowerNotHeld(power, power_label(power), tuple(reasons), tuple(shown)))
    return UnitAuthority(
        unit_id=unit.unit_id,
        unit_name=unit.display_name,
        region=unit.region,
        at=law.at,
        acts_in_effect=law.in_effect,
        proposed=law.proposed,
        members_considered=members_considered,
        held=tuple(held),
        not_held=tuple(not_held),
    )


def evaluate_unit(
    unit_id: str,
    members: Iterable[MemberFacts],
    units: UnitTree | Iterable[UnitFacts],
    acts: Iterable[LegalAct] | ApplicableLaw,
    at: datetime,
    *,
    with_proposed: Iterable[str] = (),
) -> UnitAuthority:
    """The powers a unit holds at ``at``. ``members`` may hold anyone; only members of
    the unit and its sub-units are counted."""
    law = _law(acts, at, with_proposed)
    tree = _as_tree(units)
    unit = tree.get(unit_id)
    inside = set(tree.subtree(unit_id))
    counts: Counter[GrantKey] = Counter()
    considered = 0
    for facts in members:
        if facts.unit_id not in inside:
            continue
        considered += 1
        for h in _evaluate_member(law, tree, facts).held:
            for b in h.bases:
                counts[b.grant.key] += 1
    return _unit_authority(law, unit, counts, considered)


# --------------------------------------------------------------------------- batch


def _lookup(vocabulary: tuple[str, ...], wanted: Iterable[str]) -> npt.NDArray[np.bool_]:
    want = set(wanted)
    return np.array([v in want for v in vocabulary], dtype=np.bool_)


class _ColumnEvaluator:
    """Per-member boolean masks for categories, regions and conditions, cached."""

    def __init__(self, table: MemberTable, at: datetime) -> None:
        self.table = table
        self.at = at
        self.at_us = to_epoch_us(at)
        self.n = len(table)
        self._conditions: dict[Condition, npt.NDArray[np.bool_]] = {}
        self._categories: dict[frozenset[Category], npt.NDArray[np.bool_]] = {}
        self._regions: dict[frozenset[str], npt.NDArray[np.bool_]] = {}

    def category(self, cats: frozenset[Category]) -> npt.NDArray[np.bool_]:
        mask = self._categories.get(cats)
        if mask is None:
            t = self.table
            kinds = _lookup(
                t.agency_kinds, (c.code for c in cats if c.axis is CategoryAxis.AGENCY_KIND)
            )
            # index 0 of the unit-category table stands for "no unit category" (code -1)
            ucats = np.concatenate(
                (
                    np.zeros(1, dtype=np.bool_),
                    _lookup(
                        t.unit_categories,
                        (c.code for c in cats if c.axis is CategoryAxis.UNIT_CATEGORY),
                    ),
                )
            )
            mask = np.zeros(self.n, dtype=np.bool_)
            if kinds.any():
                mask |= kinds[t.agency_code]
            if ucats.any():
                mask |= ucats[t.category_code + 1]
            self._categories[cats] = mask
        return mask

    def region(self, regions: frozenset[str]) -> npt.NDArray[np.bool_]:
        mask = self._regions.get(regions)
        if mask is None:
            mask = _lookup(self.table.regions, regions)[self.table.region_code]
            self._regions[regions] = mask
        return mask

    def condition(self, cond: Condition) -> npt.NDArray[np.bool_]:
        mask = self._conditions.get(cond)
        if mask is None:
            t = self.table
            if isinstance(cond, QualificationCondition):
                mask = t.qualifications.members_valid_at(cond.kind, self.at_us, self.n)
            elif isinstance(cond, TrainingCondition):
                mask = t.trainings.members_valid_at(cond.programme, self.at_us, self.n)
            elif isinstance(cond, FitCondition):
                mask = np.zeros(self.n, dtype=np.bool_)
                if len(t.fitness):
                    valid = (t.fitness.start_us <= self.at_us) & (self.at_us < t.fitness.end_us)
                    mask[t.fitness.member[valid]] = True
            else:
                assert isinstance(cond, UnitActivatedCondition)
                mask = t.units.activated_mask(self.at)[t.unit_index]
            self._conditions[cond] = mask
        return mask


class BatchAuthority:
    """Powers of every member and every unit of a :class:`MemberTable` at one moment.

    ``member_held[power]`` is a boolean array over members (table rows);
    ``grant_members[grant key]`` the members holding a power through that grant;
    ``grant_unit_counts[grant key]`` per unit (tree order) the members of its subtree
    holding through that grant; ``unit_held[power]`` a boolean array over units.
    """

    __slots__ = (
        "_members_per_unit",
        "grant_members",
        "grant_unit_counts",
        "law",
        "member_held",
        "table",
        "unit_held",
    )

    def __init__(
        self,
        table: MemberTable,
        law: ApplicableLaw,
        member_held: dict[str, npt.NDArray[np.bool_]],
        grant_members: dict[GrantKey, npt.NDArray[np.bool_]],
        grant_unit_counts: dict[GrantKey, npt.NDArray[np.int64]],
        unit_held: dict[str, npt.NDArray[np.bool_]],
    ) -> None:
        self.table = table
        self.law = law
        self.member_held = member_held
        self.grant_members = grant_members
        self.grant_unit_counts = grant_unit_counts
        self.unit_held = unit_held
        self._members_per_unit: npt.NDArray[np.int64] | None = None

    @property
    def at(self) -> datetime:
        return self.law.at

    @property
    def proposed(self) -> tuple[str, ...]:
        return self.law.proposed

    @property
    def powers(self) -> tuple[str, ...]:
        return self.law.powers

    def member_powers(self, member_id: str) -> frozenset[str]:
        return self.row_powers(self.table.index_of(member_id))

    def row_powers(self, row: int) -> frozenset[str]:
        return frozenset(p for p, m in self.member_held.items() if m[row])

    def row_grants(self, row: int) -> frozenset[GrantKey]:
        return frozenset(k for k, m in self.grant_members.items() if m[row])

    def count_members(self, power: str) -> int:
        mask = self.member_held.get(power)
        return 0 if mask is None else int(np.count_nonzero(mask))

    def units_holding(self, power: str) -> tuple[str, ...]:
        mask = self.unit_held.get(power)
        if mask is None:
            return ()
        ids = self.table.units.unit_ids
        return tuple(ids[k] for k in np.flatnonzero(mask).tolist())

    def unit_powers(self) -> dict[str, frozenset[str]]:
        """Per unit id: the powers the unit holds (empty set when none)."""
        ids = self.table.units.unit_ids
        out: dict[str, set[str]] = {u: set() for u in ids}
        for power, mask in self.unit_held.items():
            for k in np.flatnonzero(mask).tolist():
                out[ids[k]].add(power)
        return {u: frozenset(p) for u, p in out.items()}

    def unit_authority(self, unit_id: str) -> UnitAuthority:
        """The same answer and reasons as :func:`evaluate_unit`, from the batch counts."""
        tree = self.table.units
        k = tree.index_of(unit_id)
        if self._members_per_unit is None:
            direct = np.bincount(self.table.unit_index, minlength=len(tree)).astype(np.int64)
            self._members_per_unit = tree.subtree_totals(direct)
        counts = {key: int(c[k]) for key, c in self.grant_unit_counts.items()}
        return _unit_authority(self.law, tree.at_index(k), counts, int(self._members_per_unit[k]))


def evaluate_table(
    table: MemberTable,
    acts: Iterable[LegalAct] | ApplicableLaw,
    at: datetime,
    *,
    with_proposed: Iterable[str] = (),
) -> BatchAuthority:
    """Every power of every member and unit in ``table`` at ``at``, vectorised.

    Agrees with :func:`evaluate_member` and :func:`evaluate_unit` on who holds what.
    """
    law = _law(acts, at, with_proposed)
    ev = _ColumnEvaluator(table, law.at)
    tree = table.units
    n_units = len(tree)
    member_held: dict[str, npt.NDArray[np.bool_]] = {}
    grant_members: dict[GrantKey, npt.NDArray[np.bool_]] = {}
    grant_unit_counts: dict[GrantKey, npt.NDArray[np.int64]] = {}
    unit_held: dict[str, npt.NDArray[np.bool_]] = {}
    for power in law.powers:
        held = np.zeros(ev.n, dtype=np.bool_)
        units = np.zeros(n_units, dtype=np.bool_)
        for grant, standing in law.grants_for(power):
            if not standing.in_effect:
                continue
            mask = ev.category(grant.categories).copy()
            if mask.any() and standing.act.regions is not None:
                mask &= ev.region(standing.act.regions)
            for cond in grant.conditions:
                if not mask.any():
                    break
                mask &= ev.condition(cond)
            grant_members[grant.key] = mask
            direct = np.bincount(table.unit_index[mask], minlength=n_units).astype(np.int64)
            totals = tree.subtree_totals(direct)
            grant_unit_counts[grant.key] = totals
            held |= mask
            units |= totals >= grant.min_members
        member_held[power] = held
        unit_held[power] = units
    return BatchAuthority(table, law, member_held, grant_members, grant_unit_counts, unit_held)
