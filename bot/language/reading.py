"""Readings of a parsed message that the intent alone does not give.

"Does it count as harassment if a colleague keeps mocking my religion?" tells an experience
and asks whether it counts: the intent model splits it between `share_experience` and
`ask_what_counts` (0.55 / 0.45, or a tie that becomes `nlu_fallback`). Such a message gets
both answers: the acknowledgement and what counts. Likewise a question the model splits
between two of ours ("und erfährt mein Chef davon, wenn ich mich melde?": anonymity 0.49,
protection 0.46, a tie that becomes `nlu_fallback`) gets both answers, not "say it again".

After the assistant asked for the story ("I'm listening. Tell me what happened..."), the next
message is the story, however short: read alone, "vorige week" was a status check, "last
week" a cancel and "gisteren" out of scope (`is_the_story`; bot/servers/in_context.py
applies it)."""

from __future__ import annotations

from typing import Any, Mapping

from bot.forms.interruptions import (
    MAX_CONSENT_WORDS,
    QUESTION_INTENTS,
    SAFETY_INTENTS,
    UNASKED_CONFIDENCE,
    YES_NO_CONFIDENCE,
    Expects,
    Turn,
    begins_as_question,
    ranking_share,
    steps_aside,
)

EXPERIENCE = "share_experience"
WHAT_COUNTS = "ask_what_counts"
# The runner-up must be a real contender, not the tail of the ranking.
RUNNER_UP_CONFIDENCE = 0.3
INVITATION = "utter_invite_story"  # the assistant asks for the story
# Short replies to an invitation that are not the story, when the model is sure ("yes",
# "thanks", "bye"); unsure, they are the story ("ayer" was read as yes at 0.35). A greeting
# is not among them: "this morning" was read as one at 0.98.
MEANT_AS_SAID = frozenset({"affirm", "deny", "goodbye", "thank"})
# Requests of their own, when the model is all but certain, even without a question mark.
REQUESTS = QUESTION_INTENTS | {"report", "check_status", "find_advisor"}


# Our questions, each with its answer.
ANSWERS = {
    "ask_what_counts": "utter_what_counts",
    "ask_options": "utter_options",
    "ask_advisor_role": "utter_advisor_role",
    "ask_anonymity": "utter_anonymity",
    "ask_protection": "utter_protection",
    "ask_process": "utter_process",
    "ask_external": "utter_external",
    "ask_manager_involved": "utter_manager_involved",
    "ask_withdraw": "utter_withdraw",
    "ask_mediation": "utter_mediation",
    "ask_secretary_general": "utter_secretary_general",
    "ask_privacy": "utter_privacy",
}


def top_two(message: Mapping[str, Any]) -> list[str]:
    """The model's first two readings (fallback aside), when the second is a real contender;
    otherwise none."""
    ranking = [
        entry
        for entry in message.get("intent_ranking") or []
        if entry.get("name") != "nlu_fallback"
    ][:2]
    if len(ranking) < 2:
        return []
    if min(float(entry.get("confidence") or 0.0) for entry in ranking) < RUNNER_UP_CONFIDENCE:
        return []
    return [str(entry.get("name")) for entry in ranking]


def _asks(message: Mapping[str, Any]) -> bool:
    turn = Turn.from_parse(message)
    return not turn.is_payload and (turn.asks or begins_as_question(turn.text))


def asks_whether_it_counts(message: Mapping[str, Any]) -> bool:
    """An experience told as a question whether it counts: the two intents are the model's
    top two and the message asks."""
    return set(top_two(message)) == {EXPERIENCE, WHAT_COUNTS} and _asks(message)


def tied_questions(message: Mapping[str, Any]) -> list[str]:
    """The answers to a question the model split between two of ours (the first reading's
    first), when the message asks; otherwise none."""
    first_two = top_two(message)
    if not first_two or not all(name in ANSWERS for name in first_two) or not _asks(message):
        return []
    return [ANSWERS[name] for name in first_two]


def is_the_story(message: Mapping[str, Any]) -> bool:
    """Whether a message answering the invitation to tell is (part of) the story: unless it
    is a clear interruption by the rules a form's story question follows (steps_aside:
    danger, a short question, a sure cancel or request, a language we do not speak), a
    short sure yes, no, thanks or goodbye, or a request the model is all but certain of."""
    turn = Turn.from_parse(message)
    if turn.is_payload or turn.intent == EXPERIENCE or turn.intent in SAFETY_INTENTS:
        return False
    if turn.intent in MEANT_AS_SAID and turn.words <= MAX_CONSENT_WORDS:
        return turn.confidence < YES_NO_CONFIDENCE
    if turn.intent in REQUESTS and ranking_share(message, REQUESTS) >= UNASKED_CONFIDENCE:
        # "je veux vérifier mon signalement": check_status 0.62 and report 0.37, a request
        # of its own either way
        return False
    return not steps_aside(turn, Expects.STORY)
