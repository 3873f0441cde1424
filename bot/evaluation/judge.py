"""Judging one scripted conversation from what happened: pass or fail, with the reasons.

What happened is read from the servers afterwards (bot/evaluation/runner.py): each turn's
HTTP status and the responses said, by name and text (the tracker's bot events carry the
response name Rasa rendered: `metadata.utter_action`), the cases stored for the
conversation (decrypted), and the slots and open form at the end.

Reasons never quote what the user typed or what the bot said back (a summary echoes the
user's words): they name turns, responses and fields, so they can go into docs/."""

from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional, Sequence

from bot.evaluation.conversations import SAFETY, Conversation, ReportExpectation

# Said on purpose in several languages (actions/fallback.py: to someone we cannot answer in
# their language), so it is left out of the language check.
MULTILINGUAL_RESPONSES = frozenset({"utter_unsupported_language", "utter_welcome"})
RECEIPT_RESPONSE = "utter_report_received"
# Responses that ask the user something, for the "asked more than twice in a row" check.
_QUESTION = re.compile(
    r"^utter_ask_|_question$|^utter_report_ask_|^utter_report_what_happened_first$"
    r"|^utter_report_which_part$|^utter_report_summary$|^utter_language_menu$"
)
MAX_SAME_QUESTION = 2
MAX_SAME_REPLY = 2


@dataclass(frozen=True)
class BotMessage:
    response: Optional[str]  # the content's response name; None if Rasa did not record it
    text: str


@dataclass(frozen=True)
class Turn:
    status: int  # the HTTP status of the user's message; 0 when there was no answer at all
    said: tuple[BotMessage, ...] = ()
    error: Optional[str] = None  # why the request failed (never the message)
    shown: tuple[str, ...] = ()  # the texts the channel answered with, as the user saw them


@dataclass(frozen=True)
class Observed:
    """What happened in one conversation, read back from the servers."""

    turns: tuple[Turn, ...]
    cases: tuple[Mapping[str, Any], ...] = ()  # stored cases, fields as in TEXT/CHOICE_FIELDS
    slots: Mapping[str, Any] = field(default_factory=dict)
    active_loop: Optional[str] = None  # the form still open at the end
    problems: tuple[str, ...] = ()  # what could not be read back (tracker, case store)

    def said(self) -> list[str]:
        return [m.response for turn in self.turns for m in turn.said if m.response]


@dataclass(frozen=True)
class Verdict:
    passed: bool
    reasons: tuple[str, ...]
    trace: tuple[tuple[str, ...], ...]  # the responses said per turn (names only)


class LanguageOracle:
    """Which languages' content a rendered text is: each response's template per language,
    its placeholders free and its whitespace loose (renderings add demo notes, choices and
    right-to-left marks, which are ignored)."""

    def __init__(self, templates: Mapping[str, Mapping[str, str]]) -> None:
        self._templates = templates  # language -> response name -> template text
        self._patterns: dict[tuple[str, str], re.Pattern[str]] = {}

    def languages_of(self, response: str, text: str) -> set[str]:
        plain = _without_format_marks(text)
        return {
            language
            for language, responses in self._templates.items()
            if response in responses and self._pattern(language, response).match(plain)
        }

    def response_of(self, text: str) -> Optional[str]:
        """The response a rendered text is, in any language; None when none fits."""
        plain = _without_format_marks(text)
        for language, responses in self._templates.items():
            for response in responses:
                if self._pattern(language, response).match(plain):
                    return response
        return None

    def _pattern(self, language: str, response: str) -> re.Pattern[str]:
        key = (language, response)
        if key not in self._patterns:
            template = _without_format_marks(self._templates[language][response])
            parts: list[str] = []
            for literal, placeholder, _, _ in string.Formatter().parse(template):
                parts.extend(re.escape(word) for word in literal.split())
                if placeholder is not None:
                    parts.append("(?:.*?)")
            self._patterns[key] = re.compile(r"\s*".join(parts), re.DOTALL)
        return self._patterns[key]


def _without_format_marks(text: str) -> str:
    """Without directional marks and isolates (category Cf), which Arabic rendering adds."""
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


def judge(conversation: Conversation, observed: Observed, oracle: LanguageOracle) -> Verdict:
    reasons: list[str] = list(observed.problems)
    reasons += _transport(conversation, observed)
    reasons += _loops(observed)
    reasons += _language(conversation, observed, oracle)
    reasons += _outcome(conversation, observed)
    trace = tuple(tuple(m.response or "?" for m in turn.said) for turn in observed.turns)
    return Verdict(passed=not reasons, reasons=tuple(reasons), trace=trace)


def _transport(conversation: Conversation, observed: Observed) -> list[str]:
    reasons = []
    if len(observed.turns) != len(conversation.user):
        reasons.append(
            f"{len(observed.turns)} turns were read back for {len(conversation.user)} messages"
        )
    for number, turn in enumerate(observed.turns, start=1):
        if turn.status != 200:
            what = f"HTTP {turn.status}" if turn.status else (turn.error or "no answer")
            reasons.append(f"turn {number}: {what}")
        elif not turn.said:
            reasons.append(f"turn {number}: no reply")
    if observed.active_loop:
        reasons.append(f"the script ended with {observed.active_loop} still open")
    return reasons


def _loops(observed: Observed) -> list[str]:
    """The same reply text more than MAX_SAME_REPLY times in a row, or the same question in
    more than MAX_SAME_QUESTION turns in a row."""
    reasons = []
    messages = [(number, m) for number, t in enumerate(observed.turns, 1) for m in t.said]
    run = 1
    for (_, before), (number, message) in zip(messages, messages[1:], strict=False):
        run = run + 1 if message.text == before.text else 1
        if run == MAX_SAME_REPLY + 1:
            reasons.append(
                f"turn {number}: the same reply ({message.response or '?'}) "
                f"{MAX_SAME_REPLY + 1} times in a row"
            )
    asked = [_question(turn) for turn in observed.turns]
    run = 1
    for number in range(2, len(asked) + 1):
        question = asked[number - 1]
        run = run + 1 if question is not None and question == asked[number - 2] else 1
        if run == MAX_SAME_QUESTION + 1:
            reasons.append(
                f"turn {number}: {question} asked {MAX_SAME_QUESTION + 1} turns in a row"
            )
    return reasons


def _question(turn: Turn) -> Optional[str]:
    """The question a turn ends on, if any: the last question-like response said."""
    questions = [m.response for m in turn.said if m.response and _QUESTION.search(m.response)]
    return questions[-1] if questions else None


def _language(conversation: Conversation, observed: Observed, oracle: LanguageOracle) -> list[str]:
    """Every reply in the expected language. When the script switches language (`expect.
    language` differs from the file's), replies may be in either, and the last turn's must
    be in the expected one. Mismatches are grouped by the language they are in instead."""
    expected = conversation.expected_language
    allowed = {expected, conversation.language}
    reasons = []
    wrong: dict[tuple[str, str], list[str]] = {}
    for number, turn in enumerate(observed.turns, start=1):
        wanted = {expected} if number == len(observed.turns) else allowed
        for message in turn.said:
            if message.response is None:
                reasons.append(f"turn {number}: a reply with no response name")
                continue
            if message.response in MULTILINGUAL_RESPONSES:
                continue
            found = oracle.languages_of(message.response, message.text)
            if not found & wanted:
                key = (
                    "/".join(sorted(wanted)),
                    ", ".join(sorted(found)) or "no language's content",
                )
                wrong.setdefault(key, []).append(f"{number} ({message.response})")
    for (wanted_text, seen), places in wrong.items():
        shown = ", ".join(places[:3]) + (f" and {len(places) - 3} more" if len(places) > 3 else "")
        turns = "turn" if len(places) == 1 else "turns"
        reasons.append(f"{turns} {shown}: not in {wanted_text} (matches {seen})")
    return reasons


def _outcome(conversation: Conversation, observed: Observed) -> list[str]:
    expect = conversation.expect
    said = set(observed.said())
    reasons = [f"{name} was never said" for name in expect.says if name not in said]
    if expect.safety is not None and SAFETY[expect.safety] not in said:
        reasons.append(f"no safety text: {SAFETY[expect.safety]} was never said")
    if expect.no_safety:
        reasons += [f"{name} was said to a safe story" for name in SAFETY.values() if name in said]
    if expect.receipt and RECEIPT_RESPONSE not in said:
        reasons.append(f"no receipt: {RECEIPT_RESPONSE} was never said")
    if expect.no_report and observed.cases:
        reasons.append(f"{len(observed.cases)} case(s) stored, none expected")
    if expect.no_report and RECEIPT_RESPONSE in said:
        reasons.append("a receipt was given, no report expected")
    if expect.report is not None:
        reasons += _report(expect.report, observed.cases)
    if expect.advisors_post is not None:
        reasons += _advisors(expect.advisors_post, observed.slots.get("advisor_matches"))
    return reasons


def _report(expected: ReportExpectation, cases: Sequence[Mapping[str, Any]]) -> list[str]:
    if len(cases) != 1:
        return [f"{len(cases)} cases stored for the conversation, expected 1"]
    case = cases[0]
    reasons = []
    for name, value in expected.equals.items():
        if case.get(name) != value:
            reasons.append(f"report.{name} is {_shown(name, case.get(name))}, expected {value}")
    for name in sorted(expected.absent):
        if case.get(name) not in (None, ""):
            reasons.append(f"report.{name} was stored, expected none")
    for name, words in expected.contains.items():
        stored = _folded(case.get(name) or "")
        missing = [i for i, word in enumerate(words, start=1) if _folded(word) not in stored]
        if not case.get(name):
            reasons.append(f"report.{name} is empty, expected words in it")
        elif missing:
            reasons.append(
                f"report.{name} lacks expected word {', '.join(map(str, missing))} "
                f"of {len(words)} ({name}_contains)"
            )
    return reasons


def _shown(name: str, value: object) -> str:
    """A stored value that is safe to show: a choice or code, never free text."""
    if value is None:
        return "empty"
    return str(value) if name in ("kind", "spoke_to", "contact", "post_code") else "different"


def _folded(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


def _advisors(post: str, matches: object) -> list[str]:
    if not isinstance(matches, Mapping):
        return ["no advisors were shown (slot advisor_matches is empty)"]
    reasons = []
    if matches.get("post") != post:
        reasons.append(f"advisors were found for post {matches.get('post')}, expected {post}")
    if not matches.get("matches"):
        reasons.append("the advisor search showed nobody")
    return reasons
