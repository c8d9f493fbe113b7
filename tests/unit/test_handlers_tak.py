"""The TAK certificate handlers over a fake unit of work (tests/unit/fakes.py): they
reach the certificates only through ``uow.tak_certs`` and the CA only through the
``tak_ports.CertAuthority`` Protocol, and record events, never rows by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from marchwarden.core.access.model import Principal, Role, Scope, User
from marchwarden.core.errors import Conflict, Forbidden, NotFound
from marchwarden.core.tak.certificates import TakCertificateIssued, TakCertificateRevoked
from marchwarden.services import tak_certs
from marchwarden.services.tak_ports import TakCertRow
from tests.unit.fakes import FakeStore, fake_services

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
ADMIN = Principal(1, "admin", Role.ADMIN, Scope.all())


@dataclass(frozen=True)
class Issued:
    serial: str
    fingerprint: str
    not_after: datetime


class FakeCA:
    """A certificate authority that signs nothing: numbered certificates."""

    def __init__(self) -> None:
        self.n = 0

    def sign_csr(self, csr_pem: bytes, *, common_name: str, organisation: str) -> Issued:
        return self.new_client(common_name=common_name, organisation=organisation)[1]

    def new_client(self, *, common_name: str, organisation: str) -> tuple[bytes, Issued]:
        self.n += 1
        return b"KEY", Issued(f"s{self.n}", f"fp{self.n}", NOW + timedelta(days=365))


def _user(store: FakeStore, user_id: int, name: str, role: Role, *, disabled: bool = False) -> User:
    user = User(user_id, name, name, role, Scope.all(), disabled, NOW)
    store.users.rows[user_id] = user
    return user


def _cert(
    store: FakeStore,
    serial: str,
    user_id: int,
    *,
    not_after: datetime = NOW + timedelta(days=1),
    revoked_at: datetime | None = None,
) -> None:
    store.tak_certs.add(
        TakCertRow(serial, f"fp-{serial}", user_id, None, NOW, not_after, revoked_at, None)
    )


def test_issuing_a_client_certificate_saves_its_row_and_records_one_event() -> None:
    svc, store = fake_services()
    _user(store, 7, "phone", Role.UNIT_COMMANDER)
    key, issued = tak_certs.issue_client(svc, FakeCA(), "phone")
    assert (key, issued.serial) == (b"KEY", "s1")
    assert store.tak_certs.by_fingerprint("fp1") == TakCertRow(
        "s1", "fp1", 7, None, svc.clock.now(), issued.not_after, None, None
    )
    (event,) = store.committed
    assert isinstance(event, TakCertificateIssued)
    facts = event.audit()
    assert facts is not None
    assert (facts.command, facts.target_id, facts.changes["how"]) == (
        "tak.certificate.issue",
        7,
        "package",
    )


def test_no_certificate_for_a_disabled_account_and_nothing_saved() -> None:
    svc, store = fake_services()
    _user(store, 7, "phone", Role.UNIT_COMMANDER, disabled=True)
    with pytest.raises(Forbidden):
        tak_certs.issue_client(svc, FakeCA(), "phone")
    assert store.tak_certs.rows == {}
    assert store.committed == []
    with pytest.raises(NotFound):
        tak_certs.issue_client(svc, FakeCA(), "nobody")


def test_revoking_records_the_event_and_a_second_revocation_changes_nothing() -> None:
    svc, store = fake_services()
    _user(store, 7, "phone", Role.UNIT_COMMANDER)
    _cert(store, "s1", 7)
    row = tak_certs.revoke(svc, ADMIN, "s1", "phone lost")
    assert (row.revoked_at, row.revoked_reason) == (svc.clock.now(), "phone lost")
    (event,) = store.committed
    assert isinstance(event, TakCertificateRevoked) and event.published()
    with pytest.raises(Conflict):
        tak_certs.revoke(svc, ADMIN, "s1", "again")
    assert store.tak_certs.rows["s1"].revoked_reason == "phone lost"
    assert len(store.committed) == 1


def test_only_the_owner_or_a_user_manager_may_revoke() -> None:
    svc, store = fake_services()
    _user(store, 7, "phone", Role.UNIT_COMMANDER)
    other = Principal(8, "other", Role.UNIT_COMMANDER, Scope.all())
    _cert(store, "s1", 7)
    with pytest.raises(Forbidden):
        tak_certs.revoke(svc, other, "s1", "not mine")
    assert store.tak_certs.rows["s1"].revoked_at is None
    assert store.committed == []


def test_a_connecting_certificate_counts_only_while_valid_and_its_account_active() -> None:
    svc, store = fake_services()
    now = svc.clock.now()
    _user(store, 7, "phone", Role.UNIT_COMMANDER)
    _user(store, 9, "gone", Role.UNIT_COMMANDER, disabled=True)
    _cert(store, "ok", 7, not_after=now + timedelta(days=1))
    _cert(store, "old", 7, not_after=now)
    _cert(store, "rev", 7, not_after=now + timedelta(days=1), revoked_at=now)
    _cert(store, "dis", 9, not_after=now + timedelta(days=1))
    found = tak_certs.principal_of(svc, "fp-ok")
    assert found is not None and (found[0].username, found[1]) == ("phone", "ok")
    for serial in ("old", "rev", "dis", "unknown"):
        assert tak_certs.principal_of(svc, f"fp-{serial}") is None, serial
