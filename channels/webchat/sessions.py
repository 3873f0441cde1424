"""Signed session tokens for the web chat: a client can only continue a conversation the
server started for it, never pick a conversation id of its own.

A token is `v1.<session id>.<issued at>.<signature>`: the session id is 128 random bits
(it becomes the conversation's sender id), the signature an HMAC-SHA256 over the rest
with a server key. Tokens expire; a still valid token is re-signed on every new
connection, so a conversation in use stays open."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from bot.keys import configured_or_file
from bot.settings import settings

VERSION = "v1"
DEFAULT_LIFETIME_SECONDS = 8 * 60 * 60
# A token longer than this is not one of ours; refuse it before doing any work on it.
MAX_TOKEN_CHARACTERS = 200
# Servers behind a load balancer may disagree on the time by a little.
CLOCK_SKEW_SECONDS = 60


def webchat_key(state_dir: Path) -> bytes:
    """The key from VM_WEBCHAT_SECRET, else a file created on first use, readable by the
    owner only. Several Rasa servers behind one load balancer need the same secret."""
    return configured_or_file(settings().webchat_secret, state_dir / "webchat.key")


@dataclass(frozen=True)
class Session:
    session_id: str  # the conversation's sender id
    token: str  # what the client keeps and shows to continue
    expires_at: int  # seconds since the epoch


def _is_session_id(value: str) -> bool:
    return len(value) == 32 and all(c in "0123456789abcdef" for c in value)


class SessionTokens:
    def __init__(self, key: bytes, lifetime_seconds: int = DEFAULT_LIFETIME_SECONDS) -> None:
        if not key:
            raise ValueError("the web chat session key is empty")
        if lifetime_seconds <= 0:
            raise ValueError("the session lifetime must be positive")
        self._key = key
        self.lifetime_seconds = lifetime_seconds

    def _signature(self, session_id: str, issued_at: int) -> str:
        message = f"{VERSION}.{session_id}.{issued_at}".encode()
        digest = hmac.new(self._key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def _sign(self, session_id: str, now: float) -> Session:
        issued_at = int(now)
        token = f"{VERSION}.{session_id}.{issued_at}.{self._signature(session_id, issued_at)}"
        return Session(session_id, token, issued_at + self.lifetime_seconds)

    def issue(self, now: Optional[float] = None) -> Session:
        """A new conversation."""
        return self._sign(secrets.token_hex(16), time.time() if now is None else now)

    def verify(self, token: object, now: Optional[float] = None) -> Optional[str]:
        """The session id of a genuine, unexpired token; None for anything else."""
        if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARACTERS:
            return None
        parts = token.split(".")
        if len(parts) != 4 or parts[0] != VERSION or not _is_session_id(parts[1]):
            return None
        _, session_id, issued, signature = parts
        # One spelling per token: no leading zeros, ASCII only (compare_digest needs it).
        if not (issued.isascii() and issued.isdigit() and str(int(issued)) == issued):
            return None
        if not signature.isascii():
            return None
        issued_at = int(issued)
        if not hmac.compare_digest(signature, self._signature(session_id, issued_at)):
            return None
        now = time.time() if now is None else now
        if not issued_at - CLOCK_SKEW_SECONDS <= now < issued_at + self.lifetime_seconds:
            return None
        return session_id

    def continue_or_start(self, token: object, now: Optional[float] = None) -> tuple[Session, bool]:
        """The session a client asks to continue, re-signed, or a new one when its token is
        missing, forged or expired; the flag says whether it is new."""
        now = time.time() if now is None else now
        session_id = self.verify(token, now)
        if session_id is None:
            return self.issue(now), True
        return self._sign(session_id, now), False
