"""The API token and the action server's secret: from the environment, else from an
owner-only file in the state folder, made on first use (bot/keys.py)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.keys import configured_or_file
from bot.settings import Settings, settings

API_TOKEN_FILE = "api.token"
ACTION_SECRET_FILE = "action.secret"


@dataclass(frozen=True)
class Secret:
    value: str
    source: str  # where an operator finds it: the variable's name or the file's path

    def __repr__(self) -> str:
        # A secret never reaches a log or a traceback by being printed.
        return f"Secret(source={self.source!r})"


def _secret(variable: str, configured: str | None, file: str, values: Settings) -> Secret:
    if configured:
        return Secret(configured, f"from {variable}")
    path = values.state_dir / file
    return Secret(configured_or_file(None, path).decode(), str(path))


def api_token(values: Settings | None = None) -> Secret:
    """The token the Rasa HTTP API requires (`?token=`)."""
    values = values or settings()
    return _secret("VM_API_TOKEN", values.api_token, API_TOKEN_FILE, values)


def action_secret(values: Settings | None = None) -> Secret:
    """The secret the Rasa server sends the action server (`Authorization: Bearer`)."""
    values = values or settings()
    return _secret("VM_ACTION_SECRET", values.action_secret, ACTION_SECRET_FILE, values)
