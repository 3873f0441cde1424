"""Fernet writes the moment of encryption in clear into each token. What is stored says
nothing of when: an anonymous case keeps its time to the day, and the token of its report
must not give the second it was sent (to be matched with a conversation's)."""

from __future__ import annotations

import base64
import struct
import time

import pytest
from cryptography.fernet import Fernet

from bot.encryption import BytesCipher, EncryptionKeyError, TextCipher
from bot.evidence.chunks import decrypt_chunks, encrypt_chunks, reencrypt

KEY = Fernet.generate_key()


def written_at(token: str | bytes) -> int:
    raw = base64.urlsafe_b64decode(token if isinstance(token, bytes) else token.encode())
    return struct.unpack(">Q", raw[1:9])[0]


def test_stored_text_and_files_carry_no_time():
    text, files = TextCipher([KEY]), BytesCipher([KEY])
    story = "The head of finance books invoices for his brother's company."
    token = text.encrypt(story)
    assert written_at(token) == 0 and text.decrypt(token) == story
    chunks = encrypt_chunks(b"photo" * 1000, files, chunk_bytes=1024)
    assert {written_at(chunk) for chunk in chunks} == {0}
    assert decrypt_chunks(chunks, files) == b"photo" * 1000


def test_rotating_to_a_new_key_drops_the_time_an_old_token_carried():
    old, new = Fernet.generate_key(), Fernet.generate_key()
    dated = Fernet(old).encrypt(b"gestuurd om 14:03:27")
    assert abs(written_at(dated) - time.time()) < 60
    rotated = TextCipher([new, old]).rotate(dated.decode())
    assert written_at(rotated) == 0
    assert TextCipher([new]).decrypt(rotated) == "gestuurd om 14:03:27"
    [chunk] = reencrypt([Fernet(old).encrypt(b"x")], BytesCipher([new, old]))
    assert written_at(chunk) == 0 and BytesCipher([new]).decrypt(chunk) == b"x"


def test_tokens_that_must_expire_still_do():
    cipher = TextCipher([KEY])
    sealed = cipher.encrypt_dated("digest")
    now = time.time()
    assert cipher.decrypt_recent(sealed, 60, now) == "digest"
    with pytest.raises(EncryptionKeyError):
        cipher.decrypt_recent(sealed, 60, now + 120)
    with pytest.raises(EncryptionKeyError):  # an undated token is never recent
        cipher.decrypt_recent(cipher.encrypt("digest"), 60, now)
