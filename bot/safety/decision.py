"""How the detector's finding and the intent model's ranking together set the intent.

The finding is the lexicons' (bot/safety/detector.py), or when they find nothing, the
trained classifier's (bot/safety/classifier.py) at or above its threshold; the component
(bot/safety/component.py) combines the two before this module decides.

- The detector says self-harm: the intent is `self_harm` (confidence 1.0, first in the
  ranking), whatever the model said.
- The detector says danger: the intent is `emergency`.
- The detector says nothing: a model `emergency` (or `self_harm`) is demoted to the next
  intent in the ranking that is neither, when the model gives that one at least
  `DEMOTION_FLOOR`; otherwise to `share_experience`: a message that reads like danger but
  is none is most often a hard story ("he said he will wait for me after work"), not the
  question the model half-heard in it (the protection answer, seen by hand). So
  downstream, `emergency` always means the detector confirmed danger.

Lexicon alone or lexicon plus the model? Measured on held-out version 4 (evaluation/safety/:
294 danger, 140 self-harm, 420 harsh-but-safe, 280 short answers in 7 languages) with the
model trained on 3 December 23:29 (the first with the `self_harm` intent):

  rule                                      danger   self-harm  false alarms  short-answer
                                            recall   recall     (safe)        alarms
  the model alone (its top intent)           0.70     0.59       0.26           12
  lexicon alone                              0.52     0.64       0.045           0
  lexicon, or the model's alarm >= 0.5       0.80     0.71       0.22            8
  lexicon, or the model's alarm >= 0.7       0.75     0.67       0.13            3
  lexicon, or the model's alarm >= 0.8       0.73     0.66       0.10            2
  lexicon, or the model's alarm >= 0.9       0.67     0.66       0.083           1
  lexicon, or the model's alarm >= 0.99      0.57     0.64       0.052           0

(On held-out version 3 with the model before it, the same order: model alone 0.81/0.29/11,
lexicon alone 0.50/0.064/0, ">= 0.8" 0.76/0.17/0.)

None meets the issue's targets (danger recall >= 0.98, false alarms <= 1 %, no alarm on a
short answer). The lexicon alone would answer fewer people in danger than the model does,
which a safety feature must not do; the model alone alarms on a quarter of harsh stories
and on short answers. The chosen rule is "lexicon, or the model's alarm >= 0.8"
(`MODEL_CONFIDENCE`): more danger found than by the model alone, false alarms cut from a
quarter to a tenth, short-answer alarms from 12 to 2. bin/evaluate prints these rows for
every newly trained model, to choose again.

On held-out version 5 (docs/evaluation.md, the model of 5 December), beside the lexicons
and the classifier, the model's alarm from 0.8 found 6 more of 294 danger messages (0.867 ->
0.888) and alarmed on 15 more of 420 harsh-but-safe ones (3.1 % -> 6.7 %), among them the
most common story there is, "my boss yells at me every day" in Dutch; self-harm found the
same. The assistant's configuration (config.yml) therefore sets `model_confidence` to
null: the model's alarm no longer answers with the safety text alone; from
`model_concern` it adds where to get help now to the reply (bot/safety/concern.py), which
those 6 danger messages also get. Chosen after seeing version 5's figures: a later
held-out set must confirm it.

Before that (the classifier's first weeks, December 2026) the model's own alarm counted at
0.8 by default: the classifier and the lexicons were measured without a Rasa model (figures in
docs/evaluation.md), and whether the model's alarm still adds danger found beside them, or
only false alarms, can be seen only on a trained model: bin/evaluate prints "the
assistant" (all three) beside "lexicon, or the classifier" for each one.
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
# The model's own emergency or self_harm counts at or above this confidence (see above).
MODEL_CONFIDENCE = 0.8
# A demoted alarm takes the next intent only from this confidence: the FallbackClassifier's
# threshold (config.yml), under which the assistant would not act on an intent either.
DEMOTION_FLOOR = 0.3


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
        (
            entry
            for entry in rest
            if entry.get("name") not in _NOT_A_DEMOTION
            and float(entry.get("confidence") or 0.0) >= DEMOTION_FLOOR
        ),
        {"name": FALLBACK_INTENT, "confidence": float(current.get("confidence") or 0.0)},
    )
    named = demoted.get("name")
    return demoted, [demoted, *(entry for entry in rest if entry.get("name") != named)]
