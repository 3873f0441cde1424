"""What every messaging webhook does with what arrives: refuse what is too big or
malformed with a 4xx that says why, and clean the text a user wrote before the dialogue
sees it. Nothing here logs what a user wrote."""

from __future__ import annotations

import logging
import unicodedata
from typing import Mapping, Optional

from sanic import response
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

# The longest text passed on; Twilio bodies stop at 1,600 characters, Telegram's at 4,096,
# the web chat refuses longer messages. The REST channel keeps its own, larger limit.
MAX_TEXT_CHARACTERS = 5000


class BadRequest(ValueError):
    """A request that cannot be a genuine delivery; the message says what is wrong."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def refusal(status: int, message: str) -> HTTPResponse:
    return response.json({"error": message}, status=status)


def check_size(body: Optional[bytes], limit: int) -> None:
    if body is not None and len(body) > limit:
        raise BadRequest(f"The body is larger than {limit} bytes.", status=413)


def clean_text(text: str, max_characters: int = MAX_TEXT_CHARACTERS) -> str:
    """The text as the user meant it, the one rule for every channel: control characters
    removed, unpaired surrogates (which no database stores) replaced, every line end a \\n,
    surrounding space dropped; direction marks, joiners and emoji kept."""
    # Pairs surrogates that JSON escapes split up, and replaces lone ones.
    text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    kept = [c for c in text if c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cs")]
    return "".join(kept).strip()[:max_characters]


def missing_settings(environment: Mapping[str, str], names: tuple[str, ...]) -> list[str]:
    return [name for name in names if not (environment.get(name) or "").strip()]


def log_channel_off(channel: str, missing: list[str]) -> None:
    """The one line that says a channel is off and why (it is not an error: a deployment
    may use only some channels)."""
    logger.warning("%s channel off: %s not set", channel, ", ".join(missing))
