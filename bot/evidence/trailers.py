"""Where an image, PDF or audio file ends, and whether another format hides after that end
or around it (a polyglot: a photo that is also a zip, a PDF with a program appended).

Only what can be told reliably: what follows the format's own end marker (past padding)
must not start with a zip, rar, 7z or program signature, nor hold a Windows program; the
whole file is searched for the long (six-byte) rar and 7z signatures and opened as a zip,
which finds a zip wherever a zip tool would. Four-byte signatures are not searched for
inside data: in compressed bytes they turn up by chance (and phones append a second
picture or a short video after a photo's end, which is not refused)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

# What the bytes after the format's end must not start with.
_SHORT_SIGNATURES = (b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06", b"\x7fELF")
# Long enough to search the whole file for.
_LONG_SIGNATURES = (b"Rar!\x1a\x07", b"7z\xbc\xaf\x27\x1c")
_PDF_END = b"%%EOF"


def _u32be(data: bytes, at: int) -> int:
    return int.from_bytes(data[at : at + 4], "big")


def _u32le(data: bytes, at: int) -> int:
    return int.from_bytes(data[at : at + 4], "little")


def jpeg_end(data: bytes) -> int | None:
    """Just after the JPEG's end-of-image marker, following segment lengths (an EXIF
    thumbnail holds an end marker of its own) and the scans' entropy-coded data."""
    at = 2
    while at + 2 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker == 0xD9:
            return at + 2
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # markers without a length
            at += 2
            continue
        length = int.from_bytes(data[at + 2 : at + 4], "big")
        if length < 2:
            return None
        at += 2 + length
        if marker == 0xDA:  # entropy-coded data runs to the next marker
            at = _after_scan(data, at)
            if at < 0:
                return None
    return None


def _after_scan(data: bytes, at: int) -> int:
    while True:
        at = data.find(b"\xff", at)
        if at < 0 or at + 1 >= len(data):
            return -1
        following = data[at + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:  # stuffed byte, restart marker
            at += 2
        elif following == 0xFF:
            at += 1
        else:
            return at


def png_end(data: bytes) -> int | None:
    """Just after the IEND chunk."""
    at = 8
    while at + 12 <= len(data):
        length = _u32be(data, at)
        chunk_type = data[at + 4 : at + 8]
        at += 12 + length
        if chunk_type == b"IEND":
            return at if at <= len(data) else None
    return None


def gif_end(data: bytes) -> int | None:
    """Just after the trailer byte, walking the blocks."""
    if len(data) < 13:
        return None
    at = 13
    if data[10] & 0x80:  # global colour table
        at += 3 * (2 << (data[10] & 0x07))
    while at < len(data):
        introducer = data[at]
        if introducer == 0x3B:
            return at + 1
        if introducer == 0x21:  # extension: label, then sub-blocks
            at = _after_sub_blocks(data, at + 2)
        elif introducer == 0x2C:  # image: descriptor, local colour table, LZW size, data
            if at + 10 > len(data):
                return None
            flags = data[at + 9]
            at += 10
            if flags & 0x80:
                at += 3 * (2 << (flags & 0x07))
            at = _after_sub_blocks(data, at + 1)
        else:
            return None
        if at < 0:
            return None
    return None


def _after_sub_blocks(data: bytes, at: int) -> int:
    while at < len(data):
        size = data[at]
        at += 1 + size
        if size == 0:
            return at
    return -1


def riff_end(data: bytes) -> int | None:
    """WebP and WAV: the RIFF header says how long the file is (padded to even)."""
    if len(data) < 12:
        return None
    size = _u32le(data, 4)
    end = 8 + size + (size & 1)
    return end if end <= len(data) else None


def iso_box_end(data: bytes) -> int | None:
    """HEIF and MP4 audio: just after the last well-formed top-level box."""
    at = 0
    while at + 8 <= len(data):
        size = _u32be(data, at)
        box_type = data[at + 4 : at + 8]
        if not all(0x20 <= byte <= 0x7E for byte in box_type):
            break
        if size == 1:  # 64-bit size follows the type
            size = int.from_bytes(data[at + 8 : at + 16], "big")
        elif size == 0:  # runs to the end of the file
            return len(data)
        if size < 8 or at + size > len(data):
            break
        at += size
    return at if at > 0 else None


def ogg_end(data: bytes) -> int | None:
    """Just after the last Ogg page."""
    at = 0
    while data[at : at + 4] == b"OggS" and at + 27 <= len(data):
        segments = data[at + 26]
        table = data[at + 27 : at + 27 + segments]
        if len(table) < segments:
            return None
        at += 27 + segments + sum(table)
    if at == 0 or at > len(data):
        return None
    return at


def pdf_end(data: bytes) -> int | None:
    """Just after the last %%EOF and the line end after it."""
    at = data.rfind(_PDF_END)
    if at < 0:
        return None
    at += len(_PDF_END)
    while at < len(data) and data[at] in b"\r\n\t\x00 ":
        at += 1
    return at


# Where each kind ends, by MIME type; kinds without a reliable end (MP3, AMR) get only
# the whole-file checks.
ENDS: dict[str, Callable[[bytes], int | None]] = {
    "image/jpeg": jpeg_end,
    "image/png": png_end,
    "image/gif": gif_end,
    "image/webp": riff_end,
    "image/heic": iso_box_end,
    "image/heif": iso_box_end,
    "application/pdf": pdf_end,
    "audio/ogg": ogg_end,
    "audio/wav": riff_end,
    "audio/mp4": iso_box_end,
}


def hides_another_format(data: bytes, mime_type: str) -> bool:
    """Whether `data`, valid as `mime_type`, also holds a zip, rar, 7z or a program."""
    if any(signature in data for signature in _LONG_SIGNATURES):
        return True
    if _opens_as_zip(data):
        return True
    find_end = ENDS.get(mime_type)
    end = find_end(data) if find_end else None
    if end is None or end >= len(data):
        return False
    return _holds_signature(data[end:])


def _holds_signature(tail: bytes) -> bool:
    start = tail.lstrip(b"\x00\r\n\t ")
    if start.startswith(_SHORT_SIGNATURES + _LONG_SIGNATURES):
        return True
    return _holds_windows_program(tail)


def _holds_windows_program(tail: bytes) -> bool:
    """An MZ header whose pointer leads to a PE signature (two bytes "MZ" alone turn up
    by chance)."""
    at = tail.find(b"MZ")
    while at >= 0:
        pointer = _u32le(tail, at + 0x3C) if at + 0x40 <= len(tail) else -1
        if 0 < pointer and tail[at + pointer : at + pointer + 4] == b"PE\x00\x00":
            return True
        at = tail.find(b"MZ", at + 2)
    return False


def _opens_as_zip(data: bytes) -> bool:
    """Whether a zip tool would find a zip in it: an end record near the end whose central
    directory is where it says."""
    if b"PK\x05\x06" not in data[-(65536 + 22) :]:
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return bool(archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return False
