"""The conversation language: what one message's detection (bot/language/detection.py)
decides. The first message sets it only when sure, a short or unsure one never switches it,
and a message clearly in a language we do not speak goes to the fallback; the parse data
carries the detection between the NLU and the actions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

from bot.language.catalogue import CATALOGUE, SUPPORTED_LANGUAGES
from bot.language.scripts import count_words, letters_of
from bot.language.text import clean_text, letters_say_not_ours

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
# Two words ('bardzo przepraszam') are enough only when the vote is this sure; one word in a
# Latin or Arabic script never is ('jambo', 'ok').
TWO_WORDS_UNSUPPORTED_CONFIDENCE = 0.8


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
