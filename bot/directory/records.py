"""The advisor directory: posts and confidential advisors.

Records (`PostRecord`, `AdvisorRecord`, `Directory`) are plain frozen values that the
dialogue code reads; the tables (`Post`, `Advisor`) hold them in the database. Files are
read, validated and written by bot.directory.files; `replace_directory` swaps the whole
directory in one transaction, so readers see either the old one or the new one."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property, lru_cache
from typing import Any, Optional
from zoneinfo import ZoneInfo, available_timezones

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
