"""The Rasa NLU component that gives immediate danger and thoughts of self-harm to the
detector (bot/safety/detector.py) rather than to the intent model alone.

It runs last in the pipeline, after the intent classifiers and the language detector, and
on every message:
- adds `safety: "danger" | "self_harm" | None` to the parse data;
- sets the intent as bot/safety/decision.py says: `self_harm` or `emergency` when the
  detector finds them or the model is very sure of them (`model_confidence`), and any
  other model `emergency` or `self_harm` is demoted to the next intent.

The lexicons are data (data/safety/), read when the model is loaded: editing them needs a
restart, not a training. Nothing is trained. The message text is never logged.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, List, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.safety.decision import MODEL_CONFIDENCE, decide, verdict
from bot.safety.detector import SafetyDetector, detector_for
from bot.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

SAFETY_KEY = "safety"
# The model's own top intent before the safety verdict (name and confidence only), so the
# evaluation can measure other rules on the same parse (bot/safety/evaluation.py).
MODEL_INTENT_KEY = "safety_model_intent"


def _lexicon_dir(configured: str) -> Path:
    path = Path(configured)
    return path if path.is_absolute() else PROJECT_ROOT / path


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class SafetyClassifier(GraphComponent):
    """Sets `safety` and the alarm intents (see the module docstring)."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            "lexicon_dir": "data/safety",
            # The model's own emergency or self_harm counts at or above this confidence;
            # None: the detector alone decides (figures in bot/safety/decision.py).
            "model_confidence": MODEL_CONFIDENCE,
        }

    def __init__(self, config: Dict[str, Any], detector: SafetyDetector) -> None:
        self._detector = detector
        threshold = config.get("model_confidence")
        self._model_confidence: Optional[float] = None if threshold is None else float(threshold)

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SafetyClassifier:
        return cls(config, detector_for(_lexicon_dir(config["lexicon_dir"])))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            apply_safety(message, self._detector, self._model_confidence)
        return messages


def apply_safety(
    message: Message, detector: SafetyDetector, model_confidence: Optional[float] = None
) -> Optional[str]:
    """Sets `safety`, the intent and the ranking on one parsed message; returns the verdict."""
    intent = message.get(INTENT)
    safety = verdict(detector.detect(message.get(TEXT) or ""), intent, model_confidence)
    message.set(SAFETY_KEY, safety, add_to_output=True)
    model_intent = (
        {"name": intent.get("name"), "confidence": intent.get("confidence")} if intent else None
    )
    message.set(MODEL_INTENT_KEY, model_intent, add_to_output=True)
    new_intent, ranking = decide(safety, intent, message.get(INTENT_RANKING_KEY) or [])
    if new_intent != intent and (intent or safety):
        message.set(INTENT, new_intent, add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        logger.debug("Safety verdict %s: intent set to %s.", safety, new_intent.get("name"))
    return safety
