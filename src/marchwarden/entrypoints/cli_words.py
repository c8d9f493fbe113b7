"""The command line's words, for every ``marchwarden`` sub-command (users, db, audit,
whatif, tak, replay, …): one catalogue (``marchwarden.i18n``) in the language of
``--lang``, else ``MARCHWARDEN_LANG``, else ``LANG``, else English."""

from __future__ import annotations

from typing import TYPE_CHECKING

from marchwarden.i18n import Catalogue, catalogue, command_line_language

if TYPE_CHECKING:
    from collections.abc import Mapping

    from marchwarden.core.access.model import Scope
    from marchwarden.core.errors import Said

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


def said(code: str | None, params: Mapping[str, str], english: str) -> str:
    """A coded sentence of the server (an error's message code and params, catalogue
    ``error.<code>``) in the command line's language; ``english`` when it has none."""
    key = f"error.{code}"
    if code is None or not _words[0].has(key):
        return english
    worded = {
        k: _(f"code.{v}") if k in STATE_PARAMS and _words[0].has(f"code.{v}") else v
        for k, v in params.items()
    }
    return _(key, **worded)


#: params that name a state or status ("draft", "on_scene"), worded from ``code.*`` (as
#: the page's i18n.js does)
STATE_PARAMS = frozenset(
    {"state", "status", "current", "requested", "to", "target", "task", "release_to"}
)


def error_words(exc: Exception) -> str:
    """What an error says, in the command line's language (a coded domain error's words;
    any other error's own text)."""
    code = getattr(exc, "message_code", None)
    return said(code, getattr(exc, "params", {}), str(exc))


def line_words(reason: Said) -> str:
    """A roster line's reason in the command line's language."""
    return said(reason.code, reason.params, reason.text)
