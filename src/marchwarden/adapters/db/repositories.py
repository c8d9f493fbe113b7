"""Repositories: rows in and out of the store as core objects. They never commit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from marchwarden.adapters.db import tables as t
from marchwarden.core.access.model import Role, Scope, User, scope_from_json, scope_to_json
from marchwarden.core.access.throttle import FailureRecord
from marchwarden.core.audit.chain import AuditEntry
from marchwarden.services.ports import StoredEvent, TokenRow

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from datetime import datetime


class UserRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    @staticmethod
    def _user(row: sa.Row[Any]) -> User:
        return User(
            id=row.id,
            username=row.username,
            display_name=row.display_name,
            role=Role(row.role),
            scope=scope_from_json(row.scope),
            disabled=bool(row.disabled),
            created_at=row.created_at,
            password_hash=row.password_hash,
            language=row.language,
        )

    def add(
        self,
        *,
        username: str,
        display_name: str,
        password_hash: str,
        role: Role,
        scope: Scope,
        created_at: datetime,
    ) -> int:
        result = self.conn.execute(
            t.users.insert().values(
                username=username,
                display_name=display_name,
                password_hash=password_hash,
                role=role.value,
                scope=scope_to_json(scope),
                disabled=False,
                created_at=created_at,
            )
        )
        pk = result.inserted_primary_key
        assert pk is not None
        return int(pk[0])

    def get(self, user_id: int) -> User | None:
        row = self.conn.execute(sa.select(t.users).where(t.users.c.id == user_id)).first()
        return None if row is None else self._user(row)

    def by_username(self, username: str) -> User | None:
        row = self.conn.execute(sa.select(t.users).where(t.users.c.username == username)).first()
        return None if row is None else self._user(row)

    def list(self) -> list[User]:
        rows = self.conn.execute(sa.select(t.users).order_by(t.users.c.id)).all()
        return [self._user(r) for r in rows]

    def count(self) -> int:
        return int(self.conn.execute(sa.select(sa.func.count()).select_from(t.users)).scalar_one())

    def set_language(self, user_id: int, language: str | None) -> None:
        self.conn.execute(t.users.update().where(t.users.c.id == user_id).values(language=language))

    def set_disabled(self, user_id: int, at: datetime) -> None:
        self.conn.execute(
            t.users.update().where(t.users.c.id == user_id).values(disabled=True, disabled_at=at)
        )


class TokenRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def add(
        self, *, token_hash: str, user_id: int, created_at: datetime, expires_at: datetime
    ) -> int:
        result = self.conn.execute(
            t.api_tokens.insert().values(
                token_hash=token_hash,
                user_id=user_id,
                created_at=created_at,
                expires_at=expires_at,
            )
        )
        pk = result.inserted_primary_key
        assert pk is not None
        return int(pk[0])

    def find(self, token_hash: str) -> TokenRow | None:
        tok = t.api_tokens
        row = self.conn.execute(
            sa.select(
                tok.c.id.label("token_id"),
                tok.c.expires_at,
                tok.c.revoked_at,
                *[c.label(f"u_{c.name}") for c in t.users.c],
            )
            .join(t.users, t.users.c.id == tok.c.user_id)
            .where(tok.c.token_hash == token_hash)
        ).first()
        if row is None:
            return None
        m = row._mapping
        user = User(
            id=m["u_id"],
            username=m["u_username"],
            display_name=m["u_display_name"],
            role=Role(m["u_role"]),
            scope=scope_from_json(m["u_scope"]),
            disabled=bool(m["u_disabled"]),
            created_at=m["u_created_at"],
            language=m["u_language"],
        )
        return TokenRow(row.token_id, user, row.expires_at, row.revoked_at)

    def revoke(self, token_hash: str, at: datetime) -> None:
        self.conn.execute(
            t.api_tokens.update()
            .where(t.api_tokens.c.token_hash == token_hash, t.api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )

    def revoke_all_for(self, user_id: int, at: datetime) -> None:
        self.conn.execute(
            t.api_tokens.update()
            .where(t.api_tokens.c.user_id == user_id, t.api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )


class LoginFailureRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def lock(self, keys: Sequence[str]) -> None:
        """Hold these keys until the transaction ends: a login's check of the throttle
        and its counting of the attempt are one step, however many come at once.
        SQLite: the write transaction (``BEGIN IMMEDIATE``) already serialises it;
        PostgreSQL: a transaction-scoped advisory lock per key (in a fixed order)."""
        if self.conn.dialect.name != "postgresql":
            return
        for key in sorted(keys):
            self.conn.execute(
                sa.text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": "login:" + key}
            )

    def get(self, key: str) -> FailureRecord | None:
        row = self.conn.execute(
            sa.select(t.login_failures).where(t.login_failures.c.key == key)
        ).first()
        if row is None:
            return None
        return FailureRecord(row.key, int(row.failures), row.last_failure_at)

    def put(self, record: FailureRecord) -> None:
        updated = self.conn.execute(
            t.login_failures.update()
            .where(t.login_failures.c.key == record.key)
            .values(failures=record.failures, last_failure_at=record.last_failure_at)
        )
        if updated.rowcount == 0:
            self.conn.execute(
                t.login_failures.insert().values(
                    key=record.key,
                    failures=record.failures,
                    last_failure_at=record.last_failure_at,
                )
            )

    def clear(self, keys: Sequence[str]) -> None:
        self.conn.execute(t.login_failures.delete().where(t.login_failures.c.key.in_(keys)))


def _entry(row: sa.Row[Any]) -> AuditEntry:
    return AuditEntry(
        seq=int(row.seq),
        at=row.at,
        actor_id=row.actor_id,
        actor_name=row.actor_name,
        command=row.command,
        target_type=row.target_type,
        target_id=row.target_id,
        changes=row.changes,
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


class AuditRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def iterate(self, batch: int = 5000) -> Iterator[AuditEntry]:
        """Every record in ``seq`` order, read in batches."""
        last = 0
        while True:
            rows = self.conn.execute(
                sa.select(t.audit_log)
                .where(t.audit_log.c.seq > last)
                .order_by(t.audit_log.c.seq)
                .limit(batch)
            ).all()
            if not rows:
                return
            for row in rows:
                yield _entry(row)
            last = int(rows[-1].seq)

    def page(
        self,
        *,
        actor: str | None = None,
        target_type: str | None = None,
        target_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        after_seq: int | None = None,
        limit: int = 100,
        command: str | None = None,
    ) -> list[AuditEntry]:
        """Records in seq order; ``command`` is exact, or a prefix when it ends in ``*``."""
        a = t.audit_log
        q = sa.select(a)
        if actor is not None:
            q = q.where(a.c.actor_name == actor)
        if command is not None and command.endswith("*"):
            q = q.where(a.c.command.startswith(command[:-1], autoescape=True))
        elif command is not None:
            q = q.where(a.c.command == command)
        if target_type is not None:
            q = q.where(a.c.target_type == target_type)
        if target_id is not None:
            q = q.where(a.c.target_id == target_id)
        if since is not None:
            q = q.where(a.c.at >= since)
        if until is not None:
            q = q.where(a.c.at < until)
        if after_seq is not None:
            q = q.where(a.c.seq > after_seq)
        rows = self.conn.execute(q.order_by(a.c.seq).limit(limit)).all()
        return [_entry(r) for r in rows]

    def count(self) -> int:
        return int(
            self.conn.execute(sa.select(sa.func.count()).select_from(t.audit_log)).scalar_one()
        )


_EVENT_INSERT = t.events.insert()


class EventRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def add(
        self,
        *,
        at: datetime,
        type: str,
        payload: dict[str, Any],
        read_action: str,
        resource: dict[str, Any],
    ) -> int:
        result = self.conn.execute(
            _EVENT_INSERT,
            {
                "at": at,
                "type": type,
                "payload": payload,
                "read_action": read_action,
                "resource": resource,
            },
        )
        pk = result.inserted_primary_key
        assert pk is not None
        return int(pk[0])

    def after(self, event_id: int, limit: int = 1000) -> list[StoredEvent]:
        rows = self.conn.execute(
            sa.select(t.events).where(t.events.c.id > event_id).order_by(t.events.c.id).limit(limit)
        ).all()
        return [
            StoredEvent(int(r.id), r.at, r.type, r.payload, r.read_action, r.resource) for r in rows
        ]

    def types_after(self, event_id: int) -> list[tuple[int, str]]:
        """(id, type) of every event after ``event_id``, in order."""
        rows = self.conn.execute(
            sa.select(t.events.c.id, t.events.c.type)
            .where(t.events.c.id > event_id)
            .order_by(t.events.c.id)
        ).all()
        return [(int(r.id), str(r.type)) for r in rows]

    def last_id(self) -> int:
        value = self.conn.execute(sa.select(sa.func.max(t.events.c.id))).scalar_one_or_none()
        return int(value or 0)

    def count(self) -> int:
        return int(self.conn.execute(sa.select(sa.func.count()).select_from(t.events)).scalar_one())
