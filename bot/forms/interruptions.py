"""When a message inside a form is an answer, and when it leaves the form.

People type their answers, and the intent model reads a single message without the question it
answers: "bullying" looks like a question about what counts, "my team leader" like nothing in
particular, "yes two colleagues saw it" like anything. So inside a form the question decides:
a message is the answer unless it is a clear interruption in that context. Safety always
interrupts (the danger detector in bot/safety has confirmed `emergency` and `self_harm`); a
cancel interrupts when it is said as a short message of its own; a question interrupts only
when the model is confident and the message reads as a question, never as a short answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import Any, Collection, Mapping, Optional

from bot.forms.choices import plain
from bot.language.conversation import is_unsupported_in
from bot.language.scripts import count_words
from bot.language.segmentation import contains_phrase
from bot.language.stems import forms_of, has_stem

# Confirmed by the danger detector: answered first, from any question.
SAFETY_INTENTS = frozenset({"emergency", "self_harm"})
# What can be asked in the middle of a form; the rules answer, then the form asks again.
QUESTION_INTENTS = frozenset(
    {
        "ask_what_counts",
        "ask_options",
        "ask_advisor_role",
        "ask_anonymity",
        "ask_protection",
        "ask_process",
        "ask_external",
        "ask_manager_involved",
        "ask_withdraw",
        "ask_mediation",
        "ask_secretary_general",
        "ask_privacy",
        "bot_challenge",
        "human_handoff",
        "delete_data",
        "change_language",
    }
)
CANCEL = "cancel"
SKIP = "skip"
DENY = "deny"
FALLBACK = "nlu_fallback"

# A cancel is a short message of its own; in a longer one the word is part of the answer.
MAX_CANCEL_WORDS = 4
# Up to this many words, a message without a question mark is an answer ("my boss",
# "last week", "yes two colleagues").
MAX_ANSWER_WORDS = 5
# A question inside the story is answered only when it is short: a long message with a
# question in it is the story going on, and the words are kept.
MAX_STORY_QUESTION_WORDS = 15
# How sure the model must be before a message leaves the form. Higher than the global
# fallback threshold on purpose: here a wrong interruption costs the user their answer.
QUESTION_CONFIDENCE = 0.8
# With a question mark the message says itself that it is a question.
ASKED_CONFIDENCE = 0.5
# Without one, a longer message leaves the form only when the model is all but certain: "no
# witnesses but i kept his whatsapp messages" was read as a question about anonymity at 0.88.
UNASKED_CONFIDENCE = 0.95
CANCEL_CONFIDENCE = 0.85  # a wrong cancel throws the report away
# With a word of stopping in the message too, two signals agree: "الغي البلاغ هلأ" (cancel
# the report now) was read as cancel at only 0.84 and taken as part of the story.
CANCEL_SAID_CONFIDENCE = 0.6
# Requests about the conversation itself leave the form even when short, but only when the
# model is sure: "my boss" was read as delete_data at 0.54.
DELETE_DATA = "delete_data"
REQUEST_INTENTS = frozenset({DELETE_DATA, "change_language"})
REQUEST_CONFIDENCE = 0.9
# The questions whose answers can be told apart only by what is asked: with a question
# mark, being sure it is one of them is enough to leave the form (bot/language/reading.py
# answers two when the model is split between them).
ASKED = QUESTION_INTENTS - REQUEST_INTENTS - {"human_handoff", "bot_challenge"}
# A typed skip: short and sure, since a skip throws away the answer.
MAX_SKIP_WORDS = 4
SKIP_CONFIDENCE = 0.6
MAX_DECLINE_WORDS = 2

_QUESTION_MARKS = re.compile(r"[?¿؟]")
# Without a question mark, these leave a free-text question when the model is all but sure:
# asking for a person or for a stop is not a question.
UNASKED_REQUESTS = frozenset({"human_handoff", "delete_data", "change_language"})
# How questions begin in the languages we speak (folded as typed answers are compared).
# Words that also begin answers are left out: Arabic "من" (who / from) and "ما" (what /
# not), Portuguese "e" (is / and), French "ou" (where / or), Spanish "se" and "por".
_QUESTION_WORDS = frozenset(
    """what how who why when where which is are am can could do does did will would should
    may wat hoe wie waarom wanneer waar welke kan kun kunnen mag moet wordt krijgt ben zijn
    heb weet que quoi qu quest quel quelle quels quelles comment qui pourquoi quand puis
    peut peux estce como quien quienes cuando donde cual cuales puedo puede hay tengo es
    was wer warum wann wo welche ist darf muss wird bekommt erfahrt gibt sind habe weiss
    quem quando onde qual posso pode tem vai sera هل ماذا كيف ليش لماذا متى وين فين اين شو
    ايش وش ايه ممكن hal eh ezay ezzay leh lesh imta fein feen wein shu sho momken mumkin""".split()
) | {"est ce", "o que", "por que", "por quê", "what s", "whats"}


class Expects(Enum):
    """What kind of answer a question expects."""

    STORY = "story"  # free text that grows (what happened)
    TEXT = "text"  # a short free text (when, where, who)
    CHOICE = "choice"  # one of the offered choices
    SECRET = "secret"  # a code or a passphrase: only a cancel leaves


def ranking_share(message: Mapping[str, Any], intents: Collection[str]) -> float:
    """How much of the model's reading of the message went to any of `intents`."""
    return sum(
        float(entry.get("confidence") or 0.0)
        for entry in message.get("intent_ranking") or []
        if entry.get("name") in intents
    )


@dataclass(frozen=True)
class Turn:
    """The latest message as the form sees it."""

    text: str
    intent: Optional[str]
    confidence: float
    # Set by the language detector for a clear message in a language we do not speak.
    unsupported_language: bool = False
    # When the model reads one of the questions the rules answer: how sure it is that the
    # message is one of them, whichever ("bekommt mein teamleiter mit, dass die meldung von
    # mir kommt?": anonymity 0.48, protection 0.18, process 0.13). None: `confidence`.
    question_confidence: Optional[float] = None

    @classmethod
    def from_parse(
        cls, message: Mapping[str, Any], conversation_language: Optional[str] = None
    ) -> Turn:
        """`conversation_language`, when known, decides with the message whether it is in a
        language we do not speak (is_unsupported_in): an unsure vote on a Hinglish answer
        in a Hindi conversation is not."""
        intent = message.get("intent") or {}
        language = message.get("language") or {}
        name = intent.get("name")
        ranking = message.get("intent_ranking") or []
        unsupported = isinstance(language, Mapping) and language.get("supported") is False
        if unsupported and conversation_language is not None:
            unsupported = is_unsupported_in(message, conversation_language)
        return cls(
            text=str(message.get("text") or ""),
            intent=name,
            confidence=float(intent.get("confidence") or 0.0),
            unsupported_language=unsupported,
            question_confidence=(
                ranking_share(message, ASKED) if name in ASKED and ranking else None
            ),
        )

    @property
    def words(self) -> int:
        """Chinese counts a word per two letters: '他老是摸我肩膀' is a sentence."""
        return count_words(self.text)

    @property
    def asks(self) -> bool:
        return bool(_QUESTION_MARKS.search(self.text))

    @property
    def is_payload(self) -> bool:
        return self.text.startswith("/")


def skips(turn: Turn) -> bool:
    """A button, or a short message the model is sure says 'skip': "la semana pasada" read
    as skip at 0.44 is an answer, not a skip."""
    return turn.intent == SKIP and (
        turn.is_payload or (turn.words <= MAX_SKIP_WORDS and turn.confidence >= SKIP_CONFIDENCE)
    )


def declines(turn: Turn) -> bool:
    """A button or a short sure "no" ("no", "nee", "non merci"): at a question that asks for
    a time or a place it gives nothing, rather than the word "no" as the answer."""
    return turn.intent == DENY and (
        turn.is_payload or (turn.words <= MAX_DECLINE_WORDS and turn.confidence >= SKIP_CONFIDENCE)
    )


# A typed yes or no the model reads, with no yes- or no-word in it, counts as consent or
# refusal only when short and sure.
MAX_CONSENT_WORDS = 4
YES_NO_CONFIDENCE = 0.9


def clear_yes_no(turn: Turn) -> bool:
    return (
        turn.intent in ("affirm", "deny")
        and turn.words <= MAX_CONSENT_WORDS
        and turn.confidence >= YES_NO_CONFIDENCE
    )


def says_cancel(text: str, cancel_words: Collection[str]) -> bool:
    """Whether the message has a word or phrase of stopping in it ("stop", "laat maar",
    "vergiss es") as whole words."""
    typed = plain(text)
    return any(contains_phrase(typed, plain(word)) for word in cancel_words)


def begins_one_of(text: str, stems: Collection[str]) -> bool:
    """Whether a word of the message begins with one of the stems ("verwijder" in
    "verwijderen", "احذف" in "احذفها" and in "واحذفها"), or a stem of several words is in
    it (bot/language/stems.py)."""
    typed = plain(text)
    padded, forms = f" {typed} ", forms_of(typed)
    return any(stem and has_stem(stem, padded, forms) for stem in (plain(s) for s in stems))


def cancels(turn: Turn, cancel_words: Optional[Collection[str]] = None) -> bool:
    """A short message the model is sure of, or, when the form knows the language's words of
    stopping, one that says one and the model reads as cancel: a wrong cancel throws the
    answers away, and the model read "seit anfang jahr" at the question when it happened as
    cancel at 0.91."""
    if turn.intent != CANCEL or turn.words > MAX_CANCEL_WORDS:
        return False
    if cancel_words is None:
        return turn.confidence >= CANCEL_CONFIDENCE
    return turn.confidence >= CANCEL_SAID_CONFIDENCE and says_cancel(turn.text, cancel_words)


def _reads_as_question(turn: Turn, expects: Expects) -> bool:
    """A question or a request of its own ("what does an advisor do?", "I want a person
    now"), not a short answer the model happened to read as one."""
    if turn.asks:
        sure = turn.confidence if turn.question_confidence is None else turn.question_confidence
        if sure < ASKED_CONFIDENCE:
            return False
    elif turn.confidence < QUESTION_CONFIDENCE:
        return False
    if expects is Expects.STORY:
        return turn.asks and turn.words <= MAX_STORY_QUESTION_WORDS
    if turn.asks:
        return True
    return (
        turn.words > MAX_ANSWER_WORDS
        and turn.confidence >= UNASKED_CONFIDENCE
        and (turn.intent in UNASKED_REQUESTS or begins_as_question(turn.text))
    )


def begins_as_question(text: str) -> bool:
    """ "what does an advisor do", "kan mijn baas dit zien": a question without its question
    mark. A statement the model read as a question ("o contrato esta no sistema de compras"
    as ask_what_counts at 0.97) is the answer."""
    words = plain(text).split()
    return bool(words) and (words[0] in _QUESTION_WORDS or " ".join(words[:2]) in _QUESTION_WORDS)


def _asks_with_a_choice_in_it(turn: Turn) -> bool:
    return (
        turn.asks
        and turn.words > MAX_ANSWER_WORDS
        and turn.intent in QUESTION_INTENTS
        and turn.confidence >= QUESTION_CONFIDENCE
    )


def steps_aside(
    turn: Turn,
    expects: Expects,
    is_choice: bool = False,
    cancel_words: Optional[Collection[str]] = None,
    delete_words: Optional[Collection[str]] = None,
) -> bool:
    """Whether a message whose intent the form's rules can answer leaves the form for a
    moment (its rule answers, then the form asks again) instead of answering the question.
    `is_choice`: the words select an offered choice, which makes them the answer whatever
    the model thought. `delete_words`: the language's words of deleting; a request to delete
    needs one ("ik heb screenshots van de berichten" was read as delete_data at 0.91)."""
    if turn.is_payload:
        return True  # a button of an earlier answer ("Is it confidential?"): asked, not typed
    if turn.intent in SAFETY_INTENTS:
        # Danger told inside the story stays in the story: the validator keeps the words and
        # gives the safety text. Thoughts of self-harm always stop the form.
        return not (turn.intent == "emergency" and expects is Expects.STORY)
    if is_choice:
        # "verstuur" naming the step's own choice is no cancel, whatever it reads as; but a
        # question that mentions a choice ("if my boss finds out, can they fire me?") asks.
        return _asks_with_a_choice_in_it(turn)
    if cancels(turn, cancel_words):
        return True
    if expects is Expects.SECRET:
        return False  # a passphrase can look like any language, or like a question
    if turn.unsupported_language:
        return True
    if turn.intent == DELETE_DATA and delete_words is not None:
        if not begins_one_of(turn.text, delete_words):
            return False  # an answer about messages or data, not a wish to delete them
    if turn.intent in REQUEST_INTENTS and turn.confidence >= REQUEST_CONFIDENCE:
        return True  # "delete my data", "in English please": short, and never an answer
    return _reads_as_question(turn, expects)
