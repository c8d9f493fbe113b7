"""Client certificates of the TAK gateway, bound to Marchwarden accounts.

``enrol``: what the enrolment endpoint does for ATAK — the user name and password are
checked by ``accounts.login`` (the same throttling and lock-out as the web sign-in; the
session it opens is closed again at once), the device's CSR is signed for the account
and the certificate recorded. ``issue_client``: the CLI's key and certificate for an
account (it packs them for ATAK). ``principal_of``: on every TLS connect, the
certificate's account — refused when the certificate is unknown, revoked or expired,
or the account disabled. ``revoke``: one certificate; its connections are cut by every
gateway when the event arrives (``entrypoints/tak/bridge.py``).

The certificate authority is an adapter (``adapters/tak/ca.py``): the entrypoint loads
it and hands it in as a ``tak_ports.CertAuthority``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from marchwarden.core.errors import NotFound
from marchwarden.core.tak import certificates
from marchwarden.core.tak.access import may_connect
from marchwarden.services import accounts
from marchwarden.services.tak_ports import CertAuthority, IssuedT_co, TakCertRow

if TYPE_CHECKING:
    from datetime import datetime

    from marchwarden.core.access.model import Principal, User
    from marchwarden.services.context import Services
    from marchwarden.services.ports import UnitOfWork
    from marchwarden.services.tak_ports import IssuedCertificate

ORGANISATION = "Marchwarden"


def _save(
    uow: UnitOfWork,
    user: User,
    issued: IssuedCertificate,
    client_uid: str | None,
    how: str,
    now: datetime,
) -> None:
    events = certificates.issue(
        user,
        serial=issued.serial,
        fingerprint=issued.fingerprint,
        not_after=issued.not_after,
        how=how,
    )
    uow.tak_certs.add(
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
    svc: Services,
    ca: CertAuthority[IssuedT_co],
    *,
    username: str,
    password: str,
    address: str,
    csr: bytes,
    client_uid: str | None,
) -> IssuedT_co:
    """Check the password (``Unauthenticated``/``Throttled`` as the web sign-in), sign."""
    issued_token = accounts.login(svc, username=username, password=password, address=address)
    accounts.logout(svc, issued_token.user.principal(), issued_token.token)
    issued = ca.sign_csr(csr, common_name=issued_token.user.username, organisation=ORGANISATION)
    with svc.db.unit_of_work() as uow:
        user = uow.users.get(issued_token.user.id)
        assert user is not None
        _save(uow, user, issued, client_uid, "enrolment", svc.clock.now())
        uow.commit()
    return issued


def issue_client(
    svc: Services, ca: CertAuthority[IssuedT_co], username: str
) -> tuple[bytes, IssuedT_co]:
    """A new key (PEM) and certificate for ``username``, recorded (the CLI's package)."""
    with svc.db.unit_of_work() as uow:
        user = uow.users.by_username(username)
        if user is None:
            raise NotFound.said(
                "account.no_user_named", "no user named {username}", username=repr(username)
            )
        key_pem, issued = ca.new_client(common_name=user.username, organisation=ORGANISATION)
        _save(uow, user, issued, None, "package", svc.clock.now())
        uow.commit()
    return key_pem, issued


def revoke(svc: Services, actor: Principal | None, serial: str, reason: str) -> TakCertRow:
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        row = uow.tak_certs.by_serial(serial)
        if row is None:
            raise NotFound.said(
                "account.no_tak_certificate_serial",
                "no TAK certificate with serial {serial}",
                serial=serial,
            )
        owner = uow.users.get(row.user_id)
        assert owner is not None
        events = certificates.revoke(
            actor, owner, serial=serial, revoked=row.revoked_at is not None, reason=reason
        )
        uow.tak_certs.revoke(serial, now, reason)
        uow.record(actor, events, at=now)
        result = uow.tak_certs.by_serial(serial)
        uow.commit()
    assert result is not None
    return result


def certificates_of(svc: Services, username: str) -> list[TakCertRow]:
    with svc.db.unit_of_work(write=False) as uow:
        user = uow.users.by_username(username)
        if user is None:
            raise NotFound.said(
                "account.no_user_named", "no user named {username}", username=repr(username)
            )
        return uow.tak_certs.of_user(user.id)


def principal_of(svc: Services, fingerprint: str) -> tuple[Principal, str] | None:
    """The account behind a client certificate, by its SHA-256 fingerprint (the
    certificate was already verified against our CA by TLS)."""
    now = svc.clock.now()
    with svc.db.unit_of_work(write=False) as uow:
        row = uow.tak_certs.by_fingerprint(fingerprint)
        user = None if row is None else uow.users.get(row.user_id)
    if row is None or user is None:
        return None
    if row.revoked_at is not None or row.not_after <= now or user.disabled:
        return None
    principal = user.principal()
    if not may_connect(principal):
        return None
    return principal, row.serial
