"""Where evidence files live: a row per file (what it is, its size and fingerprints) and its
content in encrypted 1 MB chunks (bot.evidence.chunks), both in the assistant's database.

A file belongs to exactly one holder:
- a conversation, while the user has not chosen what it is for: keyed by a keyed hash of
  the sender id (bot.pseudonym EVIDENCE), never the id itself, and deleted after
  VM_EVIDENCE_HOLD_HOURS or when the conversation's data is deleted;
- a handoff, once it was passed to an advisor: deleted with the handoff;
- a case, once a report (or "add information" on a status check) took it: deleted with the
  case.

The case's files are on the case side (`case_files`), the others on the conversation side
(`evidence_files`): no table names both, as the project keeps the two apart
(tests/security/test_anonymity.py). The plain SHA-256 (the chain of custody) stays with a
case's file; a handoff's file keeps none, and of its size only the power of two it is stored
at, so that the same photo sent to an advisor and with an anonymous report does not join
them. A held file keeps them only until it is given.
Chunks (`evidence_chunks`) name only their file.

Nothing here logs; the file's name is never stored, only what its content is. Functions
take an open Session (Database.run runs them on a worker thread)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

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
from bot.evidence.chunks import decrypt_chunks, encrypt_chunks, stored_length
from bot.evidence.kinds import identify
from bot.evidence.received import ReceivedFile, sha256
from bot.evidence.refusals import RefusedFile
from bot.evidence.scrub import scrub
from bot.timestamps import UtcDateTime, utc


class _FileColumns:
    """What is known of a file without opening it, wherever it is held."""

    id = Column(String(32), primary_key=True)
    kind = Column(String(16), nullable=False)  # bot.evidence.kinds.Kind
    mime_type = Column(String(80), nullable=False)
    received_size = Column(Integer, nullable=False)
    received_sha256 = Column(String(64), nullable=True)  # chain of custody (see above)
    stored_size = Column(Integer, nullable=False)
    stored_sha256 = Column(String(64), nullable=True)
    scrubbed = Column(Boolean, nullable=False)
    removed = Column(String(120), nullable=False, default="")  # "location,camera"
    received_at = Column(UtcDateTime, nullable=False)
    chunk_count = Column(Integer, nullable=False)


class EvidenceFile(_FileColumns, Base):
    """A file held for a conversation or given to a handoff (the conversation side)."""

    __tablename__ = "evidence_files"
    __table_args__ = (
        CheckConstraint(
            "(conversation_key IS NULL) <> (handoff_id IS NULL)", name="evidence_one_holder"
        ),
    )

    conversation_key = Column(String(64), nullable=True, index=True)
    handoff_id = Column(
        String(36), ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=True, index=True
    )


class CaseFile(_FileColumns, Base):
    """A file of a case (the case side)."""

    __tablename__ = "case_files"

    case_id = Column(
        Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True
    )


class EvidenceChunk(Base):
    __tablename__ = "evidence_chunks"

    file_id = Column(String(32), primary_key=True)  # of either table: no holder named here
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
    received_sha256: Optional[str]  # None for a handoff's file
    stored_sha256: Optional[str]
    scrubbed: bool
    removed: tuple[str, ...]
    received_at: datetime

    @classmethod
    def of(cls, row: _FileColumns) -> Evidence:
        return cls(
            id=str(row.id),
            kind=str(row.kind),
            mime_type=str(row.mime_type),
            size=int(row.stored_size),
            received_size=int(row.received_size),
            received_sha256=None if row.received_sha256 is None else str(row.received_sha256),
            stored_sha256=None if row.stored_sha256 is None else str(row.stored_sha256),
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
    facts = dict(
        id=secrets.token_hex(16),
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
    row: _FileColumns
    if case_id is not None:
        row = CaseFile(case_id=case_id, **facts)
        row.received_at = _day(row.received_at)
    else:
        row = EvidenceFile(conversation_key=conversation_key, **facts)
        if handoff_id is not None:
            _give(row, handoff_id)
    session.add(row)
    session.flush()
    _add_chunks(session, str(row.id), tokens)
    return Evidence.of(row)


def _add_chunks(session: Session, file_id: str, tokens: Sequence[bytes]) -> None:
    session.add_all(
        EvidenceChunk(file_id=file_id, position=index, token=token)
        for index, token in enumerate(tokens)
    )


def _day(moment: datetime) -> datetime:
    # A case keeps no time finer than the day (bot/cases/intake.py): the file's time would
    # otherwise match the conversation's.
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _give(row: EvidenceFile, handoff_id: str) -> None:
    """To a handoff: its fingerprints go and its sizes become the size it is stored at (a
    power of two, bot.evidence.chunks), so that it cannot be matched with a case's file."""
    row.conversation_key, row.handoff_id = None, handoff_id
    row.received_sha256 = row.stored_sha256 = None
    row.received_size = row.stored_size = stored_length(row.stored_size)


def _listed(session: Session, table: type[_FileColumns], *where: object) -> list[Evidence]:
    rows = session.execute(
        select(table).where(*where).order_by(table.received_at, table.id)
    ).scalars()
    return [Evidence.of(row) for row in rows]


def held(
    session: Session, conversation_key: str, ids: Iterable[str] | None = None
) -> list[Evidence]:
    """The files a conversation holds (only `ids` of them when given), oldest first."""
    where: list[object] = [EvidenceFile.conversation_key == conversation_key]
    if ids is not None:
        where.append(EvidenceFile.id.in_(list(ids)))
    return _listed(session, EvidenceFile, *where)


def of_case(session: Session, case_id: int) -> list[Evidence]:
    return _listed(session, CaseFile, CaseFile.case_id == case_id)


def of_handoff(session: Session, handoff_id: str) -> list[Evidence]:
    return _listed(session, EvidenceFile, EvidenceFile.handoff_id == handoff_id)


def holds(session: Session, file_id: str, *, case_id: int | None = None,
          handoff_id: str | None = None) -> bool:  # fmt: skip
    """Whether that case, or that handoff, holds the file."""
    if case_id is not None:
        found = session.get(CaseFile, file_id)
        return found is not None and found.case_id == case_id
    row = session.get(EvidenceFile, file_id)
    return row is not None and handoff_id is not None and row.handoff_id == handoff_id


def received_bytes(session: Session, *, conversation_key: str | None = None,
                   case_id: int | None = None) -> int:  # fmt: skip
    """What a conversation, or a case, holds already, counted as received (the case limit)."""
    if case_id is not None:
        query = select(func.sum(CaseFile.received_size)).where(CaseFile.case_id == case_id)
    else:
        query = select(func.sum(EvidenceFile.received_size)).where(
            EvidenceFile.conversation_key == conversation_key
        )
    return int(session.execute(query).scalar() or 0)


def _held_rows(session: Session, conversation_key: str, ids: Sequence[str]) -> list[EvidenceFile]:
    if not ids:
        return []
    return list(
        session.execute(
            select(EvidenceFile).where(
                EvidenceFile.conversation_key == conversation_key, EvidenceFile.id.in_(list(ids))
            )
        ).scalars()
    )


@dataclass(frozen=True)
class Given:
    """Files that went with a case: how many, and of those kept as sent how many were
    cleaned because the case is anonymous."""

    moved: int = 0
    cleaned: int = 0


def give_to_case(
    session: Session,
    conversation_key: str,
    ids: Sequence[str],
    case_id: int,
    cipher: BytesCipher,
    *,
    anonymous: bool,
) -> Given:
    """Moves held files to a case (a report was sent, or information added). Files of other
    conversations are never moved. Each is stored again under a new id, its chunks encrypted
    anew, so that the held row's id and tokens (in a backup taken before) do not name the
    case's file. An anonymous case gets no file kept as sent: its details are taken out
    first; one that cannot be cleaned stays held (deleted after VM_EVIDENCE_HOLD_HOURS)."""
    moved = cleaned = 0
    for row in _held_rows(session, conversation_key, ids):
        data = _read(session, str(row.id), cipher)
        facts = {column: getattr(row, column) for column in _FACTS}
        if anonymous and not row.scrubbed:
            try:
                result = scrub(data, identify(data))
            except (RefusedFile, ValueError):
                continue
            if result.removed:
                cleaned += 1
            data = result.data
            facts.update(
                scrubbed=result.scrubbed,
                removed=",".join(result.removed),
                stored_sha256=sha256(data),
                stored_size=len(data),
            )
        tokens = encrypt_chunks(data, cipher)
        _delete(session, EvidenceFile, EvidenceFile.id == row.id)
        facts.update(id=secrets.token_hex(16), chunk_count=len(tokens),
                     received_at=_day(row.received_at))  # fmt: skip
        session.add(CaseFile(case_id=case_id, **facts))
        session.flush()
        _add_chunks(session, str(facts["id"]), tokens)
        moved += 1
    return Given(moved, cleaned)


def give_to_handoff(
    session: Session, conversation_key: str, ids: Sequence[str], handoff_id: str
) -> int:
    rows = _held_rows(session, conversation_key, ids)
    for row in rows:
        _give(row, handoff_id)
    return len(rows)


# The columns a file keeps when it moves to a case: those every file has.
_FACTS = tuple(name for name, value in vars(_FileColumns).items() if isinstance(value, Column))


def _delete(session: Session, table: type[_FileColumns], *where: object) -> int:
    ids = list(session.execute(select(table.id).where(*where)).scalars())
    if not ids:
        return 0
    session.execute(delete(EvidenceChunk).where(EvidenceChunk.file_id.in_(ids)))
    session.execute(delete(table).where(table.id.in_(ids)))
    return len(ids)


def discard(session: Session, conversation_key: str, ids: Iterable[str] | None = None) -> int:
    """Deletes files a conversation holds (all of them without `ids`)."""
    where: list[object] = [EvidenceFile.conversation_key == conversation_key]
    if ids is not None:
        where.append(EvidenceFile.id.in_(list(ids)))
    return _delete(session, EvidenceFile, *where)


def delete_of_cases(session: Session, case_ids: Iterable[int]) -> int:
    return _delete(session, CaseFile, CaseFile.case_id.in_(list(case_ids)))


def delete_of_handoffs(session: Session, handoff_ids: Iterable[str]) -> int:
    return _delete(session, EvidenceFile, EvidenceFile.handoff_id.in_(list(handoff_ids)))


def purge_held(session: Session, before: datetime, dry_run: bool = False) -> int:
    """Files no one chose a use for since `before`: the user kept nothing."""
    where = (EvidenceFile.conversation_key.is_not(None), EvidenceFile.received_at < before)
    if dry_run:
        count = session.execute(select(func.count()).select_from(EvidenceFile).where(*where))
        return int(count.scalar() or 0)
    return _delete(session, EvidenceFile, *where)


def content(session: Session, file_id: str, cipher: BytesCipher) -> tuple[Evidence, bytes] | None:
    """The file and its bytes as stored, or None when there is no such file. Whoever calls
    this shows evidence to a person and records that in the audit log."""
    row: _FileColumns | None = session.get(EvidenceFile, file_id) or session.get(CaseFile, file_id)
    if row is None:
        return None
    return Evidence.of(row), _read(session, file_id, cipher)


def _read(session: Session, file_id: str, cipher: BytesCipher) -> bytes:
    tokens = session.execute(
        select(EvidenceChunk.token)
        .where(EvidenceChunk.file_id == file_id)
        .order_by(EvidenceChunk.position)
    ).scalars()
    return decrypt_chunks([bytes(token) for token in tokens], cipher)


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
