"""Client certificates of the TAK gateway, bound to Marchwarden accounts.

``enrol``: what the enrolment endpoint does for ATAK — the user name and password are
checked by ``accounts.login`` (the same throttling and lock-out as the web sign-in; the
session it opens is closed again at once), the device's CSR is signed for the account
and the certificate recorded. ``package``: the CLI makes a key and certificate for an
account and the data package ATAK imports. ``principal_of``: on every TLS connect, the
certificate's account — refused when the certificate is unknown, revoked or expired,
or the account disabled. ``revoke``: one certificate; its connections are cut by every
gateway when the event arrives (``services/tak.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cryptography import x509

from marchwarden.adapters.db.tak_repo import TakCertRepository, TakCertRow
from marchwarden.adapters.tak.ca import CertificateAuthority, IssuedCert, data_package, fingerprint
from marchwarden.core.errors import NotFound
from marchwarden.core.tak import certificates
from marchwarden.core.tak.access import may_connect
from marchwarden.services import accounts

if TYPE_CHECKING:
    from marchwarden.adapters.db.uow import SqlUnitOfWork
    from marchwarden.core.access.model import Principal, User
    from marchwarden.services.context import Services

ORGANISATION = "Marchwarden"


def load_ca(svc: Services) -> CertificateAuthority:
    return CertificateAuthority.load(svc.settings.tak_ca_dir)


def _record(
    uow: SqlUnitOfWork,
    user: User,
    issued: IssuedCert,
    client_uid: str | None,
    how: str,
    svc: Services,
) -> None:
    now = svc.clock.now()
    events = certificates.issue(
        user,
        serial=issued.serial,
        fingerprint=issued.fingerprint,
        not_after=issued.not_after,
        how=how,
    )
    TakCertRepository(uow.conn).add(
        TakCertRow(
            issued.serial,
            issued.fingerprint,
            user.id,
            client_uid,
            now,
            issued.not_after,
            None,
            None,
        )
    )
    uow.record(user.principal() if how == "enrolment" else None, events, at=now)


def enrol(
    svc: Services, *, username: str, password: str, address: str, csr: bytes, client_uid: str | None
) -> tuple[IssuedCert, CertificateAuthority]:
    """Check the password (``Unauthenticated``/``Throttled`` as the web sign-in), sign."""
    issued_token = accounts.login(svc, username=username, password=password, address=address)
    accounts.logout(svc, issued_token.user.principal(), issued_token.token)
    ca = load_ca(svc)
    issued = ca.sign_csr(csr, common_name=issued_token.user.username, organisation=ORGANISATION)
    with svc.db.unit_of_work() as uow:
        user = uow.users.get(issued_token.user.id)
        assert user is not None
        _record(uow, user, issued, client_uid, "enrolment", svc)
        uow.commit()
    return issued, ca


def package(svc: Services, username: str, *, host: str, port: int, password: str) -> bytes:
    """A data package (zip) with a new certificate for ``username`` (the CLI)."""
    ca = load_ca(svc)
    with svc.db.unit_of_work() as uow:
        user = uow.users.by_username(username)
        if user is None:
            raise NotFound(f"no user named {username!r}")
        key_pem, issued = ca.new_client(common_name=user.username, organisation=ORGANISATION)
        _record(uow, user, issued, None, "package", svc)
        uow.commit()
    return data_package(
        ca=ca,
        key_pem=key_pem,
        issued=issued,
        host=host,
        port=port,
        description=f"Marchwarden ({user.username})",
        password=password,
    )


def revoke(svc: Services, actor: Principal | None, serial: str, reason: str) -> TakCertRow:
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        repo = TakCertRepository(uow.conn)
        row = repo.by_serial(serial)
        if row is None:
            raise NotFound(f"no TAK certificate with serial {serial}")
        owner = uow.users.get(row.user_id)
        assert owner is not None
        events = certificates.revoke(
            actor, owner, serial=serial, revoked=row.revoked_at is not None, reason=reason
        )
        repo.revoke(serial, now, reason)
        uow.record(actor, events, at=now)
        result = repo.by_serial(serial)
        uow.commit()
    assert result is not None
    return result


def certificates_of(svc: Services, username: str) -> list[TakCertRow]:
    with svc.db.unit_of_work(write=False) as uow:
        user = uow.users.by_username(username)
        if user is None:
            raise NotFound(f"no user named {username!r}")
        return TakCertRepository(uow.conn).of_user(user.id)


def principal_of(svc: Services, der: bytes) -> tuple[Principal, str] | None:
    """The account behind a client certificate (already verified against our CA by TLS)."""
    cert = x509.load_der_x509_certificate(der)
    now = svc.clock.now()
    with svc.db.unit_of_work(write=False) as uow:
        row = TakCertRepository(uow.conn).by_fingerprint(fingerprint(cert))
        user = None if row is None else uow.users.get(row.user_id)
    if row is None or user is None:
        return None
    if row.revoked_at is not None or row.not_after <= now or user.disabled:
        return None
    principal = user.principal()
    if not may_connect(principal):
        return None
    return principal, row.serial
