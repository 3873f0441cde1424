"""bot/servers/model_load.py: the trained model loaded without Rasa's training step has the
very same weights in TED (every variable, by name, bit for bit; the intent classifier is a
regression now, no TensorFlow model) and parses the
typed conversations' messages exactly as Rasa's own load does."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rasa.core.agent import Agent
from rasa.utils.tensorflow.models import RasaModel

from bot.evaluation.conversations import CONVERSATIONS_DIR, load_directory
from bot.servers import model_load

MESSAGES = 200


def _load(model: Path, monkeypatch: pytest.MonkeyPatch, ours: bool) -> dict[str, Any]:
    """The weights of every TensorFlow model the agent loads, and its parse results."""
    with monkeypatch.context() as patch:
        patch.setattr(RasaModel, "load", RasaModel.__dict__["load"])  # undone after the block
        if ours:
            model_load.install()
        loaded: list[RasaModel] = []
        load = RasaModel.__dict__["load"].__func__

        def recording(cls: Any, *args: Any, **kwargs: Any) -> RasaModel:
            made = load(cls, *args, **kwargs)
            loaded.append(made)
            return made

        patch.setattr(RasaModel, "load", classmethod(recording))
        agent = Agent.load(str(model))
    texts = [text for c in load_directory(CONVERSATIONS_DIR) for text in c.user][:MESSAGES]

    async def parse() -> list[dict]:
        return [await agent.parse_message(text) for text in texts]

    return {
        "kinds": [type(m).__name__ for m in loaded],
        "weights": [[(w.name, w.numpy()) for w in m.weights] for m in loaded],
        "optimizer": [len(m.optimizer.variables) for m in loaded],
        "parsed": asyncio.run(parse()),
    }


def test_the_same_weights_and_parses_without_the_training_step(
    trained_model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rasa = _load(trained_model, monkeypatch, ours=False)
    ours = _load(trained_model, monkeypatch, ours=True)
    assert ours["kinds"] == rasa["kinds"] and set(rasa["kinds"]) >= {"TED"}
    for theirs, mine in zip(rasa["weights"], ours["weights"], strict=True):
        assert [name for name, _ in mine] == [name for name, _ in theirs]
        for (name, value), (_, expected) in zip(mine, theirs, strict=True):
            assert np.array_equal(value, expected), name
    assert ours["parsed"] == rasa["parsed"]
    # What was saved: the optimizer's state (Rasa's load trains a step, so it has it).
    assert all(count <= 1 for count in ours["optimizer"])
    assert all(count > 1 for count in rasa["optimizer"])
