"""The gateway's small certificate authority (``marchwarden tak ca init``).

A directory (``tak_ca_dir``) holds the CA's key and certificate (``ca.key``, ``ca.pem``)
and the gateway's server certificate signed by it (``server.key``, ``server.pem``; its
names are ``localhost``, ``127.0.0.1`` and the host names given at init). Keys are written
readable by the owner only. Client certificates are signed from a CSR (enrolment) or made
with a fresh key (``marchwarden tak package``); which account a certificate belongs to is
kept in the store, by serial number and fingerprint (``services/tak_certs.py``; the
``CertificateAuthority`` here is its ``services/tak_ports.py: CertAuthority``).
"""

from __future__ import annotations

import io
import ipaddress
import os
import ssl
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import quoteattr

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

if TYPE_CHECKING:
    from collections.abc import Sequence

    from cryptography.hazmat.primitives.asymmetric.types import (
        CertificateIssuerPrivateKeyTypes,
        CertificatePublicKeyTypes,
    )

CA_DAYS = 3650
SERVER_DAYS = 825
CLIENT_DAYS = 365


class CaError(Exception):
    """The CA directory is missing or unusable, or a CSR is refused; the message says why."""


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _pem_key(key: CertificateIssuerPrivateKeyTypes) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _write(path: Path, data: bytes, *, secret: bool = False) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if secret else 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def fingerprint_of_der(der: bytes) -> str:
    """The fingerprint of a certificate as TLS hands it over (DER)."""
    return fingerprint(x509.load_der_x509_certificate(der))


def serial_of(cert: x509.Certificate) -> str:
    return format(cert.serial_number, "x")


@dataclass(frozen=True)
class IssuedCert:
    cert: x509.Certificate

    @property
    def pem(self) -> str:
        return self.cert.public_bytes(serialization.Encoding.PEM).decode()

    @property
    def serial(self) -> str:
        return serial_of(self.cert)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.cert)

    @property
    def not_after(self) -> datetime:
        return self.cert.not_valid_after_utc


class CertificateAuthority:
    def __init__(
        self, directory: Path, key: CertificateIssuerPrivateKeyTypes, cert: x509.Certificate
    ):
        self.directory = directory
        self.key = key
        self.cert = cert

    @property
    def pem(self) -> str:
        return self.cert.public_bytes(serialization.Encoding.PEM).decode()

    # -- making ----------------------------------------------------------------------
    @classmethod
    def init(
        cls, directory: str | Path, *, name: str, hosts: Sequence[str] = ()
    ) -> CertificateAuthority:
        """Create the CA and the server certificate; refuse to overwrite an existing CA."""
        d = Path(directory)
        if (d / "ca.key").exists():
            raise CaError(f"a CA already exists in {d}; remove it first to make a new one")
        d.mkdir(parents=True, exist_ok=True)
        key = _key()
        now = datetime.now(UTC)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .sign(key, hashes.SHA256())
        )
        _write(d / "ca.key", _pem_key(key), secret=True)
        _write(d / "ca.pem", cert.public_bytes(serialization.Encoding.PEM))
        ca = cls(d, key, cert)
        ca.make_server_cert(hosts)
        return ca

    @classmethod
    def load(cls, directory: str | Path) -> CertificateAuthority:
        d = Path(directory)
        try:
            key = serialization.load_pem_private_key((d / "ca.key").read_bytes(), None)
            cert = x509.load_pem_x509_certificate((d / "ca.pem").read_bytes())
        except FileNotFoundError:
            raise CaError(f"no CA in {d}: run `marchwarden tak ca init` first") from None
        if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
            raise CaError(f"the CA key in {d} is neither EC nor RSA")
        return cls(d, key, cert)

    def make_server_cert(self, hosts: Sequence[str] = ()) -> None:
        names: list[x509.GeneralName] = [x509.DNSName("localhost")]
        for host in ("127.0.0.1", *hosts):
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                names.append(x509.DNSName(host))
        key = _key()
        cn = hosts[0] if hosts else "localhost"
        cert = self._sign(
            x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]),
            key.public_key(),
            days=SERVER_DAYS,
            usage=ExtendedKeyUsageOID.SERVER_AUTH,
            san=names,
        )
        _write(self.directory / "server.key", _pem_key(key), secret=True)
        _write(self.directory / "server.pem", cert.public_bytes(serialization.Encoding.PEM))

    def _sign(
        self,
        subject: x509.Name,
        public_key: CertificatePublicKeyTypes,
        *,
        days: int,
        usage: x509.ObjectIdentifier,
        san: list[x509.GeneralName] | None = None,
    ) -> x509.Certificate:
        now = datetime.now(UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.cert.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        )
        if san:
            builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
        return builder.sign(self.key, hashes.SHA256())

    # -- client certificates -----------------------------------------------------------
    def sign_csr(self, csr_pem: bytes, *, common_name: str, organisation: str) -> IssuedCert:
        """Sign a client's CSR for ``common_name`` (the account's user name, whatever
        the CSR asked for: the account decides the name, not the device)."""
        try:
            csr = x509.load_pem_x509_csr(_pem_armour(csr_pem))
        except ValueError:
            raise CaError("the body is not a PEM certificate signing request (CSR)") from None
        if not csr.is_signature_valid:
            raise CaError("the CSR's signature does not match its key")
        public = csr.public_key()
        if isinstance(public, rsa.RSAPublicKey) and public.key_size < 2048:
            raise CaError("an RSA key in a CSR must be at least 2048 bits")
        if not isinstance(public, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
            raise CaError("a CSR's key must be RSA or EC")
        return IssuedCert(
            self._sign(
                _client_name(common_name, organisation),
                public,
                days=CLIENT_DAYS,
                usage=ExtendedKeyUsageOID.CLIENT_AUTH,
            )
        )

    def new_client(self, *, common_name: str, organisation: str) -> tuple[bytes, IssuedCert]:
        """A fresh key (PEM) and its certificate, for a data package."""
        key = _key()
        cert = self._sign(
            _client_name(common_name, organisation),
            key.public_key(),
            days=CLIENT_DAYS,
            usage=ExtendedKeyUsageOID.CLIENT_AUTH,
        )
        return _pem_key(key), IssuedCert(cert)

    # -- TLS -----------------------------------------------------------------------------
    def server_context(self) -> ssl.SSLContext:
        """TLS for the streaming port: our server certificate, client certificates required."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(self.directory / "server.pem", self.directory / "server.key")
        ctx.load_verify_locations(cafile=str(self.directory / "ca.pem"))
        ctx.verify_mode = ssl.CERT_REQUIRED
        return ctx

    def enrolment_context(self) -> ssl.SSLContext:
        """TLS for the enrolment port: no client certificate (HTTP basic instead)."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(self.directory / "server.pem", self.directory / "server.key")
        return ctx

    def truststore_p12(self, password: str) -> bytes:
        return pkcs12.serialize_java_truststore(
            [pkcs12.PKCS12Certificate(self.cert, b"marchwarden-ca")],
            serialization.BestAvailableEncryption(password.encode()),
        )


def _client_name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "TAK"),
        ]
    )


def _pem_armour(body: bytes) -> bytes:
    """ATAK posts the CSR's base64 without the PEM lines; accept both."""
    text = body.strip()
    if text.startswith(b"-----BEGIN"):
        return text
    return (
        b"-----BEGIN CERTIFICATE REQUEST-----\n" + text + b"\n-----END CERTIFICATE REQUEST-----\n"
    )


def client_p12(
    key_pem: bytes, issued: IssuedCert, ca: CertificateAuthority, password: str
) -> bytes:
    key = serialization.load_pem_private_key(key_pem, None)
    assert isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey)
    return pkcs12.serialize_key_and_certificates(
        issued.cert.subject.rfc4514_string().encode(),
        key,
        issued.cert,
        [ca.cert],
        serialization.BestAvailableEncryption(password.encode()),
    )


def data_package(
    *,
    ca: CertificateAuthority,
    key_pem: bytes,
    issued: IssuedCert,
    host: str,
    port: int,
    description: str,
    password: str,
) -> bytes:
    """The connection data package ATAK imports (a zip: truststore, client certificate,
    a ``.pref`` file with the server connection, and ``MANIFEST/manifest.xml``)."""
    truststore = "truststore-marchwarden.p12"
    client = "marchwarden-client.p12"
    pref = (
        "<?xml version='1.0' encoding='ASCII' standalone='yes'?>\n"
        '<preferences><preference version="1" name="cot_streams">'
        '<entry key="count" class="class java.lang.Integer">1</entry>'
        f'<entry key="description0" class="class java.lang.String">{_x(description)}</entry>'
        '<entry key="enabled0" class="class java.lang.Boolean">true</entry>'
        f'<entry key="connectString0" class="class java.lang.String">{_x(host)}:{port}:ssl</entry>'
        "</preference>"
        '<preference version="1" name="com.atakmap.app_preferences">'
        '<entry key="displayServerConnectionWidget" class="class java.lang.Boolean">true</entry>'
        f'<entry key="caLocation" class="class java.lang.String">cert/{truststore}</entry>'
        f'<entry key="caPassword" class="class java.lang.String">{_x(password)}</entry>'
        f'<entry key="certificateLocation" class="class java.lang.String">cert/{client}</entry>'
        f'<entry key="clientPassword" class="class java.lang.String">{_x(password)}</entry>'
        "</preference></preferences>\n"
    )
    manifest = (
        '<MissionPackageManifest version="2"><Configuration>'
        f'<Parameter name="uid" value={quoteattr("marchwarden-" + issued.serial)}/>'
        f'<Parameter name="name" value={quoteattr(description)}/>'
        '<Parameter name="onReceiveDelete" value="true"/>'
        "</Configuration><Contents>"
        f'<Content ignore="false" zipEntry="certs/{truststore}"/>'
        f'<Content ignore="false" zipEntry="certs/{client}"/>'
        '<Content ignore="false" zipEntry="certs/marchwarden.pref"/>'
        "</Contents></MissionPackageManifest>\n"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"certs/{truststore}", ca.truststore_p12(password))
        z.writestr(f"certs/{client}", client_p12(key_pem, issued, ca, password))
        z.writestr("certs/marchwarden.pref", pref)
        z.writestr("MANIFEST/manifest.xml", manifest)
    return buf.getvalue()


def _x(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
