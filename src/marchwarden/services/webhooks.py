"""Webhook subscriptions: who gets every published CAP message of which regions."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from marchwarden import geodata
from marchwarden.core.access.model import Resource
from marchwarden.core.access.policy import Action
from marchwarden.core.errors import Invalid
from marchwarden.core.events import AuditFacts, DomainEvent
from marchwarden.services.context import authorise

if TYPE_CHECKING:
    from marchwarden.core.access.model import Principal
    from marchwarden.services.civil_ports import Subscription
    from marchwarden.services.context import Services


@dataclasses.dataclass(frozen=True, kw_only=True)
class WebhookSubscribed(DomainEvent):
    read_action = Action.WEBHOOK_MANAGE
    subscription_id: int
    name: str
    url: str
    regions: tuple[str, ...]

    def resource(self) -> Resource:
        return Resource.everywhere("webhook")

    def audit(self) -> AuditFacts:
        return AuditFacts(
            "webhook.subscribe",
            "webhook",
            self.subscription_id,
            {"name": self.name, "url": self.url, "regions": list(self.regions)},
        )


def subscribe(
    svc: Services, actor: Principal, *, name: str, url: str, secret: str, regions: list[str]
) -> Subscription:
    authorise(actor, Action.WEBHOOK_MANAGE)
    known = {r.code for r in geodata.regions()}
    unknown = sorted(set(regions) - known)
    if unknown:
        raise Invalid.said(
            "alert.unknown_regions_known",
            "unknown regions {unknown}; known: {known}",
            unknown=unknown,
            known=", ".join(sorted(known)),
        )
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        sub_id = uow.webhooks.add(
            name=name, url=url, secret=secret, regions=regions, by=actor.username, now=now
        )
        event = WebhookSubscribed(
            subscription_id=sub_id, name=name, url=url, regions=tuple(sorted(regions))
        )
        uow.record(actor, [event], at=now)
        sub = uow.webhooks.get(sub_id)
        uow.commit()
    assert sub is not None
    return sub


def list_subscriptions(svc: Services, actor: Principal) -> list[Subscription]:
    authorise(actor, Action.WEBHOOK_MANAGE)
    with svc.db.unit_of_work(write=False) as uow:
        return uow.webhooks.subscriptions()
