"""The REST channel (POST /webhooks/rest/webhook), with its request body checked: a body
that is not a JSON object with a text `message` gets a 4xx that says what is wrong,
instead of an error inside Rasa. The message is cleaned by the rule every channel uses
(channels.inbound.clean_text).

- Off unless VM_REST_ENABLED is set: anyone who can reach the server could otherwise talk
  as anyone they name. Off, it answers 503 (as a webhook channel without its secrets) and
  says so in one log line.
- A message that could not be handled (the action server or the database down, see
  bot/servers/outages.py) is answered with the channels' "please send it again"
  (`channel_try_again`) in the conversation's language, where Rasa's REST channel would
  answer with nothing; only the error's kind is logged.
- The caller's `sender` is only an address in the REST namespace: the conversation is
  `rest:<HMAC("rest:" + sender)>` (channels/addresses.py), so whatever a caller sends
  ("whatsapp:+31…", another channel's pseudonymous id) it never reaches a conversation of
  another channel. The input channel is always "rest", and the metadata keys only
  channels set (`channel`, `address`, `country`) are the REST channel's own.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels import rest
from rasa.core.channels.channel import UserMessage
from sanic import Blueprint
from sanic.exceptions import InvalidUsage, PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import runtime
from bot.settings import settings
from channels.addresses import ReplyTo
from channels.conversation import channel_message, read_conversation
from channels.inbound import clean_text, log_channel_off, refusal

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARACTERS = 50_000
MAX_SENDER_CHARACTERS = 256


def _body(request: Request) -> Dict[str, Any]:
    body = request.json  # sanic answers 400 itself when this is not JSON
    if not isinstance(body, dict):
        raise InvalidUsage('The body must be a JSON object: {"sender": "...", "message": "..."}')
    return body


def _address(req: Request) -> str:
    """The caller's `sender`, or a fresh one for a caller that names none (the same for
    the whole request: the sender id and the metadata both use it)."""
    known = getattr(req.ctx, "rest_address", None)
    if isinstance(known, str):
        return known
    sender = _body(req).get("sender")
    if sender is None:
        sender = uuid.uuid4().hex
    if not isinstance(sender, str) or not 0 < len(sender) <= MAX_SENDER_CHARACTERS:
        raise InvalidUsage(f"`sender` must be a text of 1 to {MAX_SENDER_CHARACTERS} characters")
    req.ctx.rest_address = sender
    return sender


class RestInput(rest.RestInput):
    def __init__(self, enabled: Optional[bool] = None) -> None:
        # Read once, when Rasa builds the channel; tests pass it.
        self.enabled = settings().rest_enabled if enabled is None else enabled
        self.app: Any = None  # the server's, once a request came: its conversations
        if not self.enabled:
            log_channel_off("REST", ["VM_REST_ENABLED"])

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> RestInput:
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        async def handled(message: UserMessage) -> None:
            try:
                await on_new_message(message)
            except Exception as error:  # the user gets an answer, not silence
                await self._ask_to_send_again(message, error)

        webhook = super().blueprint(handled)

        @webhook.on_request
        async def off(request: Request) -> Optional[HTTPResponse]:
            if self.enabled:
                self.app = request.app
                return None
            return refusal(503, "The REST channel is not enabled on this server.")

        return webhook

    async def _ask_to_send_again(self, message: UserMessage, error: Exception) -> None:
        # The error's text may quote the message: its kind only.
        logger.error(
            "A REST message for conversation %s was not processed (%s).",
            runtime.reference_for(message.sender_id or ""),
            type(error).__name__,
        )
        conversation = await read_conversation(self.app, message.sender_id or "")
        answer = await channel_message("channel_try_again", conversation.language_or(), self.name())
        if answer:
            await message.output_channel.send_response(message.sender_id or "", answer)

    async def _extract_sender(self, req: Request) -> Optional[str]:
        return ReplyTo(self.name(), _address(req)).sender_id

    def _extract_message(self, req: Request) -> Optional[str]:
        message = _body(req).get("message")
        if not isinstance(message, str):
            raise InvalidUsage("`message` must be a text")
        if len(message) > MAX_MESSAGE_CHARACTERS:
            raise PayloadTooLarge(
                f"`message` is longer than {MAX_MESSAGE_CHARACTERS} characters; "
                "please send it in parts"
            )
        return clean_text(message, MAX_MESSAGE_CHARACTERS)

    def _extract_input_channel(self, req: Request) -> str:
        # A caller naming "twilio" or "telegram" would change what the dialogue believes
        # about the channel; REST messages are REST's.
        return self.name()

    def get_metadata(self, request: Request) -> Optional[Dict[str, Any]]:
        given = _body(request).get("metadata")
        return ReplyTo(self.name(), _address(request)).metadata(
            given if isinstance(given, dict) else None
        )
