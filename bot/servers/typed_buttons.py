"""Typed words that name a button of the assistant's last message are that button.

People on SMS and WhatsApp type what they see: "Nadia" under the advisors' list, "Bullying"
under "What is it about?". The intent model reads such a word without the question it
answers ("Nadia" was read as "no"). `install()` wraps MessageProcessor.parse_message in
the Rasa server process (bot.servers.rasa_server): when a short typed message names one
button of the last bot turn (bot.forms.choices.button_for), the button's payload is parsed
instead, and the user's own words stay the message's text. Every channel goes through it.
Inside a form the forms read typed answers themselves, with one exception: the choice about
a file's originals ("Keep my originals", "Take details out again"), offered beside the
form's question, is that button whenever the choice is open, in a form or not, whichever
message showed it (`file_choice_for`). A message that names no button is read in its
context too (bot.servers.in_context: after "tell me what happened", "last week" is the
story)."""

from __future__ import annotations

from typing import Any, Optional

from bot.evidence.dialogue import ORIGINALS, file_choice_in, open_choice
from bot.forms.choices import MAX_BUTTON_WORDS, button_for, plain, whole_choice
from bot.language.segmentation import contains_phrase
from bot.servers.in_context import read_in_context


def buttons_of(event: Any) -> list[tuple[str, str]]:
    """(title, payload) of a bot message's buttons; anything malformed is left out."""
    found = []
    for button in (event.data or {}).get("buttons") or ():
        title, payload = button.get("title"), button.get("payload")
        if isinstance(title, str) and isinstance(payload, str) and payload:
            found.append((title, payload))
    return found


def last_buttons(tracker: Any) -> list[tuple[str, str]]:
    """(title, payload) of the buttons the assistant showed since the user last wrote."""
    from rasa.shared.core.events import BotUttered, UserUttered

    found: list[tuple[str, str]] = []
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            found += buttons_of(event)
    return found


def open_file_choice(tracker: Any) -> Optional[tuple[str, str]]:
    """(title, payload) of the choice about originals the user can make now, as the
    assistant last showed it; None when no such choice is open."""
    from rasa.shared.core.events import BotUttered

    choice = open_choice(tracker.get_slot(ORIGINALS))
    if choice is None:
        return None
    for event in reversed(tracker.events):
        if isinstance(event, BotUttered):
            for title, payload in buttons_of(event):
                if file_choice_in(payload) == choice:
                    return title, payload
    return None


def file_choice_for(text: str, tracker: Any) -> Optional[str]:
    """The payload of the open choice about originals when a short message names its title
    ("keep originals", "please keep my originals"); None otherwise."""
    shown = open_file_choice(tracker)
    if shown is None or len(text.split()) > MAX_BUTTON_WORDS:
        return None
    title, payload = shown
    if whole_choice(text, {payload: [title]}) or contains_phrase(plain(text), plain(title)):
        return payload
    return None


def chosen_payload(text: Optional[str], tracker: Any) -> Optional[str]:
    """Outside forms, any button of the last turn; inside, only the choice about originals:
    a form reads its own typed answers (bot/forms), with the question's context, and a
    payload would look to it like a button of an earlier question."""
    if not text or text.startswith("/") or tracker is None:
        return None
    if not tracker.active_loop_name:
        payload = button_for(text, last_buttons(tracker))
        if payload is not None:
            return payload
    return file_choice_for(text, tracker)


def install() -> None:
    from rasa.core.channels.channel import UserMessage
    from rasa.core.processor import MessageProcessor

    original = MessageProcessor.parse_message
    if getattr(original, "_typed_buttons", False):
        return

    async def parse_message(
        self: MessageProcessor,
        message: UserMessage,
        tracker: Any = None,
        only_output_properties: bool = True,
    ) -> dict[str, Any]:
        payload = chosen_payload(message.text, tracker)
        if payload is None:
            parsed = await original(self, message, tracker, only_output_properties)
            return read_in_context(parsed, tracker)
        pressed = UserMessage(
            payload,
            message.output_channel,
            message.sender_id,
            input_channel=message.input_channel,
            message_id=message.message_id,
            metadata=message.metadata,
        )
        parse_data = await original(self, pressed, tracker, only_output_properties)
        parse_data["text"] = message.text  # what the user wrote is what is kept
        return parse_data

    parse_message._typed_buttons = True  # type: ignore[attr-defined]
    MessageProcessor.parse_message = parse_message
