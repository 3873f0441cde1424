"""Showing the advisors found, and whom a handoff goes to."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Optional
from zoneinfo import ZoneInfo

from bot.advisor.questions import POOL, language_name, payload
from bot.directory.records import AdvisorRecord, Directory, next_available

# --- showing matches -------------------------------------------------------------------


@dataclass
class Phrases:
    """The content's phrases in one language, with a fallback to the name (never None)."""

    lookup: Callable[[str], Optional[str]]
    missing: list[str] = field(default_factory=list)

    def __call__(self, phrase: str, /, **values: Any) -> str:
        text = self.lookup(phrase)
        if text is None:
            self.missing.append(phrase)
            return ""
        return text.format_map(_Values(values))


class _Values(dict):
    """A placeholder a translation misspelt stays visible instead of failing the answer."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def describe_match(match: Mapping[str, Any], phrases: Phrases) -> str:
    """One advisor, from MatchResult.as_dict()['matches']: who, languages, how to reach
    them and whether they are at work now in their own time."""
    role = phrases(f"advisor_kind_{match.get('kind')}")
    languages = ", ".join(
        language_name(code, phrases.lookup) for code in match.get("languages") or ()
    )
    contact = match.get("contact") or {}
    contacts = ", ".join(
        phrases(f"advisor_contact_{channel}", value=value)
        for channel, value in contact.items()
        if value
    )
    if match.get("available_now"):
        availability = phrases("advisor_available_now", time=match.get("local_time", ""))
    elif match.get("next_available"):
        moment = datetime.fromisoformat(str(match["next_available"]))
        availability = phrases(
            "advisor_back",
            time=match.get("local_time", ""),
            weekday=phrases(f"weekday_{moment.strftime('%a').lower()}"),
            start=moment.strftime("%H:%M"),
        )
    else:
        availability = phrases("advisor_no_hours")
    return phrases(
        "advisor_line",
        name=match.get("name", ""),
        role=role,
        languages=languages,
        contacts=contacts,
        availability=availability,
    )


def describe_matches(result: Mapping[str, Any], phrases: Phrases) -> str:
    lines = [f"• {describe_match(match, phrases)}" for match in result.get("matches") or ()]
    text = "\n".join(lines)
    if result.get("demo"):
        text = f"{text}\n{phrases('advisors_demo_note')}"
    return text


def handoff_choices(result: Mapping[str, Any], phrases: Phrases) -> list[dict[str, str]]:
    """Buttons after the matches: hand over to one of them, or to the pool."""
    choices = [
        {
            "title": phrases("handoff_to_advisor", name=match["name"]),
            "payload": payload("human_handoff", match["id"]),
        }
        for match in result.get("matches") or ()
        if match.get("id")
    ]
    if not result.get("fallback"):
        choices.append(
            {"title": phrases("handoff_to_pool"), "payload": payload("human_handoff", POOL)}
        )
    return choices


# --- the handoff -----------------------------------------------------------------------


@dataclass(frozen=True)
class HandoffTarget:
    advisor: Optional[AdvisorRecord]  # None: the pool
    post_code: Optional[str]
    language: str
    pool: tuple[AdvisorRecord, ...] = ()

    @property
    def advisor_id(self) -> Optional[str]:
        return self.advisor.id if self.advisor else None

    @property
    def reachable(self) -> tuple[AdvisorRecord, ...]:
        return (self.advisor,) if self.advisor else self.pool


def handoff_target(
    directory: Directory,
    chosen: object,
    post_code: object,
    language: str,
    pool_for: Callable[[Directory, Optional[str], str], list[AdvisorRecord]],
) -> HandoffTarget:
    """Who a handoff goes to: the advisor chosen by id (active only), else the pool for the
    post and language; an empty pool goes to the coordinating advisor, who passes it on."""
    post = post_code if isinstance(post_code, str) and directory.post(post_code) else None
    if isinstance(chosen, str) and chosen != POOL:
        advisor = directory.advisor(chosen)
        if advisor is not None and advisor.active:
            return HandoffTarget(advisor, post, language)
    pool = tuple(pool_for(directory, post, language))
    if pool:
        return HandoffTarget(None, post, language, pool)
    coordinating = next((a for a in directory.active_advisors() if a.kind == "coordinating"), None)
    return HandoffTarget(coordinating, post, language)


def earliest(advisors: Sequence[AdvisorRecord], now: datetime) -> Optional[datetime]:
    """When the first of them is at work, in that advisor's own time zone."""
    best: Optional[datetime] = None
    for advisor in advisors:
        moment = next_available(advisor.windows, advisor.time_zone, now)
        if moment is not None and (best is None or moment < best):
            best = moment
    return best


def handoff_when(advisors: Sequence[AdvisorRecord], phrases: Phrases, now: datetime) -> str:
    now = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
    moment = earliest(advisors, now)
    if moment is None:
        return phrases("handoff_when_unknown")
    if moment <= now.astimezone(ZoneInfo(str(moment.tzinfo))):
        return phrases("handoff_when_now")
    return phrases(
        "handoff_when_later",
        weekday=phrases(f"weekday_{moment.strftime('%a').lower()}"),
        time=moment.strftime("%H:%M"),
    )
