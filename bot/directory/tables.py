"""The directory in the database: posts and advisors, read and replaced whole."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Optional

from sqlalchemy import JSON, Boolean, Column, ForeignKey, String, delete, func, select
from sqlalchemy.orm import Session

from bot.db import Base
from bot.directory.records import AdvisorRecord, Directory, PostRecord

# --- tables -----------------------------------------------------------------------------


class Post(Base):
    __tablename__ = "posts"

    code = Column(String(32), primary_key=True)
    kind = Column(String(32), nullable=False)
    city = Column(String(120), nullable=False)
    country = Column(String(2), nullable=False, index=True)
    region = Column(String(32), nullable=False, index=True)
    time_zone = Column(String(64), nullable=False)
    calling_code = Column(String(8), nullable=False)
    city_names = Column(JSON, nullable=False)
    country_names = Column(JSON, nullable=False)
    aliases = Column(JSON, nullable=False)

    def record(self) -> PostRecord:
        return PostRecord(
            code=self.code,
            kind=self.kind,
            city=self.city,
            country=self.country,
            region=self.region,
            time_zone=self.time_zone,
            calling_code=self.calling_code,
            city_names=tuple(self.city_names or ()),
            country_names=tuple(self.country_names or ()),
            aliases=tuple(self.aliases or ()),
        )

    @classmethod
    def from_record(cls, record: PostRecord) -> Post:
        return cls(
            code=record.code,
            kind=record.kind,
            city=record.city,
            country=record.country,
            region=record.region,
            time_zone=record.time_zone,
            calling_code=record.calling_code,
            city_names=list(record.city_names),
            country_names=list(record.country_names),
            aliases=list(record.aliases),
        )


class Advisor(Base):
    __tablename__ = "advisors"

    id = Column(String(64), primary_key=True)
    name = Column(String(200), nullable=False)
    gender = Column(String(8), nullable=False)
    kind = Column(String(16), nullable=False, index=True)
    languages = Column(JSON, nullable=False)
    posts = Column(JSON, nullable=False)
    regions = Column(JSON, nullable=False)
    home_post = Column(String(32), ForeignKey("posts.code"), nullable=True)
    time_zone = Column(String(64), nullable=False)
    phone = Column(String(40), nullable=True)
    whatsapp = Column(String(40), nullable=True)
    email = Column(String(200), nullable=True)
    availability = Column(JSON, nullable=False)
    active = Column(Boolean, nullable=False)
    demo = Column(Boolean, nullable=False)

    def record(self) -> AdvisorRecord:
        return AdvisorRecord(
            id=self.id,
            name=self.name,
            gender=self.gender,
            kind=self.kind,
            languages=tuple(self.languages or ()),
            posts=tuple(self.posts or ()),
            regions=tuple(self.regions or ()),
            home_post=self.home_post,
            time_zone=self.time_zone,
            phone=self.phone,
            whatsapp=self.whatsapp,
            email=self.email,
            availability=tuple(self.availability or ()),
            active=bool(self.active),
            demo=bool(self.demo),
        )

    @classmethod
    def from_record(cls, record: AdvisorRecord) -> Advisor:
        return cls(
            id=record.id,
            name=record.name,
            gender=record.gender,
            kind=record.kind,
            languages=list(record.languages),
            posts=list(record.posts),
            regions=list(record.regions),
            home_post=record.home_post,
            time_zone=record.time_zone,
            phone=record.phone,
            whatsapp=record.whatsapp,
            email=record.email,
            availability=list(record.availability),
            active=record.active,
            demo=record.demo,
        )


# --- reading and replacing --------------------------------------------------------------


def read_directory(session: Session) -> Directory:
    posts = session.execute(select(Post).order_by(Post.code)).scalars().all()
    advisors = session.execute(select(Advisor).order_by(Advisor.id)).scalars().all()
    return Directory(
        posts=tuple(post.record() for post in posts),
        advisors=tuple(advisor.record() for advisor in advisors),
    )


def replace_directory(
    session: Session,
    posts: Optional[Sequence[PostRecord]],
    advisors: Optional[Sequence[AdvisorRecord]],
) -> None:
    """Replaces posts and/or advisors (None keeps what is stored) inside the caller's
    transaction. Callers validate first (bot.directory.files does)."""
    current = read_directory(session)
    new_posts = current.posts if posts is None else tuple(posts)
    new_advisors = current.advisors if advisors is None else tuple(advisors)
    # Advisors point at posts: clear them first, insert them last.
    session.execute(delete(Advisor))
    session.execute(delete(Post))
    session.flush()
    session.add_all(Post.from_record(post) for post in new_posts)
    session.flush()
    session.add_all(Advisor.from_record(advisor) for advisor in new_advisors)
    session.flush()


def directory_is_empty(session: Session) -> bool:
    return not session.execute(select(func.count()).select_from(Post)).scalar_one()
