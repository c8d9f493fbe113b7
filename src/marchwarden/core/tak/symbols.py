"""CoT type codes for Marchwarden's units, incidents and tasks.

CoT atom types mirror MIL-STD-2525's function hierarchy (``a-f-G-U-C-I`` is friendly /
ground / unit / combat / infantry: 2525 ``SFGPUCI``); ATAK draws the 2525 symbol from
the type. The COP draws a unit by its agency kind (shape and letter, web/unitsymbols.js),
so the mapping is by agency kind first and refined by the unit's category where 2525
has a matching function. Everything Marchwarden sends is friendly (``a-f``): the system
tracks its own forces.
"""

from __future__ import annotations

#: agency kind -> the CoT type of its units (2525 function in the comment)
AGENCY_TYPES: dict[str, str] = {
    "army": "a-f-G-U-C",  # ground unit, combat
    "border_service": "a-f-G-U-U-L-B",  # combat support, law enforcement, border patrol
    "national_guard": "a-f-G-U-U-L",  # law enforcement
    "police": "a-f-G-U-U-L-C",  # law enforcement, civilian police
    "emergency_service": "a-f-G-U-S-M",  # combat service support, medical
    "volunteer_self_defence": "a-f-G-U-C-I",  # combat, infantry
    "other": "a-f-G-U",
}

#: unit category -> a more precise type where 2525 has the function (army units)
CATEGORY_TYPES: dict[str, str] = {
    "tank": "a-f-G-U-C-A",  # armour
    "armoured": "a-f-G-U-C-A",
    "artillery": "a-f-G-U-C-F",  # field artillery
    "engineer": "a-f-G-U-C-E",
    "reconnaissance": "a-f-G-U-C-R",
    "medical": "a-f-G-U-S-M",
    "transport": "a-f-G-U-S-T",
}

#: incidents and field reports are drawn as markers the COP also draws
INCIDENT_TYPE = "a-u-G"  # unknown ground: an event, not a force (ATAK shows a yellow 2525 frame)
TASK_TYPE = "b-m-p-w"  # a waypoint: the place a unit is tasked to
HQ_TYPE = "a-f-G-U-C-H"  # headquarters


def unit_type(agency_kind: str, category: str) -> str:
    """The CoT type of a unit of this agency kind and category."""
    if agency_kind == "army" and category in CATEGORY_TYPES:
        return CATEGORY_TYPES[category]
    return AGENCY_TYPES.get(agency_kind, AGENCY_TYPES["other"])
