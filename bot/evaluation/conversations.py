"""The scripted conversations (evaluation/conversations/<lang>.yml): loading and validation.

A script is what a realistic user types, in order, and what must have happened by the end
(`expect`). A malformed script is refused with an error that names the file, the
conversation and the field, so a typo in a key never silently weakens a check."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional

import yaml

from bot.cases.model import CONTACTS, KINDS, SPOKE_TO
from bot.language.catalogue import SUPPORTED_LANGUAGES
from bot.settings import PROJECT_ROOT

JOURNEYS: tuple[str, ...] = ("report", "advisor", "safety", "questions", "language", "status")
CHANNELS: tuple[str, ...] = ("rest",)
SAFETY: Mapping[str, str] = {"emergency": "utter_emergency", "self_harm": "utter_self_harm"}

# The stored case's free-text fields: each may be expected absent (`when: null`) or to
# contain words (`when_contains: [...]`). Keys are the script's; values the case's fields.
TEXT_FIELDS: tuple[str, ...] = (
    "what_happened",
    "when",
    "where",
    "involved",
    "witnesses",
    "contact_details",
)
# Fields compared whole: a value from a fixed list, or null where the case may lack it.
CHOICE_FIELDS: Mapping[str, Optional[tuple[str, ...]]] = {
    "kind": KINDS,
    "spoke_to": SPOKE_TO,
    "contact": CONTACTS,
    "post_code": None,  # any post code (data/directory/posts.yml)
}
# The typed conversations: the evaluation's scripts, which the load benchmark and the soak replay.
CONVERSATIONS_DIR = PROJECT_ROOT / "evaluation" / "conversations"
NOT_NULL = frozenset({"kind", "contact", "what_happened"})
REPORT_KEYS = frozenset(
    [*TEXT_FIELDS, *(f"{name}_contains" for name in TEXT_FIELDS), *CHOICE_FIELDS]
)
EXPECT_KEYS = frozenset(
    {
        "report",
        "no_report",
        "receipt",
        "advisors_post",
        "safety",
        "no_safety",
        "says",
        "language",
    }
)
CONVERSATION_KEYS = frozenset({"name", "journey", "channel", "user", "expect"})
FILE_KEYS = frozenset({"language", "conversations"})

_RESPONSE_NAME = re.compile(r"^utter_[a-z0-9_]+$")
_POST_CODE = re.compile(r"^[A-Z][A-Z0-9-]*$")


class ScriptError(ValueError):
    """A script that cannot be used; the message names the file, conversation and field."""


@dataclass(frozen=True)
class ReportExpectation:
    """What the stored case must hold. `absent`: fields that must be empty (null in the
    script); `contains`: case-insensitive words per text field; `equals`: whole values."""

    equals: Mapping[str, str] = field(default_factory=dict)
    absent: frozenset[str] = frozenset()
    contains: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Expectation:
    report: Optional[ReportExpectation] = None
    no_report: bool = False
    receipt: bool = False
    advisors_post: Optional[str] = None
    safety: Optional[str] = None  # a key of SAFETY
    no_safety: bool = False
    says: tuple[str, ...] = ()
    language: Optional[str] = None  # None: the file's language


@dataclass(frozen=True)
class Conversation:
    name: str
    journey: str
    language: str  # the file's language
    user: tuple[str, ...]
    expect: Expectation
    channel: str = "rest"
    source: str = ""  # the file, for messages

    @property
    def expected_language(self) -> str:
        return self.expect.language or self.language


def load_directory(directory: Path, languages: Optional[set[str]] = None) -> list[Conversation]:
    """Every conversation of every `<lang>.yml` in the folder (or only the given languages)."""
    conversations: list[Conversation] = []
    for path in sorted(directory.glob("*.yml")):
        if languages is None or path.stem in languages:
            conversations.extend(load_file(path))
    return conversations


def load_file(path: Path) -> list[Conversation]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ScriptError(f"{path}: not valid YAML: {error}") from error
    return parse_file(data, str(path), expected_language=path.stem)


def parse_file(
    data: object, source: str, expected_language: Optional[str] = None
) -> list[Conversation]:
    where = _Where(source)
    mapping = where.mapping(data, "the file")
    where.known_keys(mapping, FILE_KEYS, "the file")
    language = mapping.get("language")
    if language not in SUPPORTED_LANGUAGES:
        raise where.error(f"`language` must be one of {', '.join(SUPPORTED_LANGUAGES)}")
    if expected_language is not None and language != expected_language:
        raise where.error(f"`language: {language}` does not match the file name")
    raw_conversations = mapping.get("conversations")
    if not isinstance(raw_conversations, list) or not raw_conversations:
        raise where.error("`conversations` must be a non-empty list")
    conversations: list[Conversation] = []
    names: set[str] = set()
    for index, raw in enumerate(raw_conversations, start=1):
        conversation = _conversation(raw, str(language), where.inside(f"conversation {index}"))
        if conversation.name in names:
            raise where.error(f"conversation name '{conversation.name}' is used twice")
        names.add(conversation.name)
        conversations.append(conversation)
    return conversations


@dataclass(frozen=True)
class _Where:
    """Where in which file a problem is, for the error message."""

    source: str
    place: str = ""

    def inside(self, place: str) -> _Where:
        return _Where(self.source, place)

    def error(self, problem: str) -> ScriptError:
        return ScriptError(f"{self.source}{', ' + self.place if self.place else ''}: {problem}")

    def mapping(self, value: object, what: str) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise self.error(f"{what} must be a mapping")
        return value

    def known_keys(self, value: Mapping[str, Any], known: frozenset[str], what: str) -> None:
        unknown = sorted(str(key) for key in value if key not in known)
        if unknown:
            raise self.error(
                f"unknown key{'s' * (len(unknown) > 1)} {', '.join(unknown)} in {what} "
                f"(known: {', '.join(sorted(known))})"
            )


def _conversation(raw: object, language: str, where: _Where) -> Conversation:
    mapping = where.mapping(raw, "a conversation")
    name = mapping.get("name")
    if not isinstance(name, str) or not name.strip():
        raise where.error("`name` is missing or empty")
    where = where.inside(f"conversation '{name}'")
    where.known_keys(mapping, CONVERSATION_KEYS, "the conversation")
    journey = mapping.get("journey")
    if journey not in JOURNEYS:
        raise where.error(f"`journey` must be one of {', '.join(JOURNEYS)}")
    channel = mapping.get("channel", "rest")
    if channel not in CHANNELS:
        raise where.error(f"`channel` must be one of {', '.join(CHANNELS)}")
    user = mapping.get("user")
    if not isinstance(user, list) or not user:
        raise where.error("`user` must be a non-empty list of messages")
    for number, message in enumerate(user, start=1):
        if not isinstance(message, str) or not message.strip():
            raise where.error(f"`user` message {number} must be a non-empty text")
        if message.strip().startswith("/"):
            raise where.error(
                f"`user` message {number} is a payload; a user types words, never '/...'"
            )
    expect = _expectation(mapping.get("expect"), where)
    return Conversation(
        name=name.strip(),
        journey=str(journey),
        language=language,
        user=tuple(user),
        expect=expect,
        channel=str(channel),
        source=where.source,
    )


def _flag(mapping: Mapping[str, Any], key: str, where: _Where) -> bool:
    value = mapping.get(key, False)
    if not isinstance(value, bool):
        raise where.error(f"`expect.{key}` must be true or false")
    return value


def _expectation(raw: object, where: _Where) -> Expectation:
    mapping = where.mapping(raw, "`expect`")
    where.known_keys(mapping, EXPECT_KEYS, "`expect`")
    if not mapping:
        raise where.error("`expect` names no outcome to check")
    report = _report(mapping["report"], where) if "report" in mapping else None
    no_report = _flag(mapping, "no_report", where)
    if report is not None and no_report:
        raise where.error("`expect` cannot hold both `report` and `no_report`")
    safety = mapping.get("safety")
    if safety is not None and safety not in SAFETY:
        raise where.error(f"`expect.safety` must be one of {', '.join(SAFETY)}")
    no_safety = _flag(mapping, "no_safety", where)
    if safety is not None and no_safety:
        raise where.error("`expect` cannot hold both `safety` and `no_safety`")
    advisors_post = mapping.get("advisors_post")
    if advisors_post is not None and (
        not isinstance(advisors_post, str) or not _POST_CODE.match(advisors_post)
    ):
        raise where.error("`expect.advisors_post` must be a post code such as DAK")
    says = mapping.get("says", [])
    if not isinstance(says, list) or not all(
        isinstance(name, str) and _RESPONSE_NAME.match(name) for name in says
    ):
        raise where.error("`expect.says` must be a list of response names (utter_...)")
    language = mapping.get("language")
    if language is not None and language not in SUPPORTED_LANGUAGES:
        raise where.error(f"`expect.language` must be one of {', '.join(SUPPORTED_LANGUAGES)}")
    return Expectation(
        report=report,
        no_report=no_report,
        receipt=_flag(mapping, "receipt", where),
        advisors_post=advisors_post,
        safety=safety,
        no_safety=no_safety,
        says=tuple(says),
        language=language,
    )


def _report(raw: object, where: _Where) -> ReportExpectation:
    mapping = where.mapping(raw, "`expect.report`")
    where.known_keys(mapping, REPORT_KEYS, "`expect.report`")
    equals: dict[str, str] = {}
    absent: set[str] = set()
    contains: dict[str, tuple[str, ...]] = {}
    for key, value in mapping.items():
        place = f"`expect.report.{key}`"
        if key.endswith("_contains"):
            words = [value] if isinstance(value, str) else value
            if not isinstance(words, list) or not words:
                raise where.error(f"{place} must be a non-empty list of words")
            if not all(isinstance(word, str) and word.strip() for word in words):
                raise where.error(f"{place} must hold non-empty texts")
            contains[key.removesuffix("_contains")] = tuple(words)
        elif value is None:
            if key in NOT_NULL:
                raise where.error(f"{place} cannot be null: every case has it")
            absent.add(key)
        elif key in TEXT_FIELDS:
            raise where.error(f"{place} is null or {key}_contains: [...], never a whole text")
        else:
            allowed = CHOICE_FIELDS[key]
            if not isinstance(value, str) or (allowed is not None and value not in allowed):
                choices = ", ".join(allowed) if allowed else "a post code"
                raise where.error(f"{place} must be one of {choices}")
            if allowed is None and not _POST_CODE.match(value):
                raise where.error(f"{place} must be a post code such as DAK")
            equals[key] = value
    both = sorted(absent & set(contains))
    if both:
        raise where.error(f"`expect.report.{both[0]}` is null and has words to contain")
    return ReportExpectation(equals=equals, absent=frozenset(absent), contains=contains)
