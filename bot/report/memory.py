"""What the reporter already said before the report started, so it is not asked again.

A story told first ("my boss asks me for money to renew my contract", then "I want to report
it") becomes the start of the description; the kind of behaviour it names is proposed; saying
"anonymous" pre-answers the contact question; the post of an advisor search is where it
happened. Each is said back when the report starts and can be changed in the summary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence

from bot.directory.spelling import normalize
from bot.forms.answer import Answer
from bot.language.segmentation import contains_phrase
from bot.report.form import (
    ANONYMITY_CAVEAT,
    REPORT_CONTACT,
    REPORT_DESCRIPTION,
    REPORT_KIND,
    REPORT_POST_CODE,
    REPORT_POST_COUNTRY,
    REPORT_WHERE,
    Phrase,
)

# Messages that tell what happened (rather than ask or answer a question).
STORY_INTENTS = frozenset({"share_experience", "emergency"})
# Messages that may name the kind or the wish to stay anonymous.
WISH_INTENTS = STORY_INTENTS | {"report", "ask_anonymity"}


@dataclass(frozen=True)
class Said:
    """One earlier message: its intent and its words."""

    intent: Optional[str]
    text: str


@dataclass(frozen=True)
class AdvisorPost:
    """The post an advisor search settled on: code, country and the name to show."""

    code: str
    country: Optional[str]
    name: str


def said_before(events: Iterable[Mapping[str, Any]], ends: Sequence[str]) -> list[Said]:
    """The user's messages since the last report ended (an action in `ends` ran), oldest
    first. Buttons are not words the user wrote."""
    said: list[Said] = []
    for event in events:
        if event.get("event") == "action" and event.get("name") in ends:
            said = []
        elif event.get("event") == "user":
            text = event.get("text") or ""
            if isinstance(text, str) and text.strip() and not text.startswith("/"):
                intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
                said.append(Said(intent, text.strip()))
    return said


def mentions(text: str, words: Iterable[str]) -> bool:
    typed = normalize(text)
    return any(contains_phrase(typed, normalize(word)) for word in words)


def carried_over(
    said: Sequence[Said],
    classify: Callable[[str], Optional[str]],
    anonymous_words: Sequence[str],
    post: Optional[AdvisorPost] = None,
) -> dict[str, Any]:
    """The report's slots the earlier messages already answer."""
    slots: dict[str, Any] = {}
    story = [item.text for item in said if item.intent in STORY_INTENTS]
    if story:
        slots[REPORT_DESCRIPTION] = "\n".join(story)
    wishes = [item.text for item in said if item.intent in WISH_INTENTS]
    kind = classify(" ".join(wishes)) if wishes else None
    if kind:
        slots[REPORT_KIND] = kind
    if any(mentions(text, anonymous_words) for text in wishes):
        slots[REPORT_CONTACT] = "anonymous"
    if post is not None:
        slots[REPORT_WHERE] = post.name
        slots[REPORT_POST_CODE] = post.code
        slots[REPORT_POST_COUNTRY] = post.country
    return slots


def with_carried_over(answer: Answer, slots: Mapping[str, Any], phrase: Phrase) -> Answer:
    """The yes to "shall we start?", followed by what was taken over from earlier messages,
    each said back (and changeable in the summary)."""
    say = list(answer.say)
    variables = dict(answer.variables)
    if slots.get(REPORT_DESCRIPTION):
        say.append("utter_report_story_kept")
    kind = slots.get(REPORT_KIND)
    if kind and REPORT_KIND not in answer.slots:
        say.append("utter_report_understood")
        variables["choice"] = (phrase(f"report_kind_{kind}") or kind).split(",")[0].strip()
    if slots.get(REPORT_CONTACT) == "anonymous":
        say.extend(["utter_report_anonymous_kept", ANONYMITY_CAVEAT])
    if slots.get(REPORT_WHERE):
        say.append("utter_report_post_kept")
        variables["post"] = str(slots[REPORT_WHERE])
    return Answer(answer.slots, tuple(say), variables=variables)
