"""Where evidence files live: a row per file (what it is, its size and fingerprints) and its
content in encrypted 1 MB chunks (bot.evidence.chunks), both in the assistant's database.

A file belongs to exactly one holder:
- a conversation, while the user has not chosen what it is for: keyed by a keyed hash of
  the sender id (bot.pseudonym EVIDENCE), never the id itself, and deleted after
  VM_EVIDENCE_HOLD_HOURS or when the conversation's data is deleted;
- a case, once a report (or "add information" on a status check) took it: deleted with the
  case;
- a handoff, once it was passed to an advisor: deleted with the handoff.

Nothing here logs; the file's name is never stored, only what its content is. Functions
take an open Session (Database.run runs them on a worker thread)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    delete,
    func,
    select,
)
from sqlalchemy.orm import Session

from bot.db import Base
from bot.encryption import BytesCipher
from bot.evidence.chunks import decrypt_chunks, encrypt_chunks
from bot.evidence.received import ReceivedFile
from bot.timestamps import UtcDateTime, utc


class EvidenceFile(Base):
    __tablename__ = "evidence_files"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN conversation_key IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN case_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN handoff_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="evidence_one_holder",
        ),
    )

    id = Column(String(32), primary_key=True)
    conversation_key = Column(String(64), nullable=True, index=True)
    case_id = Column(Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=True, index=True)
    handoff_id = Column(
        String(36), ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=True, index=True
    )
    kind = Column(String(16), nullable=False)  # bot.evidence.kinds.Kind
    mime_type = Column(String(80), nullable=False)
    received_size = Column(Integer, nullable=False)
    received_sha256 = Column(String(64), nullable=False)  # chain of custody
    stored_size = Column(Integer, nullable=False)
    stored_sha256 = Column(String(64), nullable=False)
    scrubbed = Column(Boolean, nullable=False)
    removed = Column(String(120), nullable=False, default="")  # "location,camera"
    received_at = Column(UtcDateTime, nullable=False)
    chunk_count = Column(Integer, nullable=False)


class EvidenceChunk(Base):
    __tablename__ = "evidence_chunks"

    file_id = Column(
        String(32), ForeignKey("evidence_files.id", ondelete="CASCADE"), primary_key=True
    )
    position = Column(Integer, primary_key=True)
    token = Column(LargeBinary, nullable=False)


@dataclass(frozen=True)
class Evidence:
    """What is shown of a file without opening it: in the report's summary, the console."""

    id: str
    kind: str
    mime_type: str
    size: int  # as stored
    received_size: int
    received_sha256: str
    stored_sha256: str
    scrubbed: bool
    removed: tuple[str, ...]
    received_at: datetime

    @classmethod
    def of(cls, row: EvidenceFile) -> Evidence:
        return cls(
            id=str(row.id),
            kind=str(row.kind),
            mime_type=str(row.mime_type),
            size=int(row.stored_size),
            received_size=int(row.received_size),
            received_sha256=str(row.received_sha256),
            stored_sha256=str(row.stored_sha256),
            scrubbed=bool(row.scrubbed),
            removed=tuple(part for part in str(row.removed or "").split(",") if part),
            received_at=row.received_at,
        )


def store(
    session: Session,
    received: ReceivedFile,
    cipher: BytesCipher,
    *,
    conversation_key: str | None = None,
    case_id: int | None = None,
    handoff_id: str | None = None,
) -> Evidence:
    """Stores a file taken in (bot.evidence.received.receive) for exactly one holder."""
    if sum(holder is not None for holder in (conversation_key, case_id, handoff_id)) != 1:
        raise ValueError("a file has exactly one holder")
    tokens = encrypt_chunks(received.data, cipher)
    row = EvidenceFile(
        id=secrets.token_hex(16),
        conversation_key=conversation_key,
        case_id=case_id,
        handoff_id=handoff_id,
        kind=received.kind.kind.value,
        mime_type=received.kind.mime_type or "application/octet-stream",
        received_size=received.received_size,
        received_sha256=received.received_sha256,
        stored_size=received.stored_size,
        stored_sha256=received.stored_sha256,
        scrubbed=received.scrubbed,
        removed=",".join(received.removed),
        received_at=utc(),
        chunk_count=len(tokens),
    )
    session.add(row)
    session.flush()
    session.add_all(
        EvidenceChunk(file_id=row.id, position=index, token=token)
        for index, token in enumerate(tokens)
    )
    return Evidence.of(row)


def _listed(session: Session, *where: object) -> list[Evidence]:
    rows = session.execute(
        select(EvidenceFile).where(*where).order_by(EvidenceFile.received_at, EvidenceFile.id)
    ).scalars()
    return [Evidence.of(row) for row in rows]


def held(
    session: Session, conversation_key: str, ids: Iterable[str] | None = None
) -> list[Evidence]:
    """The files a conversation holds (only `ids` of them when given), oldest first."""
    where: list[object] = [EvidenceFile.conversation_key == conversation_key]
    if ids is not None:
        where.append(EvidenceFile.id.in_(list(ids)))
    return _listed(session, *where)


def of_case(session: Session, case_id: int) -> list[Evidence]:
    return _listed(session, EvidenceFile.case_id == case_id)


def of_handoff(session: Session, handoff_id: str) -> list[Evidence]:
    return _listed(session, EvidenceFile.handoff_id == handoff_id)


def received_bytes(session: Session, *, conversation_key: str | None = None,
                   case_id: int | None = None) -> int:  # fmt: skip
    """What a conversation, or a case, holds already, counted as received (the case limit)."""
    where = (
        EvidenceFile.case_id == case_id
        if case_id is not None
        else EvidenceFile.conversation_key == conversation_key
    )
    total = session.execute(select(func.sum(EvidenceFile.received_size)).where(where)).scalar()
    return int(total or 0)


def give_to_case(session: Session, conversation_key: str, ids: Sequence[str], case_id: int) -> int:
    """Moves held files to a case (a report was sent, or information added); returns how
    many moved. Files of other conversations are never moved."""
    return _move(session, conversation_key, ids, case_id=case_id, handoff_id=None)


def give_to_handoff(
    session: Session, conversation_key: str, ids: Sequence[str], handoff_id: str
) -> int:
    return _move(session, conversation_key, ids, case_id=None, handoff_id=handoff_id)


def _move(
    session: Session,
    conversation_key: str,
    ids: Sequence[str],
    case_id: int | None,
    handoff_id: str | None,
) -> int:
    if not ids:
        return 0
    moved = 0
    rows = session.execute(
        select(EvidenceFile).where(
            EvidenceFile.conversation_key == conversation_key, EvidenceFile.id.in_(list(ids))
        )
    ).scalars()
    for row in rows:
        row.conversation_key, row.case_id, row.handoff_id = None, case_id, handoff_id
        if case_id is not None:
            # A case keeps no time finer than the day (bot/cases/intake.py): the file's
            # time would otherwise match the conversation's.
            row.received_at = row.received_at.replace(hour=0, minute=0, second=0, microsecond=0)
        moved += 1
    return moved


def _delete(session: Session, *where: object) -> int:
    ids = list(session.execute(select(EvidenceFile.id).where(*where)).scalars())
    if not ids:
        return 0
    # Explicitly, not by the foreign key's cascade: PostgreSQL and SQLite alike.
    session.execute(delete(EvidenceChunk).where(EvidenceChunk.file_id.in_(ids)))
    session.execute(delete(EvidenceFile).where(EvidenceFile.id.in_(ids)))
    return len(ids)


def discard(session: Session, conversation_key: str, ids: Iterable[str] | None = None) -> int:
    """Deletes files a conversation holds (all of them without `ids`)."""
    where: list[object] = [EvidenceFile.conversation_key == conversation_key]
    if ids is not None:
        where.append(EvidenceFile.id.in_(list(ids)))
    return _delete(session, *where)


def delete_of_cases(session: Session, case_ids: Iterable[int]) -> int:
    return _delete(session, EvidenceFile.case_id.in_(list(case_ids)))


def delete_of_handoffs(session: Session, handoff_ids: Iterable[str]) -> int:
    return _delete(session, EvidenceFile.handoff_id.in_(list(handoff_ids)))


def purge_held(session: Session, before: datetime, dry_run: bool = False) -> int:
    """Files no one chose a use for since `before`: the user kept nothing."""
    where = (EvidenceFile.conversation_key.is_not(None), EvidenceFile.received_at < before)
    if dry_run:
        count = session.execute(select(func.count()).select_from(EvidenceFile).where(*where))
        return int(count.scalar() or 0)
    return _delete(session, *where)


def content(session: Session, file_id: str, cipher: BytesCipher) -> tuple[Evidence, bytes] | None:
    """The file and its bytes as stored, or None when there is no such file. Whoever calls
    this shows evidence to a person and records that in the audit log."""
    row = session.get(EvidenceFile, file_id)
    if row is None:
        return None
    tokens = session.execute(
        select(EvidenceChunk.token)
        .where(EvidenceChunk.file_id == file_id)
        .order_by(EvidenceChunk.position)
    ).scalars()
    return Evidence.of(row), decrypt_chunks([bytes(token) for token in tokens], cipher)


def reencrypt_all(session: Session, cipher: BytesCipher) -> int:
    """Every chunk encrypted again with the newest key; returns how many."""
    rotated = 0
    keys = session.execute(select(EvidenceChunk.file_id, EvidenceChunk.position)).all()
    for file_id, position in keys:
        chunk = session.get(EvidenceChunk, (file_id, position))
        if chunk is None:
            continue
        chunk.token = cipher.rotate(bytes(chunk.token))
        session.flush()
        session.expunge(chunk)  # one megabyte at a time in memory, however many files
        rotated += 1
    return rotated
