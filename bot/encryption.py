"""Encryption at rest for free text (reports, case messages, handoff transcripts) and for
evidence files (bytes, in chunks: bot.evidence.chunks), with the same keys.

Fernet (AES-128-CBC + HMAC-SHA256) from the cryptography package. Keys come from
VM_ENCRYPTION_KEYS (comma-separated, newest first) or, by default, from the file
`encryption.key` in the state folder, created on first use with owner-only permissions.

Rotation: put a new key first and keep the old ones after it (file: one key per line;
environment: comma-separated). New text is encrypted with the first key, old text still
decrypts; `python -m bot.cli db reencrypt` rewrites stored text with the
newest key, evidence files' chunks included, after which old keys can be removed.

Tokens are undated (UNDATED below): Fernet would otherwise write the moment of encryption
in clear into each."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy.types import Text, TypeDecorator

from bot.keys import KeyFileError, read_or_create
from bot.settings import settings

KEY_FILE = "encryption.key"


class EncryptionKeyError(RuntimeError):
    """The configured keys are missing or malformed: nothing can be read or written."""


def _new_key_file() -> str:
    return Fernet.generate_key().decode() + "\n"


def load_keys(state_dir: Path) -> list[bytes]:
    """VM_ENCRYPTION_KEYS (comma-separated), else the key file (one key per line)."""
    configured = settings().encryption_keys
    if configured:
        keys = [key.strip() for key in configured.split(",") if key.strip()]
    else:
        try:
            text = read_or_create(state_dir / KEY_FILE, _new_key_file)
        except KeyFileError as error:
            raise EncryptionKeyError(str(error)) from error
        keys = [line.strip() for line in text.splitlines() if line.strip()]
    if not keys:
        raise EncryptionKeyError("no encryption key configured")
    return [key.encode() for key in keys]


def _key_set(keys: list[bytes]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except (ValueError, TypeError) as error:
        raise EncryptionKeyError("an encryption key is malformed") from error


# Fernet writes the moment of encryption in clear into every token. Stored text and files
# are encrypted "at" this fixed moment instead: an anonymous case keeps its time to the day
# only, and its report's token would otherwise give the second it was sent, to be matched
# with a conversation's. Only tokens that must expire (`encrypt_dated`) carry their time.
UNDATED = 0


class TextCipher:
    def __init__(self, keys: list[bytes]) -> None:
        self._fernet = _key_set(keys)

    def encrypt(self, text: str) -> str:
        """A token that says nothing of when it was made (UNDATED)."""
        return self._fernet.encrypt_at_time(text.encode("utf-8"), UNDATED).decode("ascii")

    def encrypt_dated(self, text: str) -> str:
        """A token that carries its time, for `decrypt_recent`; never for stored text."""
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as error:
            raise EncryptionKeyError("stored text cannot be decrypted with these keys") from error

    def decrypt_recent(self, token: str, max_age_seconds: int, now: float) -> str:
        """The text, if it was encrypted at most `max_age_seconds` before `now`."""
        try:
            data = self._fernet.decrypt_at_time(token.encode("ascii"), max_age_seconds, int(now))
        except InvalidToken as error:
            raise EncryptionKeyError("stored text is too old or unreadable") from error
        return data.decode("utf-8")

    def rotate(self, token: str) -> str:
        """The same text, encrypted with the newest key, undated (a token stored before
        tokens were undated loses its time). InvalidToken when no key decrypts it."""
        text = self._fernet.decrypt(token.encode("ascii"))
        return self._fernet.encrypt_at_time(text, UNDATED).decode("ascii")


@lru_cache(maxsize=1)
def text_cipher() -> TextCipher:
    """The process's cipher, built from the configuration on first use (`bot.runtime.reset`
    forgets it, with the other services)."""
    return TextCipher(load_keys(settings().state_dir))


class BytesCipher:
    """Fernet tokens of bytes: evidence files, encrypted in chunks by bot.evidence.chunks."""

    def __init__(self, keys: list[bytes]) -> None:
        self._fernet = _key_set(keys)

    def encrypt(self, data: bytes) -> bytes:
        """A token that says nothing of when it was made (UNDATED)."""
        return self._fernet.encrypt_at_time(data, UNDATED)

    def decrypt(self, token: bytes) -> bytes:
        try:
            return self._fernet.decrypt(token)
        except InvalidToken as error:
            raise EncryptionKeyError("stored data cannot be decrypted with these keys") from error

    def rotate(self, token: bytes) -> bytes:
        """The same bytes, encrypted with the newest key, undated."""
        return self.encrypt(self.decrypt(token))


@lru_cache(maxsize=1)
def bytes_cipher() -> BytesCipher:
    """The process's cipher for files, from the same keys as `text_cipher`."""
    return BytesCipher(load_keys(settings().state_dir))


class EncryptedText(TypeDecorator):
    """A column whose text is stored encrypted and read back in clear."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else text_cipher().encrypt(str(value))

    def process_result_value(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else text_cipher().decrypt(value)
