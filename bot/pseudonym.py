"""Pseudonymous references for conversations: stable per sender, useless without the key."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from bot.keys import configured_or_file
from bot.settings import settings

KEY_FILE = "pseudonym.key"


def pseudonym_key(state_dir: Path) -> bytes:
    """The key from VM_PSEUDONYM_KEY, else a file created on first use, readable by the owner
    only, shared by the Rasa server and the action server on one machine."""
    return configured_or_file(settings().pseudonym_key, state_dir / KEY_FILE)


def conversation_reference(sender_id: str, key: bytes) -> str:
    """'VM-3F9A-C21B-77D0': readable aloud, and the sender id cannot be recovered from it."""
    digest = hmac.new(key, sender_id.encode("utf-8"), hashlib.sha256).hexdigest().upper()
    return "VM-" + "-".join(digest[i : i + 4] for i in range(0, 12, 4))
