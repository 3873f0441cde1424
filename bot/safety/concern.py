"""A safety concern: a message that may be about danger or self-harm, but not clearly enough
for the safety answer (bot/safety/decision.py).

The safety answer takes over the conversation (it stops a form, it offers a person), so it
must be kept for clear cases: the trained classifier alarms only from a high probability
(false alarms on harsh-but-safe stories would otherwise be frequent). Below that, many
messages about real danger remain. For those, the first reply of the turn gets one more
line: where to get help now (`utter_safety_line_danger` or `utter_safety_line_self_harm`),
and the conversation goes on as it would have. Someone in danger whose words were not clear
still reads where to get help; someone with a harsh story reads one line more.

Short answers (fewer than `MIN_WORDS` words: "tonight", "my boss") never get the line:
they answer a question, and the lexicons catch the short cries for help ("help knife")."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Mapping, Optional

from bot.safety.decision import EMERGENCY_INTENT, SELF_HARM_INTENT
from bot.safety.lexicon import DANGER, SELF_HARM

CONCERN_KEY = "safety_concern"
LINE_RESPONSES = {DANGER: "utter_safety_line_danger", SELF_HARM: "utter_safety_line_self_harm"}
MIN_WORDS = 3
# Chosen by cross-validation on the training data (docs/evaluation.md).
DEFAULT_CONCERN_THRESHOLD = 0.5
DEFAULT_MODEL_CONCERN = 0.5
_MODEL_KINDS = {EMERGENCY_INTENT: DANGER, SELF_HARM_INTENT: SELF_HARM}


def concern(
    text: str,
    safety: Optional[str],
    probabilities: Optional[Mapping[str, float]],
    model_intent: Optional[Mapping[str, Any]],
    threshold: Optional[float] = DEFAULT_CONCERN_THRESHOLD,
    model_threshold: Optional[float] = DEFAULT_MODEL_CONCERN,
    lexicon: Optional[str] = None,
) -> Optional[str]:
    """`danger` or `self_harm` when the message is a concern (see the module docstring):
    no safety verdict, at least MIN_WORDS words, and a lexicon finding the classifier
    vetoed (`lexicon`, bot/safety/classifier.py `combine`), or the classifier's P(danger) +
    P(self_harm) at or above `threshold`, or the intent model's own emergency or self_harm
    at or above `model_threshold`."""
    if safety is not None or len(text.split()) < MIN_WORDS:
        return None
    if lexicon is not None:
        return lexicon
    if probabilities and threshold is not None:
        danger = float(probabilities.get(DANGER) or 0.0)
        self_harm = float(probabilities.get(SELF_HARM) or 0.0)
        if danger + self_harm >= threshold:
            return SELF_HARM if self_harm > danger else DANGER
    if model_intent and model_threshold is not None:
        kind = _MODEL_KINDS.get(str(model_intent.get("name")))
        if kind and float(model_intent.get("confidence") or 0.0) >= model_threshold:
            return kind
    return None


class FirstReplies:
    """Which turn of each conversation has had its first reply: the line goes with the first
    reply of the turn, not with every reply. A turn runs on one server under the
    conversation's lock, so this server's memory is enough; it keeps the latest turn of the
    `size` most recent conversations."""

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._turns: OrderedDict[str, str] = OrderedDict()

    def is_first(self, conversation: str, turn: str) -> bool:
        """True the first time it is asked for this turn of this conversation."""
        if self._turns.get(conversation) == turn:
            self._turns.move_to_end(conversation)
            return False
        self._turns[conversation] = turn
        self._turns.move_to_end(conversation)
        while len(self._turns) > self._size:
            self._turns.popitem(last=False)
        return True
