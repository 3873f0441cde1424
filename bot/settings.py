"""The values the assistant's code takes from the environment variables declared in
bot/variables.py.

Code reads the environment only through this module: `settings()` for the assistant's own
values, `environment()` for a channel's secrets. Values are read when asked for, never at
import time; defaults lie inside this checkout. The README's "Settings" table is
`python -m bot.settings` (tests/unit/test_settings.py checks that they agree)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bot.variables import DECLARED, markdown_table

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# What turns a switch variable on (VM_REST_ENABLED).
TRUTHY = frozenset({"1", "true", "yes", "on"})


def _declared(name: str) -> bool:
    if name not in DECLARED:
        raise KeyError(f"{name} is not declared in bot.variables.VARIABLES")
    return True


def _value(environment: Mapping[str, str], name: str) -> str | None:
    """The variable's value as set (not stripped: keys are taken as written), or None."""
    _declared(name)
    return environment.get(name) or None


def environment() -> dict[str, str]:
    """The declared variables that are set, as they are now (a channel's secrets)."""
    return {name: value for name in DECLARED if (value := os.environ.get(name))}


def process_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """The whole environment plus `extra`, for a child process (the servers an evaluation
    starts): they read their own variables."""
    return {**os.environ, **extra}


@contextmanager
def overridden(values: Mapping[str, str]) -> Iterator[None]:
    """Declared variables set to `values` for a while (an evaluation reading the case store
    of the servers it started), then as they were."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update({name: values[name] for name in values if _declared(name)})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@dataclass(frozen=True)
class Settings:
    """The assistant's values, from the environment as it was when `settings()` was called;
    each is worked out when asked for, so a bad number fails only where it is used."""

    values: Mapping[str, str]

    def value(self, name: str) -> str | None:
        return _value(self.values, name)

    def _path(self, name: str) -> Path:
        value = self.value(name)
        return Path(value) if value else PROJECT_ROOT / DECLARED[name].default

    @property
    def state_dir(self) -> Path:
        return self._path("VM_STATE_DIR")

    @property
    def content_dir(self) -> Path:
        return self._path("VM_CONTENT_DIR")

    @property
    def contacts_file(self) -> Path:
        return self._path("VM_CONTACTS_FILE")

    @property
    def languages_file(self) -> Path:
        return self._path("VM_LANGUAGES_FILE")

    @property
    def behaviour_dir(self) -> Path:
        return self._path("VM_BEHAVIOUR_DIR")

    @property
    def directory_dir(self) -> Path:
        return self._path("VM_DIRECTORY_DIR")

    @property
    def test_model(self) -> Path:
        return self._path("VM_TEST_MODEL")

    @property
    def database_url(self) -> str:
        url = self.value("DATABASE_URL")
        if url:
            # Heroku-style URLs name the dialect "postgres"; SQLAlchemy wants "postgresql".
            return url.replace("postgres://", "postgresql://", 1)
        return f"sqlite:///{self.state_dir / 'veilig-melden.db'}"

    @property
    def tracker_store_url(self) -> str | None:
        url = self.value("VM_TRACKER_STORE_URL")
        return url.replace("postgres://", "postgresql://", 1) if url else None

    @property
    def redis_url(self) -> str | None:
        return self.value("REDIS_URL")

    @property
    def encryption_keys(self) -> str | None:
        return self.value("VM_ENCRYPTION_KEYS")

    @property
    def pseudonym_key(self) -> str | None:
        return self.value("VM_PSEUDONYM_KEY")

    @property
    def webchat_secret(self) -> str | None:
        return self.value("VM_WEBCHAT_SECRET")

    @property
    def rest_enabled(self) -> bool:
        return (self.value("VM_REST_ENABLED") or "").strip().lower() in TRUTHY

    @property
    def api_token(self) -> str | None:
        return self.value("VM_API_TOKEN")

    @property
    def action_secret(self) -> str | None:
        return self.value("VM_ACTION_SECRET")

    @property
    def actions_host(self) -> str:
        return self.value("VM_ACTIONS_HOST") or DECLARED["VM_ACTIONS_HOST"].default

    @property
    def rasa_url(self) -> str:
        return self.rasa_urls[0]

    @property
    def rasa_urls(self) -> list[str]:
        """Every Rasa server the console may call, in the order it tries them."""
        value = self.value("VM_RASA_URL") or DECLARED["VM_RASA_URL"].default
        urls = [url.strip().rstrip("/") for url in value.split(",") if url.strip()]
        return urls or [DECLARED["VM_RASA_URL"].default]

    @property
    def console_url(self) -> str:
        return (self.value("VM_CONSOLE_URL") or DECLARED["VM_CONSOLE_URL"].default).rstrip("/")

    @property
    def console_host(self) -> str:
        return self.value("VM_CONSOLE_HOST") or DECLARED["VM_CONSOLE_HOST"].default

    @property
    def escalation_working_days(self) -> int:
        return self._whole_number("VM_ESCALATION_WORKING_DAYS")

    @property
    def coordinator_email(self) -> str | None:
        return self.value("VM_COORDINATOR_EMAIL")

    def smtp(self, name: str) -> str | None:
        """SMTP_HOST, SMTP_PORT, ... by the part after SMTP_ ('host', 'port', ...)."""
        variable = f"SMTP_{name.upper()}"
        return self.value(variable) or DECLARED[variable].default or None

    @property
    def receipt_max_failures(self) -> int:
        name = "VM_RECEIPT_MAX_FAILURES"
        return int(self.value(name) or DECLARED[name].default)

    @property
    def receipt_lockout_minutes(self) -> float:
        name = "VM_RECEIPT_LOCKOUT_MINUTES"
        return float(self.value(name) or DECLARED[name].default)

    def _whole_number(self, name: str) -> int:
        return int(self.value(name) or DECLARED[name].default)

    @property
    def retention_conversation_days(self) -> int:
        return self._whole_number("VM_RETENTION_CONVERSATION_DAYS")

    @property
    def retention_handoff_days(self) -> int:
        return self._whole_number("VM_RETENTION_HANDOFF_DAYS")

    @property
    def retention_case_years(self) -> int:
        return self._whole_number("VM_RETENTION_CASE_YEARS")

    @property
    def evidence_max_file_mb(self) -> int:
        return self._whole_number("VM_EVIDENCE_MAX_FILE_MB")

    @property
    def evidence_max_case_mb(self) -> int:
        return self._whole_number("VM_EVIDENCE_MAX_CASE_MB")

    @property
    def evidence_hold_hours(self) -> int:
        return self._whole_number("VM_EVIDENCE_HOLD_HOURS")


def settings() -> Settings:
    return Settings(environment())


if __name__ == "__main__":
    print(markdown_table())
