"""No file name and no file content in any log line, whatever the level: not from our
code, and not from Pillow, whose debug lines quote EXIF values (GPS position, camera make,
owner) as it reads them."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from cryptography.fernet import Fernet
from PIL import Image

from bot.encryption import BytesCipher
from bot.evidence.chunks import decrypt_chunks, encrypt_chunks, reencrypt
from bot.evidence.kinds import identify
from bot.evidence.limits import MB, EvidenceLimits, room_left, size_refusal
from bot.evidence.received import receive
from bot.evidence.refusals import RefusedFile
from bot.evidence.scrub import scrub
from tests.support import evidence as files

ENTRY_NAME = "aangifte-tegen-Pietersen.txt"
TEXT = "Pietersen zei dat ik moest zwijgen"
SECRETS = (
    files.AUTHOR,
    files.COMPANY,
    files.CAMERA_MAKE,
    files.CAMERA_MODEL,
    files.CAMERA_SERIAL,
    ENTRY_NAME,
    TEXT,
    "52.0",  # the photo's latitude
    "48.5",
)


@pytest.fixture
def pillow_as_it_comes() -> Iterator[None]:
    """Pillow's logger as a fresh process has it (a test before may have quietened it)."""
    logger = logging.getLogger("PIL")
    level = logger.level
    logger.setLevel(logging.NOTSET)
    yield
    logger.setLevel(level)


def test_nothing_of_a_file_is_logged_at_any_level(
    caplog: pytest.LogCaptureFixture, pillow_as_it_comes: None
):
    samples = [  # built first: writing the photo's EXIF logs it too
        files.jpeg(files.gps_and_camera_exif(orientation=3)),
        files.png_with_text(),
        files.docx(),
        files.odt(),
        TEXT.encode(),
        files.ogg_opus(),
        files.zip_of({ENTRY_NAME: TEXT}),
        files.docx({f"word/embeddings/{ENTRY_NAME}.exe": TEXT}),
        files.jpeg(files.gps_and_camera_exif()) + files.zip_of({ENTRY_NAME: TEXT}),
        files.png_claiming(50_000, 50_000),
    ]
    caplog.set_level(logging.DEBUG)
    limits = EvidenceLimits(16 * MB, 50 * MB)
    refused: list[str] = []
    cipher = BytesCipher([Fernet.generate_key()])
    for data in samples:
        found = identify(data)
        size_refusal(len(data), 0, limits)
        room_left(len(data), limits)
        for keep_original in (False, True):
            try:
                scrub(data, found, keep_original=keep_original)
                received = receive(data, case_bytes=0, limits=limits)
            except (RefusedFile, ValueError) as error:
                refused.append(str(error))
                continue
            chunks = reencrypt(encrypt_chunks(received.data, cipher, chunk_bytes=64), cipher)
            decrypt_chunks(chunks, cipher)

    assert refused, "some samples are refused, and their refusals were looked at too"
    said = caplog.text + "\n".join(refused)
    leaked = [secret for secret in SECRETS if secret in said]
    assert leaked == []


def test_pillow_would_have_logged_the_camera_if_left_alone(
    caplog: pytest.LogCaptureFixture, pillow_as_it_comes: None
):
    # What the test above guards against is real: Pillow quotes EXIF values at DEBUG.
    photo = files.jpeg(files.gps_and_camera_exif())
    caplog.set_level(logging.DEBUG)
    Image.open(io.BytesIO(photo)).getexif()
    assert files.CAMERA_MAKE in caplog.text
