"""The command line's words, for every ``marchwarden`` sub-command (users, db, audit,
whatif, tak, replay, …): one catalogue (``marchwarden.i18n``) in the language of
``--lang``, else ``MARCHWARDEN_LANG``, else ``LANG``, else English."""

from __future__ import annotations

from typing import TYPE_CHECKING

from marchwarden.i18n import Catalogue, catalogue, command_line_language

if TYPE_CHECKING:
    from marchwarden.core.access.model import Scope

#: the messages' language, chosen again by the command's ``--lang``
_words: list[Catalogue] = [catalogue(command_line_language())]


def set_language(explicit: str | None) -> None:
    """``--lang`` (None: the environment's)."""
    _words[0] = catalogue(command_line_language(explicit))


def words() -> Catalogue:
    """The command line's catalogue (for code that takes one, as the replay does)."""
    return _words[0]


def _(key: str, /, **params: object) -> str:
    """A message in the command line's language."""
    return _words[0](key, **params)


def number(n: float, decimals: int = 0) -> str:
    """Grouped digits in the language's way ("95,596" / "95 596")."""
    return _words[0].number(n, decimals)


def short(x: float) -> str:
    """A figure as short as it goes ("30", "2.5"; "2,5" in Russian)."""
    text = f"{x:g}"
    return text.replace(".", ",") if _words[0].code == "ru" else text


def scope_words(scope: Scope) -> str:
    """An account's scope in words: "all regions", "regions RU-BEL", … (the page's keys)."""
    kind = scope.kind.value
    if kind == "all":
        return _("scope.all")
    if kind == "regions":
        return _("scope.regions", regions=", ".join(sorted(scope.regions)))
    if kind == "agency":
        return _("scope.agency", id=scope.agency_id)
    return _("scope.unit", id=scope.unit_id)
