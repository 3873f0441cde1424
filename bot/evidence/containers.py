"""Files that are containers of other files: zip (office documents are zips; anything
else in a zip is an archive or a program) and OLE2 compound files (legacy .doc, .xls,
.ppt). Only the directories and a few small parts are read, with bounds, so a zip bomb is
refused before anything is unpacked."""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass

from bot.evidence.refusals import Refusal

# An office document unpacking to more than this is refused as a bomb: real ones with many
# photos stay well below (the file itself is at most VM_EVIDENCE_MAX_FILE_MB).
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
MAX_ENTRIES = 10_000
_SMALL_PART = 1024 * 1024  # [Content_Types].xml, 'mimetype': read only when this small

OOXML = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
ODF = frozenset(
    {
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
    }
)
_PROGRAM_MAGIC = (
    b"MZ",
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"#!",
)
_PROGRAM_SUFFIXES = (
    ".exe", ".dll", ".scr", ".com", ".msi", ".bat", ".cmd", ".ps1", ".vbs", ".vbe",
    ".js", ".jse", ".wsf", ".hta", ".jar", ".sh", ".apk", ".lnk", ".cpl",
)  # fmt: skip
_MACRO_PARTS = ("vbaproject.bin", "vbadata.xml", "/activex/")
_ODF_MACRO_FOLDERS = ("basic/", "scripts/")
_OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
_OLE_MACRO_STORAGES = frozenset({"_VBA_PROJECT_CUR", "_VBA_PROJECT", "VBA", "Macros"})
_OLE_PACKAGE = "\x01Ole10Native"
_OLE_DOCUMENTS = {
    "WordDocument": "application/msword",
    "Workbook": "application/vnd.ms-excel",
    "Book": "application/vnd.ms-excel",
    "PowerPoint Document": "application/vnd.ms-powerpoint",
}


@dataclass(frozen=True)
class Contained:
    """What a container turned out to be: an office document's MIME type (or None), and
    why it is refused (or None)."""

    mime_type: str | None
    refusal: Refusal | None


def is_zip(data: bytes) -> bool:
    return data.startswith((b"PK\x03\x04", b"PK\x05\x06"))


def inspect_zip(data: bytes) -> Contained:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return _inspect_archive(archive, data)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, ValueError, OSError, EOFError):
        return Contained(None, Refusal.DAMAGED)
    except (RuntimeError, NotImplementedError):  # encrypted, or compressed in an odd way
        return Contained(None, Refusal.DAMAGED)


def _inspect_archive(archive: zipfile.ZipFile, data: bytes) -> Contained:
    infos = archive.infolist()
    names = [info.filename for info in infos]
    mime_type = _office_type(archive, infos, data)
    if mime_type is None:
        if _is_program_package(names):
            return Contained(None, Refusal.EXECUTABLE)
        return Contained(None, Refusal.ARCHIVE)
    if len(infos) > MAX_ENTRIES or sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
        return Contained(mime_type, Refusal.BOMB)
    if len(set(names)) != len(names):  # readers disagree on which copy is the document
        return Contained(mime_type, Refusal.DAMAGED)
    return Contained(mime_type, _active_content(archive, infos))


def _office_type(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], data: bytes) -> str | None:
    names = {info.filename for info in infos}
    if "[Content_Types].xml" in names:
        for prefix, mime_type in OOXML.items():
            if any(name.startswith(prefix) for name in names):
                return mime_type
        return None
    # ODF: the first entry is 'mimetype', stored, so its local header starts the file.
    first = infos[0] if infos else None
    if first is None or first.filename != "mimetype" or data[30:38] != b"mimetype":
        return None
    if first.file_size > 200:
        return None
    declared = archive.read(first).decode("ascii", "replace").strip()
    return declared if declared in ODF else None


def _is_program_package(names: list[str]) -> bool:
    """Java archives and Android packages: zips that are programs."""
    lowered = {name.lower() for name in names}
    return (
        "meta-inf/manifest.mf" in lowered
        or "androidmanifest.xml" in lowered
        or any(name.endswith(".class") or name.endswith(".dex") for name in lowered)
    )


def _active_content(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> Refusal | None:
    for info in infos:
        name = info.filename.lower()
        if any(part in name for part in _MACRO_PARTS) or name.startswith(_ODF_MACRO_FOLDERS):
            return Refusal.MACRO
        if name.endswith(_PROGRAM_SUFFIXES):
            return Refusal.EXECUTABLE
    content_types = next(i for i in infos if i.filename in ("[Content_Types].xml", "mimetype"))
    if content_types.file_size > _SMALL_PART:
        return Refusal.BOMB
    if b"macroEnabled" in archive.read(content_types):
        return Refusal.MACRO
    for info in infos:
        if info.is_dir() or info.file_size == 0:
            continue
        with archive.open(info) as part:
            start = part.read(8)
            if start.startswith(_OLE_MAGIC):  # an embedded object: read it whole (bounded)
                start += part.read()
        if start.startswith(_PROGRAM_MAGIC):
            return Refusal.EXECUTABLE
        if start.startswith(_OLE_MAGIC):
            embedded = inspect_ole(start)
            if embedded.refusal in (Refusal.MACRO, Refusal.POLYGLOT):
                return embedded.refusal
    return None


def is_ole(data: bytes) -> bool:
    return data.startswith(_OLE_MAGIC)


def inspect_ole(data: bytes) -> Contained:
    """A legacy office document by the streams its directory names; other compound files
    (installers, mail messages) are refused as unknown."""
    names = ole_directory_names(data)
    found = next((mime for stream, mime in _OLE_DOCUMENTS.items() if stream in names), None)
    if names & _OLE_MACRO_STORAGES:
        return Contained(found, Refusal.MACRO)
    if _OLE_PACKAGE in names:  # an embedded "package": any file, opened by a double click
        return Contained(found, Refusal.POLYGLOT)
    if found is None:
        return Contained(None, Refusal.UNKNOWN)
    return Contained(found, None)


def ole_directory_names(data: bytes) -> set[str]:
    """The names of the compound file's directory entries. Entries are 128 bytes on
    128-byte boundaries after the 512-byte header, whatever the sector size, so every
    slot that reads as a well-formed entry is taken, without following sector chains."""
    names: set[str] = set()
    for at in range(512, len(data) - 127, 128):
        length = int.from_bytes(data[at + 64 : at + 66], "little")
        entry_type, colour = data[at + 66], data[at + 67]
        if not (2 <= length <= 64 and length % 2 == 0) or entry_type not in (1, 2, 5):
            continue
        if colour > 1 or data[at + length - 2 : at + length] != b"\x00\x00":
            continue
        try:
            names.add(data[at : at + length - 2].decode("utf-16-le"))
        except UnicodeDecodeError:
            continue
    return names
