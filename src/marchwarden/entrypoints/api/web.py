"""The browser UI: ``/`` serves the page, ``/ui/`` its modules and styles (the package's
``web/`` folder), ``/vendor/`` the front-end libraries that ``make setup`` copies out of
``node_modules`` (Leaflet, in ``web/vendor/leaflet/``). Nothing is loaded from elsewhere:
the page's Content-Security-Policy allows this origin only.
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

import marchwarden

log = logging.getLogger("marchwarden.api")

WEB_DIR = Path(marchwarden.__file__).resolve().parent / "web"
VENDOR_DIR = WEB_DIR / "vendor"
LEAFLET_MODULE = VENDOR_DIR / "leaflet" / "leaflet-src.esm.js"

#: this origin only; inline styles are set by Leaflet through the DOM (allowed by CSP)
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

router = APIRouter(include_in_schema=False)


@router.api_route("/", methods=["GET", "HEAD"])
def index() -> FileResponse:
    """The common operating picture (sign-in, map, boards)."""
    return FileResponse(
        WEB_DIR / "index.html",
        media_type="text/html; charset=utf-8",
        headers={
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
            "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


FIELD_DIR = WEB_DIR / "field"
_PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@router.api_route("/field", methods=["GET", "HEAD"])
def field_redirect() -> RedirectResponse:
    """The field page lives at ``/field/`` (its service worker's scope)."""
    return RedirectResponse("/field/", status_code=308)


@router.api_route("/field/", methods=["GET", "HEAD"])
def field_page() -> FileResponse:
    """The field page for phones (docs/field.md): my unit's tasks, status, reports."""
    return FileResponse(
        FIELD_DIR / "index.html", media_type="text/html; charset=utf-8", headers=_PAGE_HEADERS
    )


@router.api_route("/field/sw.js", methods=["GET", "HEAD"])
def field_service_worker() -> FileResponse:
    """The field page's service worker, never cached by HTTP (the browser checks it for
    updates on each visit)."""
    return FileResponse(
        FIELD_DIR / "sw.js", media_type="text/javascript; charset=utf-8", headers=_PAGE_HEADERS
    )


def install(app: FastAPI) -> None:
    """Serve the UI from the app itself (no second server, no CDN)."""
    # module scripts must come as JavaScript whatever the host's MIME table says
    mimetypes.add_type("text/javascript", ".js")
    mimetypes.add_type("image/svg+xml", ".svg")
    if not LEAFLET_MODULE.is_file():
        log.warning(
            "Leaflet is not installed: the map will not load; run `make setup`",
            extra={"expected": str(LEAFLET_MODULE)},
        )
    app.include_router(router)
    mimetypes.add_type("application/manifest+json", ".webmanifest")
    app.mount("/ui", StaticFiles(directory=WEB_DIR), name="ui")
    app.mount("/field", StaticFiles(directory=FIELD_DIR), name="field")
    app.mount("/vendor", StaticFiles(directory=VENDOR_DIR, check_dir=False), name="vendor")
