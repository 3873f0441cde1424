"""Pseudonyms: stable per input, useless without the key.

One master key (VM_PSEUDONYM_KEY or a key file) and, derived from it with HKDF-SHA256, one
key per purpose, so that a value computed for one purpose can never stand in for another
(a sender pseudonym is not an opt-out hash, a delivery hash is not a receipt look-up).
Every keyed hash in the project takes its key from `derive_key(master, purpose)`, through
bot.runtime.purpose_key."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from pathlib import Path
from typing import Optional

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.keys import configured_or_file
from bot.settings import settings

KEY_FILE = "pseudonym.key"

# The purposes, each with its own derived key. Changing a name changes every value made
# for that purpose (receipt look-ups stop matching), so names are fixed once used.
REFERENCE = "reference"  # conversation references shown to users and advisors
SENDER = "sender"  # the sender ids Rasa sees (channels/addresses.py)
OPT_OUT = "opt-out"  # numbers that sent STOP (channels/state.py)
DELIVERY = "delivery"  # platform delivery ids remembered for de-duplication
RECEIPT = "receipt"  # receipt-code look-ups and follow-up tokens (bot/cases)
EVIDENCE = "evidence"  # the conversation holding a file not yet given to a report (bot/evidence)
PURPOSES = frozenset({REFERENCE, SENDER, OPT_OUT, DELIVERY, RECEIPT, EVIDENCE})

_SALT = b"veilig-melden pseudonym keys v1"
# The hex characters of a sender pseudonym: 128 bits, as many as a web chat session id.
SENDER_PSEUDONYM_CHARACTERS = 32


def pseudonym_key(state_dir: Path) -> bytes:
    """The master key from VM_PSEUDONYM_KEY, else a file created on first use, readable by
    the owner only, shared by the Rasa server and the action server on one machine. Use
    it only through `derive_key`."""
    return configured_or_file(settings().pseudonym_key, state_dir / KEY_FILE)


def derive_key(master: bytes, purpose: str) -> bytes:
    """The key for one purpose (HKDF-SHA256, RFC 5869); unknown purposes are refused so a
    typo cannot silently make a new key."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown pseudonym purpose: {purpose!r}")
    if not master:
        raise ValueError("the pseudonym key is empty")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=purpose.encode("ascii"))
    return hkdf.derive(master)


def keyed_hash(key: bytes, value: str) -> str:
    """HMAC-SHA256 of a text, in hex."""
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def conversation_reference(sender_id: str, key: bytes) -> str:
    """'VM-3F9A-C21B-77D0': readable aloud, and the sender id cannot be recovered from it.
    `key`: the REFERENCE purpose's."""
    digest = keyed_hash(key, sender_id).upper()
    return "VM-" + "-".join(digest[i : i + 4] for i in range(0, 12, 4))


def sender_pseudonym(key: bytes, channel: str, address: str) -> str:
    """The pseudonymous part of a sender id: HMAC of '<channel>:<address>' with the SENDER
    purpose's key, so the same address on two channels gives two unrelated ids."""
    return keyed_hash(key, f"{channel}:{address}")[:SENDER_PSEUDONYM_CHARACTERS]


# The namespaces of sender ids: a conversation belongs to exactly one channel.
SENDER_CHANNELS = ("rest", "sms", "whatsapp", "telegram", "webchat")
# The longest address a channel gives (the REST channel's `sender`).
MAX_ADDRESS_CHARACTERS = 256


def make_sender_id(key: bytes, channel: str, address: str) -> str:
    """'whatsapp:3f9a…': what Rasa, its stores, the action server and logs see of a sender.
    `address`: the channel's own id of the user (a phone number, a chat id, a web chat
    session, a REST caller's `sender`)."""
    if channel not in SENDER_CHANNELS:
        raise ValueError(f"unknown channel: {channel!r}")
    if not address:
        raise ValueError("a sender id needs an address")
    return f"{channel}:{sender_pseudonym(key, channel, address)}"


def is_sender_id(value: object) -> bool:
    """Whether a value has the shape of a pseudonymous sender id (not whether it is one)."""
    if not isinstance(value, str):
        return False
    channel, _, pseudonym = value.partition(":")
    return (
        channel in SENDER_CHANNELS
        and len(pseudonym) == SENDER_PSEUDONYM_CHARACTERS
        and all(c in "0123456789abcdef" for c in pseudonym)
    )


def verified_address(key: bytes, sender_id: object, metadata: object) -> Optional[tuple[str, str]]:
    """(channel, address) from a message's metadata, only when they belong to this
    conversation: they give back exactly this sender id (`key`: the SENDER purpose's).
    None for a missing, forged or foreign address: metadata a client wrote itself can
    never name someone else's number."""
    if not isinstance(metadata, Mapping) or not is_sender_id(sender_id):
        return None
    channel, address = metadata.get("channel"), metadata.get("address")
    if not isinstance(channel, str) or channel not in SENDER_CHANNELS:
        return None
    if not isinstance(address, str) or not 0 < len(address) <= MAX_ADDRESS_CHARACTERS:
        return None
    expected = make_sender_id(key, channel, address)
    if not hmac.compare_digest(expected.encode(), str(sender_id).encode()):
        return None
    return channel, address
