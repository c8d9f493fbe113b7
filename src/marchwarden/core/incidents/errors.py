"""Domain errors of incidents and reports.

Each carries a stable ``code`` (the suffix of the problem+json ``type`` at the API edge)
and a human ``message``. No HTTP here.
"""

from __future__ import annotations

from marchwarden.core.errors import Worded


class IncidentError(Worded):
    """Base of every incident-domain error."""

    code = "incident-error"


class InvalidAdmiraltyRating(IncidentError):
    code = "invalid-admiralty-rating"


class UnknownIncidentType(IncidentError):
    code = "unknown-incident-type"


class IllegalIncidentTransition(IncidentError):
    """A lifecycle step the state machine does not allow.

    ``current``, ``requested`` and ``allowed`` are state values (strings), so that this
    module needs nothing from the model.
    """

    code = "illegal-incident-transition"

    def __init__(self, current: str, requested: str, allowed: tuple[str, ...]) -> None:
        names = ", ".join(allowed) if allowed else "none"
        super().__init__(
            f"cannot go from {current} to {requested}; allowed from {current}: {names}"
        )
        self.current = current
        self.requested = requested
        self.allowed = allowed


class TransitionReasonRequired(IncidentError):
    code = "transition-reason-required"


class InvalidCasualtyUpdate(IncidentError):
    code = "invalid-casualty-update"


class InvalidCorrelationSettings(IncidentError):
    code = "invalid-correlation-settings"


class InvalidReportingPeriod(IncidentError):
    code = "invalid-reporting-period"


class InvalidPosition(IncidentError):
    code = "invalid-position"
