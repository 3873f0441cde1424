"""Evidence encrypted at rest in chunks of 1 MB, each a Fernet token under the project's
key set (bot.encryption.BytesCipher): a 16 MB file is never one 22 MB token, and a chunk
can be stored, read or rotated to a new key on its own.

Each chunk's plaintext starts with a random mark of its file, its position, the number of
chunks and the file's length, so chunks put in another order, left out or taken from another
file do not decrypt into a file unnoticed.

A file is stored padded with zeros to the next power of two (`stored_length`): the tokens'
lengths would otherwise give its exact size, and the same photo sent to an advisor and with
an anonymous report would be found twice by its size."""

from __future__ import annotations

import os
import struct
from collections.abc import Sequence

from bot.encryption import BytesCipher

CHUNK_BYTES = 1024 * 1024
# The file's mark, this chunk's index, the number of chunks, the file's length.
_PLACE = struct.Struct(">16sIIQ")
MIN_STORED_BYTES = 4096


class DamagedEvidence(ValueError):
    """The chunks decrypt, but not into one whole file: missing, reordered or mixed."""


def stored_length(length: int) -> int:
    """The length a file of `length` bytes is stored at: the next power of two, at least
    MIN_STORED_BYTES. What the database shows of a file's size is this bucket."""
    return max(MIN_STORED_BYTES, 1 << max(length - 1, 0).bit_length())


def encrypt_chunks(data: bytes, cipher: BytesCipher, chunk_bytes: int = CHUNK_BYTES) -> list[bytes]:
    if chunk_bytes <= 0:
        raise ValueError("a chunk holds at least one byte")
    padded = data + bytes(stored_length(len(data)) - len(data))
    pieces = [padded[at : at + chunk_bytes] for at in range(0, len(padded), chunk_bytes)]
    mark = os.urandom(16)
    return [
        cipher.encrypt(_PLACE.pack(mark, index, len(pieces), len(data)) + piece)
        for index, piece in enumerate(pieces)
    ]


def decrypt_chunks(chunks: Sequence[bytes], cipher: BytesCipher) -> bytes:
    """The file, from all its chunks in order; EncryptionKeyError if a chunk does not
    decrypt with these keys, DamagedEvidence if the chunks are not the whole file."""
    pieces = []
    files = set()
    for expected, token in enumerate(chunks):
        plain = cipher.decrypt(token)
        if len(plain) < _PLACE.size:
            raise DamagedEvidence("a chunk is too short")
        mark, index, count, length = _PLACE.unpack_from(plain)
        files.add((mark, length))
        if index != expected or count != len(chunks) or len(files) != 1:
            raise DamagedEvidence("the chunks are not one whole file in order")
        pieces.append(plain[_PLACE.size :])
    if not pieces:
        raise DamagedEvidence("no chunks")
    padded = b"".join(pieces)
    ((_, length),) = files
    if len(padded) < length or padded[length:] != bytes(len(padded) - length):
        raise DamagedEvidence("the file is not as long as its chunks say")
    return padded[:length]


def reencrypt(chunks: Sequence[bytes], cipher: BytesCipher) -> list[bytes]:
    """The same chunks encrypted with the newest key (after it was put first in
    VM_ENCRYPTION_KEYS), so that older keys can be removed."""
    return [cipher.rotate(token) for token in chunks]
