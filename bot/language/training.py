"""Training a fastText model the same way for every component that has one."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Mapping

logger = logging.getLogger(__name__)

ATTEMPTS = 4


def train_fasttext(corpus: Path, config: Mapping[str, Any], **shape: int) -> Any:
    """A supervised fastText model of `corpus`, repeatable from run to run.

    `config` gives epochs, learning_rate, dim and buckets; `shape` the n-gram settings.
    fastText's SGD can diverge ("Encountered NaN") on a corpus it otherwise learns well:
    then it trains again with half the step."""
    import fasttext

    learning_rate = float(config["learning_rate"])
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return fasttext.train_supervised(
                input=str(corpus),
                epoch=config["epochs"],
                lr=learning_rate,
                dim=config["dim"],
                bucket=config["buckets"],
                thread=1,  # repeatable; with several threads it can also diverge
                verbose=0,
                seed=7,
                **shape,
            )
        except RuntimeError as error:
            if "NaN" not in str(error) or attempt == ATTEMPTS:
                raise
            learning_rate /= 2
            logger.warning("fastText diverged; training again with lr=%s", learning_rate)
    raise AssertionError("unreachable")
