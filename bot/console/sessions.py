"""Console sessions, kept server-side: the cookie carries a random token, the database only
its SHA-256, the account and the session's CSRF token. A session ends after
`IDLE_TIMEOUT` without a request, at logout, and when its account is disabled. Logging in
always starts a new session (any token the browser brought is dropped: no fixation)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Optional

from sqlalchemy import Column, String, delete
from sqlalchemy.orm import Session

from bot.console.accounts import Account, ConsoleAccount
from bot.db import Base
from bot.timestamps import UtcDateTime

IDLE_TIMEOUT = timedelta(minutes=30)
# A request within this long of the last one does not write `last_seen` again.
_TOUCH_EVERY = timedelta(seconds=30)


class ConsoleSession(Base):
    __tablename__ = "console_sessions"

    token_hash = Column(String(64), primary_key=True)
    account_id = Column(String(36), nullable=False, index=True)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(UtcDateTime, nullable=False)
    last_seen = Column(UtcDateTime, nullable=False)


@dataclass(frozen=True)
class ActiveSession:
    account: Account
    csrf_token: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(session: Session, account_id: str, now: Optional[datetime] = None) -> str:
    """A new session for the account; returns the cookie's token."""
    now = now or datetime.now(timezone.utc)
    token = secrets.token_urlsafe(32)
    session.add(
        ConsoleSession(
            token_hash=_digest(token),
            account_id=account_id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen=now,
        )
    )
    session.flush()
    return token


def end_session(session: Session, token: Optional[str]) -> None:
    if token:
        session.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == _digest(token)))


def active_session(
    session: Session,
    token: Optional[str],
    now: Optional[datetime] = None,
    idle_timeout: timedelta = IDLE_TIMEOUT,
) -> Optional[ActiveSession]:
    """The session behind a cookie's token, if it is still alive (and marks it used)."""
    if not token or len(token) > 100:
        return None
    now = now or datetime.now(timezone.utc)
    row = session.get(ConsoleSession, _digest(token))
    if row is None:
        return None
    account = session.get(ConsoleAccount, row.account_id)
    if now - row.last_seen > idle_timeout or account is None or account.disabled:
        session.delete(row)
        return None
    if now - row.last_seen > _TOUCH_EVERY:
        row.last_seen = now
    return ActiveSession(account.record(), row.csrf_token)


def prune_sessions(session: Session, now: Optional[datetime] = None) -> None:
    now = now or datetime.now(timezone.utc)
    session.execute(delete(ConsoleSession).where(ConsoleSession.last_seen < now - IDLE_TIMEOUT))
