"""The advisor directory: posts and confidential advisors.

Records (`PostRecord`, `AdvisorRecord`, `Directory`) are plain frozen values that the
dialogue code reads; the tables (`Post`, `Advisor`) hold them in the database. Files are
read, validated and written by bot.directory_files; `replace_directory` swaps the whole
directory in one transaction, so readers see either the old one or the new one."""

from __future__ import annotations

import re
import time as clock
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Optional
from zoneinfo import ZoneInfo, available_timezones

from sqlalchemy import JSON, Boolean, Column, ForeignKey, String, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db import Base, Database

# Where advisors work or which posts they serve. HQ has no regional advisors: the HQ
# advisors serve it.
REGIONS = ("hq", "europe", "africa", "mena", "asia_oceania", "americas")
POST_KINDS = (
    "hq",
    "embassy",
    "consulate",
    "permanent_representation",
    "office",
    "kingdom_representation",
)
ADVISOR_KINDS = ("post", "regional", "hq", "coordinating", "external")
# Advisors of these kinds serve every post.
SERVES_ALL = ("hq", "coordinating", "external")
GENDERS = ("woman", "man")
CONTACT_CHANNELS = ("phone", "whatsapp", "email")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# ISO 639-1, the codes advisors' languages are written in.
ISO_639_1 = frozenset(
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv "
    "cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr "
    "ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw "
    "ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv "
    "ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr "
    "ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi "
    "yo za zh zu".split()
)


@lru_cache(maxsize=1)
def time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


# --- availability ---------------------------------------------------------------------

_WINDOW = re.compile(
    r"^\s*(?P<days>[a-z]{3}(?:\s*[-,]\s*[a-z]{3})*)\s+"
    r"(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})\s*$"
)


@dataclass(frozen=True)
class AvailabilityWindow:
    """Weekly hours in the advisor's own time zone: `days` are 0 (Monday) .. 6 (Sunday)."""

    days: frozenset[int]
    start: time
    end: time

    def covers(self, moment: datetime) -> bool:
        return moment.weekday() in self.days and self.start <= moment.time() < self.end


def _clock_time(text: str) -> time:
    hours, minutes = (int(part) for part in text.split(":"))
    if hours == 24 and minutes == 0:
        return time.max
    return time(hours, minutes)  # raises ValueError when out of range


def parse_window(spec: str) -> AvailabilityWindow:
    """'mon-fri 09:00-17:00', 'sun-thu 08:00-16:00', 'mon,wed 13:00-17:00'.

    Raises ValueError with a message meant for the person who wrote the file."""
    match = _WINDOW.match(spec.lower())
    if not match:
        raise ValueError(f"'{spec}' is not like 'mon-fri 09:00-17:00'")
    days: set[int] = set()
    for part in re.split(r"\s*,\s*", match["days"]):
        ends = [name.strip() for name in part.split("-")]
        unknown = [name for name in ends if name not in WEEKDAYS]
        if unknown:
            raise ValueError(f"'{unknown[0]}' is not a day (use {', '.join(WEEKDAYS)})")
        first, last = WEEKDAYS.index(ends[0]), WEEKDAYS.index(ends[-1])
        # 'sun-thu' wraps around the end of the week.
        span = (last - first) % 7
        days.update((first + offset) % 7 for offset in range(span + 1))
    try:
        start, end = _clock_time(match["start"]), _clock_time(match["end"])
    except ValueError as error:
        raise ValueError(f"'{spec}' has a time that does not exist") from error
    if end <= start:
        raise ValueError(f"'{spec}' ends before it starts")
    return AvailabilityWindow(frozenset(days), start, end)


def is_available(windows: Iterable[AvailabilityWindow], zone: str, now: datetime) -> bool:
    """Whether `now` (any time zone) falls in the weekly hours, read in `zone`."""
    local = _aware(now).astimezone(ZoneInfo(zone))
    return any(window.covers(local) for window in windows)


def next_available(
    windows: Sequence[AvailabilityWindow], zone: str, now: datetime
) -> Optional[datetime]:
    """The start of the next window after `now`, in `zone`; `now` (local) when inside one;
    None when there are no hours at all."""
    tz = ZoneInfo(zone)
    local = _aware(now).astimezone(tz)
    if any(window.covers(local) for window in windows):
        return local
    best: Optional[datetime] = None
    for offset in range(8):
        day: date = local.date() + timedelta(days=offset)
        for window in windows:
            if day.weekday() not in window.days:
                continue
            start = datetime.combine(day, window.start, tzinfo=tz)
            if start > local and (best is None or start < best):
                best = start
    return best


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("`now` must carry a time zone (e.g. datetime.now(timezone.utc))")
    return moment


# --- records ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PostRecord:
    code: str
    kind: str
    city: str
    country: str  # ISO 3166-1 alpha-2
    region: str
    time_zone: str
    calling_code: str  # '+31'
    city_names: tuple[str, ...] = ()
    country_names: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class AdvisorRecord:
    id: str
    name: str
    gender: str
    kind: str
    languages: tuple[str, ...]
    time_zone: str
    availability: tuple[str, ...]  # window specs, see parse_window
    posts: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    home_post: Optional[str] = None
    phone: Optional[str] = None
    whatsapp: Optional[str] = None
    email: Optional[str] = None
    active: bool = True
    demo: bool = False

    @cached_property
    def windows(self) -> tuple[AvailabilityWindow, ...]:
        return tuple(parse_window(spec) for spec in self.availability)

    def contact(self) -> dict[str, str]:
        """How to reach them, by channel, in the order phone, whatsapp, email."""
        values = {"phone": self.phone, "whatsapp": self.whatsapp, "email": self.email}
        return {channel: value for channel, value in values.items() if value}

    def speaks(self, language: str) -> bool:
        return language.lower() in self.languages

    def serves(self, post: Optional[PostRecord]) -> bool:
        if self.kind in SERVES_ALL:
            return True
        if post is None:
            return False
        return post.code in self.posts or post.region in self.regions


@dataclass(frozen=True)
class Directory:
    """A snapshot of the directory: what one conversation turn works with."""

    posts: tuple[PostRecord, ...]
    advisors: tuple[AdvisorRecord, ...]
    _by_code: dict[str, PostRecord] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # One order whatever the source, so snapshots compare equal when their content does.
        object.__setattr__(self, "posts", tuple(sorted(self.posts, key=lambda p: p.code)))
        object.__setattr__(self, "advisors", tuple(sorted(self.advisors, key=lambda a: a.id)))
        object.__setattr__(self, "_by_code", {post.code: post for post in self.posts})

    def post(self, code: Optional[str]) -> Optional[PostRecord]:
        return self._by_code.get(code.upper()) if code else None

    def posts_in_country(self, country: str) -> list[PostRecord]:
        return [post for post in self.posts if post.country == country.upper()]

    def advisor(self, advisor_id: str) -> Optional[AdvisorRecord]:
        return next((a for a in self.advisors if a.id == advisor_id), None)

    def active_advisors(self) -> list[AdvisorRecord]:
        return [advisor for advisor in self.advisors if advisor.active]

    def posts_served_by(self, advisor: AdvisorRecord) -> list[PostRecord]:
        return [post for post in self.posts if advisor.serves(post)]


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
    transaction. Callers validate first (bot.directory_files does)."""
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


class DirectoryService:
    """The directory as the dialogue sees it: read from the database, kept for `ttl`
    seconds, seeded from `seed_dir` on first use when the database has none."""

    def __init__(
        self, database: Database, seed_dir: Optional[Path] = None, ttl: float = 60.0
    ) -> None:
        self.database = database
        self.seed_dir = seed_dir
        self.ttl = ttl
        self._snapshot: Optional[Directory] = None
        self._read_at = 0.0

    async def current(self) -> Directory:
        # No lock: two turns loading at once only read twice.
        snapshot = self._snapshot
        if snapshot is None or clock.monotonic() - self._read_at > self.ttl:
            try:
                snapshot = await self.database.run(self._load)
            except IntegrityError:
                # Another process seeded the directory at the same moment: read theirs.
                snapshot = await self.database.run(read_directory)
            self._snapshot, self._read_at = snapshot, clock.monotonic()
        return snapshot

    def invalidate(self) -> None:
        self._snapshot = None

    def _load(self, session: Session) -> Directory:
        if self.seed_dir is not None and directory_is_empty(session):
            seed_directory(session, self.seed_dir)
        return read_directory(session)


def seed_directory(session: Session, seed_dir: Path) -> None:
    """Imports the directory files in `seed_dir` (posts.yml, advisors.yml)."""
    from bot.directory_files import directory_files, load_directory_files

    loaded = load_directory_files(directory_files(seed_dir), current=None)
    replace_directory(session, loaded.posts, loaded.advisors)


def as_dict(value: Any) -> dict[str, Any]:
    """A record as plain data (lists, not tuples), for exports and slots."""
    if isinstance(value, PostRecord):
        names = ("code", "kind", "city", "country", "region", "time_zone", "calling_code")
        data: dict[str, Any] = {name: getattr(value, name) for name in names}
        data["city_names"] = list(value.city_names)
        data["country_names"] = list(value.country_names)
        data["aliases"] = list(value.aliases)
        return data
    if isinstance(value, AdvisorRecord):
        return {
            "id": value.id,
            "name": value.name,
            "gender": value.gender,
            "kind": value.kind,
            "languages": list(value.languages),
            "posts": list(value.posts),
            "regions": list(value.regions),
            "home_post": value.home_post,
            "time_zone": value.time_zone,
            "phone": value.phone,
            "whatsapp": value.whatsapp,
            "email": value.email,
            "availability": list(value.availability),
            "active": value.active,
            "demo": value.demo,
        }
    raise TypeError(f"not a directory record: {type(value).__name__}")
