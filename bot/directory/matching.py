"""Matching a user with confidential advisors.

Up to three active advisors who speak the language, ranked: someone serving the user's
post, then the post's region, then headquarters (the coordinating advisor last among
them), then external advisors; within a rank, who is available now comes first.
Preferences narrow the choice: a woman or a man, someone outside my post, an external
advisor. When nobody fits, the external advisors and the coordinating advisor are offered,
with the integrity coordinator's contact details (contacts.yml). Inactive advisors are
never shown."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Optional
from zoneinfo import ZoneInfo

from bot.content.contacts import Contacts
from bot.directory.records import (
    GENDERS,
    AdvisorRecord,
    Directory,
    PostRecord,
    is_available,
    next_available,
)

TIERS = ("post", "region", "hq", "external")
MAX_MATCHES = 3


@dataclass(frozen=True)
class Preferences:
    gender: Optional[str] = None  # "woman" or "man"
    outside_post: bool = False  # nobody who works at or for my post
    external: bool = False  # only advisors from outside the ministry

    @classmethod
    def from_values(
        cls, gender: object = None, outside_post: object = False, external: object = False
    ) -> Preferences:
        """Lenient: slot values as they come; anything unrecognised means no preference."""
        chosen = gender.strip().lower() if isinstance(gender, str) else None
        return cls(
            gender=chosen if chosen in GENDERS else None,
            outside_post=outside_post is True,
            external=external is True,
        )


@dataclass(frozen=True)
class AdvisorMatch:
    advisor: AdvisorRecord
    tier: str  # post, region, hq or external
    speaks_language: bool
    available_now: bool
    local_time: datetime  # now, in the advisor's time zone
    next_available: Optional[datetime]  # in their time zone; None when they list no hours

    @property
    def contact(self) -> dict[str, str]:
        return self.advisor.contact()

    def as_dict(self) -> dict[str, Any]:
        """Plain data for a slot or a template."""
        advisor = self.advisor
        return {
            "id": advisor.id,
            "name": advisor.name,
            "gender": advisor.gender,
            "kind": advisor.kind,
            "tier": self.tier,
            "languages": list(advisor.languages),
            "speaks_language": self.speaks_language,
            "contact": self.contact,
            "available_now": self.available_now,
            "time_zone": advisor.time_zone,
            "local_time": self.local_time.strftime("%H:%M"),
            "local_weekday": self.local_time.strftime("%a").lower(),
            "next_available": self.next_available.isoformat() if self.next_available else None,
            "hours": list(advisor.availability),
            "home_post": advisor.home_post,
            "demo": advisor.demo,
        }


@dataclass(frozen=True)
class MatchResult:
    matches: tuple[AdvisorMatch, ...]
    fallback: bool  # nobody fitted: these are the external and coordinating advisors
    coordinator: dict[str, str]  # the integrity coordinator: email, phone, address
    coordinator_demo: bool
    language: str
    post_code: Optional[str]
    # Nobody fitted the preferences (a woman, outside my post, external): these are the
    # advisors for the post and language without them, and the answer says so.
    preferences_left_out: bool = False

    @property
    def demo(self) -> bool:
        """Whether anything shown is demo data, so the answer must say so."""
        return self.coordinator_demo or any(match.advisor.demo for match in self.matches)

    def as_dict(self) -> dict[str, Any]:
        return {
            "matches": [match.as_dict() for match in self.matches],
            "fallback": self.fallback,
            "coordinator": dict(self.coordinator),
            "demo": self.demo,
            "language": self.language,
            "post": self.post_code,
            "preferences_left_out": self.preferences_left_out,
        }


def normalize_language(language: object) -> str:
    """'pt-BR' -> 'pt'; anything else unusable -> ''."""
    if not isinstance(language, str):
        return ""
    return language.strip().lower().replace("_", "-").split("-")[0][:3]


def tier_of(advisor: AdvisorRecord, post: Optional[PostRecord]) -> Optional[str]:
    """How an advisor relates to the user's post; None when they do not serve it."""
    if advisor.kind == "external":
        return "external"
    if advisor.kind in ("hq", "coordinating"):
        return "hq"
    if post is None:
        return None
    if advisor.kind == "post" and post.code in advisor.posts:
        return "post"
    if advisor.kind == "regional" and (
        post.code in advisor.posts or post.region in advisor.regions
    ):
        return "region"
    return None


def _at_my_post(advisor: AdvisorRecord, post: Optional[PostRecord], tier: str) -> bool:
    return post is not None and (tier == "post" or advisor.home_post == post.code)


def _match(advisor: AdvisorRecord, tier: str, language: str, now: datetime) -> AdvisorMatch:
    return AdvisorMatch(
        advisor=advisor,
        tier=tier,
        speaks_language=advisor.speaks(language) if language else False,
        available_now=is_available(advisor.windows, advisor.time_zone, now),
        local_time=now.astimezone(ZoneInfo(advisor.time_zone)),
        next_available=next_available(advisor.windows, advisor.time_zone, now),
    )


def _coordinator(contacts: Optional[Contacts]) -> tuple[dict[str, str], bool]:
    if contacts is None:
        from bot.content.contacts import load_contacts
        from bot.settings import settings

        contacts = load_contacts(settings().contacts_file)
    values = contacts.values
    found = {
        "email": values.get("coordinator_email"),
        "phone": values.get("coordinator_phone"),
        "address": values.get("coordinator_address"),
    }
    return {key: value for key, value in found.items() if value}, contacts.demo


def match_advisors(
    directory: Directory,
    post_code: Optional[str],
    language: object,
    preferences: Preferences = Preferences(),
    now: Optional[datetime] = None,
    contacts: Optional[Contacts] = None,
    limit: int = MAX_MATCHES,
) -> MatchResult:
    """Up to `limit` advisors for someone at `post_code` (None: they did not say) who wants
    to talk in `language`. `now` must carry a time zone; default: the current time."""
    now = now or datetime.now(timezone.utc)
    language_code = normalize_language(language)
    post = directory.post(post_code)
    ranked = _ranked(directory, post, language_code, preferences, now)
    left_out = False
    if not ranked and preferences != Preferences():
        # A wish nobody here fits is left out, said, before anyone's post or language is.
        ranked = _ranked(directory, post, language_code, Preferences(), now)
        left_out = bool(ranked)
    coordinator, coordinator_demo = _coordinator(contacts)
    if ranked:
        return MatchResult(
            tuple(ranked[:limit]),
            False,
            coordinator,
            coordinator_demo,
            language_code,
            post_code,
            preferences_left_out=left_out,
        )
    fallback = [
        _match(advisor, "external" if advisor.kind == "external" else "hq", language_code, now)
        for advisor in directory.active_advisors()
        if advisor.kind in ("external", "coordinating")
    ]
    fallback.sort(
        key=lambda m: (
            not m.speaks_language,
            m.advisor.kind != "external",
            not m.available_now,
            m.advisor.name,
        )
    )
    return MatchResult(
        tuple(fallback[:limit]), True, coordinator, coordinator_demo, language_code, post_code
    )


def _ranked(
    directory: Directory,
    post: Optional[PostRecord],
    language_code: str,
    preferences: Preferences,
    now: datetime,
) -> list[AdvisorMatch]:
    """The advisors for the post who speak the language and fit the preferences, best
    first: the post's own, then the region's, headquarters, external."""
    ranked: list[AdvisorMatch] = []
    for advisor in directory.active_advisors():
        tier = tier_of(advisor, post)
        if tier is None or not advisor.speaks(language_code or "-"):
            continue
        if preferences.gender and advisor.gender != preferences.gender:
            continue
        if preferences.external and advisor.kind != "external":
            continue
        if preferences.outside_post and _at_my_post(advisor, post, tier):
            continue
        ranked.append(_match(advisor, tier, language_code, now))
    ranked.sort(
        key=lambda m: (
            TIERS.index(m.tier),
            m.advisor.kind == "coordinating",
            not m.available_now,
            m.advisor.name,
        )
    )
    return ranked


def pool_for(
    directory: Directory, post_code: Optional[str], language: object
) -> list[AdvisorRecord]:
    """The advisors a handoff to 'the pool for this post and language' reaches: active,
    speaking the language, serving the post (at the post, its region, or HQ). External
    advisors are reached only when chosen by name."""
    language_code = normalize_language(language)
    post = directory.post(post_code)
    return [
        advisor
        for advisor in directory.active_advisors()
        if advisor.kind != "external"
        and tier_of(advisor, post) is not None
        and advisor.speaks(language_code or "-")
    ]


def earliest_available(advisors: Sequence[AdvisorRecord], now: datetime) -> Optional[datetime]:
    """When the first of these advisors is (or will be) at work, in UTC; None if never."""
    moments = [
        moment.astimezone(timezone.utc)
        for advisor in advisors
        if (moment := next_available(advisor.windows, advisor.time_zone, now)) is not None
    ]
    return min(moments) if moments else None


def languages_for_post(directory: Directory, post_code: Optional[str]) -> list[str]:
    """The languages someone at this post can talk in with an advisor (active advisors at
    the post, its region, HQ or outside), most widely spoken first: for the language step."""
    post = directory.post(post_code)
    counts: dict[str, int] = {}
    for advisor in directory.active_advisors():
        if tier_of(advisor, post) is None:
            continue
        for language in advisor.languages:
            counts[language] = counts.get(language, 0) + 1
    return sorted(counts, key=lambda language: (-counts[language], language))
