"""Vocabulary of reports and incidents: Admiralty rating, source kind, severity, state."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from marchwarden.core.incidents.errors import InvalidAdmiraltyRating, InvalidPosition

LonLat = tuple[float, float]
"""A WGS 84 point as (lon, lat), GeoJSON order."""


def check_position(position: LonLat, what: str = "position") -> LonLat:
    """Return ``position`` as floats if it is a finite (lon, lat) on Earth, else raise."""
    lon, lat = float(position[0]), float(position[1])
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise InvalidPosition.said(
            "place.finite_numbers_got",
            "{what} must be finite numbers, got ({lon}, {lat})",
            what=what,
            lon=lon,
            lat=lat,
        )
    if not -180.0 <= lon <= 180.0:
        raise InvalidPosition.said(
            "place.longitude_outside",
            "{what}: longitude {lon} is outside -180..180",
            what=what,
            lon=lon,
        )
    if not -90.0 <= lat <= 90.0:
        raise InvalidPosition.said(
            "place.latitude_outside",
            "{what}: latitude {lat} is outside -90..90",
            what=what,
            lat=lat,
        )
    return (lon, lat)


# --------------------------------------------------------------------------- Admiralty


class SourceReliability(StrEnum):
    """Admiralty / NATO source reliability, A (best) … E, and F (cannot be judged)."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    F = "F"

    @property
    def label(self) -> str:
        return _RELIABILITY_LABELS[self]


_RELIABILITY_LABELS: dict[SourceReliability, str] = {
    SourceReliability.A: "completely reliable",
    SourceReliability.B: "usually reliable",
    SourceReliability.C: "fairly reliable",
    SourceReliability.D: "not usually reliable",
    SourceReliability.E: "unreliable",
    SourceReliability.F: "reliability cannot be judged",
}


class InformationCredibility(IntEnum):
    """Admiralty / NATO information credibility, 1 (best) … 5, and 6 (cannot be judged)."""

    CONFIRMED = 1
    PROBABLY_TRUE = 2
    POSSIBLY_TRUE = 3
    DOUBTFUL = 4
    IMPROBABLE = 5
    CANNOT_BE_JUDGED = 6

    @property
    def label(self) -> str:
        return self.name.lower().replace("_", " ")


_RATING_RE = re.compile(r"^\s*([A-Fa-f])\s*([1-6])\s*$")


@dataclass(frozen=True, slots=True)
class AdmiraltyRating:
    """A report's rating in the Admiralty code, e.g. ``B2``.

    Reliability is about the source, credibility about the piece of information; they
    are independent, so every one of the 36 combinations is valid.
    """

    reliability: SourceReliability
    credibility: InformationCredibility

    @classmethod
    def parse(cls, text: str) -> AdmiraltyRating:
        """Parse ``"B2"`` (case-insensitive, surrounding spaces allowed)."""
        match = _RATING_RE.match(text)
        if match is None:
            raise InvalidAdmiraltyRating.said(
                "place.admiralty_rating_letter_followed",
                "Admiralty rating must be a letter A-F followed by a digit 1-6 (e.g. 'B2'), got "
                "{text}",
                text=repr(text),
            )
        return cls(
            SourceReliability(match.group(1).upper()),
            InformationCredibility(int(match.group(2))),
        )

    @property
    def code(self) -> str:
        return f"{self.reliability.value}{self.credibility.value}"

    @property
    def is_judged(self) -> bool:
        """False when either half is 'cannot be judged' (F or 6)."""
        return (
            self.reliability is not SourceReliability.F
            and self.credibility is not InformationCredibility.CANNOT_BE_JUDGED
        )

    def describe(self) -> str:
        """``"B2: usually reliable source, information probably true"``."""
        rel = self.reliability.label
        rel = rel if self.reliability is SourceReliability.F else f"{rel} source"
        cred = self.credibility.label
        cred = (
            "credibility cannot be judged"
            if self.credibility is InformationCredibility.CANNOT_BE_JUDGED
            else f"information {cred}"
        )
        return f"{self.code}: {rel}, {cred}"

    def __str__(self) -> str:
        return self.code


# --------------------------------------------------------------------------- reports


class ReportSourceKind(StrEnum):
    VOLUNTEER = "volunteer"
    POLICE = "police"
    PUBLIC = "public"
    SENSOR = "sensor"
    OPEN_SOURCE = "open_source"
    TAK = "tak"


# --------------------------------------------------------------------------- incidents


class Severity(StrEnum):
    """Incident severity, on the CAP 1.2 scale so that alerts can carry it unchanged."""

    UNKNOWN = "unknown"
    MINOR = "minor"
    MODERATE = "moderate"
    SEVERE = "severe"
    EXTREME = "extreme"

    @property
    def rank(self) -> int:
        """0 (unknown) … 4 (extreme), for ordering."""
        return _SEVERITY_ORDER.index(self)

    @property
    def cap_value(self) -> str:
        """The CAP ``<severity>`` value: ``Extreme``, ``Severe``, … ``Unknown``."""
        return self.value.capitalize()


_SEVERITY_ORDER: tuple[Severity, ...] = (
    Severity.UNKNOWN,
    Severity.MINOR,
    Severity.MODERATE,
    Severity.SEVERE,
    Severity.EXTREME,
)


class IncidentState(StrEnum):
    """Lifecycle state; the allowed steps are in ``lifecycle.py``."""

    REPORTED = "reported"
    VERIFIED = "verified"
    ACTIVE = "active"
    CONTAINED = "contained"
    CLOSED = "closed"
    REJECTED = "rejected"

    @property
    def is_open(self) -> bool:
        """Open incidents take new reports (correlation considers only these)."""
        return self not in (IncidentState.CLOSED, IncidentState.REJECTED)

    @property
    def is_terminal(self) -> bool:
        return not self.is_open
