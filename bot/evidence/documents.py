"""Office documents and PDFs without their author's name.

DOCX/XLSX/PPTX: docProps/core.xml loses dc:creator and cp:lastModifiedBy, docProps/app.xml
loses Company and Manager. ODT/ODS/ODP: meta.xml loses the creator, initial creator and
who printed it. Only those elements are cut out of those parts; every other part is
copied with the same content, compression, name and date, the 'mimetype' entry first.

PDF: the Info dictionary's /Author, /Creator and /Producer, and the XMP metadata stream
(pypdf); an encrypted or malformed PDF is left as it came and said to be so.
Legacy DOC/XLS/PPT are left as they came (nothing here rewrites compound files)."""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree

import pypdf

from bot.evidence import metadata as category
from bot.evidence.containers import ODF, OOXML
from bot.evidence.refusals import Refusal, RefusedFile

_DC = "http://purl.org/dc/elements/1.1/"
_CORE = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
_APP = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
_ODF_META = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"

# part name -> {(namespace, element): category}
Targets = dict[tuple[str, str], str]
_OOXML_PARTS: dict[str, Targets] = {
    "docProps/core.xml": {
        (_DC, "creator"): category.AUTHOR,
        (_CORE, "lastModifiedBy"): category.AUTHOR,
    },
    "docProps/app.xml": {
        (_APP, "Company"): category.ORGANISATION,
        (_APP, "Manager"): category.ORGANISATION,
    },
}
_ODF_PARTS: dict[str, Targets] = {
    "meta.xml": {
        (_DC, "creator"): category.AUTHOR,
        (_ODF_META, "initial-creator"): category.AUTHOR,
        (_ODF_META, "printed-by"): category.AUTHOR,
    },
}
_PDF_INFO = {
    "/Author": category.AUTHOR,
    "/Creator": category.SOFTWARE,
    "/Producer": category.SOFTWARE,
}
_MAX_PROPERTIES_PART = 1024 * 1024  # a properties part is a few kilobytes


class CannotScrub(Exception):
    """The file is readable but its metadata cannot be removed safely here: it is kept as
    it came and reported as not scrubbed."""


def scrub_office(data: bytes, mime_type: str) -> tuple[bytes, set[str]]:
    if mime_type in OOXML.values():
        parts = _OOXML_PARTS
    elif mime_type in ODF:
        parts = _ODF_PARTS
    else:
        raise CannotScrub
    try:
        return _rewritten(data, parts)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, RuntimeError):
        raise RefusedFile(Refusal.DAMAGED) from None


def _rewritten(data: bytes, parts: dict[str, Targets]) -> tuple[bytes, set[str]]:
    found: set[str] = set()
    replaced: dict[str, bytes] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        infos = source.infolist()
        for info in infos:
            if info.filename in parts:
                if info.file_size > _MAX_PROPERTIES_PART:
                    raise RefusedFile(Refusal.DAMAGED)
                cleaned, removed = without_elements(source.read(info), parts[info.filename])
                if removed:
                    replaced[info.filename] = cleaned
                    found |= removed
        if not replaced:  # nothing to take out: the bytes exactly as received
            return data, found
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as target:
            for info in infos:
                content = replaced.get(info.filename)
                target.writestr(
                    _same_entry(info), source.read(info) if content is None else content
                )
    return out.getvalue(), found


def _same_entry(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """A fresh entry with the original's name, date, compression and attributes (the old
    one's sizes and offsets would be wrong for the new file)."""
    entry = zipfile.ZipInfo(info.filename, info.date_time)
    entry.compress_type = info.compress_type
    entry.external_attr = info.external_attr
    entry.create_system = info.create_system
    return entry


def without_elements(xml: bytes, targets: Targets) -> tuple[bytes, set[str]]:
    """`xml` without the target elements, cut out of the text so that every other byte
    stays as it was; and the categories of what was cut. Refuses a part with a document
    type declaration (office formats have none; entities are how XML bombs work)."""
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        raise RefusedFile(Refusal.DAMAGED)
    present = _present(xml, targets)
    if not present:
        return xml, set()
    prefixes = _prefixes(xml)
    cleaned = xml
    for namespace, name in present:
        for prefix in prefixes.get(namespace, ()):
            qualified = re.escape((f"{prefix}:{name}" if prefix else name).encode())
            element = rb"<%s(?:\s[^<>]*?)?(?:/>|(?<!/)>.*?</%s\s*>)" % (qualified, qualified)
            cleaned = re.sub(element, b"", cleaned, flags=re.DOTALL)
    if _present(cleaned, targets):  # written in a way the cut did not match: fail safe
        raise CannotScrub
    return cleaned, {targets[target] for target in present}


def _present(xml: bytes, targets: Targets) -> set[tuple[str, str]]:
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError:
        raise RefusedFile(Refusal.DAMAGED) from None
    found: set[tuple[str, str]] = set()
    for element in root.iter():
        if element.tag.startswith("{"):
            namespace, _, name = element.tag[1:].partition("}")
            if (namespace, name) in targets:
                found.add((namespace, name))
    return found


def _prefixes(xml: bytes) -> dict[str, set[str]]:
    """Namespace -> the prefixes bound to it anywhere in the part ('' for a default)."""
    bound: dict[str, set[str]] = {}
    for _, (prefix, namespace) in ElementTree.iterparse(io.BytesIO(xml), events=("start-ns",)):
        bound.setdefault(namespace, set()).add(prefix)
    return bound


def scrub_pdf(data: bytes) -> tuple[bytes, set[str]]:
    """The PDF without author, creator, producer and XMP metadata; for a PDF pypdf cannot
    rewrite (encrypted, malformed), CannotScrub."""
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise CannotScrub
        info = dict(reader.metadata or {})
        found = {_PDF_INFO[key] for key in _PDF_INFO if key in info}
        has_xmp = "/Metadata" in reader.root_object
        if not found and not has_xmp:
            return data, set()
        writer = pypdf.PdfWriter(clone_from=reader)
        writer.metadata = {key: value for key, value in info.items() if key not in _PDF_INFO}
        if has_xmp:
            del writer.root_object["/Metadata"]
            found.add(category.OTHER)
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue(), found
    except CannotScrub:
        raise
    except Exception:  # pypdf reports a PDF it cannot handle with many exception types
        raise CannotScrub from None
