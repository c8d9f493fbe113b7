"""Domain errors of alerts, shelters and evacuation orders (stable codes)."""

from __future__ import annotations

from marchwarden.core.errors import Conflict, Forbidden, Invalid


class InvalidAlertArea(Invalid):
    code = "invalid-alert-area"
    title = "The alert area is not valid"


class InvalidAlert(Invalid):
    code = "invalid-alert"
    title = "The alert is not valid"


class IllegalAlertStep(Conflict):
    code = "illegal-alert-step"
    title = "The alert is not in a state that allows this"


class SecondPersonRequired(Forbidden):
    code = "second-person-approval-required"
    title = "A second person must approve this alert"


class CapSchemaViolation(Invalid):
    code = "cap-schema-violation"
    title = "The CAP document does not validate against the OASIS CAP 1.2 schema"


class CapImportRejected(Invalid):
    code = "cap-import-rejected"
    title = "The CAP document was rejected"


class FeedUrlRefused(CapImportRejected):
    """A feed or CAP document URL the headquarters will not fetch (``core/alerts/feeds``);
    a linked document refused this way is reported as rejected, like a malformed one."""

    code = "feed-url-refused"
    title = "The feed URL is not allowed"
