"""Real files built in the tests, for bot.evidence: photos with a location and a camera in
their EXIF, office documents with an author, voice-note headers, programs, archives."""

from __future__ import annotations

import io
import struct
import wave
import zipfile
import zlib

import pypdf
from PIL import ExifTags, Image, PngImagePlugin

AUTHOR = "Jan de Vries"
COMPANY = "Ministerie van Voorbeelden"
CAMERA_MAKE = "ACME Optics"
CAMERA_MODEL = "Snapper 4711"
CAMERA_SERIAL = "SN-0042-7781"
DOCUMENT_TEXT = "Hij schreeuwde tegen mij in de vergadering."


def gps_and_camera_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = CAMERA_MAKE
    exif[ExifTags.Base.Model] = CAMERA_MODEL
    exif[ExifTags.Base.Artist] = AUTHOR
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (52.0, 4.0, 48.5),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (4.0, 18.0, 57.2),
    }
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.BodySerialNumber] = CAMERA_SERIAL
    return exif


def picture(size: tuple[int, int] = (64, 48)) -> Image.Image:
    """A picture whose top-left quarter is red and the rest blue: its orientation shows."""
    image = Image.new("RGB", size, (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, size[0] // 2, size[1] // 2))
    return image


def jpeg(exif: Image.Exif | None = None, size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    picture(size).save(out, "JPEG", quality=95, exif=exif or Image.Exif())
    return out.getvalue()


def png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", AUTHOR)
    info.add_itxt("Description", "kantoor tweede verdieping")
    out = io.BytesIO()
    picture().save(out, "PNG", pnginfo=info)
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` x `height` pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + _png_chunk(b"IEND", b"")
    )


# A fixed time in every entry: the same call gives the same bytes, so test ids and
# fingerprints built from them agree between pytest-xdist workers.
ZIP_TIME = (2026, 1, 1, 0, 0, 0)


def zip_of(entries: dict[str, bytes | str], first_stored: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        if first_stored is not None:
            archive.writestr(zipfile.ZipInfo(first_stored, ZIP_TIME), entries[first_stored])
        for name, content in entries.items():
            if name != first_stored:
                entry = zipfile.ZipInfo(name, ZIP_TIME)
                archive.writestr(entry, content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
CORE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    f"<dc:title>Verslag</dc:title><dc:creator>{AUTHOR}</dc:creator>"
    f"<cp:lastModifiedBy>{AUTHOR}</cp:lastModifiedBy>"
    '<dcterms:created xsi:type="dcterms:W3CDTF">2024-03-01T09:00:00Z</dcterms:created>'
    "</cp:coreProperties>"
)
APP = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    'extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
    'docPropsVTypes"><Application>Microsoft Office Word</Application>'
    f"<Company>{COMPANY}</Company><Manager>{AUTHOR}</Manager></Properties>"
)
WORD_DOCUMENT = (
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    f"<w:body><w:p><w:r><w:t>{DOCUMENT_TEXT}</w:t></w:r></w:p></w:body></w:document>"
)


def docx(extra: dict[str, bytes | str] | None = None) -> bytes:
    return zip_of(
        {
            "[Content_Types].xml": CONTENT_TYPES,
            "docProps/core.xml": CORE,
            "docProps/app.xml": APP,
            "word/document.xml": WORD_DOCUMENT,
            **(extra or {}),
        }
    )


def odt() -> bytes:
    meta = (
        '<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"><office:meta>'
        f"<meta:initial-creator>{AUTHOR}</meta:initial-creator><dc:creator>{AUTHOR}</dc:creator>"
        "<meta:generator>LibreOffice/7.6</meta:generator></office:meta></office:document-meta>"
    )
    return zip_of(
        {
            "mimetype": "application/vnd.oasis.opendocument.text",
            "content.xml": f"<office:document-content>{DOCUMENT_TEXT}</office:document-content>",
            "meta.xml": meta,
        },
        first_stored="mimetype",
    )


def pdf(author: str = "Jan de Vries", password: str | None = None) -> bytes:
    """A one-page PDF whose properties name its author, as a word processor writes it."""
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Author": author, "/Producer": "Word", "/Title": "Verslag"})
    if password is not None:
        writer.encrypt(password, algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def ogg_opus() -> bytes:
    """The first page of an Ogg Opus stream, as WhatsApp and Telegram voice notes begin."""
    head = b"OpusHead" + bytes([1, 1]) + struct.pack("<HIhB", 312, 48000, 0, 0)
    page = b"OggS" + bytes([0, 0x02]) + b"\x00" * 8 + struct.pack("<III", 1, 0, 0)
    return page + bytes([1, len(head)]) + head


def mp3(frames: int = 4, id3: bool = False) -> bytes:
    """MPEG-1 layer III frames (128 kbit/s, 44.1 kHz: 417 bytes each)."""
    frame = b"\xff\xfb\x90\x00" + b"\x00" * 413
    tag = b"ID3\x04\x00\x00\x00\x00\x00\x0a" + b"\x00" * 10 if id3 else b""
    return tag + frame * frames


def wav() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as recording:
        recording.setnchannels(1)
        recording.setsampwidth(2)
        recording.setframerate(8000)
        recording.writeframes(b"\x00\x01" * 800)
    return out.getvalue()


def windows_program() -> bytes:
    """An MZ header whose pointer leads to a PE header, as every .exe starts."""
    dos = bytearray(b"MZ" + b"\x90\x00" * 30)
    dos[0x3C:0x40] = struct.pack("<I", 0x40)
    return bytes(dos) + b"PE\x00\x00" + b"\x4c\x01" + b"\x00" * 100


def linux_program() -> bytes:
    return b"\x7fELF\x02\x01\x01" + b"\x00" * 57


def compound_file(*entries: tuple[str, int]) -> bytes:
    """An OLE2 compound file header and one directory sector naming `entries`
    (name, type: 1 storage, 2 stream, 5 root)."""
    directory = b""
    for name, entry_type in (("Root Entry", 5), *entries):
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        directory += (
            encoded.ljust(64, b"\x00")
            + struct.pack("<H", len(encoded))
            + bytes([entry_type, 1])
            + b"\x00" * 60
        )
    return bytes.fromhex("d0cf11e0a1b11ae1").ljust(512, b"\x00") + directory.ljust(512, b"\x00")
