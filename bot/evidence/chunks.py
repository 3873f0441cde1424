"""Evidence encrypted at rest in chunks of 1 MB, each a Fernet token under the project's
key set (bot.encryption.BytesCipher): a 16 MB file is never one 22 MB token, and a chunk
can be stored, read or rotated to a new key on its own.

Each chunk's plaintext starts with a random mark of its file, its position and the number
of chunks, so chunks put in another order, left out or taken from another file do not
decrypt into a file unnoticed."""

from __future__ import annotations

import os
import struct
from collections.abc import Sequence

from bot.encryption import BytesCipher

CHUNK_BYTES = 1024 * 1024
_PLACE = struct.Struct(">16sII")  # the file's mark, this chunk's index, the number of chunks


class DamagedEvidence(ValueError):
    """The chunks decrypt, but not into one whole file: missing, reordered or mixed."""


def encrypt_chunks(data: bytes, cipher: BytesCipher, chunk_bytes: int = CHUNK_BYTES) -> list[bytes]:
    if chunk_bytes <= 0:
        raise ValueError("a chunk holds at least one byte")
    pieces = [data[at : at + chunk_bytes] for at in range(0, len(data), chunk_bytes)] or [b""]
    mark = os.urandom(16)
    return [
        cipher.encrypt(_PLACE.pack(mark, index, len(pieces)) + piece)
        for index, piece in enumerate(pieces)
    ]


def decrypt_chunks(chunks: Sequence[bytes], cipher: BytesCipher) -> bytes:
    """The file, from all its chunks in order; EncryptionKeyError if a chunk does not
    decrypt with these keys, DamagedEvidence if the chunks are not the whole file."""
    pieces = []
    marks = set()
    for expected, token in enumerate(chunks):
        plain = cipher.decrypt(token)
        if len(plain) < _PLACE.size:
            raise DamagedEvidence("a chunk is too short")
        mark, index, count = _PLACE.unpack_from(plain)
        marks.add(mark)
        if index != expected or count != len(chunks) or len(marks) != 1:
            raise DamagedEvidence("the chunks are not one whole file in order")
        pieces.append(plain[_PLACE.size :])
    if not pieces:
        raise DamagedEvidence("no chunks")
    return b"".join(pieces)


def reencrypt(chunks: Sequence[bytes], cipher: BytesCipher) -> list[bytes]:
    """The same chunks encrypted with the newest key (after it was put first in
    VM_ENCRYPTION_KEYS), so that older keys can be removed."""
    return [cipher.rotate(token) for token in chunks]
