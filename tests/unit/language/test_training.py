"""A fastText run that diverges once is trained again more gently, not lost (the training
in a process of its own: tests/integration/language/test_fasttext_process.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import fasttext
import pytest

from bot.language.training import train_here

PARAMETERS = {"epoch": 5, "lr": 0.1, "dim": 8, "bucket": 1000, "minn": 2, "maxn": 3}


def _corpus(folder: Path) -> Path:
    corpus = folder / "corpus.txt"  # fastText itself is replaced below: any text will do
    corpus.write_text("__label__a hello\n", encoding="utf-8")
    return corpus


def test_a_diverged_run_trains_again_with_half_the_step(monkeypatch, tmp_path: Path):
    steps: list[float] = []
    trained = object()

    def diverging_once(**params: Any) -> Any:
        steps.append(params["lr"])
        if len(steps) == 1:
            raise RuntimeError("Encountered NaN.")
        return trained

    monkeypatch.setattr(fasttext, "train_supervised", diverging_once)
    model = train_here(_corpus(tmp_path), PARAMETERS)
    assert steps == [0.1, 0.05]
    assert model is trained


def test_endless_divergence_and_other_errors_are_not_hidden(monkeypatch, tmp_path: Path):
    def broken(**params: Any) -> Any:
        raise RuntimeError("Encountered NaN.")

    monkeypatch.setattr(fasttext, "train_supervised", broken)
    with pytest.raises(RuntimeError, match="NaN"):
        train_here(_corpus(tmp_path), PARAMETERS)
