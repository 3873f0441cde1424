"""Pseudonymous references for conversations: stable per sender, useless without the key."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path


def pseudonym_key(state_dir: Path) -> bytes:
    """The key from VM_PSEUDONYM_KEY, else a file created on first use, readable by the owner
    only, shared by the Rasa server and the action server on one machine."""
    configured = os.environ.get("VM_PSEUDONYM_KEY")
    if configured:
        return configured.encode()
    path = state_dir / "pseudonym.key"
    if not path.exists():
        state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def conversation_reference(sender_id: str, key: bytes) -> str:
    """'VM-3F9A-C21B-77D0': readable aloud, and the sender id cannot be recovered from it."""
    digest = hmac.new(key, sender_id.encode("utf-8"), hashlib.sha256).hexdigest().upper()
    return "VM-" + "-".join(digest[i : i + 4] for i in range(0, 12, 4))
