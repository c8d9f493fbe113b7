"""``marchwarden demo``: load the border-raid scenario into the configured store."""

from __future__ import annotations

from typing import TYPE_CHECKING

from marchwarden.bootstrap import build_services
from marchwarden.core.access.model import Role, Scope
from marchwarden.services import accounts

if TYPE_CHECKING:
    from rich.console import Console

    from marchwarden.services.context import Services
    from marchwarden.settings import Settings

DEMO_PASSWORD = "marchwarden-demo"  # noqa: S105 - printed to the operator; demo only

#: (username, display name, role, scope) of the demo accounts
DEMO_ACCOUNTS: tuple[tuple[str, str, Role, Scope], ...] = (
    ("admin", "Demo administrator", Role.ADMIN, Scope.all()),
    ("hq", "HQ duty officer", Role.HQ_COMMANDER, Scope.all()),
    (
        "belgorod",
        "Belgorod regional coordinator",
        Role.REGIONAL_COORDINATOR,
        Scope.of_regions("RU-BEL"),
    ),
    ("kursk", "Kursk regional coordinator", Role.REGIONAL_COORDINATOR, Scope.of_regions("RU-KRS")),
    ("analyst", "Legal analyst", Role.ANALYST, Scope.all()),
    ("auditor", "Auditor", Role.AUDITOR, Scope.all()),
    ("reporter", "Field reporter (Belgorod)", Role.FIELD_REPORTER, Scope.of_regions("RU-BEL")),
)


def ensure_accounts(svc: Services) -> list[tuple[str, str, str, str]]:
    """Create the demo accounts that do not exist yet; return the printable list."""
    rows = []
    with svc.db.unit_of_work(write=False) as uow:
        existing = {u.username for u in uow.users.list()}
    for username, name, role, scope in DEMO_ACCOUNTS:
        if username not in existing:
            accounts.create_user(
                svc,
                None,
                username=username,
                display_name=name,
                password=DEMO_PASSWORD,
                role=role,
                scope=scope,
            )
        rows.append((username, DEMO_PASSWORD, role.value, scope.describe()))
    return rows


def load_demo(
    settings: Settings, *, seed: int, console: Console
) -> list[tuple[str, str, str, str]]:
    svc = build_services(settings)
    try:
        with console.status("creating demo accounts"):
            rows = ensure_accounts(svc)
    finally:
        svc.db.engine.dispose()
    return rows
