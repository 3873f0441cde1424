"""The words each language's training data writes, for the language vote on short messages.

A short chat message gives the two fastText models little to go on: lid.176 reads 'betul'
(Indonesian, right) as Romanian and 'gaskeun' (Indonesian chat, let's go) as Sundanese, and a
few letters' n-grams say little. But the training data has seen the word, in one language
only. On a message of at most MAX_WORDS words, the languages whose training data (data/nlu
and the corpora of the languages we do not speak, data/language_id) holds the most of its
words count more in the vote (bot/language/detection.py), unless too many languages write
those words to say anything ('ok', 'hallo'). A word stretched in chat ('jamboooo', 'sawaaa')
that the training data does not write is looked up with its runs of letters shortened to
two, then to one ('jamboo', 'jambo'). The weight is chosen by cross-validation on the
training data (bot/language/lid_crossval.py).
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Iterable

from bot.language.scripts import count_words

# Up to this many words a message is short: the same count as the evaluation's.
MAX_WORDS = 3
# A message whose best-covered words are written by more languages than this says nothing.
MAX_LANGUAGES = 3
LABEL = "__label__"
# A letter typed three times or more in a row: chat stretches words ('pleeease').
STRETCHED = re.compile(r"([^\W\d_])\1{2,}")


class Lexicon:
    """Word -> the languages whose training lines write it (words as the domain model sees
    them: clean_text, accents folded)."""

    def __init__(self, words: dict[str, frozenset[str]] | None = None) -> None:
        self._words = words or {}

    @classmethod
    def from_training_lines(cls, lines: Iterable[str]) -> Lexicon:
        """From the domain model's training lines: '__label__fr bonjour ...'."""
        words: dict[str, set[str]] = defaultdict(set)
        for line in lines:
            label, _, text = line.partition(" ")
            if label.startswith(LABEL):
                for word in text.split():
                    words[word].add(label[len(LABEL) :])
        return cls({word: frozenset(codes) for word, codes in words.items()})

    def favoured(self, folded: str, max_languages: int = MAX_LANGUAGES) -> frozenset[str]:
        """The languages that write the most of a short message's words, or none when the
        message is longer, no word is known, or more than `max_languages` tie."""
        words = folded.split()
        if not words or count_words(folded) > MAX_WORDS:
            return frozenset()
        known = Counter(code for word in words for code in self.languages_of(word))
        if not known:
            return frozenset()
        most = max(known.values())
        best = frozenset(code for code, count in known.items() if count == most)
        return best if len(best) <= max_languages else frozenset()

    def languages_of(self, word: str) -> frozenset[str]:
        """The languages that write the word, or, for a stretched word the training data does
        not write, its shortened form: each run of letters cut to two, then to one."""
        if word in self._words or not STRETCHED.search(word):
            return self._words.get(word, frozenset())
        for shortened in (STRETCHED.sub(r"\1\1", word), STRETCHED.sub(r"\1", word)):
            if shortened in self._words:
                return self._words[shortened]
        return frozenset()

    def save(self, path: Path) -> None:
        data = {word: sorted(codes) for word, codes in sorted(self._words.items())}
        path.write_text(json.dumps(data, ensure_ascii=False, indent=0), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Lexicon:
        """A model trained before the lexicon existed has none: an empty lexicon."""
        if not path.exists():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls({word: frozenset(codes) for word, codes in data.items()})
