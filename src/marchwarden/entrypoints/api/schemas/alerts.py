"""API schemas of public alerts (CAP 1.2) and webhook subscriptions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, Field

from marchwarden import geodata
from marchwarden.core.alerts.areas import AreaKind, AreaSpec, ResolvedArea
from marchwarden.core.alerts.model import (
    AlertContent,
    AlertState,
    CapScope,
    CapSeverity,
    CapStatus,
    Category,
    Certainty,
    InfoText,
    Instruction,
    Urgency,
)
from marchwarden.entrypoints.api.schemas.base import Schema
from marchwarden.entrypoints.api.schemas.types import Id
from marchwarden.services.alerts import AlertView

Text = Annotated[str, Field(max_length=4000)]


class AreaIn(Schema):
    """``polygon``: ``ring`` of [lon, lat] (GeoJSON order), closed; ``circle``: ``center``
    [lon, lat] and ``radius_km``; ``settlements``: GeoNames ``settlement_ids``;
    ``region``: an ISO 3166-2 ``region`` code."""

    kind: AreaKind
    ring: list[Annotated[list[float], Field(min_length=2, max_length=2)]] = Field(
        default_factory=list, max_length=100_001
    )
    center: Annotated[list[float], Field(min_length=2, max_length=2)] | None = None
    radius_km: float | None = None
    settlement_ids: list[Id] = Field(default_factory=list, max_length=2000)
    region: Annotated[str, Field(max_length=16)] | None = None
    description: Annotated[str, Field(max_length=500)] = ""

    def spec(self) -> AreaSpec:
        return AreaSpec(
            kind=self.kind,
            ring=tuple((p[0], p[1]) for p in self.ring),
            center=(self.center[0], self.center[1]) if self.center else None,
            radius_km=self.radius_km,
            settlement_ids=tuple(self.settlement_ids),
            region=self.region,
            description=self.description,
        )


class InfoIn(Schema):
    language: Annotated[str, Field(min_length=1, max_length=35)]
    headline: Annotated[str, Field(max_length=160)]
    description: Text = ""
    instruction: Text = ""


class AlertIn(Schema):
    event: Annotated[str, Field(min_length=1, max_length=200)]
    category: Category = Category.SECURITY
    urgency: Urgency = Urgency.IMMEDIATE
    severity: CapSeverity
    certainty: Certainty = Certainty.OBSERVED
    instruction: Instruction
    infos: Annotated[list[InfoIn], Field(min_length=1, max_length=8)]
    area: AreaIn
    expires: AwareDatetime
    scope: CapScope = CapScope.PUBLIC
    status: CapStatus = CapStatus.ACTUAL
    restriction: Annotated[str, Field(max_length=500)] = ""
    addresses: Annotated[str, Field(max_length=2000)] = ""
    incident_id: Id | None = None

    def content(self) -> AlertContent:
        return AlertContent(
            event=self.event,
            category=self.category,
            urgency=self.urgency,
            severity=self.severity,
            certainty=self.certainty,
            instruction=self.instruction,
            texts=tuple(
                InfoText(i.language, i.headline, i.description, i.instruction) for i in self.infos
            ),
            area=self.area.spec(),
            expires=self.expires,
            scope=self.scope,
            status=self.status,
            restriction=self.restriction,
            addresses=self.addresses,
            incident_id=self.incident_id,
        )


class FromIncidentIn(Schema):
    instruction: Instruction = Instruction.SHELTER_IN_PLACE
    area: AreaIn | None = None
    languages: list[str] = Field(default_factory=lambda: ["ru", "en"], min_length=1, max_length=8)


class SettlementOut(Schema):
    id: int
    name: str
    region: str
    population: int


class PreviewOut(Schema):
    description: str
    settlement_count: int
    population: int
    regions: list[str]
    settlements: list[SettlementOut]
    geometry: dict[str, Any]

    @classmethod
    def of(cls, area: ResolvedArea) -> PreviewOut:
        return cls(
            description=area.description,
            settlement_count=len(area.settlements),
            population=area.population,
            regions=sorted(area.regions),
            settlements=[
                SettlementOut(id=s.id, name=s.name, region=s.region, population=s.population)
                for s in sorted(area.settlements, key=lambda s: -s.population)
            ],
            geometry=area.geojson(),
        )


class MessageOut(Schema):
    identifier: str
    msg_type: str
    sent: datetime
    url: str


class AlertOut(Schema):
    id: int
    state: AlertState
    live: bool
    current: bool
    external: bool
    sender: str | None
    event: str
    category: Category
    urgency: Urgency
    severity: CapSeverity
    certainty: Certainty
    instruction: Instruction
    infos: list[InfoIn]
    area: AreaIn
    area_description: str
    regions: list[str]
    population: int
    settlements: list[SettlementOut]
    geometry: dict[str, Any]
    expires: datetime
    scope: CapScope
    status: CapStatus
    incident_id: int | None
    created_by: str
    created_at: datetime
    approved_by: str | None
    needs_second_person: bool
    #: whether the caller may approve it now (policy and the second-person rule)
    may_approve: bool
    messages: list[MessageOut]
    deliveries: dict[str, int]

    @classmethod
    def of(cls, v: AlertView, now: datetime) -> AlertOut:
        a = v.alert
        c = a.content
        by_id = {s.id: s for s in geodata.settlements()}
        spec = c.area
        return cls(
            id=a.id,
            state=a.state,
            live=a.live,
            current=a.current(now),
            external=a.external,
            sender=a.sender,
            event=c.event,
            category=c.category,
            urgency=c.urgency,
            severity=c.severity,
            certainty=c.certainty,
            instruction=c.instruction,
            infos=[
                InfoIn(
                    language=t.language,
                    headline=t.headline,
                    description=t.description,
                    instruction=t.instruction,
                )
                for t in c.texts
            ],
            area=AreaIn(
                kind=spec.kind,
                ring=[[x, y] for x, y in spec.ring],
                center=list(spec.center) if spec.center else None,
                radius_km=spec.radius_km,
                settlement_ids=list(spec.settlement_ids),
                region=spec.region,
                description=spec.description,
            ),
            area_description=a.area.description,
            regions=sorted(a.area.regions),
            population=a.area.population,
            settlements=[
                SettlementOut(id=s.id, name=s.name, region=s.region, population=s.population)
                for s in (by_id[i] for i in a.area.settlement_ids if i in by_id)
            ],
            geometry=v.geometry,
            expires=c.expires,
            scope=c.scope,
            status=c.status,
            incident_id=c.incident_id,
            created_by=a.created_by,
            created_at=a.created_at,
            approved_by=a.approved_by,
            needs_second_person=v.needs_second_person,
            may_approve=v.may_approve,
            messages=[
                MessageOut(
                    identifier=m.identifier,
                    msg_type=m.msg_type.value,
                    sent=m.sent,
                    url=f"{v.base_url}/cap/{m.identifier}.xml",
                )
                for m in a.messages
            ],
            deliveries=v.deliveries,
        )


class AlertPage(Schema):
    items: list[AlertOut]


class DeliveryOut(Schema):
    id: int
    identifier: str
    msg_type: str
    subscription_id: int
    subscriber: str
    status: str
    attempts: int
    last_status: int | None
    last_error: str | None
    last_attempt_at: datetime | None
    delivered_at: datetime | None


class SubscriptionIn(Schema):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    url: Annotated[str, Field(min_length=8, max_length=2000, pattern=r"^https?://")]
    secret: Annotated[str, Field(min_length=16, max_length=200)]
    regions: list[str] = Field(default_factory=list, max_length=50)


class SubscriptionOut(Schema):
    id: int
    name: str
    url: str
    regions: list[str]
    active: bool
    failing: bool
    consecutive_failures: int
    created_by: str
    created_at: datetime


class ImportOut(Schema):
    outcome: str
    alert_id: int | None
    sender: str
    identifier: str
    reason: str = ""


class ImportFeedIn(Schema):
    url: Annotated[str, Field(min_length=8, max_length=2000, pattern=r"^https?://")]
