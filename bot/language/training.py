"""Training a fastText model the same way for every component that has one.

The training runs in a Python process of its own (`python -m bot.language.training`): in a
process where TensorFlow is loaded, as it is during `rasa train` (DIET) and in the tests,
fastText's training diverges ("Encountered NaN") at random, and a retry with a smaller step
gives a different model on every machine. Alone, the same corpus trains the same model every
time."""

from __future__ import annotations

import json
import logging
import random
import subprocess
import sys
from pathlib import Path
from typing import Any, Mapping, Sequence

logger = logging.getLogger(__name__)

ATTEMPTS = 4
CORPUS_FILE = "corpus.txt"


class TrainingFailed(RuntimeError):
    """fastText could not train a model of the corpus (its own message says why)."""


def train_fasttext(
    lines: Sequence[str], model: Path, config: Mapping[str, Any], **shape: int
) -> None:
    """Trains a supervised fastText model of `lines` ("__label__x text") into the file
    `model`, the same from run to run: the lines in a fixed order (Rasa's example order
    differs between runs), in a corpus file beside `model` that is removed afterwards.
    `config` gives epochs, learning_rate, dim and buckets; `shape` the n-gram settings."""
    ordered = sorted(lines)
    random.Random(7).shuffle(ordered)
    corpus = model.with_name(CORPUS_FILE)
    corpus.write_text("\n".join(ordered) + "\n", encoding="utf-8")
    try:
        _train_apart(corpus, model, config, shape)
    finally:
        corpus.unlink()


def _train_apart(
    corpus: Path, model: Path, config: Mapping[str, Any], shape: Mapping[str, int]
) -> None:
    parameters = {
        "epoch": int(config["epochs"]),
        "lr": float(config["learning_rate"]),
        "dim": int(config["dim"]),
        "bucket": int(config["buckets"]),
        **shape,
    }
    done = subprocess.run(
        [sys.executable, "-m", __name__, str(corpus), str(model), json.dumps(parameters)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        raise TrainingFailed(lines[-1] if lines else f"exit code {done.returncode}")
    for line in done.stdout.splitlines():
        logger.warning("%s", line)  # what the training said of its retries


def train_here(corpus: Path, parameters: Mapping[str, Any]) -> Any:
    """The training itself, in this process. fastText's SGD can diverge on a corpus it
    otherwise learns well: then it trains again with half the step."""
    import fasttext

    learning_rate = float(parameters["lr"])
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return fasttext.train_supervised(
                input=str(corpus),
                **{**parameters, "lr": learning_rate},
                thread=1,  # repeatable; with several threads it can also diverge
                verbose=0,
                seed=7,
            )
        except RuntimeError as error:
            if "NaN" not in str(error) or attempt == ATTEMPTS:
                raise
            learning_rate /= 2
            print(f"fastText diverged; training again with lr={learning_rate}", flush=True)
    raise AssertionError("unreachable")


def main(arguments: list[str]) -> int:
    corpus, model, parameters = Path(arguments[0]), Path(arguments[1]), json.loads(arguments[2])
    train_here(corpus, parameters).save_model(str(model))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
