"""The ports of the TAK gateway's services: the certificate repository on the unit of
work (``uow.tak_certs``, ``adapters/db/tak_repo.py``), the certificate authority
(``adapters/tak/ca.py``) and the rows that cross them. Like ``ports.py``, nothing here
imports an adapter: the adapters implement these, and mypy checks that they fit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from datetime import datetime


@dataclass(frozen=True, slots=True)
class TakCertRow:
    """A client certificate issued to an account (``tables.tak_certificates``)."""

    serial: str
    fingerprint: str
    user_id: int
    client_uid: str | None
    issued_at: datetime
    not_after: datetime
    revoked_at: datetime | None
    revoked_reason: str | None


class TakCerts(Protocol):
    """What handlers need of ``TakCertRepository`` (``adapters/db/tak_repo.py``)."""

    def add(self, row: TakCertRow) -> None: ...

    def by_fingerprint(self, fingerprint: str) -> TakCertRow | None: ...

    def by_serial(self, serial: str) -> TakCertRow | None: ...

    def of_user(self, user_id: int) -> list[TakCertRow]: ...

    def revoke(self, serial: str, at: datetime, reason: str) -> None: ...


class IssuedCertificate(Protocol):
    """A certificate the authority has just signed (``adapters/tak/ca.py: IssuedCert``)."""

    @property
    def serial(self) -> str: ...
    @property
    def fingerprint(self) -> str: ...
    @property
    def not_after(self) -> datetime: ...


IssuedT_co = TypeVar("IssuedT_co", bound=IssuedCertificate, covariant=True)


class CertAuthority(Protocol[IssuedT_co]):
    """The gateway's certificate authority (``adapters/tak/ca.py: CertificateAuthority``),
    loaded by the entrypoint that needs it; a handler only asks it to sign."""

    def sign_csr(self, csr_pem: bytes, *, common_name: str, organisation: str) -> IssuedT_co:
        """Raises the adapter's error for a CSR it will not sign."""
        ...

    def new_client(self, *, common_name: str, organisation: str) -> tuple[bytes, IssuedT_co]:
        """A fresh key (PEM) and its certificate."""
        ...
