"""The ``marchwarden`` command."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from marchwarden import __version__
from marchwarden.core.access.model import Role, Scope, ScopeKind
from marchwarden.core.errors import DomainError
from marchwarden.entrypoints.cli_tables import table as cli_table
from marchwarden.entrypoints.cli_words import (
    _,
    error_words,
    line_words,
    scope_words,
    set_language,
    words,
)
from marchwarden.entrypoints.tak.cli import tak_app
from marchwarden.settings import Settings

if TYPE_CHECKING:
    from datetime import datetime

    from marchwarden.adapters.clock import ScenarioClock

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
roster_app = typer.Typer(help="Roster CSV import and export.", no_args_is_help=True)
app.add_typer(roster_app, name="roster")
app.add_typer(tak_app, name="tak")

console = Console()
err = Console(stderr=True)


def _error(detail: object) -> None:
    err.print(f"[red]{escape(_('cli.error'))}:[/red] {escape(str(detail))}", highlight=False)


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
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="The messages' language (en, ru); default MARCHWARDEN_LANG, else LANG.",
        ),
    ] = None,
) -> None:
    """Marchwarden: the coordination headquarters for border regions."""
    set_language(lang)


def _settings() -> Settings:
    from marchwarden.adapters.mbtiles import MBTiles

    try:
        settings = Settings()
        if settings.basemap:  # a wrong base map stops the server before it starts
            MBTiles(settings.basemap).close()
    except ValueError as exc:
        err.print(
            f"[red]{escape(_('cli.configError'))}:[/red] {escape(str(exc))}",
            markup=True,
            highlight=False,
        )
        raise typer.Exit(2) from exc
    return settings


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
    console.print(_("cli.upToDate", url=_redact(settings.database_url)), highlight=False)


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in creds else url
    return url


def _serve(
    settings: Settings,
    host: str,
    port: int,
    *,
    quiet_access: bool = False,
    scenario_clock: ScenarioClock | None = None,
) -> None:
    import logging

    import uvicorn

    from marchwarden.entrypoints.api.app import create_app
    from marchwarden.logging_setup import configure

    configure(settings.log_level)
    if quiet_access:
        # the console tells the replay's story: no line per request (errors still logged)
        for name in ("marchwarden.access", "httpx"):
            logging.getLogger(name).setLevel(logging.WARNING)
    uvicorn.run(
        create_app(settings, settle_heap=True, scenario_clock=scenario_clock),
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=30,
        ws_ping_interval=20,
        ws_ping_timeout=20,
        ws_per_message_deflate=settings.ws_compression,
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


_SPEED_HELP = (
    "Scenario seconds per real second (900: the two days take about 2.5 minutes), "
    "or 'max' to play as fast as the server answers."
)


def _parse_speed(text: str) -> float | None:
    from marchwarden.scenario.replay import parse_speed

    try:
        return parse_speed(text)
    except ValueError as exc:
        _error(f"--speed {text!r}: {exc}")
        raise typer.Exit(2) from exc


def _echo(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _play(url: str, speed: float | None, password: str) -> bool:
    """Play the border raid against ``url``; False (and the problem printed) on failure."""
    from rich.markup import escape

    from marchwarden.scenario.replay import ReplayError, format_problem, run_replay

    try:
        run_replay(url, speed=speed, out=_echo, password=password, words=words())
    except ReplayError as exc:
        stopped = escape(_("cli.replay.stopped"))
        err.print(f"[red]{stopped}:[/red] {escape(str(exc))}", highlight=False)
        if exc.problem is not None:
            err.print(format_problem(exc.problem), markup=False, highlight=False)
        return False
    return True


def _wait_ready(url: str, seconds: float = 120.0) -> bool:
    import time

    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    return False


def _local_url(host: str, port: int) -> str:
    """The URL a client on this machine uses to reach a server listening on ``host``."""
    if host in ("", "0.0.0.0"):  # noqa: S104 - we connect to it, not bind it
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    seed: Annotated[int, typer.Option(help="Seed of the generated demo data.")] = 2024,
    replay: Annotated[
        bool,
        typer.Option(
            "--replay",
            help="Once the server is up, play the two-day border raid live through its API.",
        ),
    ] = False,
    speed: Annotated[str, typer.Option(help=_SPEED_HELP)] = "900",
    scenario_clock: Annotated[
        bool | None,
        typer.Option(
            "--scenario-clock/--wall-clock",
            help="Run the server on the scenario's clock, moved by the replay (the default "
            "with --replay; needs a fresh store). Without --replay the clock stands at the "
            "scenario's start until `marchwarden replay` drives it.",
        ),
    ] = None,
) -> None:
    """Load the demo scenario (border raid) and run the server with it."""
    from marchwarden.entrypoints.tak.cli import ensure_ca
    from marchwarden.scenario.loader import DEMO_PASSWORD, load_demo

    pace = _parse_speed(speed) if replay else None
    settings = _settings()
    if "tak_enabled" not in settings.model_fields_set:  # the demo runs the TAK gateway
        settings = settings.model_copy(update={"tak_enabled": True})
    if settings.tak_enabled:
        ensure_ca(settings.tak_ca_dir)
    _upgrade(settings)
    clock = (
        _scenario_clock(settings)
        if (replay if scenario_clock is None else scenario_clock)
        else None
    )
    load = load_demo(settings, seed=seed, console=console, clock=clock)
    if clock is not None and not load.loaded:
        err.print(
            "the store held the demo already: the server runs on the wall clock (the "
            "scenario clock needs a fresh store)",
            markup=False,
        )
        clock = None
    elif clock is not None:
        settings = scenario_settings(settings)
        console.print(
            f"the server runs on the scenario's clock, now {clock.now():%Y-%m-%d %H:%M} UTC; "
            "the replay moves it and hands it back to the wall clock at the end",
            highlight=False,
        )
    table = cli_table(
        "username", "password", "role", "scope", title=f"Demo accounts — open http://{host}:{port}/"
    )
    for row in load.accounts:
        table.add_row(*row)
    console.print(table)
    if settings.tak_enabled:
        console.print(
            f"TAK gateway on {settings.tak_host}: CoT tcp {settings.tak_tcp_port}, "
            f"tls {settings.tak_tls_port}, enrolment https {settings.tak_enrol_port} "
            "(enrol with a demo account; docs/tak.md)"
        )
    if replay:
        import threading

        url = _local_url(host, port)

        def play() -> None:
            if not _wait_ready(url):
                err.print(_("cli.replay.notStarted", url=url), markup=False)
                return
            if _play(url, pace, DEMO_PASSWORD):
                _echo(_("cli.replay.over", url=f"http://{host}:{port}/"))

        threading.Thread(target=play, name="replay", daemon=True).start()
    _serve(settings, host, port, quiet_access=replay, scenario_clock=clock)


#: on the scenario clock a token issued on day 1 of the raid must outlive the hand-back to
#: the wall clock (two days later), or everyone signed in during the replay is signed out
SCENARIO_TOKEN_TTL_SECONDS = 4 * 86400


def scenario_settings(settings: Settings) -> Settings:
    """The demo's settings when it runs on the scenario clock: sign-ins last four days
    (token lifetimes are measured on the server's clock, which jumps about two days
    forward when the replay hands it back to the wall clock)."""
    ttl = max(settings.token_ttl_seconds, SCENARIO_TOKEN_TTL_SECONDS)
    return settings.model_copy(update={"token_ttl_seconds": ttl})


def _scenario_clock(settings: Settings) -> ScenarioClock:
    """A scenario clock standing :data:`~marchwarden.scenario.replay.LOAD_LEAD` before the
    raid's start: the demo forces are loaded at that time."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from marchwarden.adapters.clock import ScenarioClock
    from marchwarden.scenario.replay import LOAD_LEAD, scenario_start

    start = scenario_start(datetime.now(UTC), ZoneInfo(settings.hq_timezone))
    return ScenarioClock(start - LOAD_LEAD)


@app.command("replay")
def replay_command(
    url: Annotated[
        str, typer.Option(help="Base URL of a running server with the demo loaded.")
    ] = "http://127.0.0.1:8000",
    speed: Annotated[str, typer.Option(help=_SPEED_HELP)] = "900",
    password: Annotated[
        str | None, typer.Option(help="Password of the demo accounts (default: the demo's).")
    ] = None,
) -> None:
    """Play the two-day border raid through the API of a running server (marchwarden demo)."""
    from marchwarden.scenario.replay import DEMO_PASSWORD

    pace = _parse_speed(speed)
    if not _play(url.rstrip("/"), pace, password or DEMO_PASSWORD):
        raise typer.Exit(1)


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
        password = typer.prompt(_("signin.password"), hide_input=True, confirmation_prompt=True)
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
        _error(error_words(exc))
        raise typer.Exit(1) from exc
    finally:
        svc.db.engine.dispose()
    console.print(
        _(
            "cli.userCreated",
            username=user.username,
            id=user.id,
            role=_(f"role.{user.role.value}"),
            scope=scope_words(user.scope),
        ),
        highlight=False,
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
        raise Invalid.said(
            "cli.scope_all_regions_agency",
            "scope must be all, regions:..., agency:ID or unit:ID, not {text}",
            text=repr(text),
        ) from exc
    if scope_kind is ScopeKind.ALL:
        return Scope.all()
    if scope_kind is ScopeKind.REGIONS:
        return Scope.of_regions(*[v.strip() for v in value.split(",") if v.strip()])
    if not value.isdigit():
        raise Invalid.said(
            "cli.scope_needs_numeric_id",
            "scope {kind} needs a numeric id, as in {kind}:12",
            kind=kind,
        )
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
    columns = ("id", "username", "name", "role", "scope", "state")
    table = cli_table(*(_(f"cli.users.{c}") for c in columns), right=(_("cli.users.id"),))
    for u in users:
        table.add_row(
            str(u.id),
            u.username,
            u.display_name,
            u.role.value,
            scope_words(u.scope),
            _("cli.users.disabled") if u.disabled else _("cli.users.active"),
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
        _error(error_words(exc))
        raise typer.Exit(1) from exc
    finally:
        svc.db.engine.dispose()
    console.print(_("cli.userDisabled", username=username), highlight=False)


@users_app.command("language")
def users_language(
    username: Annotated[str, typer.Argument(help="Login name.")],
    code: Annotated[
        str, typer.Argument(help="en, ru, or 'browser' (the browser's language, else English).")
    ],
) -> None:
    """Set the language an account reads the page, the sitrep and its messages in."""
    from marchwarden.bootstrap import build_services
    from marchwarden.services import accounts

    svc = build_services(_settings())
    try:
        user = accounts.set_language(svc, None, username, None if code == "browser" else code)
    except DomainError as exc:
        _error(error_words(exc))
        raise typer.Exit(1) from exc
    finally:
        svc.db.engine.dispose()
    console.print(
        _("cli.userLanguage", username=username, language=user.language or _("cli.browsers")),
        highlight=False,
    )


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
        intact = _("cli.auditIntact", n=r.checked, head=r.head_seq)
        console.print(f"[green]{escape(intact)}[/green]")
        return
    broken = _("cli.auditBroken", seq=r.first_bad_seq)
    console.print(f"[red]{escape(broken)}[/red]: {escape(str(r.problem))}")
    raise typer.Exit(1)


@roster_app.command("import")
def roster_import(
    path: Annotated[str, typer.Argument(help="The roster CSV file (UTF-8).")],
) -> None:
    """Import a roster: validated as a whole; a file with any error imports nothing."""
    from pathlib import Path

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from marchwarden.bootstrap import build_services
    from marchwarden.services import roster

    settings = _settings()
    _upgrade(settings)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        err.print(f"[red]{escape(_('cli.error'))}:[/red] {path}: {exc}")
        raise typer.Exit(2) from exc
    total_rows = max(0, text.count("\n") - 1)
    svc = build_services(settings)
    try:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=err,
        ) as progress:
            task = progress.add_task(_("cli.roster.validating"), total=total_rows)

            def report(stage: str, done: int, total: int) -> None:
                if stage == "validating":
                    progress.update(task, completed=done)
                else:
                    progress.update(
                        task,
                        description=_(f"cli.roster.{stage}"),
                        completed=done or total_rows,
                        total=total or total_rows,
                    )

            result = roster.import_roster(svc, None, text, progress=report)
            progress.update(task, completed=total_rows)
    except roster.RosterInvalid as exc:
        for e in exc.errors:
            # one line per error, never wrapped: editors and CI annotators parse file:line: column
            err.print(
                f"{path}:{e.line}: {_('cli.roster.column', column=e.column)}: {line_words(e.said)}",
                soft_wrap=True,
                markup=False,
                highlight=False,
            )
        err.print(f"[red]{escape(_('cli.nothingImported', n=len(exc.errors)))}[/red]")
        raise typer.Exit(1) from exc
    finally:
        svc.db.engine.dispose()
    console.print(
        _(
            "cli.roster.imported",
            path=path,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
        )
    )


@roster_app.command("export")
def roster_export(
    unit: Annotated[int | None, typer.Option(help="Only this unit and its sub-units.")] = None,
) -> None:
    """Write the roster as CSV to standard output."""
    from marchwarden.bootstrap import build_services
    from marchwarden.services import roster

    svc = build_services(_settings())
    try:
        sys.stdout.write(roster.export_roster(svc, None, unit))
    except DomainError as exc:
        _error(error_words(exc))
        raise typer.Exit(1) from exc
    finally:
        svc.db.engine.dispose()


@app.command("whatif")
def whatif(
    with_: Annotated[
        list[str] | None, typer.Option("--with", help="Proposed act(s) to add.")
    ] = None,
    power: Annotated[str, typer.Option(help="Power whose coverage is mapped.")] = "armed_response",
    minutes: Annotated[float, typer.Option(help="Time budget to reach a settlement.")] = 30.0,
    band_km: Annotated[float, typer.Option(help="Border band of the settlements.")] = 30.0,
    release: Annotated[
        bool,
        typer.Option(
            "--release",
            help="Which units of --agency could leave while every settlement covered "
            "today stays covered, and what keeps more volunteers from the power.",
        ),
    ] = False,
    activate: Annotated[
        list[str] | None,
        typer.Option(help="With --release: treat this unit (id or code) as activated."),
    ] = None,
    agency: Annotated[
        list[str] | None,
        typer.Option(
            help="With --release: agency kinds to release (default army, national_guard)."
        ),
    ] = None,
    objective: Annotated[
        str, typer.Option(help="With --release: cost of keeping a unit: units|people|readiness.")
    ] = "units",
    target: Annotated[
        str,
        typer.Option(
            help="With --release: keep every settlement or the people covered: "
            "settlements|population."
        ),
    ] = "settlements",
    output: Annotated[
        str, typer.Option("--format", help="table (80 columns), json or csv.")
    ] = "table",
    at: Annotated[
        str | None,
        typer.Option(help="The moment, ISO 8601 with a time zone (default: now)."),
    ] = None,
) -> None:
    """Acts in force versus acts in force + proposed acts: powers gained, coverage; with
    --release, the units the act would free and what stands in the way."""
    from marchwarden.bootstrap import build_services
    from marchwarden.core.access.model import Principal
    from marchwarden.entrypoints import cli_whatif as view
    from marchwarden.services import authority

    try:
        fmt = view.OutputFormat(output)
    except ValueError as exc:
        _error(_("cli.badFormat", value=repr(output)))
        raise typer.Exit(2) from exc
    if (activate or agency) and not release:
        _error(_("cli.needsRelease"))
        raise typer.Exit(2)
    moment = _moment(at)
    svc = build_services(_settings())
    operator = Principal(0, "operator", Role.ADMIN, Scope.all())
    moment = moment or svc.clock.now()
    try:
        if release:
            text = view.run_release(
                svc,
                operator,
                console,
                proposed=tuple(with_ or ()),
                power=power,
                minutes=minutes,
                band_km=band_km,
                activate=tuple(activate or ()),
                agencies=tuple(agency or ()),
                objective=objective,
                target=target,
                fmt=fmt,
                at=moment,
            )
        else:
            if not with_:
                raise typer.BadParameter(_("cli.nameAct"), param_hint="--with")
            report = authority.what_if(
                svc,
                operator,
                proposed=tuple(with_),
                at=moment,
                power=power,
                minutes=minutes,
                border_band_km=band_km,
            )
            text = None
            if fmt is view.OutputFormat.TABLE:
                view.print_whatif(console, report)
            elif fmt is view.OutputFormat.JSON:
                from marchwarden.entrypoints.api.routers.law import whatif_out

                text = whatif_out(report).model_dump_json(indent=2) + "\n"
            else:
                text = view.whatif_csv(report)
    except DomainError as exc:
        _error(error_words(exc))
        raise typer.Exit(1) from exc
    finally:
        svc.db.engine.dispose()
    if text is not None:
        sys.stdout.write(text)


def _moment(text: str | None) -> datetime | None:
    from datetime import datetime

    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        _error(_("cli.badMoment", value=repr(text)))
        raise typer.Exit(2) from exc
    if value.tzinfo is None:
        _error(_("cli.momentZone", value=repr(text)))
        raise typer.Exit(2)
    return value


def main() -> None:
    """Run the command; a store that is missing or cannot be reached is said in one
    sentence, with the command that creates it (never a SQLAlchemy traceback)."""
    from sqlalchemy.exc import DBAPIError

    try:
        app()
    except DBAPIError as exc:
        err.print(_store_problem(exc), markup=False, highlight=False)
        raise SystemExit(2) from None


def _store_problem(exc: Exception) -> str:
    """What is wrong with the configured store, and how to make it."""
    url = _redact(Settings().database_url) if _settings_ok() else "the configured store"
    text = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
    missing = ("no such table", "does not exist", "undefinedtable")
    if any(m in text.lower() for m in missing):
        return (
            f"error: the store at {url} has no Marchwarden tables ({text}).\n"
            "Create it with `marchwarden db upgrade` (empty; then `marchwarden users add` "
            "and `marchwarden roster import`), or load the demo with `marchwarden demo`. "
            "Another store: set MARCHWARDEN_DATABASE_URL."
        )
    return (
        f"error: cannot use the store at {url} ({text}).\n"
        "Check MARCHWARDEN_DATABASE_URL and that the database server is running; "
        "`marchwarden db upgrade` creates the tables."
    )


def _settings_ok() -> bool:
    try:
        Settings()
    except ValueError:
        return False
    return True
