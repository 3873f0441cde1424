"""A small trained classifier for immediate danger and thoughts of self-harm, beside the
lexicons: labels `danger`, `self_harm`, `other`.

Why this shape (figures in docs/evaluation.md, "Danger and self-harm"):
- it reads the text as the lexicons do: folded (bot.safety.lexicon.fold) and, given the
  detector's `affirmed` as `prepare`, with every lexicon's negations blanked out, so "I'm
  not suicidal, just tired" is not an alarm (in cross-validation this raised the recall at
  1 % false alarms by about five points);
- character n-grams within words (plus word uni- and bigrams) of the folded text
  (bot.safety.lexicon.fold): typos, missing accents, Arabic script and Arabizi share most of
  their n-grams with the spelling the examples use, which a lexicon's exact patterns miss;
- TF-IDF and a multinomial logistic regression (scikit-learn): cross-validated as well as a
  fastText model of the same data at every false-alarm rate we looked at, its probabilities
  are calibrated enough for one threshold, and it trains the same model on every run
  (lbfgs on the examples in a fixed order; no random state is involved);
- the harsh-but-safe and short examples weigh more (`hard_weight`): they are the messages a
  false alarm comes from, and they are few beside thousands of easy NLU examples.

The fitted model is kept as plain arrays (`save`/`load`: an .npz without pickles and a JSON
of its settings), so loading it runs no code and needs no particular scikit-learn version.
Training needs scikit-learn (installed with Rasa). The text is never logged.
"""

from __future__ import annotations

import json
import math
import warnings
from collections import Counter
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, Sequence

import numpy as np
from scipy.sparse import csr_matrix

from bot.safety.lexicon import DANGER, SELF_HARM, fold
from bot.safety.training_data import LABELS, OTHER, Example

ARRAYS_FILE = "safety_classifier.npz"
SETTINGS_FILE = "safety_classifier.json"
FORMAT = 1
# Alarm when P(danger) + P(self_harm) reaches this (chosen by cross-validation, see
# bot/safety/crossval.py and docs/evaluation.md); config.yml sets the one in use.
DEFAULT_THRESHOLD = 0.92
# A lexicon finding is no alarm when the classifier's P(other) reaches this (see `combine`).
DEFAULT_VETO = 0.9
# How a message becomes the text the n-grams are taken of (folded, perhaps more).
Prepare = Callable[[str], str]


@dataclass(frozen=True)
class Settings:
    """The classifier's hyperparameters (config.yml can set each)."""

    min_n: int = 1  # character n-grams, within words padded with a space
    max_n: int = 5
    word_ngrams: int = 2  # word n-grams up to this length; 0: none
    c: float = 30.0  # inverse regularisation strength
    hard_weight: float = 8.0  # weight of the harsh-but-safe and short examples
    # lbfgs converges at about 420 iterations; at 250 it takes 55% of the time and alarms
    # on the same training messages but 3 of 47,000 (probabilities within 0.02).
    max_iter: int = 250

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in config.items() if k in names and v is not None})


def features(folded: str, settings: Settings) -> list[str]:
    """The n-grams of an already folded text: characters within words, then words."""
    grams = []
    words = folded.split()
    for word in words:
        padded = f" {word} "
        for n in range(settings.min_n, settings.max_n + 1):
            if n > len(padded):
                break
            grams += [padded[i : i + n] for i in range(len(padded) - n + 1)]
    for n in range(1, settings.word_ngrams + 1):
        grams += ["w:" + " ".join(words[i : i + n]) for i in range(len(words) - n + 1)]
    return grams


class SafetyModel:
    """The fitted classifier: vocabulary, IDF weights and one linear model per label."""

    def __init__(
        self,
        settings: Settings,
        vocabulary: Sequence[str],
        idf: np.ndarray,
        coef: np.ndarray,
        intercept: np.ndarray,
        labels: Sequence[str] = LABELS,
        prepare: Prepare = fold,
    ) -> None:
        self.settings = settings
        self.prepare = prepare
        self._index = {gram: i for i, gram in enumerate(vocabulary)}
        self._vocabulary = list(vocabulary)
        self._idf = np.asarray(idf, dtype=np.float64)
        self._coef = np.asarray(coef, dtype=np.float64)
        # Laid out for the product with a sparse row: scipy copied the transposed view of
        # every weight at each call (0.8 ms a message, more than the features).
        self._weights = np.ascontiguousarray(self._coef.T)
        self._intercept = np.asarray(intercept, dtype=np.float64)
        self.labels = tuple(labels)

    @classmethod
    def fit(
        cls, examples: Sequence[Example], settings: Settings = Settings(), prepare: Prepare = fold
    ) -> SafetyModel:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        # A fixed order, whatever order the examples came in (Rasa's differs between runs).
        rows = sorted((prepare(e.text), e.label, e.category) for e in examples)
        rows = [row for row in rows if row[0]]
        if {label for _, label, _ in rows} != set(LABELS):
            raise ValueError(f"the training examples must have every label: {LABELS}")
        vectorizer = TfidfVectorizer(
            analyzer=lambda text: features(text, settings), sublinear_tf=True, lowercase=False
        )
        matrix = vectorizer.fit_transform([text for text, _, _ in rows])
        weights = [settings.hard_weight if cat in ("safe", "short") else 1.0 for *_, cat in rows]
        model = LogisticRegression(
            C=settings.c, class_weight="balanced", max_iter=settings.max_iter
        )
        with warnings.catch_warnings():  # stopped before convergence on purpose (max_iter)
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(matrix, [label for _, label, _ in rows], sample_weight=weights)
        order = [list(model.classes_).index(label) for label in LABELS]
        vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
        coef, intercept = model.coef_[order], model.intercept_[order]
        return cls(settings, vocabulary, vectorizer.idf_, coef, intercept, LABELS, prepare)

    def _matrix(self, texts: Sequence[str]) -> csr_matrix:
        # What TfidfVectorizer(sublinear_tf=True) computes: (1 + log tf) * idf, L2-normed.
        data: list[float] = []
        columns: list[int] = []
        pointers = [0]
        for text in texts:
            counts = Counter(
                self._index[g]
                for g in features(self.prepare(text), self.settings)
                if g in self._index
            )
            values = [(1.0 + math.log(n)) * self._idf[i] for i, n in counts.items()]
            norm = math.sqrt(sum(v * v for v in values)) or 1.0
            columns += counts.keys()
            data += [v / norm for v in values]
            pointers.append(len(columns))
        shape = (len(texts), len(self._vocabulary))
        return csr_matrix((data, columns, pointers), shape=shape)

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text: the probabilities of `labels` (a softmax, as scikit-learn's
        multinomial logistic regression)."""
        scores = self._matrix(texts) @ self._weights + self._intercept
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True))

    def verdicts(self, texts: Sequence[str], threshold: float) -> list[Optional[str]]:
        """`danger`, `self_harm` or None per text (see `alarm`)."""
        if not texts:
            return []
        rows = self.probabilities(texts)
        return [
            self.alarm(row, threshold) if self.prepare(text) else None
            for text, row in zip(texts, rows, strict=True)
        ]

    def alarm(self, row: np.ndarray, threshold: float) -> Optional[str]:
        """An alarm when the two alarm labels of a probability row together reach
        `threshold`, of the kind the classifier finds likelier (danger on a tie)."""
        danger = float(row[self.labels.index(DANGER)])
        self_harm = float(row[self.labels.index(SELF_HARM)])
        if danger + self_harm < threshold:
            return None
        return SELF_HARM if self_harm > danger else DANGER

    def verdict(self, text: str, threshold: float) -> Optional[str]:
        return self.verdicts([text], threshold)[0]

    def save(self, directory: Path) -> None:
        np.savez_compressed(
            directory / ARRAYS_FILE,
            vocabulary=np.array(self._vocabulary, dtype=str),
            idf=self._idf,
            coef=self._coef,
            intercept=self._intercept,
        )
        meta = {"format": FORMAT, "labels": list(self.labels), "settings": asdict(self.settings)}
        (directory / SETTINGS_FILE).write_text(json.dumps(meta, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path, prepare: Prepare = fold) -> SafetyModel:
        meta = json.loads((directory / SETTINGS_FILE).read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT:
            raise ValueError(f"safety classifier format {meta.get('format')}, expected {FORMAT}")
        with np.load(directory / ARRAYS_FILE, allow_pickle=False) as arrays:
            return cls(
                Settings(**meta["settings"]),
                [str(gram) for gram in arrays["vocabulary"]],
                arrays["idf"],
                arrays["coef"],
                arrays["intercept"],
                meta["labels"],
                prepare,
            )

    @staticmethod
    def exists(directory: Path) -> bool:
        return (directory / ARRAYS_FILE).is_file() and (directory / SETTINGS_FILE).is_file()


def combine(
    lexicon: Optional[str],
    classifier: Optional[str],
    other: Optional[float] = None,
    veto: Optional[float] = None,
) -> Optional[str]:
    """The lexicons' finding when they have one (their patterns name the kind precisely),
    else the classifier's. With `veto`, a lexicon finding the classifier is sure is neither
    (`other`, its P(other), at or above `veto`) is not an alarm: a lexicon pattern also
    matches harsh-but-safe stories ("he threatened to fire me" beside "he threatened to
    kill me"), and the classifier has learnt from many of those (figures in
    docs/evaluation.md). The component makes such a finding a concern instead."""
    if lexicon is not None and not vetoed(other, veto):
        return lexicon
    return classifier


def vetoed(other: Optional[float], veto: Optional[float]) -> bool:
    return veto is not None and other is not None and other >= veto


__all__ = ["OTHER", "SafetyModel", "Settings", "combine", "features", "vetoed"]
