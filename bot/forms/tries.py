"""Nobody is asked the same thing more than twice.

A form counts the refused answers per question in one slot. The first refusal asks again and
says why; the second does not ask a third time: the form takes what it can (the words kept,
the question skipped, a safe choice) and says so, and the summary lets the user change it."""

from __future__ import annotations

from typing import Any, Callable, Mapping

from bot.forms.answer import Answer

FORM_TRIES = "form_tries"
# Refusals after which the form moves on instead of asking a third time.
MAX_REFUSALS = 2


def tries_of(value: Any) -> dict[str, int]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): int(v) for k, v in value.items() if isinstance(v, int)}


def settle(
    answer: Answer,
    slot: str,
    tries: Mapping[str, int],
    move_on: Callable[[], Answer],
) -> tuple[Answer, dict[str, int]]:
    """The answer to act on and the counts to keep: a refusal that would make the question
    come a third time becomes `move_on()`."""
    counts = dict(tries)
    if not answer.refused:
        counts.pop(slot, None)
        return answer, counts
    counts[slot] = counts.get(slot, 0) + 1
    if counts[slot] < MAX_REFUSALS:
        return answer, counts
    counts.pop(slot, None)
    return move_on(), counts
