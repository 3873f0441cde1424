"""Who a message is from, as each channel knows it (its *address*: a phone number, a
Telegram chat id, a web chat session, a REST caller's `sender`), and the pseudonymous
sender id Rasa gets instead: `<channel>:<HMAC("<channel>:<address>")>` (bot.pseudonym).

- Rasa, its tracker and lock stores, the action server and the logs only ever see the
  sender id. A conversation belongs to one channel: the same text as an address on
  another channel (a REST caller posting `sender: "whatsapp:+31…"`) gives another id.
- The address itself travels only in the message's metadata (`channel`, `address`, and
  `country` for phone numbers), which the action server needs for a handoff's reply
  address and the post proposed from a number; the tracker store strips it before saving.
  `verified_address` checks that metadata against the sender id, so metadata a client
  wrote itself (REST, web chat) can never name someone else's address.
- Replies within the webhook that received a message go to the real address, which the
  request's handling holds (`ReplyTo`): an output channel is bound to it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from bot import runtime
from bot.pseudonym import SENDER_CHANNELS, is_sender_id

logger = logging.getLogger(__name__)

# Metadata keys only the channels set; whatever a client sends under them is dropped.
RESERVED_METADATA = frozenset({"channel", "address", "country"})


def sender_id_for(channel: str, address: str) -> str:
    """The sender id of `address` on `channel` (bot.runtime.sender_id_for)."""
    return runtime.sender_id_for(channel, address)


def channel_of(sender_id: object) -> Optional[str]:
    """The channel a pseudonymous sender id belongs to; None for anything else."""
    if not isinstance(sender_id, str) or not is_sender_id(sender_id):
        return None
    return sender_id.split(":", 1)[0]


@dataclass(frozen=True)
class ReplyTo:
    """A user as one request of a channel knows them: the channel's name (one of
    bot.pseudonym.SENDER_CHANNELS) and the real address replies go to."""

    channel: str
    address: str

    def __post_init__(self) -> None:
        if self.channel not in SENDER_CHANNELS:
            raise ValueError(f"unknown channel: {self.channel!r}")

    @property
    def sender_id(self) -> str:
        return sender_id_for(self.channel, self.address)

    def metadata(self, given: Optional[Mapping[str, Any]] = None, **extra: Any) -> dict[str, Any]:
        """The message metadata: what the client sent (if anything), without the keys only
        channels set, then this channel's own `channel`, `address` and `extra`."""
        kept = {k: v for k, v in (given or {}).items() if k not in RESERVED_METADATA}
        return {**kept, "channel": self.channel, "address": self.address, **extra}

    def recipient(self, recipient_id: str) -> Optional[str]:
        """The real address for a reply Rasa sends to `recipient_id`: this user's only, when
        Rasa names this conversation (its sender id, or the address itself in the
        channel's own texts); None (and one log line) for any other conversation."""
        if recipient_id == self.address or recipient_id == self.sender_id:
            return self.address
        logger.error("A reply named another conversation than the message's; left out.")
        return None


def verified_address(sender_id: object, metadata: object) -> Optional[ReplyTo]:
    """The channel address in a message's metadata, only when it belongs to this
    conversation (bot.pseudonym.verified_address); None for a missing, forged or foreign
    address."""
    found = runtime.verified_address(sender_id, metadata)
    return ReplyTo(*found) if found is not None else None


def from_stored_form(sender_id: str, stored: object) -> Optional[ReplyTo]:
    """The reply address a handoff kept (bot.handoffs.store.reply_address_text), only when
    it belongs to `sender_id`."""
    if not isinstance(stored, str) or ":" not in stored:
        return None
    channel, address = stored.split(":", 1)
    return verified_address(sender_id, {"channel": channel, "address": address})


async def reply_address(sender_id: str) -> Optional[ReplyTo]:
    """The address of a conversation for a message that answers no incoming one (an
    advisor's answer): kept only with a handoff of that conversation; None otherwise."""
    if not is_sender_id(sender_id):
        return None
    stored = await runtime.handoff_store().reply_address_for(runtime.reference_for(sender_id))
    return from_stored_form(sender_id, stored)
