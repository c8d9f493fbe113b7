"""Dependencies as ``Annotated`` aliases: the services and the signed-in principal."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from marchwarden.core.access.model import Principal
from marchwarden.core.errors import Unauthenticated
from marchwarden.services import accounts
from marchwarden.services.context import Services


# The dependencies are ``async``: FastAPI runs a plain ``def`` dependency in a worker
# thread, a hop that costs more than the work itself here.
async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization")
    if not header:
        raise Unauthenticated.said(
            "account.endpoint_needs_authorization_bearer",
            "this endpoint needs 'Authorization: Bearer <token>'",
        )
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated.said(
            "account.authorization_header_bearer_token",
            "the Authorization header must be 'Bearer <token>'",
        )
    return token.strip()


TokenDep = Annotated[str, Depends(bearer_token)]


async def current_principal(request: Request) -> Principal:
    """From the token cache in the loop; on a miss, the store is read in a worker thread.
    Calls ``get_services`` and ``bearer_token`` itself rather than depending on them:
    FastAPI solves each dependency of each request anew, and this one is on nearly
    every request (position reports thousands a minute)."""
    services = await get_services(request)
    token = await bearer_token(request)
    principal = accounts.authenticate_cached(services, token)
    if principal is None:
        principal = await run_in_threadpool(accounts.authenticate, services, token)
    request.state.username = principal.username
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
