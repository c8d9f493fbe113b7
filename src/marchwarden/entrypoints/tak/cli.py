"""``marchwarden tak``: the gateway's CA, data packages, certificates, and the gateway."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from marchwarden.adapters.tak.ca import CaError, CertificateAuthority, data_package
from marchwarden.core.errors import DomainError
from marchwarden.entrypoints.cli_words import _, error_words

if TYPE_CHECKING:
    from marchwarden.settings import Settings

tak_app = typer.Typer(help="The TAK gateway (ATAK, WinTAK, iTAK).", no_args_is_help=True)
ca_app = typer.Typer(help="The gateway's certificate authority.", no_args_is_help=True)
tak_app.add_typer(ca_app, name="ca")

console = Console()
err = Console(stderr=True)


def _settings() -> Settings:
    from marchwarden.entrypoints.cli import _settings as settings

    return settings()


@ca_app.command("init")
def ca_init(
    name: Annotated[str, typer.Option(help="The CA's common name.")] = "Marchwarden TAK CA",
    host: Annotated[
        list[str] | None,
        typer.Option(help="A name or address devices use to reach the gateway (repeatable)."),
    ] = None,
) -> None:
    """Create the CA and the gateway's server certificate in tak_ca_dir."""
    settings = _settings()
    try:
        ca = CertificateAuthority.init(settings.tak_ca_dir, name=name, hosts=host or ())
    except CaError as exc:
        err.print(f"[red]{escape(error_words(exc))}[/red]")
        raise typer.Exit(1) from exc
    console.print(_("cli.tak.caCreated", directory=ca.directory), highlight=False)


def ensure_ca(directory: str) -> None:
    """The demo's CA: made on first use."""
    if not (Path(directory) / "ca.key").exists():
        CertificateAuthority.init(directory, name="Marchwarden demo TAK CA")


@tak_app.command("package")
def package(
    username: Annotated[str, typer.Argument(help="The account the certificate is bound to.")],
    host: Annotated[str, typer.Option(help="The gateway's address as devices reach it.")],
    out: Annotated[Path, typer.Option(help="Where to write the zip.")] = Path(
        "marchwarden-tak.zip"
    ),
    port: Annotated[int | None, typer.Option(help="TLS port (default: tak_tls_port).")] = None,
    password: Annotated[
        str | None, typer.Option(help="Password of the p12 files (default: a random one).")
    ] = None,
) -> None:
    """Make a client certificate for USER and the data package ATAK imports."""
    from marchwarden.bootstrap import build_services
    from marchwarden.services import tak_certs

    settings = _settings()
    secret = password or secrets.token_urlsafe(12)
    svc = build_services(settings)
    try:
        ca = CertificateAuthority.load(settings.tak_ca_dir)
        key_pem, issued = tak_certs.issue_client(svc, ca, username)
        data = data_package(
            ca=ca,
            key_pem=key_pem,
            issued=issued,
            host=host,
            port=port or settings.tak_tls_port or 8089,
            description=f"Marchwarden ({username})",
            password=secret,
        )
    except (DomainError, CaError) as exc:
        err.print(f"[red]{escape(error_words(exc))}[/red]")
        raise typer.Exit(1) from exc
    finally:
        svc.db.engine.dispose()
    out.write_bytes(data)
    out.chmod(0o600)
    console.print(_("cli.tak.wrote", path=out, username=username, password=secret), highlight=False)


@tak_app.command("certs")
def certs(username: Annotated[str, typer.Argument(help="Account.")]) -> None:
    """The TAK certificates of an account."""
    from marchwarden.bootstrap import build_services
    from marchwarden.services import tak_certs

    svc = build_services(_settings())
    try:
        rows = tak_certs.certificates_of(svc, username)
    except DomainError as exc:
        err.print(f"[red]{escape(error_words(exc))}[/red]")
        raise typer.Exit(1) from exc
    table = Table(title=_("cli.tak.certsOf", username=username))
    for col in ("serial", "issued", "validUntil", "revoked"):
        table.add_column(_(f"cli.tak.col.{col}"))
    for r in rows:
        revoked = f"{r.revoked_at:%Y-%m-%d %H:%M} {r.revoked_reason}" if r.revoked_at else ""
        table.add_row(r.serial, f"{r.issued_at:%Y-%m-%d %H:%M}", f"{r.not_after:%Y-%m-%d}", revoked)
    console.print(table)


@tak_app.command("revoke")
def revoke(
    serial: Annotated[str, typer.Argument(help="Serial number (see `tak certs USER`).")],
    reason: Annotated[str, typer.Option(help="Why (kept in the audit trail).")] = "revoked",
) -> None:
    """Revoke a certificate: its connections are cut and it is refused from now on."""
    from marchwarden.bootstrap import build_services
    from marchwarden.services import tak_certs

    svc = build_services(_settings())
    try:
        row = tak_certs.revoke(svc, None, serial, reason)
    except DomainError as exc:
        err.print(f"[red]{escape(error_words(exc))}[/red]")
        raise typer.Exit(1) from exc
    console.print(_("cli.tak.revoked", serial=row.serial), highlight=False)


@tak_app.command("serve")
def serve() -> None:
    """Run the TAK gateway as its own process (next to API processes on one store + bus)."""
    import asyncio

    from marchwarden.entrypoints.cli import _upgrade
    from marchwarden.entrypoints.tak.gateway import run_standalone
    from marchwarden.logging_setup import configure

    settings = _settings()
    configure(settings.log_level)
    _upgrade(settings)
    try:
        import uvloop  # what uvicorn runs the API on, when installed
    except ImportError:
        asyncio.run(run_standalone(settings))
    else:
        uvloop.run(run_standalone(settings))
