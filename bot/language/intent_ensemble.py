"""Second and third opinions on the intent, averaged with the first (the pipeline's intent
classifier, a regression on bag-of-n-gram features: bot/language/linear.py; the names
`diet` below are that first opinion's, which DIET gave before): a fastText classifier and
the meaning of the sentence (bot/language/meaning.py).

The first classifier and fastText's subword model make different mistakes on
short chat messages; averaging their probabilities is right more often than either alone
(held-out set: about two points, see docs/evaluation.md). Both read n-grams; a pretrained
sentence encoder recognises paraphrases in words no example used, and averaging it in
(`meaning_weight`) was right more often again in cross-validation on the training data
(python -m bot.language.crossval). The component sits right after that classifier and
before the FallbackClassifier, which then judges the combined confidence. Messages without
a first ranking (button payloads, empty text) are left as they are."""

from __future__ import annotations

import logging
import re
import unicodedata
from pathlib import Path
from typing import Any, Dict, List, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.language.detection import distribution, fasttext_file_from_storage, read_fasttext
from bot.language.meaning import FILE as MEANING_FILE
from bot.language.meaning import MeaningModel
from bot.language.segmentation import segment
from bot.language.text import fold_accents
from bot.language.training import train_fasttext
from bot.safety.decision import EMERGENCY_INTENT, SELF_HARM_INTENT

logger = logging.getLogger(__name__)

MODEL_FILE = "intent_fasttext.bin"
# Danger and thoughts of self-harm are the safety detector's to find (bot/safety): the
# meaning model adds nothing there in cross-validation (docs/evaluation.md) and read "Hij
# deed het vandaag weer." (information added to a report) as emergency 0.75, so it gives
# them no weight and the n-gram models' reading stands.
NOT_BY_MEANING = frozenset({EMERGENCY_INTENT, SELF_HARM_INTENT})
LABEL = "__label__"
_DIGITS = re.compile(r"[0-9]+")


def normalise(text: str) -> str:
    """What both training and prediction see: lower case, no accents, no digits, one line,
    Chinese cut into words."""
    folded = fold_accents(unicodedata.normalize("NFKC", text).lower())
    return segment(" ".join(_DIGITS.sub(" ", folded).split()))


def combine(
    diet: List[Dict[str, Any]],
    fasttext: Dict[str, float],
    weight: float,
    meaning: Optional[Dict[str, float]] = None,
    meaning_weight: float = 0.0,
) -> List[Dict[str, Any]]:
    """Weighted average of the rankings, best first: fastText with `weight` against DIET,
    then the meaning model with `meaning_weight` against those two."""
    diet_scores = {r[INTENT_NAME_KEY]: r[PREDICTED_CONFIDENCE_KEY] for r in diet}
    meaning = meaning or {}
    names = set(diet_scores) | set(fasttext) | set(meaning)
    scores = {
        name: (1 - meaning_weight)
        * (weight * fasttext.get(name, 0.0) + (1 - weight) * diet_scores.get(name, 0.0))
        + meaning_weight * meaning.get(name, 0.0)
        for name in names
    }
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    return [{INTENT_NAME_KEY: n, PREDICTED_CONFIDENCE_KEY: float(c)} for n, c in ranked]


def settled(meaning_weight: float) -> float:
    """From this confidence of DIET and fastText together, no reading of the meaning could
    change their intent: their top keeps at least (1 - w) * c, any other gets at most
    (1 - w) * (1 - c) + w. The meaning model is then not asked (about half of typed messages,
    each 2-3 ms less) and their confidence stands, as the form's thresholds were set on."""
    if meaning_weight >= 0.5:
        return float("inf")  # the meaning alone can outvote them
    return 0.5 + meaning_weight / (2 * (1 - meaning_weight))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class IntentEnsemble(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            "weight": 0.5,
            "meaning_weight": 0.4,
            "meaning_c": 30.0,
            # lbfgs converges on the meaning vectors at about 600 iterations; at 300 it is
            # half the time and picks the same intent for 99.6% of the training examples
            # (largest change of a probability 0.03): training stays within ten minutes.
            "meaning_max_iter": 300,
            "epochs": 100,
            "learning_rate": 0.3,
            "dim": 64,
            "buckets": 200_000,
            "ranking_length": 10,
        }

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model_path: Optional[Path] = None,
        meaning: Optional[MeaningModel] = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._model = read_fasttext(str(model_path)) if model_path else None
        self._meaning = meaning

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> IntentEnsemble:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> IntentEnsemble:
        meaning = None
        if config["meaning_weight"] > 0:
            with model_storage.read_from(resource) as model_dir:
                meaning = MeaningModel.load(Path(model_dir) / MEANING_FILE)
        with fasttext_file_from_storage(model_storage, resource, MODEL_FILE) as target:
            return cls(config, model_storage, resource, model_path=target, meaning=meaning)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [
            (str(example.get(INTENT)), example.get(TEXT) or "")
            for example in training_data.intent_examples
            if example.get(INTENT) and normalise(example.get(TEXT) or "")
        ]
        lines = [f"{LABEL}{intent} {normalise(text)}" for intent, text in examples]
        with self._model_storage.write_to(self._resource) as model_dir:
            model = Path(model_dir) / MODEL_FILE
            train_fasttext(lines, model, self._config, minn=3, maxn=6, wordNgrams=2)
            if self._config["meaning_weight"] > 0:
                texts = [text for _, text in examples]
                intents = [intent for intent, _ in examples]
                c, max_iter = self._config["meaning_c"], self._config["meaning_max_iter"]
                meaning = MeaningModel.fit(texts, intents, c, max_iter)
                meaning.save(Path(model_dir) / MEANING_FILE)
        logger.info("Trained the intent ensemble on %d examples.", len(lines))
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        if self._model is None:
            return messages
        for message in messages:
            diet = message.get(INTENT_RANKING_KEY) or []
            text = normalise(message.get(TEXT) or "")
            if not diet or not text:
                continue
            fasttext = distribution(self._model, text)
            ranking = combine(diet, fasttext, self._config["weight"])
            meaning_weight = self._config["meaning_weight"]
            if self._meaning and ranking[0][PREDICTED_CONFIDENCE_KEY] <= settled(meaning_weight):
                meaning = {
                    intent: p
                    for intent, p in self._meaning.ranking(message.get(TEXT)).items()
                    if intent not in NOT_BY_MEANING
                }
                ranking = combine(diet, fasttext, self._config["weight"], meaning, meaning_weight)
            ranking = ranking[: self._config["ranking_length"]]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
