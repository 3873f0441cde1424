"""Handoffs: a conversation handed to a confidential advisor, or to the pool of advisors for
a post and language, with the user's explicit consent.

A handoff is never lost. `HandoffStore.create` commits before it returns, so the user is
told "done" only for what is stored; transient database errors are retried with backoff.
When the database stays unavailable the handoff is written, encrypted, to a spool folder
in the state folder (it survives restarts) and `HandoffStoreUnavailable` tells the action
to say so; `flush_spool` (run by the next handoff, or `python -m bot.cli handoffs flush`)
stores it later under the same id.

The transcript and the phone number are encrypted at rest (bot.encryption). Nothing the
user wrote is logged."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

from sqlalchemy import Boolean, CheckConstraint, Column, String, false
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db import Base, Database
from bot.directory.matching import normalize_language
from bot.encryption import EncryptedText, EncryptionKeyError
from bot.handoffs.spool import Spool, checked_id
from bot.timestamps import UtcDateTime

log = logging.getLogger(__name__)

STATUSES = ("new", "in_progress", "closed")
SENDERS = ("user", "bot")
SPOOL_FOLDER = "handoff-spool"
MAX_REPLY_ADDRESS = 300


def reply_address_text(channel: str, address: str) -> str:
    """How a handoff keeps the address a reply goes to: '<channel>:<address>'."""
    return f"{channel}:{address}"


class HandoffStoreUnavailable(RuntimeError):
    """The handoff could not be stored now. `kept`: it was saved on this machine and will
    be stored automatically later; otherwise the user should try again."""

    def __init__(self, handoff_id: str, kept: bool) -> None:
        self.handoff_id = handoff_id
        self.kept = kept
        state = "kept for a later attempt" if kept else "not kept"
        super().__init__(f"handoff {handoff_id} could not be stored ({state})")


@dataclass(frozen=True)
class TranscriptEntry:
    sender: str  # user or bot
    text: str
    timestamp: Optional[str] = None  # ISO 8601, UTC


@dataclass(frozen=True)
class HandoffRecord:
    id: str
    status: str
    created_at: datetime
    updated_at: datetime
    transcript: tuple[TranscriptEntry, ...]
    language: str
    channel: str
    conversation_ref: str
    post_code: Optional[str]
    advisor_id: Optional[str]  # the chosen advisor; None: the pool
    pool_language: Optional[str]  # the pool's language when no advisor was chosen
    phone: Optional[str]  # only when the user agreed to share it
    # '<channel>:<address>' a reply goes to (channels/addresses.py); the one place kept.
    reply_address: Optional[str] = None
    # The conversation's sender id, so the console can reach it through Rasa's API.
    conversation_id: Optional[str] = None
    held: bool = False  # an advisor holds the conversation: the assistant is paused for it
    claimed_at: Optional[datetime] = None
    closed_at: Optional[datetime] = None

    @property
    def to_pool(self) -> bool:
        return self.advisor_id is None


class Handoff(Base):
    __tablename__ = "handoffs"
    __table_args__ = (
        CheckConstraint("status IN ('new', 'in_progress', 'closed')", name="status"),
        CheckConstraint("advisor_id IS NOT NULL OR pool_language IS NOT NULL", name="target"),
    )

    id = Column(String(36), primary_key=True)
    status = Column(String(16), nullable=False, index=True)
    created_at = Column(UtcDateTime, nullable=False, index=True)
    updated_at = Column(UtcDateTime, nullable=False)
    transcript = Column(EncryptedText, nullable=False)
    language = Column(String(8), nullable=False)
    post_code = Column(String(32), nullable=True, index=True)
    channel = Column(String(32), nullable=False)
    conversation_ref = Column(String(32), nullable=False, index=True)
    advisor_id = Column(String(64), nullable=True, index=True)
    pool_language = Column(String(8), nullable=True)
    phone = Column(EncryptedText, nullable=True)
    # The channel address a reply needs (migration 0006); the only place it is kept.
    reply_address = Column(EncryptedText, nullable=True)
    # The console (migration 0008): the conversation's sender id (deleted at closing, with
    # the reply address), whether an advisor holds it, and when it was claimed, closed,
    # notified to its advisors and escalated to the coordinating advisor.
    conversation_id = Column(EncryptedText, nullable=True)
    held = Column(Boolean, nullable=False, default=False, server_default=false())
    claimed_at = Column(UtcDateTime, nullable=True)
    closed_at = Column(UtcDateTime, nullable=True)
    notified_at = Column(UtcDateTime, nullable=True)
    escalated_at = Column(UtcDateTime, nullable=True)

    def record(self) -> HandoffRecord:
        entries = json.loads(self.transcript or "[]")
        return HandoffRecord(
            id=self.id,
            status=self.status,
            created_at=self.created_at,
            updated_at=self.updated_at,
            transcript=tuple(TranscriptEntry(**entry) for entry in entries),
            language=self.language,
            channel=self.channel,
            conversation_ref=self.conversation_ref,
            post_code=self.post_code,
            advisor_id=self.advisor_id,
            pool_language=self.pool_language,
            phone=self.phone,
            reply_address=self.reply_address,
            conversation_id=self.conversation_id,
            held=bool(self.held),
            claimed_at=self.claimed_at,
            closed_at=self.closed_at,
        )


# --- storing ----------------------------------------------------------------------------


def _values(
    handoff_id: str,
    transcript: Sequence[TranscriptEntry],
    language: str,
    channel: str,
    conversation_ref: str,
    post_code: Optional[str],
    advisor_id: Optional[str],
    pool_language: Optional[str],
    phone: Optional[str],
    now: datetime,
    reply_address: Optional[str] = None,
    conversation_id: Optional[str] = None,
) -> dict[str, Any]:
    """The row to store, checked: these come from the dialogue code, not from users."""
    if now.tzinfo is None:
        raise ValueError("`now` must carry a time zone")
    for entry in transcript:
        if entry.sender not in SENDERS or not isinstance(entry.text, str):
            raise ValueError("transcript entries have sender user|bot and a text")
    language = normalize_language(language)
    pool_language = normalize_language(pool_language) or None
    if not language:
        raise ValueError("a handoff needs the conversation language")
    if not channel or len(channel) > 32:
        raise ValueError("a handoff needs the channel name (at most 32 characters)")
    if not conversation_ref or len(conversation_ref) > 32:
        raise ValueError("a handoff needs the pseudonymous conversation reference")
    if reply_address is not None and not 0 < len(reply_address) <= MAX_REPLY_ADDRESS:
        raise ValueError(f"a reply address has 1 to {MAX_REPLY_ADDRESS} characters")
    if advisor_id is None and pool_language is None:
        raise ValueError("a handoff goes to an advisor (advisor_id) or a pool (pool_language)")
    moment = now.astimezone(timezone.utc).isoformat()
    return {
        "id": handoff_id,
        "status": "new",
        "created_at": moment,
        "updated_at": moment,
        "transcript": [asdict(entry) for entry in transcript],
        "language": language,
        "channel": channel,
        "conversation_ref": conversation_ref,
        "post_code": post_code.upper() if post_code else None,
        "advisor_id": advisor_id,
        "pool_language": pool_language if advisor_id is None else None,
        "phone": phone or None,
        "reply_address": reply_address or None,
        "conversation_id": conversation_id or None,
    }


def _insert(session: Session, values: Mapping[str, Any]) -> HandoffRecord:
    row = Handoff(
        **{
            **values,
            "created_at": datetime.fromisoformat(values["created_at"]),
            "updated_at": datetime.fromisoformat(values["updated_at"]),
            "transcript": json.dumps(values["transcript"], ensure_ascii=False),
        }
    )
    session.add(row)
    session.flush()
    return row.record()


class HandoffStore:
    """Stores handoffs; see the module's description for what happens on failures."""

    def __init__(
        self,
        database: Database,
        spool_dir: Optional[Path] = None,
        attempts: int = 4,
        first_delay: float = 0.25,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        stored_later: Optional[Callable[[str, str], Awaitable[object]]] = None,
    ) -> None:
        """`stored_later(conversation_id, handoff_id)` runs once a spooled handoff is stored
        (the runtime gives it the files the user sent meanwhile)."""
        if spool_dir is None:
            from bot.settings import settings

            spool_dir = settings().state_dir / SPOOL_FOLDER
        self.database = database
        self.spool = Spool(spool_dir)
        self.attempts = max(1, attempts)
        self.first_delay = first_delay
        self.sleep = sleep
        self.stored_later = stored_later

    async def create(
        self,
        *,
        transcript: Sequence[TranscriptEntry],
        language: str,
        channel: str,
        conversation_ref: str,
        post_code: Optional[str] = None,
        advisor_id: Optional[str] = None,
        pool_language: Optional[str] = None,
        phone: Optional[str] = None,
        handoff_id: Optional[str] = None,
        now: Optional[datetime] = None,
        reply_address: Optional[str] = None,
        conversation_id: Optional[str] = None,
    ) -> HandoffRecord:
        """Stores a new handoff and returns it once committed. Give `handoff_id` again to
        retry the same handoff: it is never stored twice. Raises HandoffStoreUnavailable."""
        handoff_id = str(uuid.uuid4()) if handoff_id is None else checked_id(handoff_id)
        values = _values(
            handoff_id,
            transcript,
            language,
            channel,
            conversation_ref,
            post_code,
            advisor_id,
            pool_language,
            phone,
            now or datetime.now(timezone.utc),
            reply_address,
            conversation_id,
        )
        delay = self.first_delay
        for attempt in range(1, self.attempts + 1):
            try:
                record = await self._store(values)
            except EncryptionKeyError:
                # Without keys the spool cannot be written either.
                log.error("handoff %s not stored: the encryption keys are unusable", handoff_id)
                raise HandoffStoreUnavailable(handoff_id, kept=False) from None
            except Exception as error:  # noqa: BLE001 - any failure: retry, then keep it
                # The error's text may quote the SQL parameters: log its type only.
                log.warning(
                    "handoff %s not stored (attempt %d of %d): %s",
                    handoff_id,
                    attempt,
                    self.attempts,
                    type(error).__name__,
                )
                if attempt < self.attempts:
                    await self.sleep(delay)
                    delay *= 2
                continue
            await self._flush_quietly()
            return record
        kept = self._spool(values)
        raise HandoffStoreUnavailable(handoff_id, kept=kept)

    async def _store(self, values: Mapping[str, Any]) -> HandoffRecord:
        try:
            return await self.database.run(lambda session: _insert(session, values))
        except IntegrityError:
            # Stored by an earlier attempt whose answer was lost: that is success.
            existing = await self.database.run(lambda session: get_handoff(session, values["id"]))
            if existing is None:
                raise
            return existing

    # -- the spool (bot/handoffs/spool.py) ----------------------------------------------

    @property
    def spool_dir(self) -> Path:
        return self.spool.folder

    def _spool(self, values: Mapping[str, Any]) -> bool:
        return self.spool.keep(values)

    def pending(self) -> list[str]:
        """Ids of handoffs waiting in the spool."""
        return self.spool.pending()

    def reencrypt_spool(self) -> int:
        """Re-encrypts the spool with the newest key; returns how many files."""
        return self.spool.reencrypt()

    async def reply_address_for(self, conversation_ref: str) -> Optional[str]:
        """The reply address kept with the newest handoff of a conversation, if any."""

        def newest(session: Session) -> Optional[str]:
            row = (
                session.query(Handoff)
                .filter(Handoff.conversation_ref == conversation_ref)
                .filter(Handoff.reply_address.isnot(None))
                .order_by(Handoff.created_at.desc())
                .first()
            )
            return row.reply_address if row is not None else None

        return await self.database.run(newest)

    async def open_handoff(self, conversation_ref: str) -> Optional[str]:
        """The id of the newest handoff of a conversation an advisor has not closed, if any
        (files the user sends then go to it)."""

        def newest(session: Session) -> Optional[str]:
            row = (
                session.query(Handoff.id)
                .filter(Handoff.conversation_ref == conversation_ref)
                .filter(Handoff.status != "closed")
                .order_by(Handoff.created_at.desc())
                .first()
            )
            return str(row[0]) if row is not None else None

        return await self.database.run(newest)

    async def release(self, conversation_ref: str) -> int:
        """The user went back to the assistant: no open handoff of this conversation is
        held any longer (the advisor sees it in the console). Returns how many were."""

        def release(session: Session) -> int:
            rows = (
                session.query(Handoff)
                .filter(Handoff.conversation_ref == conversation_ref, Handoff.held.is_(True))
                .all()
            )
            for row in rows:
                row.held = False
                row.updated_at = datetime.now(timezone.utc)
            return len(rows)

        return await self.database.run(release)

    async def flush_spool(self) -> int:
        """Stores the spooled handoffs; returns how many. Stops at the first that still
        cannot be stored (the database is still away) and leaves the rest."""
        stored = 0
        for handoff_id in self.pending():
            values = self.spool.read(handoff_id)
            if values is None:
                continue
            await self._store(values)
            self.spool.remove(handoff_id)
            stored += 1
            log.info("spooled handoff %s stored", handoff_id)
            await self._after_stored_later(values)
        return stored

    async def _after_stored_later(self, values: Mapping[str, Any]) -> None:
        conversation_id = values.get("conversation_id")
        if self.stored_later is None or not conversation_id:
            return
        try:
            await self.stored_later(str(conversation_id), str(values["id"]))
        except Exception as error:  # noqa: BLE001 - the handoff is stored; the files stay held
            log.warning("spooled handoff %s stored without the conversation's files: %s",
                        values["id"], type(error).__name__)  # fmt: skip

    async def _flush_quietly(self) -> None:
        if not self.pending():
            return
        try:
            await self.flush_spool()
        except Exception as error:  # noqa: BLE001 - the new handoff is stored; retry later
            log.warning("spooled handoffs not stored yet: %s", type(error).__name__)


def get_handoff(session: Session, handoff_id: str) -> Optional[HandoffRecord]:
    row = session.get(Handoff, handoff_id)
    return row.record() if row is not None else None
