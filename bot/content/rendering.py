"""Turns a named response into what a channel can show, in the user's language.

- Placeholders are filled from contact details (configuration), the language list and
  values the dialogue passes (the kind of behaviour, a conversation reference).
- An action may add computed choices (`choices=[{"title", "payload"}]`): they become
  buttons before the content's own, so every channel shows them the same way.
- Channels without buttons (SMS, WhatsApp) get numbered choices in the text; the buttons
  stay in the message so the channel can map a reply "2" back to the second payload.
- SMS gets the short variant of a text where one exists.
- Arabic is isolated right-to-left: Latin runs (e-mail addresses, phone numbers, names)
  are wrapped in directional isolates so mixed text does not scramble. A bracket stays
  outside a run unless its partner is inside too: split across an isolate, "(" and ")"
  come out facing the same way.
- What the sources only announce (an external reporting point, a coordinating advisor) is
  configuration: contacts.yml's `<name>_status` picks the phrase `<name>_<status>`, shown
  as `{<name>_text}`, so no text calls it open before a coordinator says it is.
"""

from __future__ import annotations

import logging
import re
import string
from typing import Any, Mapping, Optional, Sequence

from bot.content.contacts import CRISIS_LINE, Contacts
from bot.content.store import ContentStore, Response
from bot.language.catalogue import RTL_LANGUAGES

logger = logging.getLogger(__name__)

# A variable the NLG passes: the ISO country of the conversation's post, if known.
POST_COUNTRY = "post_country"
NUMBERED_CHOICE_CHANNELS = frozenset({"twilio", "whatsapp", "sms"})
SHORT_TEXT_CHANNELS = frozenset({"twilio", "sms"})

RLM = "\u200f"
LRI = "\u2066"
PDI = "\u2069"
# Latin letters with their accents ("Français", "Português") are one run, not three.
_LATIN = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
_LTR_RUN = re.compile(rf"[{_LATIN}0-9+@(][{_LATIN}0-9@._:/+\-()' ]*[{_LATIN}0-9)]|[{_LATIN}]")
BRACKETS = {"(": ")"}
STATUS_SUFFIX = "_status"
TEXT_SUFFIX = "_text"


def _isolated(run: str) -> str:
    """A left-to-right run in isolates, its unpaired brackets left outside them."""
    unpaired: list[int] = []
    opened: list[int] = []
    for i, char in enumerate(run):
        if char in BRACKETS:
            opened.append(i)
        elif char in BRACKETS.values():
            if opened:
                opened.pop()
            else:
                unpaired.append(i)
    unpaired = sorted(unpaired + opened)
    pieces, start = [], 0
    for i in [*unpaired, len(run)]:
        piece = run[start:i]
        core = piece.strip()
        if core:
            lead = piece[: len(piece) - len(piece.lstrip())]
            trail = piece[len(piece.rstrip()) :]
            pieces.append(f"{lead}{LRI}{core}{PDI}{trail}")
        else:
            pieces.append(piece)
        if i < len(run):
            pieces.append(run[i])
        start = i + 1
    return "".join(pieces)


def isolate_rtl(text: str) -> str:
    """Marks each line right-to-left and isolates the left-to-right runs inside it."""
    lines = []
    for line in text.split("\n"):
        if not line.strip():
            lines.append(line)
            continue
        line = _LTR_RUN.sub(lambda m: _isolated(m.group(0)), line)
        lines.append(RLM + line)
    return "\n".join(lines)


# `{welcome_lines}` in a text: each language's WELCOME_LINE phrase, one per line.
WELCOME_LINES = "welcome_lines"
WELCOME_LINE = "welcome_line"
# A variable naming the only languages to welcome in (ours written in the message's script:
# bot.language.conversation.welcome_languages); without it, all of ours.
WELCOME_LANGUAGES = "welcome_languages"


class _Placeholders(dict):
    """Leaves an unknown placeholder visible rather than failing the whole answer."""

    def __missing__(self, key: str) -> str:
        logger.warning("Content placeholder '%s' has no value.", key)
        return "{" + key + "}"


def placeholders_in(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


class Renderer:
    def __init__(
        self,
        store: ContentStore,
        contacts: Contacts,
        language_names: Mapping[str, str],
        facts: Optional[Mapping[str, str]] = None,
    ) -> None:
        self._store = store
        self._contacts = contacts
        self._language_names = language_names
        # Values from the deployment's settings that texts state (how long a conversation
        # is kept), so an answer never says what the configuration does not do.
        self._facts = dict(facts or {})

    def phrase(self, name: str, language: str) -> Optional[str]:
        return self._store.phrase(name, language)

    def render(
        self,
        name: str,
        language: str,
        channel: str,
        variables: Optional[Mapping[str, Any]] = None,
    ) -> Optional[dict]:
        response = self._store.response(name, language)
        if response is None:
            logger.error("No content for response '%s' in language '%s'.", name, language)
            return None
        return self.render_response(response, language, channel, variables)

    def configured_texts(self, text: str, language: str) -> str:
        """Puts in the phrase each `{<name>_text}` stands for, as contacts.yml's
        `<name>_status` chooses; its own placeholders are then filled like the text's."""
        for field in placeholders_in(text):
            if not field.endswith(TEXT_SUFFIX):
                continue
            name = field[: -len(TEXT_SUFFIX)]
            state = self._contacts.values.get(name + STATUS_SUFFIX)
            phrase = state and self._store.phrase(f"{name}_{state}", language)
            if phrase:
                text = text.replace("{" + field + "}", phrase.strip())
        return text

    def welcome_lines(self, first: str, only: Optional[Sequence[str]] = None) -> str:
        """Every language's `welcome_line` (or those of `only`), `first`'s first when it is
        among them: a greeting anyone can read when the first message does not tell which
        language its writer reads."""
        chosen = [c for c in only or () if isinstance(c, str) and c in self._language_names]
        languages = chosen or list(self._language_names)
        lines = []
        for code in dict.fromkeys([first, *languages] if first in languages else languages):
            line = (self._store.phrase(WELCOME_LINE, code) or "").strip()
            if line:
                lines.append(isolate_rtl(line) if code in RTL_LANGUAGES else line)
        return "\n".join(lines)

    def render_response(
        self,
        response: Response,
        language: str,
        channel: str,
        variables: Optional[Mapping[str, Any]] = None,
    ) -> dict:
        """A given response (a coordinator's draft, in the console's preview) as `render`
        renders a named one."""
        text = response.sms if channel in SHORT_TEXT_CHANNELS and response.sms else response.text
        text = self.configured_texts(text, language)
        values = _Placeholders(self._contacts.values)
        values.update(self._facts)
        values["supported_languages"] = ", ".join(self._language_names.values())
        variables = dict(variables or {})
        welcome_languages = variables.pop(WELCOME_LANGUAGES, None)
        # The welcome's lines each take their own language's direction.
        directed_by_line = WELCOME_LINES in placeholders_in(text)
        if directed_by_line:
            values[WELCOME_LINES] = self.welcome_lines(language, welcome_languages)
        choices = variables.pop("choices", None) or []
        # The crisis line of the conversation's country (post), when the dialogue knows it.
        crisis_line = self._contacts.crisis_line(variables.pop(POST_COUNTRY, None))
        if crisis_line:
            values[CRISIS_LINE] = crisis_line
        values.update({k: v for k, v in variables.items() if v is not None})

        used_contacts = placeholders_in(text) & set(self._contacts.values)
        text = text.format_map(values)
        if used_contacts and self._contacts.demo:
            note = self._store.phrase("demo_contacts_note", language)
            if note:
                text = f"{text}\n{note}"
        # Choices an action computed (posts, advisors) come first, then the content's own.
        buttons = [
            {"title": str(choice["title"]), "payload": str(choice["payload"])}
            for choice in choices
            if isinstance(choice, Mapping) and "title" in choice and "payload" in choice
        ]
        buttons += [
            {"title": button.title.format_map(values), "payload": button.payload}
            for button in response.buttons
        ]
        if buttons and channel in NUMBERED_CHOICE_CHANNELS:
            choices = "\n".join(f"{i}. {b['title']}" for i, b in enumerate(buttons, start=1))
            hint = self._store.phrase("choices_hint", language) or ""
            text = f"{text}\n\n{choices}\n{hint}".rstrip()
        if language in RTL_LANGUAGES:
            text = text if directed_by_line else isolate_rtl(text)
            for button in buttons:
                button["title"] = isolate_rtl(button["title"])
        message: dict = {"text": text}
        if buttons:
            message["buttons"] = buttons
        return message
