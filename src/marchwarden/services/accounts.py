"""Accounts: users, login with throttling, bearer tokens.

Tokens are opaque random strings (``mw_`` + 43 URL-safe characters, 256 bits).
Only their HMAC-SHA256 under the server secret is stored. A token is accepted while it
is not expired, not revoked (by logout) and its user is not disabled; disabling a user
revokes every token at once.

**Token cache.** Each process keeps the token rows it has read for up to
``TOKEN_CACHE_SECONDS`` (expiry is still checked on every request against the clock), so
that a request does not cost a store read. A revocation (a logout, a disabled account)
takes effect at once in every process, whichever process or the command line made it:
the revoking transaction signals it through the store (``adapters/db/revocations.py``),
and the cache drops everything when the store's revocation version moves — checked on
every cache hit, before a cached row is trusted. A read that raced with a revocation is
not cached (``TokenCache.generation``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from marchwarden.core import language
from marchwarden.core.access import throttle
from marchwarden.core.access.model import Principal, Role, Scope, ScopeKind, User
from marchwarden.core.access.policy import Action
from marchwarden.core.errors import Conflict, Invalid, NotFound, Throttled, Unauthenticated
from marchwarden.core.events import (
    SessionEnded,
    SessionStarted,
    UserCreated,
    UserDisabled,
    UserLanguageSet,
)
from marchwarden.services.context import Services, authorise

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "mw_"  # noqa: S105 - a prefix, not a secret
#: how long a process trusts a token row it has read (see the module docstring)
TOKEN_CACHE_SECONDS = 5.0
TOKEN_CACHE_ENTRIES = 10_000

if TYPE_CHECKING:
    from collections.abc import Iterable

    from marchwarden.services.ports import Store, StoredEvent, TokenRow


class TokenCache:
    """token hash → (token row, monotonic time read); thread-safe. See the module docstring."""

    def __init__(self, ttl: float = TOKEN_CACHE_SECONDS, max_entries: int = TOKEN_CACHE_ENTRIES):
        self.ttl = ttl
        self.max_entries = max_entries
        self._rows: dict[str, tuple[TokenRow, float]] = {}
        self._lock = threading.Lock()
        #: bumped by every invalidation: a read that began before it is not cached
        self.generation = 0
        #: the store's revocation version (``Revocations.version``) last seen
        self._seen: object = None

    def get(self, token_hash: str, revocations: object = None) -> TokenRow | None:
        """The cached row, unless it expired or ``revocations`` (the store's revocation
        version now) differs from the last one seen: then everything is dropped."""
        if revocations != self._seen:
            self.forget()
            self._seen = revocations
            return None
        hit = self._rows.get(token_hash)
        if hit is None:
            return None
        if time.monotonic() - hit[1] > self.ttl:
            with self._lock:
                self._rows.pop(token_hash, None)
            return None
        return hit[0]

    def put(self, token_hash: str, row: TokenRow, generation: int) -> None:
        with self._lock:
            if generation != self.generation:
                return
            if len(self._rows) >= self.max_entries:
                self._rows.clear()
            self._rows[token_hash] = (row, time.monotonic())

    def forget(self, *, token_hash: str | None = None, user_id: int | None = None) -> None:
        """Drop one token, every token of one user, or (neither given) everything."""
        with self._lock:
            self.generation += 1
            if token_hash is None and user_id is None:
                self._rows.clear()
                return
            for key, (row, _) in list(self._rows.items()):
                if key == token_hash or row.user.id == user_id:
                    del self._rows[key]


#: one cache per store (by URL), shared by every ``Store`` of this process on it — a
#: logout through one of them is seen at once by the others
_by_url: dict[str, TokenCache] = {}
_by_db: weakref.WeakKeyDictionary[Store, TokenCache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def token_cache(svc: Services) -> TokenCache:
    cache = _by_db.get(svc.db)
    if cache is None:
        url = svc.db.url
        with _caches_lock:
            if len(_by_url) > 256:  # many short-lived stores (tests): forget old ones
                _by_url.clear()
            cache = _by_url.setdefault(url, TokenCache())
            _by_db[svc.db] = cache
    return cache


def forget_on_events(svc: Services, events: Iterable[StoredEvent]) -> None:
    """A stream hub listener: a user disabled anywhere drops this process's cache."""
    if any(ev.type == UserDisabled.__name__ for ev in events):
        token_cache(svc).forget()


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
        raise Invalid.said(
            "account.username_characters_lower_case",
            "username must be 2-64 characters of lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter or digit",
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid.said(
            "account.password_least_characters",
            "password must be at least {least} characters",
            least=MIN_PASSWORD_LENGTH,
        )
    if scope.kind is ScopeKind.REGIONS and not scope.regions:
        raise Invalid.said(
            "account.regions_scope_needs_least", "a regions scope needs at least one region"
        )
    if scope.kind is ScopeKind.AGENCY and scope.agency_id is None:
        raise Invalid.said("account.agency_scope_needs_agency", "an agency scope needs an agency")
    if scope.kind is ScopeKind.UNIT and (scope.unit_id is None or scope.unit_path is None):
        raise Invalid.said("account.unit_scope_needs_unit", "a unit scope needs a unit")
    if role in (Role.ADMIN, Role.AUDITOR, Role.HQ_COMMANDER) and scope.kind is not ScopeKind.ALL:
        raise Invalid.said(
            "account.role_works_across_all",
            "role {role} works across all regions; give it scope 'all'",
            role=role.value,
        )


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
            raise Conflict.said(
                "account.user_named_already_exists",
                "a user named {username} already exists",
                username=repr(username),
            )
        user_id = uow.users.add(
            username=username,
            display_name=display_name or username,
            password_hash=password_hash,
            role=role,
            scope=scope,
            created_at=now,
        )
        event = UserCreated(
            user_id=user_id, username=username, role=role.value, scope=scope.describe()
        )
        uow.record(actor, [event], at=now)
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
            raise NotFound.said(
                "account.no_user_named", "no user named {username}", username=repr(username)
            )
        if user.disabled:
            raise Conflict.said(
                "account.user_already_disabled",
                "user {username} is already disabled",
                username=repr(username),
            )
        uow.users.set_disabled(user.id, now)
        uow.tokens.revoke_all_for(user.id, now)
        uow.tokens_revoked()
        uow.record(actor, [UserDisabled(user_id=user.id, username=username)], at=now)
        result = uow.users.get(user.id)
        uow.commit()
    token_cache(svc).forget(user_id=user.id)
    assert result is not None
    return result


def set_language(svc: Services, actor: Principal | None, username: str, code: str | None) -> User:
    """Set the language ``username`` reads (None: the browser's). Anyone may set their own;
    another user's needs user management (``actor`` None: the operator at the command line)."""
    if actor is not None and actor.username != username:
        authorise(actor, Action.USER_MANAGE)
    chosen = language.validate(code)
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        user = uow.users.by_username(username)
        if user is None:
            raise NotFound.said(
                "account.no_user_named", "no user named {username}", username=repr(username)
            )
        if user.language != chosen:
            uow.users.set_language(user.id, chosen)
            event = UserLanguageSet(user_id=user.id, before=user.language, after=chosen)
            uow.record(actor, [event], at=now)
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
    """Check a password, throttled per account and per address; issue a token.

    Atomic under concurrency: with the keys locked, the throttle is checked and the
    attempt is counted as a failure *before* the password is checked (a success then
    clears the count). A burst of attempts sent at once is therefore checked no more
    often than the throttle allows one after another. The check itself runs in one of
    the bounded password slots (``Argon2Passwords.slot``), taken before the attempt is
    counted, so a busy server (503) counts nothing against the account."""
    policy = svc.throttle
    keys = (f"user:{username.lower()}", f"addr:{address}")
    with svc.passwords.slot():
        now = svc.clock.now()
        with svc.db.unit_of_work() as uow:
            uow.login_failures.lock(keys)
            records = [uow.login_failures.get(k) for k in keys]
            _refuse_if_throttled(records, policy, now)
            for key, record in zip(keys, records, strict=True):
                uow.login_failures.put(throttle.after_failure(record, key, policy, now))
            user = uow.users.by_username(username)
            uow.commit()
        ok = svc.passwords.verify(user.password_hash if user else None, password, in_slot=True)
    if not ok or user is None or user.disabled:
        raise Unauthenticated.said(
            "account.wrong_username_password_account",
            "wrong username or password, or the account is disabled",
        )
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        uow.login_failures.clear(list(keys))
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        expires = now + timedelta(seconds=svc.settings.token_ttl_seconds)
        uow.tokens.add(
            token_hash=_token_hash(svc, token), user_id=user.id, created_at=now, expires_at=expires
        )
        event = SessionStarted(user_id=user.id, address=address, expires_at=expires)
        uow.record(user.principal(), [event], at=now)
        uow.commit()
    return IssuedToken(token, expires, user)


def _refuse_if_throttled(
    records: list[throttle.FailureRecord | None], policy: throttle.ThrottlePolicy, now: datetime
) -> None:
    wait_until = max(throttle.allowed_at(r, policy, now) for r in records)
    if wait_until > now:
        seconds = max(1, int((wait_until - now).total_seconds() + 0.999))
        locked = any(throttle.is_locked(r, policy, now) for r in records)
        raise Throttled(
            ("locked after repeated failed logins" if locked else "too many failed logins")
            + f"; try again in {seconds} s",
            retry_after_seconds=seconds,
        )


def authenticate(svc: Services, token: str) -> Principal:
    """The principal behind a bearer token, or ``Unauthenticated``."""
    principal = authenticate_cached(svc, token)
    if principal is not None:
        return principal
    token_hash = _token_hash(svc, token)
    cache = token_cache(svc)
    generation = cache.generation
    with svc.db.unit_of_work(write=False) as uow:
        row = uow.tokens.find(token_hash)
    if row is None:
        raise Unauthenticated.said("account.unknown_bearer_token", "unknown bearer token")
    principal = _check_row(svc, row)
    cache.put(token_hash, row, generation)
    return principal


def authenticate_cached(svc: Services, token: str) -> Principal | None:
    """``authenticate`` from this process's token cache alone (no I/O, fit for the event
    loop); None when the token is not cached — then call ``authenticate``."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        raise Unauthenticated.said("account.malformed_bearer_token", "malformed bearer token")
    row = token_cache(svc).get(_token_hash(svc, token), svc.db.revocations.version())
    return None if row is None else _check_row(svc, row)


def _check_row(svc: Services, row: TokenRow) -> Principal:
    now = svc.clock.now()
    if row.revoked_at is not None:
        raise Unauthenticated.said("account.token_was_revoked", "the token was revoked")
    if row.expires_at <= now:
        raise Unauthenticated.said(
            "account.token_expired_sign_again", "the token has expired; sign in again"
        )
    if row.user.disabled:
        raise Unauthenticated.said("account.account_disabled", "the account is disabled")
    return row.user.principal()


def logout(svc: Services, principal: Principal, token: str) -> None:
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        uow.tokens.revoke(_token_hash(svc, token), now)
        uow.tokens_revoked()
        uow.record(principal, [SessionEnded(user_id=principal.user_id)], at=now)
        uow.commit()
    token_cache(svc).forget(token_hash=_token_hash(svc, token))


def unit_path(svc: Services, unit_id: int) -> str:
    """The materialised path of a unit, for a unit-subtree scope."""
    with svc.db.unit_of_work(write=False) as uow:
        path = uow.unit_path(unit_id)
    if path is None:
        raise NotFound.with_id("unit", unit_id)
    return path
