"""Readings of a parsed message that the intent alone does not give.

"Does it count as harassment if a colleague keeps mocking my religion?" tells an experience
and asks whether it counts: the intent model splits it between `share_experience` and
`ask_what_counts` (0.55 / 0.45, or a tie that becomes `nlu_fallback`). Such a message gets
both answers: the acknowledgement and what counts."""

from __future__ import annotations

from typing import Any, Mapping

from bot.forms.interruptions import Turn, begins_as_question

EXPERIENCE = "share_experience"
WHAT_COUNTS = "ask_what_counts"
# The runner-up must be a real contender, not the tail of the ranking.
RUNNER_UP_CONFIDENCE = 0.3


def asks_whether_it_counts(message: Mapping[str, Any]) -> bool:
    """An experience told as a question whether it counts: the two intents are the model's
    top two (fallback aside) and the message asks."""
    ranking = [
        entry
        for entry in message.get("intent_ranking") or []
        if entry.get("name") != "nlu_fallback"
    ][:2]
    names = {entry.get("name") for entry in ranking}
    if names != {EXPERIENCE, WHAT_COUNTS}:
        return False
    if min(float(entry.get("confidence") or 0.0) for entry in ranking) < RUNNER_UP_CONFIDENCE:
        return False
    turn = Turn.from_parse(message)
    return not turn.is_payload and (turn.asks or begins_as_question(turn.text))
