from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, Field

from marchwarden.core.authority.evaluation import GrantBasis, Reason
from marchwarden.core.authority.model import (
    POWER_CATALOGUE,
    ActStatus,
    CategoryAxis,
    Condition,
    FitCondition,
    Grant,
    LegalAct,
    QualificationCondition,
    TrainingCondition,
    UnitActivatedCondition,
)
from marchwarden.entrypoints.api.schemas.base import Schema
from marchwarden.entrypoints.api.schemas.types import Id


class CategoryIO(Schema):
    axis: CategoryAxis
    code: str = Field(min_length=1, max_length=64)


class ConditionIO(Schema):
    kind: Literal["qualification", "training", "fit", "unit_activated"]
    value: str | None = Field(default=None, max_length=64)

    def to_core(self) -> Condition:
        if self.kind in ("qualification", "training") and not self.value:
            from marchwarden.core.errors import Invalid

            raise Invalid.said(
                "law.condition_needs_value", "a {kind} condition needs a value", kind=self.kind
            )
        if self.kind == "qualification":
            return QualificationCondition(str(self.value))
        if self.kind == "training":
            return TrainingCondition(str(self.value))
        if self.kind == "fit":
            return FitCondition()
        return UnitActivatedCondition()

    @classmethod
    def of(cls, c: Condition) -> ConditionIO:
        if isinstance(c, QualificationCondition):
            return cls(kind="qualification", value=c.kind)
        if isinstance(c, TrainingCondition):
            return cls(kind="training", value=c.programme)
        if isinstance(c, FitCondition):
            return cls(kind="fit")
        return cls(kind="unit_activated")


class GrantIO(Schema):
    clause: str = Field(min_length=1, max_length=32)
    power: str = Field(min_length=1, max_length=64)
    categories: list[CategoryIO] = Field(min_length=1, max_length=20)
    conditions: list[ConditionIO] = Field(default_factory=list, max_length=20)
    min_members: int = Field(default=1, ge=1, le=100_000)
    description: str | None = None

    @classmethod
    def of(cls, g: Grant) -> GrantIO:
        return cls(
            clause=g.clause,
            power=g.power,
            categories=[CategoryIO(axis=c.axis, code=c.code) for c in sorted(g.categories)],
            conditions=[ConditionIO.of(c) for c in g.conditions],
            min_members=g.min_members,
            description=g.describe(),
        )


class ActIn(Schema):
    reference: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    title: str = Field(min_length=1, max_length=300)
    status: Literal["draft", "proposed"] = "draft"
    effective_from: AwareDatetime | None = None
    effective_to: AwareDatetime | None = None
    regions: list[str] | None = Field(default=None, max_length=100)
    grants: list[GrantIO] = Field(default_factory=list, max_length=200)


class ActOut(Schema):
    reference: str
    title: str
    status: ActStatus
    effective_from: datetime | None
    effective_to: datetime | None
    regions: list[str] | None
    grants: list[GrantIO]

    @classmethod
    def of(cls, a: LegalAct) -> ActOut:
        return cls(
            reference=a.reference,
            title=a.title,
            status=a.status,
            effective_from=a.effective_from,
            effective_to=a.effective_to,
            regions=None if a.regions is None else sorted(a.regions),
            grants=[GrantIO.of(g) for g in a.grants],
        )


class ActStatusIn(Schema):
    status: ActStatus
    effective_from: AwareDatetime | None = None
    effective_to: AwareDatetime | None = None


class OrderIn(Schema):
    unit_id: Id
    reference: str = Field(min_length=1, max_length=100)
    valid_from: AwareDatetime
    valid_to: AwareDatetime | None = None


class OrderOut(Schema):
    id: int
    unit_id: int
    reference: str
    issued_by: str
    issued_at: datetime
    valid_from: datetime
    valid_to: datetime | None


class ReasonOut(Schema):
    """Why a power is not held: ``code`` (not_granted, act_not_in_force,
    act_not_yet_effective, act_no_longer_effective, act_repealed, region_not_covered,
    condition_not_met, too_few_members), the grant's act and clause, the sentence in
    English, and what it says for a reader in another language (``params``: power, kind,
    proposed; status, since, until; region; have, need)."""

    code: str
    act: str | None
    clause: str | None
    text: str
    params: dict[str, str]

    @classmethod
    def of(cls, reason: Reason) -> ReasonOut:
        return cls(
            code=reason.code.value,
            act=reason.act,
            clause=reason.clause,
            text=reason.text,
            params=dict(reason.params),
        )


class HeldByOut(Schema):
    """What a line of ``basis`` says, for a reader in another language: a member's grant
    (the category it names and each condition met: ``condition``, ``name``, ``state``,
    ``date``, ``until``, ``unit``) — the page writes the line from these."""

    act: str
    clause: str
    axis: str
    category: str
    conditions: list[dict[str, str]]

    @classmethod
    def of(cls, basis: GrantBasis) -> HeldByOut:
        return cls(
            act=basis.act,
            clause=basis.clause,
            axis=basis.category.axis.value,
            category=basis.category.code,
            conditions=[dict(c.params) for c in basis.conditions],
        )


class PowerOut(Schema):
    power: str
    label: str
    held: bool
    #: how it is held: "LSD-2023 c.2: training(self_defence_programme) ✓ ..." lines
    basis: list[str]
    #: a member's: the same lines as data, one per line of ``basis`` (a unit's: none; its
    #: lines are the counts "c.3: 9 of 8 required members hold …")
    held_by: list[HeldByOut]
    #: why it is not held
    missing: list[str]
    #: the same reasons, each with its code and what it says
    reasons: list[ReasonOut]


class AuthorityOut(Schema):
    subject: Literal["member", "unit"]
    id: int
    name: str
    at: datetime
    acts: list[str]
    with_proposed: list[str]
    powers: list[PowerOut]


class UnitPowersOut(Schema):
    """The powers every visible unit holds at one moment (reasons: per unit)."""

    at: datetime
    acts: list[str]
    with_proposed: list[str]
    #: unit id -> the powers it holds, in the order of GET /law/powers
    units: dict[int, list[str]]


class PowerCatalogueOut(Schema):
    power: str
    label: str


def catalogue() -> list[PowerCatalogueOut]:
    return [PowerCatalogueOut(power=p, label=label) for p, label in POWER_CATALOGUE.items()]


class RegionChangeOut(Schema):
    region: str
    members_before: int
    members_after: int
    members_gained: int
    members_lost: int
    units_before: int
    units_after: int
    units_gaining: list[dict[str, object]]
    units_losing: list[dict[str, object]]


class PowerChangeOut(Schema):
    power: str
    label: str
    members_gained: int
    members_lost: int
    units_gained: int
    units_lost: int
    regions: list[RegionChangeOut]


class SettlementOut(Schema):
    id: int
    name: str
    region: str
    population: int
    lon: float
    lat: float
    minutes_before: float | None = None
    minutes_after: float | None = None


class CoverageOut(Schema):
    power: str
    minutes: float
    border_band_km: float
    travel_model: str
    settlements_considered: int
    population_considered: int
    covered_before: int
    covered_after: int
    population_before: int
    population_after: int
    units_before: int
    units_after: int
    gained: list[SettlementOut]
    lost: list[SettlementOut]


class WhatIfOut(Schema):
    at: datetime
    baseline: str
    proposed: list[str]
    powers: list[PowerChangeOut]
    coverage: CoverageOut
    army_units_moved: int
