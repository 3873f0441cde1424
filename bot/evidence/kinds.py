"""What a file is, decided by its content (magic bytes and structure), never by its name
or the MIME type a channel declares: a program renamed 'photo.jpg' is still a program.

Accepted: images (JPEG, PNG, GIF, WebP, HEIC/HEIF), PDF, plain text (UTF-8, or UTF-16
with a byte-order mark), audio (Ogg Opus/Vorbis voice notes, MP3, MP4/M4A audio, AMR,
WAV) and office documents (DOCX/XLSX/PPTX, ODT/ODS/ODP, legacy DOC/XLS/PPT). Everything
else is refused with a reason (bot.evidence.refusals)."""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from bot.evidence import containers, trailers
from bot.evidence.refusals import Refusal


class Kind(str, Enum):
    IMAGE = "image"
    PDF = "pdf"
    TEXT = "text"
    AUDIO = "audio"
    DOCUMENT = "document"
    ARCHIVE = "archive"
    EXECUTABLE = "executable"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class FileKind:
    kind: Kind
    mime_type: str | None
    refusal: Refusal | None = None

    @property
    def accepted(self) -> bool:
        return self.refusal is None


OCTET_STREAM = "application/octet-stream"
_UNKNOWN = FileKind(Kind.UNKNOWN, OCTET_STREAM, Refusal.UNKNOWN)
# Kinds whose end can be found, or that a zip can hide in: checked for polyglots.
_CARRIERS = (Kind.IMAGE, Kind.PDF, Kind.AUDIO)


def identify(data: bytes) -> FileKind:
    if not data:
        return FileKind(Kind.UNKNOWN, None, Refusal.EMPTY)
    for detect in _DETECTORS:
        found = detect(data)
        if found is not None:
            break
    else:
        return _UNKNOWN
    if found.accepted and found.kind in _CARRIERS and found.mime_type:
        if trailers.hides_another_format(data, found.mime_type):
            return FileKind(found.kind, found.mime_type, Refusal.POLYGLOT)
    return found


# --- programs and archives, by their magic bytes --------------------------------------------

_PROGRAMS = (
    (b"\x7fELF", "application/x-elf"),
    (b"\xfe\xed\xfa\xce", "application/x-mach-binary"),
    (b"\xfe\xed\xfa\xcf", "application/x-mach-binary"),
    (b"\xce\xfa\xed\xfe", "application/x-mach-binary"),
    (b"\xcf\xfa\xed\xfe", "application/x-mach-binary"),
    (b"\xca\xfe\xba\xbe", "application/java-vm"),  # also a universal Mach-O: both programs
    (b"\x00asm", "application/wasm"),
    (b"dex\n", "application/vnd.android.dex"),
    (b"L\x00\x00\x00\x01\x14\x02\x00", "application/x-ms-shortcut"),
)
_ARCHIVES = (
    (b"Rar!\x1a\x07", "application/vnd.rar"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"\x1f\x8b", "application/gzip"),
    (b"\xfd7zXZ\x00", "application/x-xz"),
    (b"\x28\xb5\x2f\xfd", "application/zstd"),
    (b"MSCF\x00\x00\x00\x00", "application/vnd.ms-cab-compressed"),
    (b"LZIP", "application/x-lzip"),
)
_WINDOWS_PROGRAM = "application/vnd.microsoft.portable-executable"
_BZIP2 = re.compile(rb"BZh[1-9](?:1AY&SY|\x17rE8P\x90)")


def _program(data: bytes) -> FileKind | None:
    for magic, mime_type in _PROGRAMS:
        if data.startswith(magic):
            return FileKind(Kind.EXECUTABLE, mime_type, Refusal.EXECUTABLE)
    if data.startswith(b"#!") and not data.startswith(b"#!AMR"):  # a script
        return FileKind(Kind.EXECUTABLE, "text/x-script", Refusal.EXECUTABLE)
    if data.startswith(b"MZ") and _text_mime(data) is None:  # DOS/Windows; not "MZ..." prose
        return FileKind(Kind.EXECUTABLE, _WINDOWS_PROGRAM, Refusal.EXECUTABLE)
    return None


def _archive(data: bytes) -> FileKind | None:
    mime_type = next((mime for magic, mime in _ARCHIVES if data.startswith(magic)), None)
    if mime_type is None and _BZIP2.match(data):
        mime_type = "application/x-bzip2"
    if mime_type is None and data[257:262] == b"ustar":
        mime_type = "application/x-tar"
    if mime_type is None and data[0x8001:0x8006] == b"CD001":
        mime_type = "application/x-iso9660-image"
    return FileKind(Kind.ARCHIVE, mime_type, Refusal.ARCHIVE) if mime_type else None


def _container(data: bytes) -> FileKind | None:
    if containers.is_zip(data):
        found = containers.inspect_zip(data)
        if found.mime_type is None:
            kind = Kind.EXECUTABLE if found.refusal is Refusal.EXECUTABLE else Kind.ARCHIVE
            return FileKind(kind, "application/zip", found.refusal or Refusal.ARCHIVE)
    elif containers.is_ole(data):
        found = containers.inspect_ole(data)
        if found.mime_type is None:
            return FileKind(Kind.UNKNOWN, "application/x-ole-storage", found.refusal)
    else:
        return None
    return FileKind(Kind.DOCUMENT, found.mime_type, found.refusal)


# --- images and PDF ----------------------------------------------------------------------

_HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"})
_HEIF_GENERIC = frozenset({b"mif1", b"msf1"})


def _image(data: bytes) -> FileKind | None:
    mime_type: str | None = None
    if data.startswith(b"\xff\xd8\xff"):
        mime_type = "image/jpeg"
    elif data.startswith(b"\x89PNG\r\n\x1a\n"):
        mime_type = "image/png"
    elif data.startswith((b"GIF87a", b"GIF89a")):
        mime_type = "image/gif"
    elif data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        mime_type = "image/webp"
    else:
        mime_type = _heif(data)
    return FileKind(Kind.IMAGE, mime_type) if mime_type else None


def _heif(data: bytes) -> str | None:
    brands = _iso_brands(data)
    if brands is None:
        return None
    major, compatible = brands
    if major in _HEIF_BRANDS or compatible & _HEIF_BRANDS:
        return "image/heic"
    if major in _HEIF_GENERIC and b"avif" not in compatible and b"avis" not in compatible:
        return "image/heif"
    return None


def _iso_brands(data: bytes) -> tuple[bytes, set[bytes]] | None:
    """An ISO base media file's major brand and compatible brands, from its 'ftyp' box."""
    if data[4:8] != b"ftyp":
        return None
    size = int.from_bytes(data[0:4], "big")
    if size < 16 or size > len(data):
        return None
    return data[8:12], {data[at : at + 4] for at in range(16, size - 3, 4)}


def _pdf(data: bytes) -> FileKind | None:
    # At offset 0 only: readers accept a header anywhere in the first kilobyte, which is
    # how a PDF hides behind another format's start.
    return FileKind(Kind.PDF, "application/pdf") if data.startswith(b"%PDF-") else None


# --- audio -------------------------------------------------------------------------------

_AUDIO_BRANDS = frozenset({b"M4A ", b"M4B ", b"F4A ", b"F4B "})
_MP3_BITRATES = {
    3: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),  # MPEG-1
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),  # MPEG-2
    0: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),  # MPEG-2.5
}
_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _audio(data: bytes) -> FileKind | None:
    mime_type: str | None = None
    if data.startswith(b"OggS"):
        mime_type = _ogg(data)
    elif data.startswith((b"#!AMR\n", b"#!AMR-WB\n")):
        mime_type = "audio/amr-wb" if data.startswith(b"#!AMR-WB") else "audio/amr"
    elif data.startswith(b"RIFF") and data[8:12] == b"WAVE":
        mime_type = "audio/wav"
    elif _iso_audio(data):
        mime_type = "audio/mp4"
    elif _mp3(data):
        mime_type = "audio/mpeg"
    return FileKind(Kind.AUDIO, mime_type) if mime_type else None


def _ogg(data: bytes) -> str | None:
    """Opus (WhatsApp and Telegram voice notes) or Vorbis, from the first page's packet."""
    if len(data) < 28 or data[4] != 0 or not data[5] & 0x02:  # version 0, first page
        return None
    packet = 27 + data[26]
    if data[packet : packet + 8] == b"OpusHead" or data[packet : packet + 7] == b"\x01vorbis":
        return "audio/ogg"
    return None


def _iso_audio(data: bytes) -> bool:
    """MP4 with an audio brand, or whose tracks are all sound (recorders that write
    'mp42' or '3gp4')."""
    brands = _iso_brands(data)
    if brands is None:
        return False
    if brands[0] in _AUDIO_BRANDS:
        return True
    end = trailers.iso_box_end(data) or 0
    at = 0
    while at + 8 <= end:
        size = int.from_bytes(data[at : at + 4], "big")
        if data[at + 4 : at + 8] == b"moov":
            handlers = _handlers(data[at : at + size])
            return b"soun" in handlers and b"vide" not in handlers
        at += size if size >= 8 else end
    return False


def _handlers(movie: bytes) -> set[bytes]:
    """The handler types ('soun', 'vide', ...) of a movie box's tracks."""
    found: set[bytes] = set()
    at = movie.find(b"hdlr")
    while at >= 0:
        found.add(movie[at + 12 : at + 16])
        at = movie.find(b"hdlr", at + 4)
    return found


def _mp3(data: bytes) -> bool:
    """Two MPEG layer III frames in a row (one suffices if the file ends after it), after
    an ID3v2 tag if there is one."""
    at = 0
    if data.startswith(b"ID3") and len(data) >= 10 and 2 <= data[3] <= 4:
        size = 0
        for byte in data[6:10]:
            if byte & 0x80:
                return False
            size = (size << 7) | byte
        at = 10 + size + (10 if data[5] & 0x10 else 0)
        while at < len(data) and data[at] == 0:  # padding
            at += 1
    first = _mp3_frame_length(data[at : at + 4])
    if first is None:
        return False
    following = at + first
    return following >= len(data) or _mp3_frame_length(data[following : following + 4]) is not None


def _mp3_frame_length(header: bytes) -> int | None:
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version, layer = (header[1] >> 3) & 3, (header[1] >> 1) & 3
    bitrate_index, rate_index = header[2] >> 4, (header[2] >> 2) & 3
    if version == 1 or layer != 1 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    bitrate = _MP3_BITRATES[version][bitrate_index] * 1000
    rate = _MP3_RATES[version][rate_index]
    per_frame = 144 if version == 3 else 72
    return per_frame * bitrate // rate + ((header[2] >> 1) & 1)


# --- plain text --------------------------------------------------------------------------

# Control characters other than tab, line feed, form feed and carriage return, and DEL and
# the C1 controls: binary data, or terminal escapes.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def _text_mime(data: bytes) -> str | None:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding, charset = "utf-16", "utf-16"
    else:
        encoding, charset = "utf-8-sig", "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    if _CONTROL.search(text):
        return None
    return f"text/plain; charset={charset}"


def _text(data: bytes) -> FileKind | None:
    mime_type = _text_mime(data)
    return FileKind(Kind.TEXT, mime_type) if mime_type else None


# In this order: a program or archive is never taken for text, and a zip is looked into
# before anything else claims it.
_DETECTORS: tuple[Callable[[bytes], FileKind | None], ...] = (
    _program,
    _archive,
    _container,
    _image,
    _pdf,
    _audio,
    _text,
)
