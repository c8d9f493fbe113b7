"""Errors of the legal-authority domain.

Each error carries a stable ``code`` (it becomes the suffix of the problem+json ``type`` at
the API edge) and a human message. Nothing here knows about HTTP.
"""

from __future__ import annotations

from typing import ClassVar

from marchwarden.core.errors import Worded


class AuthorityError(Worded):
    """Base of every legal-authority error."""

    code: ClassVar[str] = "authority_error"


class InvalidLawError(AuthorityError):
    """A legal act or one of its grants is malformed (bad period, wrong act reference …)."""

    code: ClassVar[str] = "invalid_law"


class DuplicateActError(AuthorityError):
    """Two acts with the same reference were given for one evaluation."""

    code: ClassVar[str] = "duplicate_act"


class UnknownActError(AuthorityError):
    """A what-if named an act reference that is not among the acts given."""

    code: ClassVar[str] = "unknown_act"


class ActNotProposedError(AuthorityError):
    """A what-if tried to add an act that is not in status ``proposed``."""

    code: ClassVar[str] = "act_not_proposed"


class InvalidFactsError(AuthorityError):
    """Member or unit facts are malformed (naive datetime, bad column lengths …)."""

    code: ClassVar[str] = "invalid_facts"


class InvalidUnitTreeError(AuthorityError):
    """The unit tree has a duplicate id, a missing parent or a cycle."""

    code: ClassVar[str] = "invalid_unit_tree"


class UnknownUnitError(AuthorityError):
    """A unit id is not in the unit tree."""

    code: ClassVar[str] = "unknown_unit"


class UnknownMemberError(AuthorityError):
    """A member id is not in the member table."""

    code: ClassVar[str] = "unknown_member"


class InvalidMomentError(AuthorityError):
    """The moment of evaluation is not a timezone-aware datetime."""

    code: ClassVar[str] = "invalid_moment"
