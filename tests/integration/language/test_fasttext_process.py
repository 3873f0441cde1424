"""fastText models train the same from run to run: in a process of their own, out of
reach of the TensorFlow that `rasa train` loads (with it loaded, runs diverged at random)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import fasttext
import pytest

from bot.language.training import TrainingFailed, train_fasttext

CONFIG = {"epochs": 5, "learning_rate": 0.1, "dim": 8, "buckets": 1000}


LINES = [f"__label__a hello there friend {i}" for i in range(20)]
LINES += [f"__label__b goodbye now see you {i}" for i in range(20)]


def test_the_same_corpus_gives_the_same_model_in_a_process_where_tensorflow_is_loaded(
    tmp_path: Path,
):
    import tensorflow  # type: ignore[import-untyped]  # noqa: F401  - as in `rasa train`, where it changed fastText's runs

    digests = set()
    for run, lines in enumerate([LINES, LINES, LINES[::-1]]):  # in any order, as Rasa gives
        model = tmp_path / f"model-{run}.bin"
        train_fasttext(lines, model, CONFIG, minn=2, maxn=3, wordNgrams=1)
        digests.add(hashlib.sha256(model.read_bytes()).hexdigest())
    assert len(digests) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"model-{run}.bin" for run in range(3)]
    loaded = fasttext.load_model(str(tmp_path / "model-0.bin"))
    assert loaded.predict("hello there")[0] == ("__label__a",)


def test_a_model_that_cannot_be_written_fails_the_training_with_the_reason(tmp_path: Path):
    taken = tmp_path / "m.bin"
    taken.mkdir()  # a folder where the model file should go
    with pytest.raises(TrainingFailed) as failed:
        train_fasttext(LINES, taken, CONFIG, minn=2, maxn=3, wordNgrams=1)
    assert str(failed.value)
    assert list(tmp_path.iterdir()) == [taken]  # the corpus is gone too
