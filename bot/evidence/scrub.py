"""Anonymity first: identifying metadata is taken out of a file before it is stored, and the
user is told what was taken out ("location", "camera", "author", ...: bot.evidence.metadata).

- Images (JPEG, PNG, GIF, WebP): encoded again without EXIF, XMP, IPTC or comments, turned
  upright first (bot.evidence.images). HEIC/HEIF: kept as received, not scrubbed.
- DOCX/XLSX/PPTX, ODT/ODS/ODP: author, last editor, company and manager taken out of the
  properties parts (bot.evidence.documents). DOC/XLS/PPT: kept as received, not scrubbed.
- PDF: author, creator, producer and XMP taken out (pypdf); an encrypted or malformed one
  is kept as received, not scrubbed.
- Audio: kept as received, not scrubbed. Plain text holds no hidden metadata.

`scrubbed=False` means the file may still tell who made it or where: the assistant can say
so, and an anonymous user can choose not to send it. A user who is not anonymous may keep
the original (`keep_original`); a decompression bomb is refused all the same."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.evidence import documents, images
from bot.evidence.kinds import FileKind, Kind
from bot.evidence.metadata import in_order


@dataclass(frozen=True)
class Scrubbed:
    data: bytes = field(repr=False)  # never in a log line
    scrubbed: bool  # looked through, and whatever identifying metadata was found removed
    removed: tuple[str, ...] = ()  # the categories that were in it, in a fixed order


def scrub(data: bytes, found: FileKind, *, keep_original: bool = False) -> Scrubbed:
    """`data` ready to store. Raises RefusedFile for a bomb or a file that cannot be read
    as the kind it showed."""
    if not found.accepted or found.mime_type is None:
        raise ValueError("only an accepted file is scrubbed")
    mime_type = found.mime_type
    if found.kind is Kind.IMAGE and images.can_scrub(mime_type):
        if keep_original:
            images.check_pixels(data, mime_type)
            return Scrubbed(data, scrubbed=False)
        cleaned, removed = images.scrub_image(data, mime_type)
        return Scrubbed(cleaned, scrubbed=True, removed=in_order(removed))
    if keep_original:
        return Scrubbed(data, scrubbed=False)
    if found.kind is Kind.TEXT:
        return Scrubbed(data, scrubbed=True)
    try:
        if found.kind is Kind.DOCUMENT:
            cleaned, removed = documents.scrub_office(data, mime_type)
        elif found.kind is Kind.PDF:
            cleaned, removed = documents.scrub_pdf(data)
        else:  # audio, HEIC
            return Scrubbed(data, scrubbed=False)
    except documents.CannotScrub:
        return Scrubbed(data, scrubbed=False)
    return Scrubbed(cleaned, scrubbed=True, removed=in_order(removed))
