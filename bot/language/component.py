"""The Rasa NLU component that identifies each message's language.

It adds `language: {"code": "fr", "confidence": 0.97}` to the parse result, and turns a clear
message in a language we do not support into `nlu_fallback`: an intent read from a language
the model was never trained on cannot be trusted, and the fallback answers in English and
French with the list of languages we speak.

It sits after the intent classifiers for that reason. At `rasa train` it fits the domain
language model (see bot/language/detection.py) on the training examples, whose intent blocks carry
`metadata: {language: xx}`, plus the corpora of other languages in `other_languages_dir`, and
keeps the examples written alike in several of our languages (SHARED_LINES_FILE): such a first
message sets no conversation language. The same lines give the lexicon (LEXICON_FILE, see
bot/language/lexicon.py), the languages each word is written in, for short messages.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, List, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.language.catalogue import SUPPORTED_LANGUAGES
from bot.language.conversation import routes_to_fallback
from bot.language.detection import LanguageIdentifier, fasttext_file_from_storage
from bot.language.lexicon import Lexicon
from bot.language.text import clean_text, fold_accents
from bot.language.training import train_fasttext

logger = logging.getLogger(__name__)

LANGUAGE_KEY = "language"
DOMAIN_MODEL_FILE = "language_domain.bin"
SHARED_LINES_FILE = "shared_lines.json"
LEXICON_FILE = "lexicon.json"


def example_language(message: Message) -> Optional[str]:
    metadata = message.get("metadata") or {}
    intent_metadata = metadata.get("intent") or {}
    return intent_metadata.get(LANGUAGE_KEY) if isinstance(intent_metadata, dict) else None


def training_lines(training_data: TrainingData, other_languages_dir: Optional[Path]) -> List[str]:
    """fastText's supervised format: '__label__fr bonjour ...', one example a line."""
    lines = []
    for message in training_data.intent_examples:
        code = example_language(message)
        text = fold_accents(clean_text(message.get(TEXT) or ""))
        if code and text:
            lines.append(f"__label__{code} {text}")
    if other_languages_dir and other_languages_dir.is_dir():
        lines += other_language_lines(other_languages_dir)
    return lines


def other_language_lines(directory: Path) -> List[str]:
    """The corpora of languages we do not speak, in fastText's supervised format."""
    lines = []
    for corpus in sorted(directory.glob("*.txt")):
        for raw in corpus.read_text(encoding="utf-8").splitlines():
            text = fold_accents(clean_text(raw))
            if text:
                lines.append(f"__label__{corpus_language(corpus)} {text}")
    return lines


def train_domain_model(lines: List[str], model: Path, config: Dict[str, Any]) -> None:
    """The domain language model: character n-grams of 2 to 5 letters, single words."""
    train_fasttext(lines, model, config, minn=2, maxn=5, wordNgrams=1)


def shared_lines(training_data: TrainingData) -> Dict[str, List[str]]:
    """The messages (as clean_text gives them) that the training data writes in more than one
    of our languages, with those languages: 'прив' is Russian and Ukrainian chat alike, and no
    vote can tell which its writer reads."""
    languages: Dict[str, set[str]] = defaultdict(set)
    for message in training_data.intent_examples:
        code = example_language(message)
        text = clean_text(message.get(TEXT) or "")
        if code in SUPPORTED_LANGUAGES and text:
            languages[text].add(code)
    return {text: sorted(codes) for text, codes in sorted(languages.items()) if len(codes) > 1}


def corpus_language(corpus: Path) -> str:
    """'fa.txt' -> 'fa'; a corpus in another script of a language is named with the script
    after a hyphen: 'ar-Latn.txt' (Arabizi) -> 'ar'."""
    return corpus.stem.split("-", 1)[0]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LanguageDetector(GraphComponent):
    """Adds the message's language to the parse data (see the module docstring)."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            "other_languages_dir": "data/language_id",
            "epochs": 40,
            "learning_rate": 0.2,
            "dim": 32,
            "buckets": 100_000,
            "route_unsupported_to_fallback": True,
        }

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        domain_model_path: Optional[Path] = None,
        shared: Optional[Dict[str, List[str]]] = None,
        lexicon: Optional[Lexicon] = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._identifier = (
            LanguageIdentifier(domain_model_path, shared_lines=shared, lexicon=lexicon)
            if domain_model_path
            else None
        )

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageDetector:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LanguageDetector:
        with model_storage.read_from(resource) as model_dir:
            shared = json.loads((Path(model_dir) / SHARED_LINES_FILE).read_text(encoding="utf-8"))
            lexicon = Lexicon.load(Path(model_dir) / LEXICON_FILE)
        with fasttext_file_from_storage(model_storage, resource, DOMAIN_MODEL_FILE) as target:
            return cls(
                config,
                model_storage,
                resource,
                domain_model_path=target,
                shared=shared,
                lexicon=lexicon,
            )

    def train(self, training_data: TrainingData) -> Resource:
        other_dir = self._config.get("other_languages_dir")
        lines = training_lines(training_data, Path(other_dir) if other_dir else None)
        if not lines:
            raise ValueError(
                "No training example carries `metadata: {language: ..}`: "
                "the language model has nothing to learn from."
            )
        with self._model_storage.write_to(self._resource) as model_dir:
            model = Path(model_dir) / DOMAIN_MODEL_FILE
            train_domain_model(lines, model, self._config)
            shared = json.dumps(shared_lines(training_data), ensure_ascii=False, indent=0)
            (Path(model_dir) / SHARED_LINES_FILE).write_text(shared, encoding="utf-8")
            Lexicon.from_training_lines(lines).save(Path(model_dir) / LEXICON_FILE)
        logger.info("Trained the domain language model on %d examples.", len(lines))
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        if self._identifier is None:
            return messages
        for message in messages:
            text = message.get(TEXT) or ""
            detection = self._identifier.detect(text)
            message.set(LANGUAGE_KEY, detection.as_parse_data(), add_to_output=True)
            if self._config["route_unsupported_to_fallback"] and routes_to_fallback(
                detection, text
            ):
                _route_to_fallback(message)
        return messages


def _route_to_fallback(message: Message) -> None:
    intent = message.get(INTENT) or {}
    fallback = {
        INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME,
        PREDICTED_CONFIDENCE_KEY: 1.0,
    }
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r != intent]
    message.set(INTENT, fallback, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [fallback, *ranking], add_to_output=True)
