"""Domain errors of dispatch: a stable ``code`` and a human ``message`` each; no HTTP."""

from __future__ import annotations

from typing import TYPE_CHECKING

from marchwarden.core.errors import Worded

if TYPE_CHECKING:
    from collections.abc import Mapping


class DispatchError(Worded):
    """Base of every dispatch-domain error."""

    code = "dispatch-error"

    def __init__(
        self,
        text: str,
        /,
        *,
        message: str | None = None,
        params: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(text, message=message, params=params)
        self.message = text


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
