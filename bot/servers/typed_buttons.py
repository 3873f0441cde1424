"""Typed words that name a button of the assistant's last message are that button.

People on SMS and WhatsApp type what they see: "Nadia" under the advisors' list, "Bullying"
under "What is it about?". The intent model reads such a word without the question it
answers ("Nadia" was read as "no"). `install()` wraps MessageProcessor.parse_message in
the Rasa server process (bot.servers.rasa_server): when a short typed message names one
button of the last bot turn (bot.forms.choices.button_for), the button's payload is parsed
instead, and the user's own words stay the message's text. Every channel goes through it.
Inside a form nothing changes: the forms read typed answers themselves. A message that
names no button is read in its context too (bot.servers.in_context: after "tell me what
happened", "last week" is the story)."""

from __future__ import annotations

from typing import Any, Optional

from bot.forms.choices import button_for
from bot.servers.in_context import read_in_context


def last_buttons(tracker: Any) -> list[tuple[str, str]]:
    """(title, payload) of the buttons the assistant showed since the user last wrote."""
    from rasa.shared.core.events import BotUttered, UserUttered

    found: list[tuple[str, str]] = []
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            for button in (event.data or {}).get("buttons") or ():
                title, payload = button.get("title"), button.get("payload")
                if isinstance(title, str) and isinstance(payload, str) and payload:
                    found.append((title, payload))
    return found


def chosen_payload(text: Optional[str], tracker: Any) -> Optional[str]:
    """Outside forms only: a form reads its own typed answers (bot/forms), with the question's
    context, and a payload would look to it like a button of an earlier question."""
    if not text or text.startswith("/") or tracker is None or tracker.active_loop_name:
        return None
    return button_for(text, last_buttons(tracker))


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
