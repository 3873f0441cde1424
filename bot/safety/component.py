"""The Rasa NLU component that gives immediate danger and thoughts of self-harm to a
dedicated detector (the lexicons, bot/safety/detector.py, and a trained classifier,
bot/safety/classifier.py) rather than to the intent model alone.

It runs last in the pipeline, after the intent classifiers and the language detector, and
on every message:
- adds `safety: "danger" | "self_harm" | None` to the parse data, and the classifier's two
  alarm probabilities (`safety_classifier`, for the evaluation);
- adds `safety_concern` (bot/safety/concern.py) when the message may be about danger or
  self-harm below the alarm;
- sets the intent as bot/safety/decision.py says: `self_harm` or `emergency` when the
  lexicons or the classifier find them, or the model is very sure of them
  (`model_confidence`); any other model `emergency` or `self_harm` is demoted.

The lexicons are data (data/safety/), read when the model is loaded: editing them needs a
restart, not a training. The classifier is trained with the model, on the labelled sets in
data/safety/training/ and the NLU examples, and kept in the model. A model trained before
it (or without it) loads with the lexicons alone. The message text is never logged.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.safety.classifier import DEFAULT_THRESHOLD, DEFAULT_VETO, SafetyModel, Settings, combine
from bot.safety.concern import (
    CONCERN_KEY,
    DEFAULT_CONCERN_THRESHOLD,
    DEFAULT_MODEL_CONCERN,
    concern,
)
from bot.safety.decision import MODEL_CONFIDENCE, decide, verdict
from bot.safety.detector import SafetyDetector, detector_for
from bot.safety.lexicon import DANGER, SELF_HARM
from bot.safety.training_data import (
    OTHER,
    deduplicated,
    load_labelled,
    nlu_examples,
    training_files,
)
from bot.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

SAFETY_KEY = "safety"
# The model's own top intent before the safety verdict (name and confidence only), so the
# evaluation can measure other rules on the same parse (bot/safety/evaluation.py).
MODEL_INTENT_KEY = "safety_model_intent"
# The classifier's probabilities of danger and self-harm (None without a classifier).
CLASSIFIER_KEY = "safety_classifier"


class Concern(NamedTuple):
    """The thresholds of a concern (bot/safety/concern.py)."""

    classifier: Optional[float]
    model: Optional[float]


def _optional_float(value: Any) -> Optional[float]:
    return None if value is None else float(value)


def _project_path(configured: str) -> Path:
    path = Path(configured)
    return path if path.is_absolute() else PROJECT_ROOT / path


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class SafetyClassifier(GraphComponent):
    """Sets `safety` and the alarm intents (see the module docstring)."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            "lexicon_dir": "data/safety",
            "training_dir": "data/safety/training",
            # The classifier alarms from this P(danger) + P(self_harm); None: lexicons only.
            "classifier_threshold": DEFAULT_THRESHOLD,
            # A lexicon finding is no alarm (but a concern) when the classifier's P(other)
            # reaches this; None: the lexicons always alarm.
            "classifier_veto": DEFAULT_VETO,
            # The model's own emergency or self_harm counts at or above this confidence;
            # None: the detector alone decides (figures in bot/safety/decision.py).
            "model_confidence": MODEL_CONFIDENCE,
            # Below the alarm, a concern adds where to get help to the reply
            # (bot/safety/concern.py); None: no concern from the classifier or the model.
            "concern_threshold": DEFAULT_CONCERN_THRESHOLD,
            "model_concern": DEFAULT_MODEL_CONCERN,
            # The classifier's hyperparameters (bot/safety/classifier.py, Settings).
            **vars(Settings()),
        }

    def __init__(
        self,
        config: Dict[str, Any],
        detector: SafetyDetector,
        model_storage: Optional[ModelStorage] = None,
        resource: Optional[Resource] = None,
        classifier: Optional[SafetyModel] = None,
    ) -> None:
        self._config = config
        self._detector = detector
        self._model_storage = model_storage
        self._resource = resource
        self._classifier = classifier
        self._model_confidence = _optional_float(config.get("model_confidence"))
        self._threshold = _optional_float(config.get("classifier_threshold"))
        self._veto = _optional_float(config.get("classifier_veto"))
        self._concern = Concern(
            _optional_float(config.get("concern_threshold")),
            _optional_float(config.get("model_concern")),
        )

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SafetyClassifier:
        # Also how a model trained before the classifier existed builds this component.
        return cls(
            config, detector_for(_project_path(config["lexicon_dir"])), model_storage, resource
        )

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> SafetyClassifier:
        detector = detector_for(_project_path(config["lexicon_dir"]))
        classifier = None
        try:
            with model_storage.read_from(resource) as directory:
                if SafetyModel.exists(Path(directory)):
                    classifier = SafetyModel.load(Path(directory), detector.affirmed)
        except ValueError:  # nothing stored for this component
            pass
        if classifier is None:
            logger.warning("No safety classifier in this model: the lexicons decide alone.")
        return cls(config, detector, model_storage, resource, classifier)

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """The labelled training files are read from disk, not given by the graph: a change
        in them must train the classifier again."""
        digest = hashlib.sha256()
        directory = _project_path(config.get("training_dir") or "data/safety/training")
        for path in training_files(directory):
            digest.update(str(path.relative_to(directory)).encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()

    def train(self, training_data: TrainingData) -> Resource:
        pairs = [(e.get(TEXT) or "", e.get(INTENT) or "") for e in training_data.intent_examples]
        labelled = load_labelled(_project_path(self._config["training_dir"]))
        examples = deduplicated([*labelled, *nlu_examples(pairs)])
        settings = Settings.from_config(self._config)
        classifier = SafetyModel.fit(examples, settings, self._detector.affirmed)
        if self._model_storage is None or self._resource is None:
            raise RuntimeError("the safety classifier needs a model storage to train into")
        with self._model_storage.write_to(self._resource) as directory:
            classifier.save(Path(directory))
        self._classifier = classifier
        logger.info("Trained the safety classifier on %d examples.", len(examples))
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            apply_safety(
                message,
                self._detector,
                self._model_confidence,
                self._classifier,
                self._threshold,
                self._concern,
                self._veto,
            )
        return messages


def apply_safety(
    message: Message,
    detector: SafetyDetector,
    model_confidence: Optional[float] = None,
    classifier: Optional[SafetyModel] = None,
    threshold: Optional[float] = None,
    concern_at: Optional[Concern] = None,
    veto: Optional[float] = None,
) -> Optional[str]:
    """Sets `safety`, the concern, the intent and the ranking on one parsed message; returns
    the verdict."""
    text = message.get(TEXT) or ""
    intent = message.get(INTENT)
    found = lexicon = detector.detect(text)
    probabilities = None
    if classifier is not None and classifier.prepare(text):
        row = classifier.probabilities([text])[0]
        probabilities = {
            label: round(float(row[classifier.labels.index(label)]), 4)
            for label in (DANGER, SELF_HARM)
        }
        if threshold is not None:
            other = float(row[classifier.labels.index(OTHER)])
            found = combine(found, classifier.alarm(row, threshold), other, veto)
    message.set(CLASSIFIER_KEY, probabilities, add_to_output=True)
    safety = verdict(found, intent, model_confidence)
    message.set(SAFETY_KEY, safety, add_to_output=True)
    model_intent = (
        {"name": intent.get("name"), "confidence": intent.get("confidence")} if intent else None
    )
    message.set(MODEL_INTENT_KEY, model_intent, add_to_output=True)
    if concern_at is not None:
        kind = concern(text, safety, probabilities, model_intent, *concern_at, lexicon)
        message.set(CONCERN_KEY, kind, add_to_output=True)
    new_intent, ranking = decide(safety, intent, message.get(INTENT_RANKING_KEY) or [])
    if new_intent != intent and (intent or safety):
        message.set(INTENT, new_intent, add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        logger.debug("Safety verdict %s: intent set to %s.", safety, new_intent.get("name"))
    return safety
