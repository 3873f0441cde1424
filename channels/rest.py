"""The REST channel (POST /webhooks/rest/webhook), with its request body checked: a body
that is not a JSON object with a text `message` gets a 4xx that says what is wrong,
instead of an error inside Rasa. The message is cleaned by the rule every channel uses
(channels.inbound.clean_text)."""

from __future__ import annotations

from typing import Any, Dict, Optional

from rasa.core.channels import rest
from sanic.exceptions import InvalidUsage, PayloadTooLarge
from sanic.request import Request

from channels.inbound import clean_text

MAX_MESSAGE_CHARACTERS = 50_000
MAX_SENDER_CHARACTERS = 256


def _body(request: Request) -> Dict[str, Any]:
    body = request.json  # sanic answers 400 itself when this is not JSON
    if not isinstance(body, dict):
        raise InvalidUsage('The body must be a JSON object: {"sender": "...", "message": "..."}')
    return body


class RestInput(rest.RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    async def _extract_sender(self, req: Request) -> Optional[str]:
        sender = _body(req).get("sender")
        if sender is None:
            return None  # Rasa gives the message a fresh conversation id
        if not isinstance(sender, str) or not 0 < len(sender) <= MAX_SENDER_CHARACTERS:
            raise InvalidUsage(
                f"`sender` must be a text of 1 to {MAX_SENDER_CHARACTERS} characters"
            )
        return sender

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
        channel = _body(req).get("input_channel")
        return channel if isinstance(channel, str) and 0 < len(channel) <= 32 else self.name()

    def get_metadata(self, request: Request) -> Optional[Dict[str, Any]]:
        metadata = _body(request).get("metadata")
        return metadata if isinstance(metadata, dict) else None
