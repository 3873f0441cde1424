"""Matching advisors: ranking, preferences, availability in local time, fallback."""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.content.contacts import Contacts
from bot.directory.files.importing import load_directory_files
from bot.directory.matching import (
    Preferences,
    earliest_available,
    languages_for_post,
    match_advisors,
    pool_for,
)
from bot.directory.records import AdvisorRecord, Directory, PostRecord
from tests.support import ROOT

UTC = timezone.utc
# A Wednesday in June: no DST change, no Ramadan hours anywhere below.
WEDNESDAY_NOON_UTC = datetime(2026, 6, 3, 12, 0, tzinfo=UTC)
CONTACTS = Contacts(
    values={"coordinator_email": "coordinator@example.org", "coordinator_phone": "+31 70 555 0199"},
    demo=True,
)


def post(code: str, region: str, zone: str, country: str) -> PostRecord:
    return PostRecord(code, "embassy", code.title(), country, region, zone, "+1")


def advisor(advisor_id: str, **fields: object) -> AdvisorRecord:
    values: dict = {
        "name": advisor_id.replace("-", " ").title(),
        "gender": "woman",
        "kind": "post",
        "languages": ("fr", "ar"),
        "time_zone": "Europe/Amsterdam",
        "availability": ("mon-fri 09:00-17:00",),
        "email": f"{advisor_id}@example.org",
    }
    values.update(fields)
    return AdvisorRecord(id=advisor_id, **values)


POSTS = (
    post("HQ", "hq", "Europe/Amsterdam", "NL"),
    post("RAB", "mena", "Africa/Casablanca", "MA"),
    post("AMM", "mena", "Asia/Amman", "JO"),
    post("TOK", "asia_oceania", "Asia/Tokyo", "JP"),
    post("WAS", "americas", "America/New_York", "US"),
)
ADVISORS = (
    # Named to sort first, so a leak of inactive advisors would show at the top.
    advisor("aaa-inactive-at-rabat", posts=("RAB",), home_post="RAB", active=False),
    advisor("rab-woman", name="Nadia", posts=("RAB",), home_post="RAB", time_zone="Europe/Paris"),
    advisor(
        "rab-man",
        name="Youssef",
        gender="man",
        posts=("RAB",),
        home_post="RAB",
        time_zone="Europe/Paris",
        languages=("ar", "fr", "en"),
    ),
    advisor(
        "mena-regional",
        name="Leila",
        kind="regional",
        regions=("mena",),
        home_post="AMM",
        time_zone="Asia/Amman",
        languages=("ar", "fr", "en"),
        availability=("sun-thu 08:00-16:00",),
    ),
    advisor(
        "hq-man", name="Joost", gender="man", kind="hq", home_post="HQ", languages=("nl", "fr")
    ),
    advisor(
        "coordinator", name="Aafke", kind="coordinating", home_post="HQ", languages=("nl", "fr")
    ),
    advisor("external", name="Lotte", kind="external", languages=("nl", "fr", "en")),
    advisor("aaa-external-inactive", kind="external", active=False),
    advisor(
        "tok-man",
        name="Haruto",
        gender="man",
        posts=("TOK",),
        home_post="TOK",
        time_zone="Asia/Tokyo",
        languages=("ja", "en"),
    ),
    advisor(
        "was-man",
        name="Daniel",
        gender="man",
        posts=("WAS",),
        home_post="WAS",
        time_zone="America/New_York",
        languages=("en", "es"),
    ),
)
DIRECTORY = Directory(POSTS, ADVISORS)


def match(post_code: object, language: str, now: datetime = WEDNESDAY_NOON_UTC, **kw: object):
    preferences = Preferences(**kw)  # type: ignore[arg-type]
    return match_advisors(DIRECTORY, post_code, language, preferences, now=now, contacts=CONTACTS)


def ids(result: object) -> list[str]:
    return [m.advisor.id for m in result.matches]


def test_same_post_first_then_region_up_to_three() -> None:
    result = match("RAB", "fr")
    assert not result.fallback
    assert [m.tier for m in result.matches] == ["post", "post", "region"]
    assert set(ids(result)[:2]) == {"rab-woman", "rab-man"}


def test_the_full_ranking_order() -> None:
    result = match_advisors(
        DIRECTORY, "RAB", "fr", now=WEDNESDAY_NOON_UTC, contacts=CONTACTS, limit=10
    )
    assert [m.tier for m in result.matches] == ["post", "post", "region", "hq", "hq", "external"]
    # The coordinating advisor comes after the HQ advisors.
    assert ids(result)[3:5] == ["hq-man", "coordinator"]


def test_who_is_available_now_comes_first_within_a_rank() -> None:
    # Friday 14:00 UTC: the Rabat advisors (Paris time) are at work, Leila in Amman is not
    # (her weekend is Friday and Saturday).
    friday = datetime(2026, 6, 5, 14, 0, tzinfo=UTC)
    result = match("RAB", "fr", now=friday)
    by_id = {m.advisor.id: m for m in result.matches}
    assert by_id["rab-woman"].available_now and not by_id["mena-regional"].available_now


def test_language_decides_who_can_be_offered() -> None:
    assert ids(match("RAB", "en")) == ["rab-man", "mena-regional", "external"]
    assert ids(match("RAB", "nl")) == ["hq-man", "coordinator", "external"]


def test_a_woman_or_a_man() -> None:
    assert ids(match("RAB", "fr", gender="woman")) == ["rab-woman", "mena-regional", "coordinator"]
    assert ids(match("RAB", "fr", gender="man")) == ["rab-man", "hq-man"]


def test_someone_outside_my_post() -> None:
    assert ids(match("RAB", "fr", outside_post=True)) == ["mena-regional", "hq-man", "coordinator"]
    # Leila works at Amman: for someone at Amman she is not "outside my post".
    assert "mena-regional" not in ids(match("AMM", "fr", outside_post=True))


def test_an_external_advisor() -> None:
    assert ids(match("RAB", "fr", external=True)) == ["external"]


def test_inactive_advisors_are_never_shown() -> None:
    inactive = {a.id for a in ADVISORS if not a.active}
    for post_code, language, gender, outside, external in itertools.product(
        [None, "HQ", "RAB", "AMM", "TOK", "WAS", "XXX"],
        ["fr", "ar", "en", "nl", "ja", "sw"],
        [None, "woman", "man"],
        [False, True],
        [False, True],
    ):
        result = match(post_code, language, gender=gender, outside_post=outside, external=external)
        assert not inactive & set(ids(result))
    for advisors in (pool_for(DIRECTORY, "RAB", "fr"), pool_for(DIRECTORY, None, "fr")):
        assert not inactive & {a.id for a in advisors}


def test_no_match_offers_the_external_advisor_and_the_coordinator() -> None:
    result = match("RAB", "sw")  # nobody speaks Swahili
    assert result.fallback
    assert ids(result) == ["external", "coordinator"]
    assert not any(m.speaks_language for m in result.matches)
    assert result.coordinator == {
        "email": "coordinator@example.org",
        "phone": "+31 70 555 0199",
    }
    assert result.demo


def test_a_wish_nobody_fits_is_left_out_not_the_post_or_the_language() -> None:
    result = match("TOK", "ja", gender="woman")
    assert not result.fallback and result.preferences_left_out
    assert ids(result) == ids(match("TOK", "ja"))
    assert all(found.speaks_language for found in result.matches)
    assert result.as_dict()["preferences_left_out"] is True


def test_a_wish_that_fits_is_kept() -> None:
    assert not match("TOK", "ja").preferences_left_out


def test_a_language_nobody_speaks_falls_back_to_external_and_coordinator() -> None:
    result = match("TOK", "wo", gender="woman")
    assert result.fallback and ids(result) == ["external", "coordinator"]


def test_without_a_known_post_only_hq_and_external() -> None:
    for post_code in (None, "XXX"):
        assert [m.tier for m in match(post_code, "fr").matches] == ["hq", "hq", "external"]


def test_every_result_says_how_to_reach_them_and_is_plain_data() -> None:
    result = match("RAB", "fr")
    for found in result.matches:
        assert found.contact["email"].endswith("@example.org")
    data = json.loads(json.dumps(result.as_dict()))
    assert data["matches"][0]["contact"]["email"]
    assert data["matches"][0]["local_time"] == "14:00"  # noon UTC is 14:00 in Paris


# --- availability in the advisor's own time zone -----------------------------------------


def available(advisor_id: str, now: datetime) -> bool:
    post_code = {"tok-man": "TOK", "was-man": "WAS", "mena-regional": "AMM"}[advisor_id]
    result = match_advisors(DIRECTORY, post_code, "en", now=now, contacts=CONTACTS, limit=10)
    return next(m for m in result.matches if m.advisor.id == advisor_id).available_now


def test_the_same_moment_is_office_hours_in_tokyo_and_night_in_washington() -> None:
    moment = datetime(2026, 6, 3, 1, 0, tzinfo=UTC)  # Wed 10:00 Tokyo, Tue 21:00 New York
    assert available("tok-man", moment)
    assert not available("was-man", moment)
    result = match("WAS", "en", now=moment)
    washington = next(m for m in result.matches if m.advisor.id == "was-man")
    assert washington.next_available == datetime(
        2026, 6, 3, 9, 0, tzinfo=ZoneInfo("America/New_York")
    )


def test_weekends_differ_by_post() -> None:
    friday_morning = datetime(2026, 6, 5, 8, 0, tzinfo=UTC)  # Friday 11:00 in Amman
    sunday_morning = datetime(2026, 6, 7, 8, 0, tzinfo=UTC)  # Sunday 11:00 in Amman
    assert not available("mena-regional", friday_morning)
    assert available("mena-regional", sunday_morning)
    saturday = datetime(2026, 6, 6, 3, 0, tzinfo=UTC)  # Saturday noon in Tokyo
    assert not available("tok-man", saturday)
    result = match("TOK", "ja", now=saturday)
    assert result.matches[0].next_available == datetime(
        2026, 6, 8, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo")
    )


def test_daylight_saving_time_moves_office_hours() -> None:
    # 13:30 UTC is 08:30 in New York in winter, 09:30 in summer.
    assert not available("was-man", datetime(2026, 1, 14, 13, 30, tzinfo=UTC))
    assert available("was-man", datetime(2026, 7, 15, 13, 30, tzinfo=UTC))


def test_hours_start_inclusive_and_end_exclusive() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    assert available("tok-man", datetime(2026, 6, 3, 9, 0, tzinfo=tokyo))
    assert not available("tok-man", datetime(2026, 6, 3, 17, 0, tzinfo=tokyo))


def test_now_needs_a_time_zone() -> None:
    with pytest.raises(ValueError, match="time zone"):
        match("RAB", "fr", now=datetime(2026, 6, 3, 12, 0))


def test_languages_someone_at_a_post_can_choose() -> None:
    at_rabat = languages_for_post(DIRECTORY, "RAB")
    assert set(at_rabat) == {"fr", "ar", "en", "nl"}
    assert at_rabat[0] == "fr"  # spoken by the most advisors who serve Rabat
    assert "ja" not in at_rabat  # the Tokyo advisor does not serve Rabat
    assert "ja" in languages_for_post(DIRECTORY, "TOK")


# --- the pool for a handoff --------------------------------------------------------------


def test_pool_for_a_post_and_language() -> None:
    assert {a.id for a in pool_for(DIRECTORY, "RAB", "ar")} == {
        "rab-woman",
        "rab-man",
        "mena-regional",
    }
    # External advisors are reached only when chosen by name.
    assert "external" not in {a.id for a in pool_for(DIRECTORY, "RAB", "fr")}


def test_earliest_available_in_the_pool() -> None:
    saturday = datetime(2026, 6, 6, 12, 0, tzinfo=UTC)
    pool = pool_for(DIRECTORY, "RAB", "ar")
    # Leila (Amman, Sunday 08:00 = 05:00 UTC) is back before the Rabat advisors (Monday).
    assert earliest_available(pool, saturday) == datetime(2026, 6, 7, 5, 0, tzinfo=UTC)


# --- the shipped demo directory ------------------------------------------------------------


def test_the_french_speaking_driver_in_rabat_finds_someone_at_the_post() -> None:
    loaded = load_directory_files([ROOT / "data" / "directory"])
    directory = Directory(loaded.posts, loaded.advisors)
    result = match_advisors(directory, "RAB", "fr", now=WEDNESDAY_NOON_UTC)
    assert not result.fallback
    assert result.matches[0].tier == "post"
    assert result.matches[0].advisor.home_post == "RAB"
    assert all(m.advisor.active for m in result.matches)
    for language in ("nl", "en", "fr", "es", "de", "pt", "ar"):
        assert match_advisors(directory, "HQ", language, now=WEDNESDAY_NOON_UTC).matches
