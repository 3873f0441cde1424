"""What advisors write to a user from the console, kept (encrypted) before it is sent, so
nothing an advisor wrote is lost: a message the channel could not deliver stays, marked
'failed' with the reason, until the advisor retries it.

The console marks a message 'sending', asks the Rasa server to send it on the user's
channel, and the channel's output reports what happened (`mark_outcome`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Optional

from sqlalchemy import CheckConstraint, Column, String, select
from sqlalchemy.orm import Session

from bot.db import Base
from bot.encryption import EncryptedText
from bot.timestamps import UtcDateTime

SENDING, SENT, FAILED = "sending", "sent", "failed"
MAX_MESSAGE_CHARACTERS = 2000
# Why a message was not delivered; the console says each in the advisor's language.
REASONS = frozenset(
    {
        "channel_down",  # the channel's API refused or could not be reached
        "opted_out",  # the user sent STOP
        "webchat_closed",  # no web chat window of this conversation is open
        "no_address",  # the conversation's address is gone (closed, or never kept)
        "assistant_down",  # the Rasa server did not answer
    }
)


class AdvisorMessage(Base):
    __tablename__ = "advisor_messages"
    __table_args__ = (CheckConstraint("status IN ('sending', 'sent', 'failed')", name="status"),)

    id = Column(String(36), primary_key=True)
    handoff_id = Column(String(36), nullable=False, index=True)
    account_id = Column(String(36), nullable=False)
    text = Column(EncryptedText, nullable=False)
    signature = Column(EncryptedText, nullable=True)  # the advisor's first name, if given
    status = Column(String(16), nullable=False)
    reason = Column(String(40), nullable=True)
    created_at = Column(UtcDateTime, nullable=False)
    sent_at = Column(UtcDateTime, nullable=True)

    def record(self) -> OutgoingMessage:
        return OutgoingMessage(
            id=self.id,
            handoff_id=self.handoff_id,
            account_id=self.account_id,
            text=self.text,
            signature=self.signature,
            status=self.status,
            reason=self.reason,
            created_at=self.created_at,
            sent_at=self.sent_at,
        )


@dataclass(frozen=True)
class OutgoingMessage:
    id: str
    handoff_id: str
    account_id: str
    text: str
    signature: Optional[str]
    status: str
    reason: Optional[str]
    created_at: datetime
    sent_at: Optional[datetime]


def checked_text(text: str) -> str:
    text = text.replace("\r\n", "\n").strip()
    if not text:
        raise ValueError("empty")
    if len(text) > MAX_MESSAGE_CHARACTERS:
        raise ValueError("too_long")
    return text


def keep_message(
    session: Session,
    handoff_id: str,
    account_id: str,
    text: str,
    signature: Optional[str] = None,
    now: Optional[datetime] = None,
) -> OutgoingMessage:
    row = AdvisorMessage(
        id=str(uuid.uuid4()),
        handoff_id=handoff_id,
        account_id=account_id,
        text=checked_text(text),
        signature=(signature or "").strip()[:60] or None,
        status=SENDING,
        reason=None,
        created_at=now or datetime.now(timezone.utc),
        sent_at=None,
    )
    session.add(row)
    session.flush()
    return row.record()


def get_message(session: Session, message_id: str) -> Optional[OutgoingMessage]:
    row = session.get(AdvisorMessage, message_id)
    return row.record() if row is not None else None


def mark_outcome(
    session: Session,
    message_id: str,
    reason: Optional[str] = None,
    now: Optional[datetime] = None,
) -> None:
    """`reason` None: delivered; otherwise one of REASONS."""
    row = session.get(AdvisorMessage, message_id)
    if row is None:
        return
    if reason is None:
        row.status, row.reason = SENT, None
        row.sent_at = now or datetime.now(timezone.utc)
    else:
        row.status, row.reason = FAILED, reason if reason in REASONS else "channel_down"
    session.flush()


def mark_sending(session: Session, message_id: str) -> None:
    row = session.get(AdvisorMessage, message_id)
    if row is not None:
        row.status, row.reason = SENDING, None


def messages_of(session: Session, handoff_id: str) -> list[OutgoingMessage]:
    query = select(AdvisorMessage).where(AdvisorMessage.handoff_id == handoff_id)
    rows = session.execute(query.order_by(AdvisorMessage.created_at, AdvisorMessage.id)).scalars()
    return [row.record() for row in rows]
