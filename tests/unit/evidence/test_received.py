"""A file taken in keeps the fingerprint of what arrived (chain of custody) next to the
fingerprint of what is stored, and is stored encrypted in chunks that survive a key
rotation and cannot be reordered or cut short unnoticed."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.fernet import Fernet

from bot.encryption import BytesCipher, EncryptionKeyError, bytes_cipher
from bot.evidence.chunks import (
    DamagedEvidence,
    decrypt_chunks,
    encrypt_chunks,
    reencrypt,
    stored_length,
)
from bot.evidence.limits import MB, EvidenceLimits
from bot.evidence.received import receive
from bot.evidence.refusals import Refusal, RefusedFile
from tests.support import evidence as files

LIMITS = EvidenceLimits(max_file_bytes=16 * MB, max_case_bytes=50 * MB)


def test_a_scrubbed_photo_keeps_the_fingerprint_of_what_arrived():
    photo = files.jpeg(files.gps_and_camera_exif())
    received = receive(photo, case_bytes=0, limits=LIMITS)
    assert received.received_sha256 == hashlib.sha256(photo).hexdigest()
    assert received.received_size == len(photo)
    assert received.stored_sha256 == hashlib.sha256(received.data).hexdigest()
    assert received.stored_sha256 != received.received_sha256
    assert received.scrubbed and "location" in received.removed
    assert received.kind.mime_type == "image/jpeg"


def test_a_kept_original_is_stored_as_it_arrived():
    photo = files.jpeg(files.gps_and_camera_exif())
    received = receive(photo, case_bytes=0, limits=LIMITS, keep_original=True)
    assert received.data == photo and received.stored_sha256 == received.received_sha256
    assert not received.scrubbed


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (files.windows_program(), Refusal.EXECUTABLE),
        (files.jpeg() + files.zip_of({"a.txt": "x"}), Refusal.POLYGLOT),
        (files.png_claiming(50_000, 50_000), Refusal.BOMB),
        (b"", Refusal.EMPTY),
    ],
)
def test_a_refused_file_says_why(data: bytes, reason: Refusal):
    with pytest.raises(RefusedFile) as refused:
        receive(data, case_bytes=0, limits=LIMITS)
    assert refused.value.reason is reason


def test_the_received_file_never_shows_its_content():
    received = receive(b"Jan de Vries schreeuwde", case_bytes=0, limits=LIMITS)
    assert "Jan de Vries" not in repr(received)


def _key() -> bytes:
    return Fernet.generate_key()


def test_a_file_in_many_chunks_decrypts_whole():
    cipher = BytesCipher([_key()])
    data = bytes(range(256)) * 9000  # 2.3 MB, stored as 4 MB
    chunks = encrypt_chunks(data, cipher)
    assert len(chunks) == 4
    assert all(data[:1000] not in chunk for chunk in chunks)
    assert decrypt_chunks(chunks, cipher) == data


def test_the_stored_tokens_give_a_files_size_only_to_the_power_of_two():
    """The same photo sent to an advisor and with an anonymous report must not be found
    twice by its size: files of 2,100 and 4,000 bytes look alike, 5,000 bytes does not."""
    cipher = BytesCipher([_key()])
    lengths = {n: [len(t) for t in encrypt_chunks(b"\xff" * n, cipher)] for n in (2100, 4000)}
    assert lengths[2100] == lengths[4000]
    assert [len(t) for t in encrypt_chunks(b"\xff" * 5000, cipher)] != lengths[4000]
    assert [stored_length(n) for n in (0, 1, 4096, 4097, 230_000)] == [
        4096,
        4096,
        4096,
        8192,
        262_144,
    ]


def test_an_empty_file_is_one_chunk():
    cipher = BytesCipher([_key()])
    assert decrypt_chunks(encrypt_chunks(b"", cipher), cipher) == b""


def test_after_rotation_old_chunks_decrypt_and_reencrypted_ones_need_only_the_new_key():
    old, new = _key(), _key()
    data = b"evidence " * 1000
    chunks = encrypt_chunks(data, BytesCipher([old]), chunk_bytes=4000)

    rotated = BytesCipher([new, old])  # the new key first, the old one kept
    assert decrypt_chunks(chunks, rotated) == data
    with pytest.raises(EncryptionKeyError):
        decrypt_chunks(chunks, BytesCipher([new]))

    renewed = reencrypt(chunks, rotated)
    assert decrypt_chunks(renewed, BytesCipher([new])) == data
    with pytest.raises(EncryptionKeyError):
        decrypt_chunks(renewed, BytesCipher([old]))


def test_chunks_reordered_cut_short_or_mixed_do_not_decrypt_into_a_file():
    cipher = BytesCipher([_key()])
    chunks = encrypt_chunks(b"abcdefghij", cipher, chunk_bytes=3)
    other = encrypt_chunks(b"0123456789", cipher, chunk_bytes=3)
    for tampered in (
        [chunks[1], chunks[0], *chunks[2:]],
        chunks[:-1],
        [*chunks[:2], other[2], chunks[3]],
        [],
    ):
        with pytest.raises(DamagedEvidence):
            decrypt_chunks(tampered, cipher)


def test_the_process_cipher_uses_the_configured_keys_newest_first(
    monkeypatch: pytest.MonkeyPatch,
):
    old, new = _key(), _key()
    chunks = encrypt_chunks(b"x", BytesCipher([old]))
    monkeypatch.setenv("VM_ENCRYPTION_KEYS", f"{new.decode()},{old.decode()}")
    bytes_cipher.cache_clear()
    try:
        assert decrypt_chunks(reencrypt(chunks, bytes_cipher()), BytesCipher([new])) == b"x"
    finally:
        bytes_cipher.cache_clear()
