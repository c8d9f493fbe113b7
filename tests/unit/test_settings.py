from __future__ import annotations

import pytest
from pydantic import ValidationError

from marchwarden.settings import DEFAULT_SECRET, Settings


def test_development_runs_with_the_default_secret() -> None:
    assert Settings(_env_file=None, environment="development").secret_key == DEFAULT_SECRET


@pytest.mark.parametrize("environment", ["test", "production"])
def test_refuses_the_default_secret_outside_development(environment: str) -> None:
    with pytest.raises(ValidationError, match="MARCHWARDEN_SECRET_KEY is at its development"):
        Settings(_env_file=None, environment=environment)


def test_refuses_a_short_secret_outside_development() -> None:
    with pytest.raises(ValidationError, match="at least 32 characters"):
        Settings(_env_file=None, environment="production", secret_key="short")


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARCHWARDEN_DATABASE_URL", "postgresql://x@db/hq")
    monkeypatch.setenv("MARCHWARDEN_LOGIN_LOCK_SECONDS", "60")
    s = Settings(_env_file=None)
    assert s.database_url == "postgresql://x@db/hq"
    assert s.login_lock_seconds == 60
    assert not s.is_sqlite
