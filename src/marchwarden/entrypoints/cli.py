"""The ``marchwarden`` command."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from marchwarden import __version__
from marchwarden.core.access.model import Role, Scope, ScopeKind
from marchwarden.core.errors import DomainError
from marchwarden.settings import Settings

app = typer.Typer(
    help="Marchwarden: the coordination headquarters for border regions.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="The store.", no_args_is_help=True)
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")

console = Console()
err = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        console.print(f"marchwarden {__version__}")
        raise typer.Exit


@app.callback()
def main_callback(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Marchwarden: the coordination headquarters for border regions."""


def _settings() -> Settings:
    try:
        return Settings()
    except ValueError as exc:
        err.print(f"[red]configuration error:[/red] {exc}")
        raise typer.Exit(2) from exc


def _upgrade(settings: Settings) -> None:
    from marchwarden.adapters.db.engine import create_engine
    from marchwarden.adapters.db.migrate import upgrade

    engine = create_engine(settings.database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration to the configured store."""
    settings = _settings()
    _upgrade(settings)
    console.print(f"store at {_redact(settings.database_url)} is up to date")


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in creds else url
    return url


def _serve(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from marchwarden.entrypoints.api.app import create_app
    from marchwarden.logging_setup import configure

    configure(settings.log_level)
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=30,
        ws_ping_interval=20,
        ws_ping_timeout=20,
        proxy_headers=False,
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Run the HQ server (applies migrations first)."""
    settings = _settings()
    _upgrade(settings)
    _serve(settings, host, port)


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    seed: Annotated[int, typer.Option(help="Seed of the generated demo data.")] = 2024,
    replay: Annotated[bool, typer.Option(help="Play the two-day raid live.")] = False,
) -> None:
    """Load the demo scenario (border raid) and run the server with it."""
    from marchwarden.scenario.loader import load_demo

    settings = _settings()
    _upgrade(settings)
    accounts = load_demo(settings, seed=seed, console=console)
    table = Table(title=f"Demo accounts — open http://{host}:{port}/")
    for col in ("username", "password", "role", "scope"):
        table.add_column(col)
    for row in accounts:
        table.add_row(*row)
    console.print(table)
    _serve(settings, host, port)


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Login name (lower case).")],
    role: Annotated[Role, typer.Option(help="The account's role.")],
    scope: Annotated[
        str, typer.Option(help="all | regions:RU-BEL,RU-KRS | agency:ID | unit:ID")
    ] = "all",
    display_name: Annotated[str, typer.Option(help="Full name.")] = "",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create an account (the first admin, or any other)."""
    from marchwarden.bootstrap import build_services
    from marchwarden.services import accounts

    settings = _settings()
    _upgrade(settings)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    svc = build_services(settings)
    try:
        parsed = _parse_scope(svc, scope)
        user = accounts.create_user(
            svc,
            None,
            username=username,
            display_name=display_name,
            password=password,
            role=role,
            scope=parsed,
        )
    except DomainError as exc:
        err.print(f"[red]error:[/red] {exc.detail}")
        raise typer.Exit(1) from exc
    finally:
        svc.db.engine.dispose()
    console.print(
        f"created user {user.username} (id {user.id}), role {user.role.value}, "
        f"{user.scope.describe()}"
    )


def _parse_scope(svc: object, text: str) -> Scope:
    from marchwarden.core.errors import Invalid
    from marchwarden.services import accounts
    from marchwarden.services.context import Services

    assert isinstance(svc, Services)
    kind, _, value = text.partition(":")
    try:
        scope_kind = ScopeKind(kind)
    except ValueError as exc:
        raise Invalid(
            f"scope must be all, regions:..., agency:ID or unit:ID, not {text!r}"
        ) from exc
    if scope_kind is ScopeKind.ALL:
        return Scope.all()
    if scope_kind is ScopeKind.REGIONS:
        return Scope.of_regions(*[v.strip() for v in value.split(",") if v.strip()])
    if not value.isdigit():
        raise Invalid(f"scope {kind} needs a numeric id, as in {kind}:12")
    if scope_kind is ScopeKind.AGENCY:
        return Scope.of_agency(int(value))
    return Scope.of_unit(int(value), accounts.unit_path(svc, int(value)))


@users_app.command("list")
def users_list() -> None:
    """List accounts."""
    from marchwarden.bootstrap import build_services
    from marchwarden.services import accounts

    settings = _settings()
    svc = build_services(settings)
    try:
        users = accounts.list_users(svc, None)
    finally:
        svc.db.engine.dispose()
    table = Table()
    for col in ("id", "username", "name", "role", "scope", "state"):
        table.add_column(col)
    for u in users:
        table.add_row(
            str(u.id),
            u.username,
            u.display_name,
            u.role.value,
            u.scope.describe(),
            "disabled" if u.disabled else "active",
        )
    console.print(table)


@users_app.command("disable")
def users_disable(username: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Disable an account; its tokens stop working at once."""
    from marchwarden.bootstrap import build_services
    from marchwarden.services import accounts

    svc = build_services(_settings())
    try:
        accounts.disable_user(svc, None, username)
    except DomainError as exc:
        err.print(f"[red]error:[/red] {exc.detail}")
        raise typer.Exit(1) from exc
    finally:
        svc.db.engine.dispose()
    console.print(f"disabled {username}")


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the whole audit chain; name the first altered, removed or reordered record."""
    from rich.progress import Progress

    from marchwarden.bootstrap import build_services
    from marchwarden.services import audit

    svc = build_services(_settings())
    try:
        with Progress(console=err, transient=True) as progress:
            progress.add_task("verifying the audit chain", total=None)
            v = audit.verify(svc)
    finally:
        svc.db.engine.dispose()
    r = v.result
    console.print(v.anchor_note)
    if r.ok:
        console.print(f"[green]audit trail intact[/green]: {r.checked} records, head {r.head_seq}")
        return
    console.print(f"[red]audit trail BROKEN[/red] at record {r.first_bad_seq}: {r.problem}")
    raise typer.Exit(1)


def main() -> None:
    app()
