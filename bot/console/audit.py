"""The console's audit: who (account id) did what (an action name) to which handoff (and,
opening an attachment, which file id), when. Never content: no text, no address, no e-mail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Optional

from sqlalchemy import Column, Integer, String, select
from sqlalchemy.orm import Session

from bot.db import Base
from bot.timestamps import UtcDateTime

ACTIONS = frozenset(
    {
        "login",
        "login_failed",
        "logout",
        "password_changed",
        "inbox_viewed",
        "handoff_viewed",
        "handoff_claimed",
        "message_sent",
        "message_failed",
        "message_retried",
        "conversation_held",
        "conversation_handed_back",
        "handoff_closed",
        "file_opened",
        "content_published",
        "content_reverted",
        "content_confirmed",
        "content_native_reviewed",
        "content_native_cleared",
        "directory_changed",
        "directory_advisor_edited",
        "directory_post_edited",
        "account_linked",
        "account_unlinked",
        "overview_viewed",
        "overview_exported",
    }
)


class ConsoleAudit(Base):
    __tablename__ = "console_audit"

    id = Column(Integer, primary_key=True)
    at = Column(UtcDateTime, nullable=False, index=True)
    account_id = Column(String(36), nullable=True)
    action = Column(String(40), nullable=False)
    handoff_id = Column(String(36), nullable=True, index=True)
    file_id = Column(String(32), nullable=True)  # an evidence file's id (bot.evidence.store)


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    account_id: Optional[str]
    action: str
    handoff_id: Optional[str]
    file_id: Optional[str] = None


def audit(
    session: Session,
    account_id: Optional[str],
    action: str,
    handoff_id: Optional[str] = None,
    now: Optional[datetime] = None,
    file_id: Optional[str] = None,
) -> None:
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action: {action}")
    session.add(
        ConsoleAudit(
            at=now or datetime.now(timezone.utc),
            account_id=account_id,
            action=action,
            handoff_id=handoff_id,
            file_id=file_id,
        )
    )


def audit_trail(session: Session, handoff_id: Optional[str] = None) -> list[AuditEntry]:
    query = select(ConsoleAudit).order_by(ConsoleAudit.at, ConsoleAudit.id)
    if handoff_id is not None:
        query = query.where(ConsoleAudit.handoff_id == handoff_id)
    return [
        AuditEntry(row.at, row.account_id, row.action, row.handoff_id, row.file_id)
        for row in session.execute(query).scalars()
    ]
