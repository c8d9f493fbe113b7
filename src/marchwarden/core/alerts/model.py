"""The alert as the headquarters keeps it, and the CAP 1.2 vocabulary it speaks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from marchwarden.core.access.model import Resource
from marchwarden.core.alerts.errors import InvalidAlert

if TYPE_CHECKING:
    from datetime import datetime

    from marchwarden.core.alerts.areas import AreaSpec


class AlertState(StrEnum):
    """The working state. ``published`` alerts may be revised (back to ``draft`` while
    the last published message stays current) and then updated, or cancelled."""

    DRAFT = "draft"
    APPROVED = "approved"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class MsgType(StrEnum):
    ALERT = "Alert"
    UPDATE = "Update"
    CANCEL = "Cancel"
    ACK = "Ack"
    ERROR = "Error"


class CapScope(StrEnum):
    PUBLIC = "Public"
    RESTRICTED = "Restricted"
    PRIVATE = "Private"


class CapStatus(StrEnum):
    ACTUAL = "Actual"
    EXERCISE = "Exercise"
    SYSTEM = "System"
    TEST = "Test"
    DRAFT = "Draft"


class Category(StrEnum):
    GEO = "Geo"
    MET = "Met"
    SAFETY = "Safety"
    SECURITY = "Security"
    RESCUE = "Rescue"
    FIRE = "Fire"
    HEALTH = "Health"
    ENV = "Env"
    TRANSPORT = "Transport"
    INFRA = "Infra"
    CBRNE = "CBRNE"
    OTHER = "Other"


class Urgency(StrEnum):
    IMMEDIATE = "Immediate"
    EXPECTED = "Expected"
    FUTURE = "Future"
    PAST = "Past"
    UNKNOWN = "Unknown"


class CapSeverity(StrEnum):
    EXTREME = "Extreme"
    SEVERE = "Severe"
    MODERATE = "Moderate"
    MINOR = "Minor"
    UNKNOWN = "Unknown"


class Certainty(StrEnum):
    OBSERVED = "Observed"
    LIKELY = "Likely"
    POSSIBLE = "Possible"
    UNLIKELY = "Unlikely"
    UNKNOWN = "Unknown"


class Instruction(StrEnum):
    """What people are told to do; each maps to a CAP ``responseType``."""

    SHELTER_IN_PLACE = "shelter_in_place"
    EVACUATE = "evacuate"
    AVOID_AREA = "avoid_area"
    ALL_CLEAR = "all_clear"

    @property
    def response_type(self) -> str:
        return _RESPONSE[self]


_RESPONSE = {
    Instruction.SHELTER_IN_PLACE: "Shelter",
    Instruction.EVACUATE: "Evacuate",
    Instruction.AVOID_AREA: "Avoid",
    Instruction.ALL_CLEAR: "AllClear",
}

#: RFC 3066 language tag (``en``, ``ru``, ``en-GB``, ``sr-Latn``)
_LANGUAGE = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
MAX_INFOS = 8


@dataclass(frozen=True, slots=True)
class InfoText:
    """One ``<info>`` block's words, in one language."""

    language: str
    headline: str
    description: str
    instruction: str


@dataclass(frozen=True, slots=True)
class AlertContent:
    """What an alert says and where; the same for every language but the words."""

    event: str
    category: Category
    urgency: Urgency
    severity: CapSeverity
    certainty: Certainty
    instruction: Instruction
    texts: tuple[InfoText, ...]
    area: AreaSpec
    expires: datetime
    scope: CapScope = CapScope.PUBLIC
    status: CapStatus = CapStatus.ACTUAL
    restriction: str = ""
    addresses: str = ""
    incident_id: int | None = None

    def check(self, now: datetime) -> None:
        """The rules every alert's content keeps (``InvalidAlert`` otherwise)."""
        if not self.event.strip():
            raise InvalidAlert.said("alert.event_empty", "event must not be empty")
        if not self.texts:
            raise InvalidAlert.said(
                "alert.alert_needs_least_one",
                "an alert needs at least one info block (one per language)",
            )
        if len(self.texts) > MAX_INFOS:
            raise InvalidAlert.said(
                "alert.too_many_infos", "at most {most} info blocks", most=MAX_INFOS
            )
        seen: set[str] = set()
        for text in self.texts:
            if not _LANGUAGE.match(text.language):
                raise InvalidAlert.said(
                    "alert.bad_language",
                    "language '{language}' is not an RFC 3066 code",
                    language=text.language,
                )
            key = text.language.lower()
            if key in seen:
                raise InvalidAlert.said(
                    "alert.two_info_blocks_language",
                    "two info blocks in language '{language}': one each",
                    language=text.language,
                )
            seen.add(key)
            if not text.headline.strip():
                raise InvalidAlert.said(
                    "alert.info_block_needs_headline",
                    "the {language} info block needs a headline",
                    language=text.language,
                )
        if self.expires <= now:
            raise InvalidAlert.said(
                "alert.expires_past",
                "expires ({expires}) is not in the future",
                expires=self.expires.isoformat(),
            )
        if self.scope is CapScope.RESTRICTED and not self.restriction.strip():
            raise InvalidAlert.said(
                "alert.restricted_alert_needs_restriction",
                "a Restricted alert needs a restriction (who may see it)",
            )
        if self.scope is CapScope.PRIVATE and not self.addresses.strip():
            raise InvalidAlert.said(
                "alert.private_alert_needs_addresses",
                "a Private alert needs addresses (its recipients)",
            )


@dataclass(frozen=True, slots=True)
class CapRef:
    """An earlier message, as CAP ``references`` names it."""

    sender: str
    identifier: str
    sent: datetime

    def text(self) -> str:
        return f"{self.sender},{self.identifier},{cap_time(self.sent)}"


@dataclass(frozen=True, slots=True)
class AlertMessage:
    """A CAP message the alert has published (its document is stored with it)."""

    identifier: str
    sender: str
    sent: datetime
    msg_type: MsgType

    def ref(self) -> CapRef:
        return CapRef(self.sender, self.identifier, self.sent)


@dataclass(frozen=True, slots=True)
class AreaSummary:
    """What the area covered when it was last resolved."""

    description: str
    settlement_ids: tuple[int, ...]
    population: int
    regions: frozenset[str]


@dataclass(frozen=True, slots=True)
class Alert:
    id: int
    state: AlertState
    content: AlertContent
    area: AreaSummary
    created_by: str
    created_by_id: int | None
    created_at: datetime
    approved_by: str | None = None
    approved_by_id: int | None = None
    messages: tuple[AlertMessage, ...] = ()
    external: bool = False
    sender: str | None = None
    """For an imported alert: the authority that sent it."""

    @property
    def live(self) -> bool:
        """Its last published message is an Alert or Update (not a Cancel)."""
        return bool(self.messages) and self.messages[-1].msg_type is not MsgType.CANCEL

    def current(self, now: datetime) -> bool:
        """In the feed: live and not expired."""
        return self.live and self.content.expires > now

    def resource(self) -> Resource:
        return alert_resource(self.area.regions)


def alert_resource(regions: frozenset[str]) -> Resource:
    """An alert's resource for access decisions: one region, or none (then only an
    all-regions scope covers it). ``regions`` of several: decided per region by
    ``policy.decide_in_regions``."""
    only = next(iter(regions)) if len(regions) == 1 else None
    return Resource("alert", region=only)


def cap_time(at: datetime) -> str:
    """CAP 1.2 dateTime: seconds and a numeric offset (``Z`` is not allowed; an aware
    datetime's ``isoformat`` gives ``+00:00`` for UTC)."""
    if at.utcoffset() is None:
        raise ValueError("CAP times carry a time-zone offset; got a naive datetime")
    return at.isoformat(timespec="seconds")
