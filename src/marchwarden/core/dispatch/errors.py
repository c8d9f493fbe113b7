"""Domain errors of dispatch: a stable ``code`` and a human ``message`` each; no HTTP."""

from __future__ import annotations

from marchwarden.core.errors import Worded


class DispatchError(Worded):
    """Base of every dispatch-domain error."""

    code = "dispatch-error"


class InvalidTaskRequirements(DispatchError):
    code = "invalid-task-requirements"


class InvalidUnitPosition(DispatchError):
    code = "invalid-unit-position"


class InvalidTaskPosition(DispatchError):
    code = "invalid-task-position"


class DuplicateUnit(DispatchError):
    code = "duplicate-unit"


class InvalidRecommendationRequest(DispatchError):
    code = "invalid-recommendation-request"
