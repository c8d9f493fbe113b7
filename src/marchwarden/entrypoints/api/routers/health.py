"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from marchwarden.entrypoints.api.errors import problem

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
def readyz(request: Request) -> dict[str, str] | JSONResponse:
    """The store is reachable."""
    try:
        request.app.state.services.db.ping()
    except Exception as exc:  # noqa: BLE001 - any store failure means not ready
        return problem(
            503,
            "store-unreachable",
            "Service unavailable",
            f"the store is not reachable: {type(exc).__name__}",
        )
    return {"status": "ready"}
