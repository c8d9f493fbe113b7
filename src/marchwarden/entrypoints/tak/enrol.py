"""Certificate enrolment as ATAK does it (HTTPS, ``tak_enrol_port``, default 8446).

``GET /Marti/api/tls/config``: the name entries the CSR should carry (O, OU).
``POST /Marti/api/tls/signClient/v2?clientUid=…&version=…`` (HTTP basic with the
Marchwarden user name and password; the body is the PEM CSR, with or without its
armour lines): ``{"signedCert": PEM, "ca0": PEM}``. ``POST /Marti/api/tls/signClient``:
the same as a PKCS#12 (certificate and CA, no key; the device keeps its key). Wrong
password: 401; too many failures: 429 with Retry-After, as the web sign-in.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.serialization import NoEncryption, pkcs12
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from marchwarden.adapters.tak.ca import CaError
from marchwarden.core.errors import Forbidden, Throttled, Unauthenticated
from marchwarden.services import tak_certs

if TYPE_CHECKING:
    from marchwarden.adapters.tak.ca import CertificateAuthority
    from marchwarden.services.context import Services

log = logging.getLogger("marchwarden.tak.enrol")

CONFIG_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<ns2:certificateConfig xmlns="http://bbn.com/marti/xml/config" '
    'xmlns:ns2="com.bbn.marti.config"><nameEntries>'
    f'<nameEntry name="O" value="{tak_certs.ORGANISATION}"/>'
    '<nameEntry name="OU" value="TAK"/>'
    "</nameEntries></ns2:certificateConfig>\n"
)
MAX_CSR_BYTES = 16_384


def _problem(status: int, detail: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(
        {"type": "about:blank", "title": "Enrolment refused", "status": status, "detail": detail},
        status_code=status,
        headers=headers,
        media_type="application/problem+json",
    )


def _basic(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:], validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


def create_enrol_app(services: Services, ca: CertificateAuthority) -> FastAPI:
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/Marti/api/tls/config")
    async def config() -> Response:
        return Response(CONFIG_XML, media_type="application/xml")

    async def sign(request: Request, v2: bool) -> Response:
        creds = _basic(request)
        if creds is None:
            return _problem(
                401,
                "HTTP basic authentication with your Marchwarden account is needed",
                {"WWW-Authenticate": 'Basic realm="Marchwarden TAK"'},
            )
        body = await request.body()
        if not body or len(body) > MAX_CSR_BYTES:
            return _problem(400, f"the body must be a PEM CSR of at most {MAX_CSR_BYTES} bytes")
        address = request.client.host if request.client else "?"
        try:
            issued = await asyncio.to_thread(
                tak_certs.enrol,
                services,
                ca,
                username=creds[0],
                password=creds[1],
                address=address,
                csr=body,
                client_uid=request.query_params.get("clientUid"),
            )
        except Unauthenticated as exc:
            return _problem(401, exc.detail, {"WWW-Authenticate": 'Basic realm="Marchwarden TAK"'})
        except Throttled as exc:
            return _problem(429, exc.detail, {"Retry-After": str(exc.retry_after_seconds)})
        except Forbidden as exc:
            return _problem(403, exc.detail)
        except CaError as exc:
            return _problem(400, str(exc))
        log.info("tak: enrolled a device for %s (certificate %s)", creds[0], issued.serial)
        if v2:
            return JSONResponse({"signedCert": issued.pem, "ca0": ca.pem})
        p12 = pkcs12.serialize_key_and_certificates(
            None, None, issued.cert, [ca.cert], NoEncryption()
        )
        return Response(p12, media_type="application/x-pkcs12")

    @app.post("/Marti/api/tls/signClient/v2")
    async def sign_v2(request: Request) -> Response:
        return await sign(request, True)

    @app.post("/Marti/api/tls/signClient")
    async def sign_v1(request: Request) -> Response:
        return await sign(request, False)

    return app
