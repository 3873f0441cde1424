"""How the detector's finding and the intent model's ranking together set the intent.

- The detector says self-harm: the intent is `self_harm` (confidence 1.0, first in the
  ranking), whatever the model said.
- The detector says danger: the intent is `emergency`.
- The detector says nothing: a model `emergency` (or `self_harm`) is demoted to the next
  intent in the ranking that is neither, or `share_experience` when the ranking has
  nothing else; so downstream, `emergency` always means the detector confirmed danger.

Lexicon alone or lexicon plus the model? The alternative measured was "danger also when
the model says `emergency` with confidence >= MODEL_ONLY_CONFIDENCE": on the held-out
sets (evaluation/safety/) and the intent held-out set, see docs/evaluation.md, it added
almost no recall and brought false alarms on harsh-but-safe stories, which the model
cannot tell from danger (that is the complaint this package answers). So the model's
emergency score does not count: `model_confidence` is None by default, and the component
takes it as a configuration option to repeat the measurement.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

from bot.safety.lexicon import DANGER, SELF_HARM

EMERGENCY_INTENT = "emergency"
SELF_HARM_INTENT = "self_harm"
FALLBACK_INTENT = "share_experience"
# Intents the detector owns: the model alone never sets them.
ALARM_INTENTS = frozenset({EMERGENCY_INTENT, SELF_HARM_INTENT})
# Not a sensible intent to demote to: the detector has just read the message.
_NOT_A_DEMOTION = ALARM_INTENTS | {"nlu_fallback"}

Intent = dict[str, Any]


def verdict(
    finding: Optional[str], intent: Optional[Mapping[str, Any]], model_confidence: Optional[float]
) -> Optional[str]:
    """The safety verdict: the detector's, or, when `model_confidence` is set, also the
    model's own alarm at or above that confidence."""
    if finding is not None:
        return finding
    if model_confidence is None or not intent:
        return None
    name, confidence = intent.get("name"), float(intent.get("confidence") or 0.0)
    if confidence >= model_confidence:
        if name == EMERGENCY_INTENT:
            return DANGER
        if name == SELF_HARM_INTENT:
            return SELF_HARM
    return None


def decide(
    safety: Optional[str],
    intent: Optional[Mapping[str, Any]],
    ranking: Sequence[Mapping[str, Any]],
) -> tuple[Intent, list[Intent]]:
    """The intent and ranking after the safety verdict (see the module docstring)."""
    entries: list[Intent] = [dict(entry) for entry in ranking]
    current: Intent = dict(intent) if intent else {"name": None, "confidence": 0.0}
    forced = {SELF_HARM: SELF_HARM_INTENT, DANGER: EMERGENCY_INTENT}.get(safety or "")
    if forced:
        top = {"name": forced, "confidence": 1.0}
        return top, [top, *(entry for entry in entries if entry.get("name") != forced)]
    if current.get("name") not in ALARM_INTENTS:
        return current, entries
    rest: list[Intent] = [entry for entry in entries if entry.get("name") not in ALARM_INTENTS]
    demoted: Intent = next(
        (entry for entry in rest if entry.get("name") not in _NOT_A_DEMOTION),
        {"name": FALLBACK_INTENT, "confidence": float(current.get("confidence") or 0.0)},
    )
    return demoted, [demoted, *(entry for entry in rest if entry is not demoted)]
