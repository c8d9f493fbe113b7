"""Marchwarden incident types and their mapping onto the ACLED event taxonomy.

ACLED's 6 event types and 25 sub-event types are the research standard for conflict
events. Marchwarden has one incident type per ACLED sub-event type, plus the words field
reporters and border headquarters use for what they see, each mapped to the nearest
ACLED pair for export:

================================  =============================================
type (code)                       nearest ACLED pair
================================  =============================================
``cross_border_incursion``        Battles / Armed clash
``gunfire``                       Battles / Armed clash
``shelling``                      Explosions/Remote violence / Shelling/artillery/missile attack
``drone_attack``                  Explosions/Remote violence / Air/drone strike
``explosion``                     Explosions/Remote violence / Shelling/artillery/missile attack
``unexploded_ordnance``           Strategic developments / Disrupted weapons use
``sabotage_of_infrastructure``    Strategic developments / Looting/property destruction
``airspace_violation``            Strategic developments / Other
================================  =============================================

``gunfire`` and ``explosion`` are observations (what a villager hears) rather than
analysed events; they exist so that a field report need not guess the cause.

Compatibility (used by correlation: may a report of type X belong to an incident of
type Y?) is expressed through *families*: two types are compatible when they are the
same type or share a family. The relation is therefore symmetric by construction. A
type in no family is compatible only with itself.

- ``ground_fighting``: an armed incursion and what accompanies it on the ground —
  cross-border incursion, gunfire, armed clash, territory taken or regained, grenade,
  attack on civilians, abduction, an explosion heard.
- ``remote_violence``: strikes from a distance — drone attack, air/drone strike,
  shelling (both), remote explosive/IED, suicide bomb, chemical weapon, grenade,
  explosion, unexploded ordnance afterwards, interception (disrupted weapons use), an
  airspace violation (the drone seen before it strikes).
- ``sabotage``: sabotage of infrastructure, remote explosive/IED, explosion, property
  destruction.
- ``violence_against_civilians``: sexual violence, attack on civilians, abduction, mob
  violence.
- ``unrest``: the protest and riot sub-events.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING

from marchwarden.core.incidents.errors import UnknownIncidentType

if TYPE_CHECKING:
    from collections.abc import Mapping


class AcledEventType(StrEnum):
    """ACLED event types; values are ACLED's own spelling (for export)."""

    BATTLES = "Battles"
    EXPLOSIONS_REMOTE_VIOLENCE = "Explosions/Remote violence"
    VIOLENCE_AGAINST_CIVILIANS = "Violence against civilians"
    PROTESTS = "Protests"
    RIOTS = "Riots"
    STRATEGIC_DEVELOPMENTS = "Strategic developments"


class AcledSubEventType(StrEnum):
    """ACLED sub-event types; values are ACLED's own spelling (for export)."""

    ARMED_CLASH = "Armed clash"
    GOVERNMENT_REGAINS_TERRITORY = "Government regains territory"
    NON_STATE_ACTOR_OVERTAKES_TERRITORY = "Non-state actor overtakes territory"
    CHEMICAL_WEAPON = "Chemical weapon"
    AIR_DRONE_STRIKE = "Air/drone strike"
    SUICIDE_BOMB = "Suicide bomb"
    SHELLING_ARTILLERY_MISSILE_ATTACK = "Shelling/artillery/missile attack"
    REMOTE_EXPLOSIVE_LANDMINE_IED = "Remote explosive/landmine/IED"
    GRENADE = "Grenade"
    SEXUAL_VIOLENCE = "Sexual violence"
    ATTACK = "Attack"
    ABDUCTION_FORCED_DISAPPEARANCE = "Abduction/forced disappearance"
    PEACEFUL_PROTEST = "Peaceful protest"
    PROTEST_WITH_INTERVENTION = "Protest with intervention"
    EXCESSIVE_FORCE_AGAINST_PROTESTERS = "Excessive force against protesters"
    VIOLENT_DEMONSTRATION = "Violent demonstration"
    MOB_VIOLENCE = "Mob violence"
    AGREEMENT = "Agreement"
    ARRESTS = "Arrests"
    CHANGE_TO_GROUP_ACTIVITY = "Change to group/activity"
    DISRUPTED_WEAPONS_USE = "Disrupted weapons use"
    HEADQUARTERS_OR_BASE_ESTABLISHED = "Headquarters or base established"
    LOOTING_PROPERTY_DESTRUCTION = "Looting/property destruction"
    NON_VIOLENT_TRANSFER_OF_TERRITORY = "Non-violent transfer of territory"
    OTHER = "Other"


_E = AcledEventType
_U = AcledSubEventType

ACLED_SUB_EVENT_TYPES: Mapping[AcledEventType, tuple[AcledSubEventType, ...]] = MappingProxyType(
    {
        _E.BATTLES: (
            _U.ARMED_CLASH,
            _U.GOVERNMENT_REGAINS_TERRITORY,
            _U.NON_STATE_ACTOR_OVERTAKES_TERRITORY,
        ),
        _E.EXPLOSIONS_REMOTE_VIOLENCE: (
            _U.CHEMICAL_WEAPON,
            _U.AIR_DRONE_STRIKE,
            _U.SUICIDE_BOMB,
            _U.SHELLING_ARTILLERY_MISSILE_ATTACK,
            _U.REMOTE_EXPLOSIVE_LANDMINE_IED,
            _U.GRENADE,
        ),
        _E.VIOLENCE_AGAINST_CIVILIANS: (
            _U.SEXUAL_VIOLENCE,
            _U.ATTACK,
            _U.ABDUCTION_FORCED_DISAPPEARANCE,
        ),
        _E.PROTESTS: (
            _U.PEACEFUL_PROTEST,
            _U.PROTEST_WITH_INTERVENTION,
            _U.EXCESSIVE_FORCE_AGAINST_PROTESTERS,
        ),
        _E.RIOTS: (_U.VIOLENT_DEMONSTRATION, _U.MOB_VIOLENCE),
        _E.STRATEGIC_DEVELOPMENTS: (
            _U.AGREEMENT,
            _U.ARRESTS,
            _U.CHANGE_TO_GROUP_ACTIVITY,
            _U.DISRUPTED_WEAPONS_USE,
            _U.HEADQUARTERS_OR_BASE_ESTABLISHED,
            _U.LOOTING_PROPERTY_DESTRUCTION,
            _U.NON_VIOLENT_TRANSFER_OF_TERRITORY,
            _U.OTHER,
        ),
    }
)


@dataclass(frozen=True, slots=True)
class AcledPair:
    """An ACLED (event type, sub-event type) pair; the sub-event must belong to the type."""

    event_type: AcledEventType
    sub_event_type: AcledSubEventType

    def __post_init__(self) -> None:
        if self.sub_event_type not in ACLED_SUB_EVENT_TYPES[self.event_type]:
            raise ValueError(
                f"ACLED sub-event type {self.sub_event_type.value!r} does not belong to "
                f"event type {self.event_type.value!r}"
            )

    def describe(self) -> str:
        return f"{self.event_type.value} / {self.sub_event_type.value}"


class IncidentType(StrEnum):
    """Marchwarden incident types; the value is the stable code."""

    # Battles
    ARMED_CLASH = "armed_clash"
    GOVERNMENT_REGAINS_TERRITORY = "government_regains_territory"
    NON_STATE_ACTOR_OVERTAKES_TERRITORY = "non_state_actor_overtakes_territory"
    # Explosions/Remote violence
    CHEMICAL_WEAPON = "chemical_weapon"
    AIR_DRONE_STRIKE = "air_drone_strike"
    SUICIDE_BOMB = "suicide_bomb"
    SHELLING_ARTILLERY_MISSILE_ATTACK = "shelling_artillery_missile_attack"
    REMOTE_EXPLOSIVE_LANDMINE_IED = "remote_explosive_landmine_ied"
    GRENADE = "grenade"
    # Violence against civilians
    SEXUAL_VIOLENCE = "sexual_violence"
    ATTACK_ON_CIVILIANS = "attack_on_civilians"
    ABDUCTION_FORCED_DISAPPEARANCE = "abduction_forced_disappearance"
    # Protests
    PEACEFUL_PROTEST = "peaceful_protest"
    PROTEST_WITH_INTERVENTION = "protest_with_intervention"
    EXCESSIVE_FORCE_AGAINST_PROTESTERS = "excessive_force_against_protesters"
    # Riots
    VIOLENT_DEMONSTRATION = "violent_demonstration"
    MOB_VIOLENCE = "mob_violence"
    # Strategic developments
    AGREEMENT = "agreement"
    ARRESTS = "arrests"
    CHANGE_TO_GROUP_ACTIVITY = "change_to_group_activity"
    DISRUPTED_WEAPONS_USE = "disrupted_weapons_use"
    HEADQUARTERS_OR_BASE_ESTABLISHED = "headquarters_or_base_established"
    LOOTING_PROPERTY_DESTRUCTION = "looting_property_destruction"
    NON_VIOLENT_TRANSFER_OF_TERRITORY = "non_violent_transfer_of_territory"
    OTHER_STRATEGIC_DEVELOPMENT = "other_strategic_development"
    # Border-specific and field-observation types
    CROSS_BORDER_INCURSION = "cross_border_incursion"
    SABOTAGE_OF_INFRASTRUCTURE = "sabotage_of_infrastructure"
    AIRSPACE_VIOLATION = "airspace_violation"
    UNEXPLODED_ORDNANCE = "unexploded_ordnance"
    DRONE_ATTACK = "drone_attack"
    SHELLING = "shelling"
    GUNFIRE = "gunfire"
    EXPLOSION = "explosion"

    @property
    def code(self) -> str:
        return self.value

    @property
    def info(self) -> IncidentTypeInfo:
        return INCIDENT_TYPES[self]

    @property
    def label(self) -> str:
        return INCIDENT_TYPES[self].label

    @property
    def acled(self) -> AcledPair:
        return INCIDENT_TYPES[self].acled

    @property
    def border_specific(self) -> bool:
        return INCIDENT_TYPES[self].border_specific

    def compatible_types(self) -> frozenset[IncidentType]:
        return _COMPATIBLE[self]

    def is_compatible_with(self, other: IncidentType) -> bool:
        return other in _COMPATIBLE[self]


@dataclass(frozen=True, slots=True)
class IncidentTypeInfo:
    type: IncidentType
    label: str
    acled: AcledPair
    families: frozenset[Family]
    border_specific: bool = False

    @property
    def code(self) -> str:
        return self.type.value


class Family(StrEnum):
    GROUND_FIGHTING = "ground_fighting"
    REMOTE_VIOLENCE = "remote_violence"
    SABOTAGE = "sabotage"
    VIOLENCE_AGAINST_CIVILIANS = "violence_against_civilians"
    UNREST = "unrest"


_T = IncidentType
_F = Family


def _info(
    t: IncidentType,
    label: str,
    event: AcledEventType,
    sub: AcledSubEventType,
    *families: Family,
    border: bool = False,
) -> IncidentTypeInfo:
    return IncidentTypeInfo(
        type=t,
        label=label,
        acled=AcledPair(event, sub),
        families=frozenset(families),
        border_specific=border,
    )


_BAT = _E.BATTLES
_EXP = _E.EXPLOSIONS_REMOTE_VIOLENCE
_VAC = _E.VIOLENCE_AGAINST_CIVILIANS
_PRO = _E.PROTESTS
_RIO = _E.RIOTS
_STR = _E.STRATEGIC_DEVELOPMENTS
_GF, _RV, _SB, _VC, _UN = (
    _F.GROUND_FIGHTING,
    _F.REMOTE_VIOLENCE,
    _F.SABOTAGE,
    _F.VIOLENCE_AGAINST_CIVILIANS,
    _F.UNREST,
)

_INFOS: tuple[IncidentTypeInfo, ...] = (
    _info(_T.ARMED_CLASH, "Armed clash", _BAT, _U.ARMED_CLASH, _GF),
    _info(
        _T.GOVERNMENT_REGAINS_TERRITORY,
        "Government regains territory",
        _BAT,
        _U.GOVERNMENT_REGAINS_TERRITORY,
        _GF,
    ),
    _info(
        _T.NON_STATE_ACTOR_OVERTAKES_TERRITORY,
        "Non-state actor overtakes territory",
        _BAT,
        _U.NON_STATE_ACTOR_OVERTAKES_TERRITORY,
        _GF,
    ),
    _info(_T.CHEMICAL_WEAPON, "Chemical weapon", _EXP, _U.CHEMICAL_WEAPON, _RV),
    _info(_T.AIR_DRONE_STRIKE, "Air/drone strike", _EXP, _U.AIR_DRONE_STRIKE, _RV),
    _info(_T.SUICIDE_BOMB, "Suicide bomb", _EXP, _U.SUICIDE_BOMB, _RV),
    _info(
        _T.SHELLING_ARTILLERY_MISSILE_ATTACK,
        "Shelling/artillery/missile attack",
        _EXP,
        _U.SHELLING_ARTILLERY_MISSILE_ATTACK,
        _RV,
    ),
    _info(
        _T.REMOTE_EXPLOSIVE_LANDMINE_IED,
        "Remote explosive/landmine/IED",
        _EXP,
        _U.REMOTE_EXPLOSIVE_LANDMINE_IED,
        _RV,
        _SB,
    ),
    _info(_T.GRENADE, "Grenade", _EXP, _U.GRENADE, _GF, _RV),
    _info(_T.SEXUAL_VIOLENCE, "Sexual violence", _VAC, _U.SEXUAL_VIOLENCE, _VC),
    _info(_T.ATTACK_ON_CIVILIANS, "Attack on civilians", _VAC, _U.ATTACK, _VC, _GF),
    _info(
        _T.ABDUCTION_FORCED_DISAPPEARANCE,
        "Abduction/forced disappearance",
        _VAC,
        _U.ABDUCTION_FORCED_DISAPPEARANCE,
        _VC,
        _GF,
    ),
    _info(_T.PEACEFUL_PROTEST, "Peaceful protest", _PRO, _U.PEACEFUL_PROTEST, _UN),
    _info(
        _T.PROTEST_WITH_INTERVENTION,
        "Protest with intervention",
        _PRO,
        _U.PROTEST_WITH_INTERVENTION,
        _UN,
    ),
    _info(
        _T.EXCESSIVE_FORCE_AGAINST_PROTESTERS,
        "Excessive force against protesters",
        _PRO,
        _U.EXCESSIVE_FORCE_AGAINST_PROTESTERS,
        _UN,
    ),
    _info(_T.VIOLENT_DEMONSTRATION, "Violent demonstration", _RIO, _U.VIOLENT_DEMONSTRATION, _UN),
    _info(_T.MOB_VIOLENCE, "Mob violence", _RIO, _U.MOB_VIOLENCE, _UN, _VC),
    _info(_T.AGREEMENT, "Agreement", _STR, _U.AGREEMENT),
    _info(_T.ARRESTS, "Arrests", _STR, _U.ARRESTS),
    _info(
        _T.CHANGE_TO_GROUP_ACTIVITY, "Change to group/activity", _STR, _U.CHANGE_TO_GROUP_ACTIVITY
    ),
    _info(
        _T.DISRUPTED_WEAPONS_USE,
        "Disrupted weapons use (interception)",
        _STR,
        _U.DISRUPTED_WEAPONS_USE,
        _RV,
    ),
    _info(
        _T.HEADQUARTERS_OR_BASE_ESTABLISHED,
        "Headquarters or base established",
        _STR,
        _U.HEADQUARTERS_OR_BASE_ESTABLISHED,
    ),
    _info(
        _T.LOOTING_PROPERTY_DESTRUCTION,
        "Looting/property destruction",
        _STR,
        _U.LOOTING_PROPERTY_DESTRUCTION,
        _SB,
    ),
    _info(
        _T.NON_VIOLENT_TRANSFER_OF_TERRITORY,
        "Non-violent transfer of territory",
        _STR,
        _U.NON_VIOLENT_TRANSFER_OF_TERRITORY,
    ),
    _info(_T.OTHER_STRATEGIC_DEVELOPMENT, "Other strategic development", _STR, _U.OTHER),
    # Border-specific and field-observation types.
    _info(
        _T.CROSS_BORDER_INCURSION,
        "Cross-border incursion",
        _BAT,
        _U.ARMED_CLASH,
        _GF,
        border=True,
    ),
    _info(
        _T.SABOTAGE_OF_INFRASTRUCTURE,
        "Sabotage of infrastructure",
        _STR,
        _U.LOOTING_PROPERTY_DESTRUCTION,
        _SB,
        border=True,
    ),
    _info(
        _T.AIRSPACE_VIOLATION,
        "Airspace violation",
        _STR,
        _U.OTHER,
        _RV,
        border=True,
    ),
    _info(
        _T.UNEXPLODED_ORDNANCE,
        "Unexploded ordnance",
        _STR,
        _U.DISRUPTED_WEAPONS_USE,
        _RV,
        border=True,
    ),
    _info(_T.DRONE_ATTACK, "Drone attack", _EXP, _U.AIR_DRONE_STRIKE, _RV, border=True),
    _info(
        _T.SHELLING,
        "Shelling",
        _EXP,
        _U.SHELLING_ARTILLERY_MISSILE_ATTACK,
        _RV,
        border=True,
    ),
    _info(_T.GUNFIRE, "Gunfire", _BAT, _U.ARMED_CLASH, _GF, border=True),
    _info(
        _T.EXPLOSION,
        "Explosion (cause unknown)",
        _EXP,
        _U.SHELLING_ARTILLERY_MISSILE_ATTACK,
        _GF,
        _RV,
        _SB,
        border=True,
    ),
)

INCIDENT_TYPES: Mapping[IncidentType, IncidentTypeInfo] = MappingProxyType(
    {info.type: info for info in _INFOS}
)


def _compatibility() -> dict[IncidentType, frozenset[IncidentType]]:
    result: dict[IncidentType, frozenset[IncidentType]] = {}
    for info in _INFOS:
        result[info.type] = frozenset(
            other.type
            for other in _INFOS
            if other.type is info.type or info.families & other.families
        )
    return result


_COMPATIBLE: Mapping[IncidentType, frozenset[IncidentType]] = MappingProxyType(_compatibility())

del _E, _U, _T, _F, _BAT, _EXP, _VAC, _PRO, _RIO, _STR, _GF, _RV, _SB, _VC, _UN


def parse_incident_type(code: str) -> IncidentType:
    """The incident type with this code, or ``UnknownIncidentType`` naming the known codes."""
    try:
        return IncidentType(code)
    except ValueError:
        known = ", ".join(t.value for t in IncidentType)
        raise UnknownIncidentType.said(
            "incident.unknown_incident_type_known",
            "unknown incident type {code}; known: {known}",
            code=repr(code),
            known=known,
        ) from None


def are_compatible(a: IncidentType, b: IncidentType) -> bool:
    """True when a report of type ``a`` may belong to an incident of type ``b`` (symmetric)."""
    return b in _COMPATIBLE[a]


def incident_types_for_acled(pair: AcledPair) -> tuple[IncidentType, ...]:
    """Marchwarden types that export to this ACLED pair (ACLED's own type first)."""
    return tuple(
        sorted(
            (info.type for info in _INFOS if info.acled == pair),
            key=lambda t: (INCIDENT_TYPES[t].border_specific, t.value),
        )
    )
