"""A fastText model that diverges once is trained again more gently, not lost."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import fasttext
import pytest

from bot.language.training import train_fasttext

CONFIG = {"epochs": 5, "learning_rate": 0.1, "dim": 8, "buckets": 1000}


def test_a_diverged_run_trains_again_with_half_the_step(monkeypatch, tmp_path: Path):
    steps: list[float] = []
    real = fasttext.train_supervised

    def diverging_once(**params: Any) -> Any:
        steps.append(params["lr"])
        if len(steps) == 1:
            raise RuntimeError("Encountered NaN.")
        return real(**params)

    monkeypatch.setattr(fasttext, "train_supervised", diverging_once)
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("__label__a hello there\n__label__b goodbye now\n", encoding="utf-8")
    model = train_fasttext(corpus, CONFIG, minn=2, maxn=3, wordNgrams=1)
    assert steps == [0.1, 0.05]
    assert set(model.labels) == {"__label__a", "__label__b"}


def test_other_errors_and_endless_divergence_are_not_hidden(monkeypatch, tmp_path: Path):
    def broken(**params: Any) -> Any:
        raise RuntimeError("Encountered NaN.")

    monkeypatch.setattr(fasttext, "train_supervised", broken)
    with pytest.raises(RuntimeError, match="NaN"):
        train_fasttext(tmp_path / "corpus.txt", CONFIG)

    def missing(**params: Any) -> Any:
        raise ValueError("file not found")

    monkeypatch.setattr(fasttext, "train_supervised", missing)
    with pytest.raises(ValueError):
        train_fasttext(tmp_path / "corpus.txt", CONFIG)
