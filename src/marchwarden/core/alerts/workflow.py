"""The alert workflow as pure decisions: draft → approved → published; a published
alert is revised (back to draft, its last message stays current), approved again and
published as an Update; or cancelled.

Each decision takes the alert as it is, checks the rule, and returns the alert as it
becomes with the events that say so. Second-person approval: an alert whose severity is
in ``ApprovalRule.second_person`` must be approved by someone other than the person who
drafted (or last revised) it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from marchwarden.core.alerts.cap import MessageHeader
from marchwarden.core.alerts.errors import IllegalAlertStep, InvalidAlert, SecondPersonRequired
from marchwarden.core.alerts.events import (
    AlertApproved,
    AlertCancelled,
    AlertDrafted,
    AlertPublished,
)
from marchwarden.core.alerts.model import (
    Alert,
    AlertContent,
    AlertMessage,
    AlertState,
    AreaSummary,
    CapSeverity,
    MsgType,
)

if TYPE_CHECKING:
    from datetime import datetime

    from marchwarden.core.access.model import Principal
    from marchwarden.core.alerts.areas import ResolvedArea
    from marchwarden.core.events import DomainEvent

DEFAULT_SECOND_PERSON = frozenset({CapSeverity.EXTREME, CapSeverity.SEVERE})


@dataclass(frozen=True, slots=True)
class ApprovalRule:
    second_person: frozenset[CapSeverity] = DEFAULT_SECOND_PERSON

    def needs_second_person(self, severity: CapSeverity) -> bool:
        return severity in self.second_person


def summary(area: ResolvedArea) -> AreaSummary:
    return AreaSummary(
        description=area.description,
        settlement_ids=tuple(s.id for s in area.settlements),
        population=area.population,
        regions=area.regions,
    )


def _base(alert: Alert) -> dict[str, object]:
    return {
        "alert_id": alert.id,
        "regions": tuple(sorted(alert.area.regions)),
        "incident_id": alert.content.incident_id,
        "event": alert.content.event,
        "severity": alert.content.severity.value,
        "scope": alert.content.scope.value,
    }


def check_draft(content: AlertContent, area: ResolvedArea, now: datetime) -> AreaSummary:
    """The rules of a new draft; its area summary."""
    content.check(now)
    if not area.settlements and area.population == 0 and area.spec.kind.value != "polygon":
        raise InvalidAlert.said("alert.area_holds_no_settlement", "the area holds no settlement")
    return summary(area)


def drafted(alert: Alert, *, revision: bool = False) -> list[DomainEvent]:
    """The events of a draft just stored (``alert`` carries its new id)."""
    return [
        AlertDrafted(
            **_base(alert),  # type: ignore[arg-type]
            instruction=alert.content.instruction.value,
            area=alert.area.description,
            population=alert.area.population,
            settlements=len(alert.area.settlement_ids),
            revision=revision,
        )
    ]


def revise(
    alert: Alert, actor: Principal, content: AlertContent, area: ResolvedArea, now: datetime
) -> tuple[Alert, list[DomainEvent]]:
    """New content for a draft, an approved or a published alert: it is a draft again
    (any approval is void) drafted by ``actor``; a published one stays in the feed with
    its last message until the revision is published as an Update."""
    if alert.external:
        raise IllegalAlertStep.said(
            "alert.imported_alert_changed_only", "an imported alert is changed only by its sender"
        )
    if alert.state is AlertState.CANCELLED:
        raise IllegalAlertStep.said(
            "alert.cancelled", "alert {id} is cancelled; compose a new one", id=alert.id
        )
    if content.incident_id != alert.content.incident_id:
        raise InvalidAlert.said(
            "alert.alert_incident_cannot_change", "an alert's incident cannot change"
        )
    area_summary = check_draft(content, area, now)
    after = dataclasses.replace(
        alert,
        state=AlertState.DRAFT,
        content=content,
        area=area_summary,
        created_by=actor.username,
        created_by_id=actor.user_id,
        approved_by=None,
        approved_by_id=None,
    )
    return after, drafted(after, revision=True)


def approvable_by(alert: Alert, actor: Principal, rule: ApprovalRule) -> bool:
    """Whether ``approve`` would accept this person's approval now (the workflow's side;
    the policy's side, ``alert.approve`` in the area's regions, is the caller's check)."""
    if alert.external or alert.state is not AlertState.DRAFT:
        return False
    return not (
        rule.needs_second_person(alert.content.severity) and actor.user_id == alert.created_by_id
    )


def approve(alert: Alert, actor: Principal, rule: ApprovalRule) -> tuple[Alert, list[DomainEvent]]:
    if alert.state is not AlertState.DRAFT:
        raise IllegalAlertStep.said(
            "alert.approve_not_draft",
            "alert {id} is {state}; only a draft can be approved",
            id=alert.id,
            state=alert.state.value,
        )
    severity = alert.content.severity
    if rule.needs_second_person(severity) and actor.user_id == alert.created_by_id:
        raise SecondPersonRequired.said(
            "alert.alert_approved_second_person",
            "a {severity} alert must be approved by a second person, not by {username} who "
            "drafted it",
            severity=severity.value,
            username=actor.username,
        )
    after = dataclasses.replace(
        alert, state=AlertState.APPROVED, approved_by=actor.username, approved_by_id=actor.user_id
    )
    event = AlertApproved(**_base(after), by=actor.username, drafted_by=alert.created_by)  # type: ignore[arg-type]
    return after, [event]


def next_header(
    alert: Alert,
    *,
    identifier: str,
    sender: str,
    sender_name: str,
    sent: datetime,
    web: str,
    cancel: bool = False,
) -> MessageHeader:
    """The header of the alert's next message: ``Alert`` first, then ``Update`` (or
    ``Cancel``) referencing every earlier message."""
    msg_type = MsgType.CANCEL if cancel else MsgType.UPDATE if alert.messages else MsgType.ALERT
    return MessageHeader(
        identifier=identifier,
        sender=sender,
        sender_name=sender_name,
        sent=sent,
        msg_type=msg_type,
        references=tuple(m.ref() for m in alert.messages),
        web=web,
        note="Cancelled by the issuing headquarters" if cancel else "",
    )


def publish(alert: Alert, header: MessageHeader, now: datetime) -> tuple[Alert, list[DomainEvent]]:
    """Publish an approved alert as ``header`` says (built by ``next_header``)."""
    if alert.state is not AlertState.APPROVED:
        raise IllegalAlertStep.said(
            "alert.publish_not_approved",
            "alert {id} is {state}; only an approved alert can be published",
            id=alert.id,
            state=alert.state.value,
        )
    if alert.content.expires <= now:
        raise InvalidAlert.said(
            "alert.expired",
            "alert {id} expired at {expires}; revise it",
            id=alert.id,
            expires=alert.content.expires.isoformat(),
        )
    message = AlertMessage(header.identifier, header.sender, header.sent, header.msg_type)
    after = dataclasses.replace(
        alert, state=AlertState.PUBLISHED, messages=(*alert.messages, message)
    )
    event = AlertPublished(
        **_base(after),  # type: ignore[arg-type]
        identifier=header.identifier,
        msg_type=header.msg_type.value,
        references=tuple(r.text() for r in header.references),
        expires=alert.content.expires,
    )
    return after, [event]


def cancel(alert: Alert, header: MessageHeader) -> tuple[Alert, list[DomainEvent]]:
    """Cancel a live alert (a Cancel message referencing every earlier one)."""
    if alert.external:
        raise IllegalAlertStep.said(
            "alert.imported_alert_cancelled_only",
            "an imported alert is cancelled only by its sender",
        )
    if not alert.live:
        raise IllegalAlertStep.said(
            "alert.nothing_to_cancel",
            "alert {id} has no current published message to cancel (state {state})",
            id=alert.id,
            state=alert.state.value,
        )
    message = AlertMessage(header.identifier, header.sender, header.sent, MsgType.CANCEL)
    after = dataclasses.replace(
        alert, state=AlertState.CANCELLED, messages=(*alert.messages, message)
    )
    event = AlertCancelled(
        **_base(after),  # type: ignore[arg-type]
        identifier=header.identifier,
        references=tuple(r.text() for r in header.references),
    )
    return after, [event]
