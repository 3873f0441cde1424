"""fastText models train the same from run to run: in a process of their own, out of
reach of the TensorFlow that `rasa train` loads (with it loaded, runs diverged at random)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import fasttext
import pytest

from bot.language.training import TrainingFailed, train_fasttext

CONFIG = {"epochs": 5, "learning_rate": 0.1, "dim": 8, "buckets": 1000}


def _corpus(folder: Path) -> Path:
    corpus = folder / "corpus.txt"
    lines = [f"__label__a hello there friend {i}" for i in range(20)]
    lines += [f"__label__b goodbye now see you {i}" for i in range(20)]
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return corpus


def test_the_same_corpus_gives_the_same_model_in_a_process_where_tensorflow_is_loaded(
    tmp_path: Path,
):
    import tensorflow  # type: ignore[import-untyped]  # noqa: F401  - as in `rasa train`, where it changed fastText's runs

    corpus = _corpus(tmp_path)
    digests = set()
    for run in range(3):
        model = tmp_path / f"model-{run}.bin"
        train_fasttext(corpus, model, CONFIG, minn=2, maxn=3, wordNgrams=1)
        digests.add(hashlib.sha256(model.read_bytes()).hexdigest())
    assert len(digests) == 1
    loaded = fasttext.load_model(str(tmp_path / "model-0.bin"))
    assert loaded.predict("hello there")[0] == ("__label__a",)


def test_a_corpus_that_cannot_be_read_fails_the_training_with_fasttexts_reason(tmp_path: Path):
    with pytest.raises(TrainingFailed) as failed:
        train_fasttext(tmp_path / "missing.txt", tmp_path / "m.bin", CONFIG)
    assert "missing.txt" in str(failed.value) or "cannot" in str(failed.value).lower()
    assert not (tmp_path / "m.bin").exists()
