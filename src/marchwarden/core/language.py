"""The languages Marchwarden speaks, and which one a reader gets.

The catalogues themselves (``web/i18n/<code>.json``) are read by ``marchwarden.i18n`` on the
server and by ``web/i18n.js`` in the page; this module holds only the rule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from marchwarden.core.errors import Invalid

if TYPE_CHECKING:
    from collections.abc import Iterable

#: language code → its own name (as the language menu shows it)
LANGUAGES: dict[str, str] = {"en": "English", "ru": "Русский"}
DEFAULT = "en"


def validate(code: str | None) -> str | None:
    """A user's setting: a known code, or None ("the browser's"); anything else is refused."""
    if code is None or code == "":
        return None
    if code not in LANGUAGES:
        known = ", ".join(sorted(LANGUAGES))
        raise Invalid.said(
            "account.unknown_language_known_null",
            "unknown language {code}; known: {known} (or null for the browser's)",
            code=repr(code),
            known=known,
        )
    return code


def choose(*preferences: str | Iterable[str] | None) -> str:
    """The first of ``preferences`` we speak (each a code, a locale such as "ru_RU.UTF-8" or
    "ru-RU", or a list of them, in order), else English."""
    for pref in preferences:
        if pref is None:
            continue
        for item in [pref] if isinstance(pref, str) else pref:
            base = item.strip().lower().replace("_", "-").split("-")[0].split(".")[0]
            if base in LANGUAGES:
                return base
    return DEFAULT
