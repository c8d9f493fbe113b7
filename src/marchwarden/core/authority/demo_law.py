"""The demo's law (docs: shared/design/legal-model.md), shared by the scenario and tests.

```
PO-2014   Public-order volunteers act   in_force from 2014-07-01
SEC-1996  Security forces act           in_force from 1996-01-01
LSD-2023  Local self-defence units act  proposed (from the day it passes), border regions
```
"""

from __future__ import annotations

from datetime import date

from marchwarden.core.authority.model import (
    ActStatus,
    Condition,
    FitCondition,
    Grant,
    LegalAct,
    QualificationCondition,
    TrainingCondition,
    UnitActivatedCondition,
    agency_kinds,
    utc_day,
)

#: ISO 3166-2 codes of the three border regions: Belgorod, Kursk, Bryansk.
BORDER_REGIONS: frozenset[str] = frozenset({"RU-BEL", "RU-KRS", "RU-BRY"})

VOLUNTEERS = "volunteer_self_defence"

#: The conditions of LSD-2023 c.2 and c.3.
LSD_CONDITIONS: tuple[Condition, ...] = (
    TrainingCondition("self_defence_programme"),
    QualificationCondition("firearms"),
    FitCondition(),
    UnitActivatedCondition(),
)


def public_order_act() -> LegalAct:
    ref = "PO-2014"
    vol = agency_kinds(VOLUNTEERS)
    basic = (TrainingCondition("basic"),)
    return LegalAct(
        id="act-po-2014",
        reference=ref,
        title="Public-order volunteers act",
        status=ActStatus.IN_FORCE,
        effective_from=utc_day(date(2014, 7, 1)),
        grants=(
            Grant(ref, "c.3", "observe_report", vol, (), 1),
            Grant(ref, "c.4", "patrol_unarmed", vol, basic, 4),
            Grant(ref, "c.5", "checkpoint", vol, basic, 4),
            Grant(ref, "c.6", "evacuation_assist", vol, (), 6),
            Grant(ref, "c.7", "first_aid", vol, (QualificationCondition("first_aid"),), 1),
        ),
    )


def security_forces_act() -> LegalAct:
    ref = "SEC-1996"
    return LegalAct(
        id="act-sec-1996",
        reference=ref,
        title="Security forces act",
        status=ActStatus.IN_FORCE,
        effective_from=utc_day(date(1996, 1, 1)),
        grants=(
            Grant(
                ref,
                "c.12",
                "carry_weapons",
                agency_kinds("army", "border_service", "national_guard", "police"),
                (),
                1,
            ),
            Grant(
                ref,
                "c.13",
                "armed_response",
                agency_kinds("army", "border_service", "national_guard"),
                (),
                8,
            ),
            Grant(
                ref,
                "c.14",
                "detain",
                agency_kinds("border_service", "national_guard", "police"),
                (),
                1,
            ),
        ),
    )


def local_self_defence_act() -> LegalAct:
    ref = "LSD-2023"
    vol = agency_kinds(VOLUNTEERS)
    return LegalAct(
        id="act-lsd-2023",
        reference=ref,
        title="Local self-defence units act",
        status=ActStatus.PROPOSED,
        effective_from=None,
        regions=BORDER_REGIONS,
        grants=(
            Grant(ref, "c.2", "carry_weapons", vol, LSD_CONDITIONS, 1),
            Grant(ref, "c.3", "armed_response", vol, LSD_CONDITIONS, 8),
        ),
    )


def demo_law() -> tuple[LegalAct, ...]:
    """PO-2014, SEC-1996 and LSD-2023 exactly as in the legal model."""
    return (public_order_act(), security_forces_act(), local_self_defence_act())
