"""The SafetyClassifier component trains its classifier as `rasa train` does (the labelled
sets plus the NLU examples it is given), keeps it in the model storage and loads it back;
a model without a stored classifier (trained before it existed) falls back to the lexicons."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.safety.component import SafetyClassifier
from bot.safety.detector import detector_for

FIXTURES = Path(__file__).parent / "fixtures"
CONTEXT = ExecutionContext(GraphSchema({}), "test")
# The lexicons know nothing of a crowbar: only the classifier, taught by the NLU
# `emergency` examples below, can find this one.
ONLY_THE_CLASSIFIER = "the crowbar man is back"
NLU = [
    ("the man with the crowbar is back at reception", "emergency"),
    ("crowbar guy is here again", "emergency"),
    ("he came back with the crowbar", "emergency"),
    ("where do i report", "ask_process"),
    ("hello", "greet"),
]


@pytest.fixture()
def config(tmp_path: Path) -> dict:
    training = tmp_path / "training"
    training.mkdir()
    shutil.copy(FIXTURES / "small.yml", training / "small.yml")
    return {
        **SafetyClassifier.get_default_config(),
        "training_dir": str(training),
        "classifier_threshold": 0.5,
    }


def _training_data() -> TrainingData:
    return TrainingData([Message(data={"text": t, "intent": i}) for t, i in NLU])


def _parse(component: SafetyClassifier, text: str) -> Message:
    message = Message(data={"text": text, "intent": {"name": "greet", "confidence": 0.9}})
    message.set("intent_ranking", [{"name": "greet", "confidence": 0.9}])
    return component.process([message])[0]


@pytest.fixture()
def storage(tmp_path: Path) -> LocalModelStorage:
    folder = tmp_path / "storage"
    folder.mkdir()
    return LocalModelStorage(folder)


def test_trained_persisted_and_loaded_it_finds_what_the_lexicons_miss(config, storage):
    assert detector_for().detect(ONLY_THE_CLASSIFIER) is None
    resource = Resource("safety")
    trainer = SafetyClassifier.create(config, storage, resource, CONTEXT)
    assert trainer.train(_training_data()) == resource
    loaded = SafetyClassifier.load(config, storage, resource, CONTEXT)
    message = _parse(loaded, ONLY_THE_CLASSIFIER)
    assert message.get("safety") == "danger"
    assert message.get("intent")["name"] == "emergency"
    probabilities = message.get("safety_classifier")
    assert set(probabilities) == {"danger", "self_harm"}
    assert probabilities["danger"] >= 0.5
    for text in ("yes", "my boss", "last week", "نعم"):
        assert _parse(loaded, text).get("safety") is None, text


def test_without_a_threshold_the_classifier_only_reports(config, storage):
    resource = Resource("safety")
    SafetyClassifier.create(config, storage, resource, CONTEXT).train(_training_data())
    loaded = SafetyClassifier.load(
        {**config, "classifier_threshold": None}, storage, resource, CONTEXT
    )
    message = _parse(loaded, ONLY_THE_CLASSIFIER)
    assert message.get("safety") is None
    assert message.get("safety_classifier")["danger"] >= 0.5


def test_a_model_without_a_stored_classifier_falls_back_to_the_lexicons(
    config, storage, caplog: pytest.LogCaptureFixture
):
    # A model trained before the classifier existed: nothing stored for the component.
    loaded = SafetyClassifier.load(config, storage, Resource("never_trained"), CONTEXT)
    assert "lexicons decide alone" in caplog.text
    assert _parse(loaded, ONLY_THE_CLASSIFIER).get("safety") is None
    lexicon_only = _parse(loaded, "help he has a gun")
    assert lexicon_only.get("safety") == "danger"
    assert lexicon_only.get("safety_classifier") is None
    # ...and so does one whose graph still builds the component with `create`.
    created = SafetyClassifier.create(config, storage, Resource("old"), CONTEXT)
    assert _parse(created, "i want to kill myself").get("safety") == "self_harm"


def test_a_change_in_the_training_files_changes_the_fingerprint(config):
    before = SafetyClassifier.fingerprint_addon(config)
    assert before == SafetyClassifier.fingerprint_addon(config)
    extra = Path(config["training_dir"]) / "more.yml"
    extra.write_text("language: en\nsafe:\n  - 'my boss is strict'\n", encoding="utf-8")
    assert SafetyClassifier.fingerprint_addon(config) != before


def test_the_text_is_never_logged(config, storage, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)
    resource = Resource("safety")
    SafetyClassifier.create(config, storage, resource, CONTEXT).train(_training_data())
    loaded = SafetyClassifier.load(config, storage, resource, CONTEXT)
    _parse(loaded, "the crowbar man is back at the visa desk of Kinshasa")
    assert "Kinshasa" not in caplog.text and "crowbar" not in caplog.text


def test_the_configured_threshold_is_in_config_yml():
    from bot.safety.evaluation import configured_component

    configured = configured_component()
    assert 0.0 < float(configured["classifier_threshold"]) < 1.0
    assert configured["training_dir"] == "data/safety/training"


def test_rasa_trains_it_and_the_model_loads_it_from_its_resource():
    import yaml
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe
    from rasa.shared.data import TrainingType

    from tests.support import ROOT

    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    graphs = DefaultV1Recipe().graph_config_for_recipe(config, {}, TrainingType.NLU)
    name = "bot.safety.component.SafetyClassifier"
    train = [n for key, n in graphs.train_schema.nodes.items() if name in key]
    predict = [n for key, n in graphs.predict_schema.nodes.items() if name in key]
    assert [(n.fn, n.constructor_name) for n in train] == [("train", "create")]
    assert [(n.fn, n.constructor_name) for n in predict] == [("process", "load")]
    assert predict[0].resource is not None
