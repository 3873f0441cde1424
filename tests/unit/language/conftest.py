"""The language detector, trained as `rasa train` trains it, shared by the language tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.importers.importer import TrainingDataImporter
from rasa.shared.nlu.training_data.message import Message

from bot.language.component import LanguageDetector
from tests.support.components import trained_storage


@pytest.fixture(scope="session")
def detector(root: Path, pytestconfig: pytest.Config) -> LanguageDetector:
    """Trains the component as `rasa train` does, persists it, and loads it back."""
    resource = Resource("language_detector")
    context = ExecutionContext(GraphSchema({}), "test")
    config = {
        **LanguageDetector.get_default_config(),
        "other_languages_dir": str(root / "data" / "language_id"),
    }

    def train(storage: LocalModelStorage) -> None:
        paths = [str(root / "data/nlu")]
        importer = TrainingDataImporter.load_from_dict(training_data_paths=paths)
        LanguageDetector.create(config, storage, resource, context).train(importer.get_nlu_data())

    inputs = [root / "data/nlu", root / "data/language_id", root / "bot/language"]
    storage = trained_storage(pytestconfig, "language-detector", inputs, train)
    return LanguageDetector.load(config, storage, resource, context)


Parse = Callable[..., Message]


@pytest.fixture(scope="session")
def parse(detector: LanguageDetector) -> Parse:
    """parse(text, intent="share_experience"): the message after the detector, as if the
    intent model had read `intent`."""

    def run(text: str, intent: str = "share_experience") -> Message:
        message = Message.build(text=text)
        message.set("intent", {"name": intent, "confidence": 0.9})
        message.set("intent_ranking", [{"name": intent, "confidence": 0.9}])
        return detector.process([message])[0]

    return run
