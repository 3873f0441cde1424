"""Coordinators' edits of the answers, kept in the database as versions on top of the seed
files (data/content/). The newest version of a response in a language is what users get;
the seed is what it started from. Every version keeps its author (a console account id),
time and the version it replaced, and can be reverted (a new version with the old text).

Changing a response in one language marks its other languages "to review" until someone
who reads that language confirms or edits it (`content_reviews`).

Whether a native speaker reviewed the text in a language is kept apart
(`content_native_reviews`: who, when): set when a coordinator publishes or confirms it
saying they are a native speaker of that language; cleared when the text in that language
changes without that (an edit, a revert, an import of files); an edit in another language
leaves it, since this language's text did not change. No row: the text is a translation
(or a seed text) that no native speaker has reviewed yet.

The content store asks `revision()` (the newest version id, one cheap query) every few
seconds and reloads the edits when it changed: the next user sees a published text on
every server, without retraining or restart (bot.content.store)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Optional

from sqlalchemy import Column, Index, Integer, String, Text, func, select
from sqlalchemy.orm import Session

from bot.content.store import Button, Response
from bot.db import Base, Database
from bot.timestamps import UtcDateTime

TO_REVIEW, REVIEWED = "to_review", "reviewed"


class EditConflict(RuntimeError):
    """Someone published this response since the editor opened it."""


class ContentVersion(Base):
    __tablename__ = "content_versions"
    __table_args__ = (Index("ix_content_versions_name_language", "name", "language"),)

    id = Column(Integer, primary_key=True)
    name = Column(String(80), nullable=False)
    language = Column(String(8), nullable=False)
    text = Column(Text, nullable=False)  # public answers: not encrypted
    sms = Column(Text, nullable=True)
    buttons = Column(Text, nullable=True)  # JSON: [{"title", "payload"}]
    author_id = Column(String(36), nullable=True)
    created_at = Column(UtcDateTime, nullable=False)
    replaces = Column(Integer, nullable=True)  # the version current when this one was made
    reverted_to = Column(Integer, nullable=True)  # a revert: the version whose text it took

    def response(self) -> Response:
        buttons = tuple(Button(**b) for b in json.loads(self.buttons or "[]"))
        return Response(text=self.text, buttons=buttons, sms=self.sms)


class ContentReview(Base):
    __tablename__ = "content_reviews"

    name = Column(String(80), primary_key=True)
    language = Column(String(8), primary_key=True)
    state = Column(String(16), nullable=False)  # to_review or reviewed
    account_id = Column(String(36), nullable=True)
    at = Column(UtcDateTime, nullable=False)


class NativeReview(Base):
    __tablename__ = "content_native_reviews"

    name = Column(String(80), primary_key=True)
    language = Column(String(8), primary_key=True)
    account_id = Column(String(36), nullable=False)
    at = Column(UtcDateTime, nullable=False)


@dataclass(frozen=True)
class NativeMark:
    """A native speaker of the language reviewed the text as it is now."""

    account_id: str
    at: datetime


@dataclass(frozen=True)
class Version:
    id: int
    response: Response
    author_id: Optional[str]
    created_at: datetime
    replaces: Optional[int]
    reverted_to: Optional[int]


def _version(row: ContentVersion) -> Version:
    return Version(row.id, row.response(), row.author_id, row.created_at, row.replaces,
                   row.reverted_to)  # fmt: skip


def revision(session: Session) -> int:
    return int(session.execute(select(func.max(ContentVersion.id))).scalar() or 0)


def published(session: Session) -> dict[tuple[str, str], Response]:
    """(language, name) -> the newest version's response."""
    newest = (
        select(func.max(ContentVersion.id))
        .group_by(ContentVersion.name, ContentVersion.language)
        .scalar_subquery()
    )
    rows = session.execute(select(ContentVersion).where(ContentVersion.id.in_(newest))).scalars()
    return {(row.language, row.name): row.response() for row in rows}


def history(session: Session, name: str, language: str) -> list[Version]:
    """Newest first."""
    query = select(ContentVersion).where(
        ContentVersion.name == name, ContentVersion.language == language
    )
    return [_version(row) for row in session.execute(query.order_by(ContentVersion.id.desc()))
            .scalars()]  # fmt: skip


def current_version(session: Session, name: str, language: str) -> Optional[int]:
    query = select(func.max(ContentVersion.id)).where(
        ContentVersion.name == name, ContentVersion.language == language
    )
    return session.execute(query).scalar()


def _mark(session: Session, name: str, language: str, state: str, account: Optional[str],
          now: datetime) -> None:  # fmt: skip
    row = session.get(ContentReview, (name, language))
    if row is None:
        session.add(ContentReview(name=name, language=language, state=state, account_id=account,
                                  at=now))  # fmt: skip
    else:
        row.state, row.account_id, row.at = state, account, now


def publish(
    session: Session,
    name: str,
    language: str,
    response: Response,
    author_id: str,
    base_version: Optional[int],
    other_languages: tuple[str, ...],
    now: Optional[datetime] = None,
    reverted_to: Optional[int] = None,
    native: bool = False,
) -> int:
    """Stores a new version; `base_version` is the version the editor started from (None:
    the seed). Raises EditConflict when another version was published since. The other
    languages of the response become "to review". `native`: the author is a native speaker
    of `language` (the text is marked native-reviewed); otherwise a native review of this
    language's text is cleared."""
    now = now or datetime.now(timezone.utc)
    current = current_version(session, name, language)
    if current != base_version:
        raise EditConflict(f"{name}/{language} changed since version {base_version}")
    buttons = [{"title": b.title, "payload": b.payload} for b in response.buttons]
    row = ContentVersion(
        name=name, language=language, text=response.text, sms=response.sms,
        buttons=json.dumps(buttons, ensure_ascii=False) if buttons else None,
        author_id=author_id, created_at=now, replaces=current, reverted_to=reverted_to,
    )  # fmt: skip
    session.add(row)
    session.flush()
    _mark(session, name, language, REVIEWED, author_id, now)
    if native:
        mark_native(session, name, language, author_id, now)
    else:
        clear_native(session, name, language)
    for other in other_languages:
        if other != language:
            _mark(session, name, other, TO_REVIEW, None, now)
    return int(row.id)


def confirm(session: Session, name: str, language: str, account_id: str,
            now: Optional[datetime] = None, native: bool = False) -> None:  # fmt: skip
    """Someone who reads the language confirms the text as it is; `native`: as a native
    speaker of it (without, an earlier native review stays: the text did not change)."""
    now = now or datetime.now(timezone.utc)
    _mark(session, name, language, REVIEWED, account_id, now)
    if native:
        mark_native(session, name, language, account_id, now)


def mark_native(session: Session, name: str, language: str, account_id: str,
                now: Optional[datetime] = None) -> None:  # fmt: skip
    now = now or datetime.now(timezone.utc)
    row = session.get(NativeReview, (name, language))
    if row is None:
        session.add(NativeReview(name=name, language=language, account_id=account_id, at=now))
    else:
        row.account_id, row.at = account_id, now


def clear_native(session: Session, name: str, language: str) -> bool:
    """Whether there was a native review to clear."""
    row = session.get(NativeReview, (name, language))
    if row is not None:
        session.delete(row)
    return row is not None


def native_review(session: Session, name: str, language: str) -> Optional[NativeMark]:
    row = session.get(NativeReview, (name, language))
    return NativeMark(row.account_id, row.at) if row is not None else None


def native_reviews(session: Session) -> dict[tuple[str, str], NativeMark]:
    """(language, name) -> who reviewed it as a native speaker, and when."""
    rows = session.execute(select(NativeReview)).scalars()
    return {(row.language, row.name): NativeMark(row.account_id, row.at) for row in rows}


def review_states(session: Session) -> dict[tuple[str, str], tuple[str, Optional[str]]]:
    """(language, name) -> (state, account id)."""
    rows = session.execute(select(ContentReview)).scalars()
    return {(row.language, row.name): (row.state, row.account_id) for row in rows}


def get_version(session: Session, version_id: int) -> Optional[Version]:
    row = session.get(ContentVersion, version_id)
    return _version(row) if row is not None else None


def as_json(response: Response) -> dict[str, Any]:
    buttons = [{"title": b.title, "payload": b.payload} for b in response.buttons]
    return {"text": response.text, "sms": response.sms, "buttons": buttons}


class DatabaseEdits:
    """The content store's view of the published edits (bot.content.store.EditSource),
    through the process's database (`database`: called on each use, so the runtime's
    current one is used)."""

    def __init__(self, database: Callable[[], Database]) -> None:
        self._database = database

    def revision(self) -> int:
        with self._database().session() as session:
            return revision(session)

    def published(self) -> dict[tuple[str, str], Response]:
        with self._database().session() as session:
            return published(session)
