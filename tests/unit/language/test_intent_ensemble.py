"""The fastText second opinion on the intent, trained as `rasa train` does."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.importers.importer import TrainingDataImporter
from rasa.shared.nlu.training_data.message import Message

from bot.language.intent_ensemble import IntentEnsemble, combine, normalise
from tests.support.components import trained_storage

RESOURCE = Resource("intent_ensemble")
CONTEXT = ExecutionContext(GraphSchema({}), "test")
CONFIG = IntentEnsemble.get_default_config()


@pytest.fixture(scope="module")
def storage(root: Path, pytestconfig: pytest.Config) -> LocalModelStorage:
    def train(storage: LocalModelStorage) -> None:
        paths = [str(root / "data/nlu")]
        importer = TrainingDataImporter.load_from_dict(training_data_paths=paths)
        IntentEnsemble.create(CONFIG, storage, RESOURCE, CONTEXT).train(importer.get_nlu_data())

    inputs = [root / "data/nlu", root / "bot/language"]
    return trained_storage(pytestconfig, "intent-ensemble", inputs, train)


@pytest.fixture(scope="module")
def ensemble(storage: LocalModelStorage) -> IntentEnsemble:
    return IntentEnsemble.load(CONFIG, storage, RESOURCE, CONTEXT)


def _message(text: str, diet: list[tuple[str, float]]) -> Message:
    message = Message.build(text=text)
    ranking = [{"name": name, "confidence": confidence} for name, confidence in diet]
    message.set("intent", ranking[0] if ranking else None)
    message.set("intent_ranking", ranking)
    return message


def test_the_average_decides_when_the_two_disagree():
    ranking = combine(
        [
            {"name": "share_experience", "confidence": 0.55},
            {"name": "emergency", "confidence": 0.45},
        ],
        {"emergency": 0.9, "share_experience": 0.1},
        weight=0.5,
    )
    assert ranking[0]["name"] == "emergency"
    assert ranking[0]["confidence"] == pytest.approx(0.675)


def test_text_is_compared_without_case_accents_or_digits():
    assert normalise("Él me AMENAZÓ\n 3 veces") == "el me amenazo veces"


@pytest.mark.parametrize(
    "text, intent",
    [
        ("il est devant ma porte avec un couteau, aidez-moi", "emergency"),
        ("wat doet een vertrouwenspersoon eigenlijk", "ask_advisor_role"),
        ("ik wil mijn melding van vorige maand nakijken, ik heb een code", "check_status"),
    ],
)
def test_a_wavering_diet_is_corrected_by_the_fasttext_model(ensemble, text, intent):
    # DIET unsure between the right intent and a wrong one, slightly favouring the wrong one.
    message = _message(text, [("share_experience", 0.5), (intent, 0.45)])
    result = ensemble.process([message])[0]
    assert result.get("intent")["name"] == intent


def test_button_payloads_and_empty_text_are_left_alone(ensemble):
    message = _message("", [("greet", 1.0)])
    assert ensemble.process([message])[0].get("intent")["name"] == "greet"
    untouched = _message("hello", [])
    assert ensemble.process([untouched])[0].get("intent") is None


def test_loading_leaves_no_copy_of_the_model_behind(storage, tmp_path, monkeypatch):
    """Every server start loads the model; its temporary copy (tens of MB) must not stay on
    disk once it is in memory."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    loaded = IntentEnsemble.load(CONFIG, storage, RESOURCE, CONTEXT)
    message = _message("ik wil iets melden", [("report_incident", 0.5), ("greet", 0.4)])
    assert loaded.process([message])[0].get("intent")
    assert list(tmp_path.iterdir()) == []


class _SureOfDanger:
    """A meaning model that reads every message as an emergency."""

    def ranking(self, text: str) -> dict[str, float]:
        return {"emergency": 1.0}


def test_the_meaning_model_never_votes_for_danger(ensemble, monkeypatch):
    # Danger is the safety detector's to find; "Hij deed het vandaag weer." (information
    # added to a report) was read by the meaning model as emergency 0.75.
    monkeypatch.setattr(ensemble, "_meaning", _SureOfDanger())
    message = _message(
        "Hij deed het vandaag weer.", [("share_experience", 0.5), ("emergency", 0.4)]
    )
    ranking = {
        r["name"]: r["confidence"] for r in ensemble.process([message])[0].get("intent_ranking")
    }
    # Under the concern a model reading of danger raises (0.5); had the meaning voted, at
    # least 0.6 * 0.2 + 0.4.
    assert ranking["emergency"] < 0.5
