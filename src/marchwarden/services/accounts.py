"""Accounts: users, login with throttling, bearer tokens.

Tokens are opaque random strings (``mw_`` + 43 URL-safe characters, 256 bits).
Only their HMAC-SHA256 under the server secret is stored. A token is accepted while it
is not expired, not revoked (by logout) and its user is not disabled; disabling a user
revokes every token at once.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from marchwarden.core.access import throttle
from marchwarden.core.access.model import Principal, Role, Scope, ScopeKind, User
from marchwarden.core.access.policy import Action
from marchwarden.core.errors import Conflict, Invalid, NotFound, Throttled, Unauthenticated
from marchwarden.core.events import UserCreated, UserDisabled
from marchwarden.services.context import Services, authorise

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "mw_"  # noqa: S105 - a prefix, not a secret


def _token_hash(svc: Services, token: str) -> str:
    """HMAC-SHA256 of the token keyed with the server secret: a copy of the database
    yields neither tokens nor a way to test guesses without the secret. Changing
    MARCHWARDEN_SECRET_KEY signs everybody out."""
    key = svc.settings.secret_key.encode("utf-8")
    return hmac.new(key, token.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    expires_at: datetime
    user: User


def validate_new_user(username: str, password: str, role: Role, scope: Scope) -> None:
    if not USERNAME_RE.match(username):
        raise Invalid(
            "username must be 2-64 characters of lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    if scope.kind is ScopeKind.REGIONS and not scope.regions:
        raise Invalid("a regions scope needs at least one region")
    if scope.kind is ScopeKind.AGENCY and scope.agency_id is None:
        raise Invalid("an agency scope needs an agency")
    if scope.kind is ScopeKind.UNIT and (scope.unit_id is None or scope.unit_path is None):
        raise Invalid("a unit scope needs a unit")
    if role in (Role.ADMIN, Role.AUDITOR, Role.HQ_COMMANDER) and scope.kind is not ScopeKind.ALL:
        raise Invalid(f"role {role.value} works across all regions; give it scope 'all'")


def create_user(
    svc: Services,
    actor: Principal | None,
    *,
    username: str,
    display_name: str,
    password: str,
    role: Role,
    scope: Scope,
) -> User:
    """Create an account. ``actor`` None means the operator at the command line."""
    if actor is not None:
        authorise(actor, Action.USER_MANAGE)
    validate_new_user(username, password, role, scope)
    password_hash = svc.passwords.hash(password)
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        if uow.users.by_username(username) is not None:
            raise Conflict(f"a user named {username!r} already exists")
        user_id = uow.users.add(
            username=username,
            display_name=display_name or username,
            password_hash=password_hash,
            role=role,
            scope=scope,
            created_at=now,
        )
        uow.record(
            actor=actor,
            command="user.create",
            target_type="user",
            target_id=user_id,
            changes={"username": username, "role": role.value, "scope": scope.describe()},
            events=[
                UserCreated(
                    user_id=user_id, username=username, role=role.value, scope=scope.describe()
                )
            ],
            at=now,
        )
        user = uow.users.get(user_id)
        uow.commit()
    assert user is not None
    return user


def disable_user(svc: Services, actor: Principal | None, username: str) -> User:
    if actor is not None:
        authorise(actor, Action.USER_MANAGE)
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        user = uow.users.by_username(username)
        if user is None:
            raise NotFound(f"no user named {username!r}")
        if user.disabled:
            raise Conflict(f"user {username!r} is already disabled")
        uow.users.set_disabled(user.id, now)
        uow.tokens.revoke_all_for(user.id, now)
        uow.record(
            actor=actor,
            command="user.disable",
            target_type="user",
            target_id=user.id,
            changes={"disabled": [False, True]},
            events=[UserDisabled(user_id=user.id, username=username)],
            at=now,
        )
        result = uow.users.get(user.id)
        uow.commit()
    assert result is not None
    return result


def list_users(svc: Services, actor: Principal | None) -> list[User]:
    if actor is not None:
        authorise(actor, Action.USER_MANAGE)
    with svc.db.unit_of_work(write=False) as uow:
        return uow.users.list()


def login(svc: Services, *, username: str, password: str, address: str) -> IssuedToken:
    """Check a password, throttled per account and per address; issue a token."""
    policy = svc.throttle
    keys = (f"user:{username.lower()}", f"addr:{address}")
    now = svc.clock.now()
    with svc.db.unit_of_work(write=False) as uow:
        records = [uow.login_failures.get(k) for k in keys]
        user = uow.users.by_username(username)
    wait_until = max(throttle.allowed_at(r, policy, now) for r in records)
    if wait_until > now:
        seconds = max(1, int((wait_until - now).total_seconds() + 0.999))
        locked = any(throttle.is_locked(r, policy, now) for r in records)
        raise Throttled(
            ("locked after repeated failed logins" if locked else "too many failed logins")
            + f"; try again in {seconds} s",
            retry_after_seconds=seconds,
        )
    ok = svc.passwords.verify(user.password_hash if user else None, password)
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        if not ok or user is None or user.disabled:
            for key in keys:
                uow.login_failures.put(
                    throttle.after_failure(uow.login_failures.get(key), key, policy, now)
                )
            uow.commit()
            raise Unauthenticated("wrong username or password, or the account is disabled")
        uow.login_failures.clear(list(keys))
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        expires = now + timedelta(seconds=svc.settings.token_ttl_seconds)
        uow.tokens.add(
            token_hash=_token_hash(svc, token), user_id=user.id, created_at=now, expires_at=expires
        )
        uow.record(
            actor=user.principal(),
            command="session.login",
            target_type="user",
            target_id=user.id,
            changes={"address": address, "expires_at": expires.isoformat()},
            at=now,
        )
        uow.commit()
    return IssuedToken(token, expires, user)


def authenticate(svc: Services, token: str) -> Principal:
    """The principal behind a bearer token, or ``Unauthenticated``."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        raise Unauthenticated("malformed bearer token")
    with svc.db.unit_of_work(write=False) as uow:
        row = uow.tokens.find(_token_hash(svc, token))
    now = svc.clock.now()
    if row is None:
        raise Unauthenticated("unknown bearer token")
    if row.revoked_at is not None:
        raise Unauthenticated("the token was revoked")
    if row.expires_at <= now:
        raise Unauthenticated("the token has expired; sign in again")
    if row.user.disabled:
        raise Unauthenticated("the account is disabled")
    return row.user.principal()


def logout(svc: Services, principal: Principal, token: str) -> None:
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        uow.tokens.revoke(_token_hash(svc, token), now)
        uow.record(
            actor=principal,
            command="session.logout",
            target_type="user",
            target_id=principal.user_id,
            changes={},
            at=now,
        )
        uow.commit()


def unit_path(svc: Services, unit_id: int) -> str:
    """The materialised path of a unit, for a unit-subtree scope."""
    with svc.db.unit_of_work(write=False) as uow:
        path = uow.unit_path(unit_id)
    if path is None:
        raise NotFound(f"no unit with id {unit_id}")
    return path
