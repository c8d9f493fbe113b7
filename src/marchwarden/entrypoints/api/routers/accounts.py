"""Sign in and out; who am I; user administration."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from marchwarden.core.access.model import Scope, ScopeKind
from marchwarden.core.access.policy import allowed_actions
from marchwarden.entrypoints.api.deps import CurrentPrincipal, ServicesDep, TokenDep
from marchwarden.entrypoints.api.schemas.accounts import (
    LoginIn,
    MeIn,
    MeOut,
    ScopeIn,
    TokenOut,
    UserIn,
    UserOut,
)
from marchwarden.services import accounts

router = APIRouter(tags=["accounts"])


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("/auth/login", response_model=TokenOut)
def login(body: LoginIn, request: Request, services: ServicesDep) -> TokenOut:
    """Exchange a username and password for a bearer token.

    Failed attempts are counted per account and per client address: after a few they
    must wait (429 with Retry-After), after more the account or address is locked.
    """
    issued = accounts.login(
        services, username=body.username, password=body.password, address=client_address(request)
    )
    request.state.username = issued.user.username
    return TokenOut(
        access_token=issued.token, expires_at=issued.expires_at, user=UserOut.of(issued.user)
    )


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(principal: CurrentPrincipal, token: TokenDep, services: ServicesDep) -> None:
    accounts.logout(services, principal, token)


@router.get("/auth/me", response_model=MeOut)
def me(principal: CurrentPrincipal, services: ServicesDep) -> MeOut:
    with services.db.unit_of_work(write=False) as uow:
        user = uow.users.get(principal.user_id)
    assert user is not None
    return MeOut(user=UserOut.of(user), actions=sorted(a.value for a in allowed_actions(principal)))


@router.patch("/auth/me", response_model=MeOut)
def update_me(body: MeIn, principal: CurrentPrincipal, services: ServicesDep) -> MeOut:
    """Change one's own settings: the language the page, the sitrep and messages use."""
    user = accounts.set_language(services, principal, principal.username, body.language)
    return MeOut(user=UserOut.of(user), actions=sorted(a.value for a in allowed_actions(principal)))


def scope_of(body: ScopeIn, services: ServicesDep) -> Scope:
    if body.kind is ScopeKind.UNIT and body.unit_id is not None:
        return Scope(
            ScopeKind.UNIT,
            unit_id=body.unit_id,
            unit_path=accounts.unit_path(services, body.unit_id),
        )
    return Scope(
        body.kind, regions=frozenset(body.regions), agency_id=body.agency_id, unit_id=body.unit_id
    )


@router.get("/users", response_model=list[UserOut])
def list_users(principal: CurrentPrincipal, services: ServicesDep) -> list[UserOut]:
    return [UserOut.of(u) for u in accounts.list_users(services, principal)]


@router.post("/users", response_model=UserOut, status_code=status.HTTP_201_CREATED)
def create_user(body: UserIn, principal: CurrentPrincipal, services: ServicesDep) -> UserOut:
    user = accounts.create_user(
        services,
        principal,
        username=body.username,
        display_name=body.display_name,
        password=body.password,
        role=body.role,
        scope=scope_of(body.scope, services),
    )
    return UserOut.of(user)


@router.post("/users/{username}/disable", response_model=UserOut)
def disable_user(username: str, principal: CurrentPrincipal, services: ServicesDep) -> UserOut:
    return UserOut.of(accounts.disable_user(services, principal, username))
