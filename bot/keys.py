"""Secrets from the environment, or else from an owner-only file in the state folder that
whichever process needs it first creates, once.

The Rasa server and the action server start together and may both find the file missing.
Each writes a new key to a temporary file of its own and hard-links it to the key file's
name: a link is atomic and refuses to replace an existing file, so exactly one key wins,
every process reads that one, and nobody ever reads a half-written or empty file."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path

from bot.security.files import private_folder


class KeyFileError(RuntimeError):
    """The key file exists but holds no key (left by an older version that was stopped
    while writing it): delete it to have a new one made, or configure the key."""


def configured_or_file(configured: str | None, path: Path) -> bytes:
    """`configured` (from the environment) as written when set, else the key in `path`:
    256 random bits, made on first use."""
    if configured:
        return configured.encode()
    return read_or_create(path, _random_key).strip().encode()


def _random_key() -> str:
    return secrets.token_hex(32)


def read_or_create(path: Path, new_key: Callable[[], str]) -> str:
    """The text of the key file at `path`, created with `new_key()` when it is missing,
    readable and writable by its owner only, in a folder only its owner can enter."""
    private_folder(path.parent)
    if not path.exists():
        _create(path, new_key())
    text = path.read_text()
    if not text.strip():
        raise KeyFileError(f"the key file {path} is empty")
    return text


def _create(path: Path, key: str) -> None:
    # mkstemp creates the file with mode 0600 in the same folder (a link needs the same
    # file system).
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(key)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process was first: everyone uses its key
    finally:
        os.unlink(temporary)
