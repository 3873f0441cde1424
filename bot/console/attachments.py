"""Evidence files in the console (bot.evidence.store): what a case's or a handoff's page
lists of them, and how an opened file is served.

Listing reads what a file is (kind, sizes, fingerprints, what scrubbing removed), never its
content, and is not an opening: a voice note's player loads nothing until it is played
(`preload="none"`), and images are links, not thumbnails. Opening a file is audited every
time, in the same transaction that reads it: a coordinator's in the case's audit trail
(`case.file_opened`, detail `file=<id>`), an advisor's in the console's audit
(`file_opened`, with the handoff and the file id). Neither holds any content.

A file is served with the type it was stored as, found by its content (bot.evidence.kinds):
images, audio and PDF inline, everything else as a download; text always as text/plain,
never HTML; no caching, no sniffing, and a content security policy that runs nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from babel.numbers import format_decimal
from sqlalchemy.orm import Session
from starlette.responses import Response

from bot.cases.model import audit as case_audit
from bot.cases.model import get_case
from bot.console import desk
from bot.console.accounts import Account
from bot.console.audit import audit
from bot.console.texts import Texts
from bot.directory.records import Directory
from bot.encryption import BytesCipher
from bot.evidence import store
from bot.evidence.metadata import ORDER, OTHER
from bot.evidence.store import Evidence

KB, MB = 1024, 1024 * 1024
# What a browser shows itself; any other file is downloaded.
INLINE_TYPES = frozenset(
    {"image/jpeg", "image/png", "image/gif", "image/webp", "image/heic", "image/heif",
     "application/pdf"}
)  # fmt: skip
EXTENSIONS = {
    "image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp",
    "image/heic": ".heic", "image/heif": ".heif", "application/pdf": ".pdf",
    "audio/ogg": ".ogg", "audio/mpeg": ".mp3", "audio/mp4": ".m4a", "audio/wav": ".wav",
    "audio/amr": ".amr", "audio/amr-wb": ".awb",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.oasis.opendocument.presentation": ".odp",
    "application/msword": ".doc", "application/vnd.ms-excel": ".xls",
    "application/vnd.ms-powerpoint": ".ppt",
}  # fmt: skip
# The type a file of each kind must have to be served as itself (else as bytes).
KIND_PREFIXES = {"image": "image/", "audio": "audio/", "pdf": "application/pdf",
                 "document": "application/"}  # fmt: skip
OCTET_STREAM = "application/octet-stream"
FILE_HEADERS = {
    # Nothing in a file runs, and nothing loads but the file itself.
    "content-security-policy": (
        "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; "
        "object-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    ),
    "x-content-type-options": "nosniff",
    "cache-control": "no-store",
    "cross-origin-resource-policy": "same-origin",
}
FILE_ID_LENGTH = 32  # secrets.token_hex(16)


@dataclass(frozen=True)
class FileView:
    """A file as its case's or handoff's page lists it."""

    id: str
    url: str
    kind: str
    summary: str  # "Voice note or audio, 12.5 KB, received 06-12-2026"
    metadata: str  # what scrubbing removed, or that it was kept as received
    kept: bool  # not scrubbed: may still tell who made it or where
    inline: bool  # the browser shows it (image, PDF); audio has its player
    received_size: str
    received_sha256: str | None  # a handoff's file keeps none (bot/evidence/store.py)
    stored_size: str
    stored_sha256: str | None


def size_words(t: Texts, size: int) -> str:
    if size < KB:
        return t("file_size_bytes", n=size)
    unit, key = (MB, "file_size_mb") if size >= MB else (KB, "file_size_kb")
    return t(key, n=format_decimal(round(size / unit, 1), "#,##0.#", locale=t.language))


def metadata_words(t: Texts, evidence: Evidence) -> str:
    if not evidence.scrubbed:
        return t("file_kept")
    if not evidence.removed:
        return t("file_checked")
    named = [part if part in ORDER else OTHER for part in evidence.removed]
    what = ", ".join(t(f"file_metadata_{part}") for part in dict.fromkeys(named))
    return t("file_removed", what=what)


def file_views(t: Texts, files: Sequence[Evidence], base: str) -> list[FileView]:
    """The page's list; `base` is the case's or the handoff's own path."""
    views = []
    for evidence in files:
        kind = evidence.kind if evidence.kind in KIND_PREFIXES or evidence.kind == "text" else ""
        size = size_words(t, evidence.size)
        date = evidence.received_at.strftime("%d-%m-%Y")
        kind_words = t(f"file_kind_{kind or 'document'}")
        views.append(
            FileView(
                id=evidence.id,
                url=f"{base}/files/{evidence.id}",
                kind=kind,
                summary=t("file_summary", kind=kind_words, size=size, date=date),
                metadata=metadata_words(t, evidence),
                kept=not evidence.scrubbed,
                inline=served_type(evidence) in INLINE_TYPES,
                received_size=size_words(t, evidence.received_size),
                received_sha256=evidence.received_sha256,
                stored_size=size,
                stored_sha256=evidence.stored_sha256,
            )
        )
    return views


def served_type(evidence: Evidence) -> str:
    """The Content-Type a file is served with: its own when it fits its kind, text always
    as plain text (UTF-16 only when it was stored as such), anything else as bytes."""
    mime_type = evidence.mime_type.strip().lower()
    if evidence.kind == "text":
        charset = "utf-16" if "utf-16" in mime_type else "utf-8"
        return f"text/plain; charset={charset}"
    base = mime_type.split(";")[0].strip()
    prefix = KIND_PREFIXES.get(evidence.kind)
    if prefix is None or not base.startswith(prefix) or base.count("/") != 1:
        return OCTET_STREAM
    if "html" in base or "script" in base or base.endswith(("/xml", "+xml")):
        return OCTET_STREAM  # none is stored; never one a browser would run
    return base


def file_response(evidence: Evidence, data: bytes) -> Response:
    media_type = served_type(evidence)
    base = media_type.split(";")[0]
    shown = base in INLINE_TYPES or base.startswith("audio/")
    extension = ".txt" if base == "text/plain" else EXTENSIONS.get(base, ".bin")
    name = f"evidence-{evidence.id[:12]}{extension}"
    headers = {
        **FILE_HEADERS,
        "content-disposition": f'{"inline" if shown else "attachment"}; filename="{name}"',
    }
    return Response(data, media_type=media_type, headers=headers)


def valid_file_id(raw: str) -> Optional[str]:
    raw = raw.lower()
    if len(raw) == FILE_ID_LENGTH and all(c in "0123456789abcdef" for c in raw):
        return raw
    return None


def open_case_file(
    session: Session,
    case_id: int,
    file_id: str,
    cipher: BytesCipher,
    actor: str,
    account: str,
    now: datetime,
) -> Optional[tuple[Evidence, bytes]]:
    """A case's file and its bytes, the opening audited in the case's trail; None when the
    case does not hold it. CaseNotFound when there is no such case."""
    case = get_case(session, case_id)
    if not store.holds(session, file_id, case_id=int(case.id)):
        return None
    case_audit(session, actor, "case.file_opened", now, case.id, f"file={file_id}",
               os_account=account)  # fmt: skip
    return store.content(session, file_id, cipher)


def open_handoff_file(
    session: Session,
    account: Account,
    directory: Directory,
    handoff_id: str,
    file_id: str,
    cipher: BytesCipher,
) -> Optional[tuple[Evidence, bytes]]:
    """A handoff's file and its bytes, for an advisor who may see that handoff (the rule of
    its page: bot.console.desk.visible_handoff), the opening audited; else None."""
    record = desk.visible_handoff(session, account, directory, handoff_id)
    if record is None or not store.holds(session, file_id, handoff_id=record.id):
        return None
    audit(session, account.id, "file_opened", record.id, file_id=file_id)
    return store.content(session, file_id, cipher)
