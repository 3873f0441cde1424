"""A file a user sent, taken in: size limits first, then what it is by its content, then
scrubbing, with the fingerprints a chain of custody needs (the SHA-256 of the bytes as
received, and of the bytes as stored). Storing it (bot.evidence.chunks for encryption) and
the channels' downloads are wired elsewhere."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from bot.evidence.kinds import FileKind, identify
from bot.evidence.limits import EvidenceLimits, size_refusal
from bot.evidence.refusals import RefusedFile
from bot.evidence.scrub import scrub


@dataclass(frozen=True)
class ReceivedFile:
    received_sha256: str  # of the bytes exactly as the channel delivered them
    received_size: int
    kind: FileKind
    stored_sha256: str  # of `data`: scrubbed, or as received when kept or not scrubbable
    scrubbed: bool
    removed: tuple[str, ...]  # metadata categories taken out ("location", "author", ...)
    data: bytes = field(repr=False)  # what is stored; never in a log line

    @property
    def stored_size(self) -> int:
        return len(self.data)


def receive(
    data: bytes, *, case_bytes: int, limits: EvidenceLimits, keep_original: bool = False
) -> ReceivedFile:
    """The file ready to store for a case already holding `case_bytes` of evidence (as
    received); RefusedFile says why it is not taken."""
    too_much = size_refusal(len(data), case_bytes, limits)
    if too_much is not None:
        raise RefusedFile(too_much)
    found = identify(data)
    if found.refusal is not None:
        raise RefusedFile(found.refusal)
    cleaned = scrub(data, found, keep_original=keep_original)
    return ReceivedFile(
        received_sha256=sha256(data),
        received_size=len(data),
        kind=found,
        stored_sha256=sha256(cleaned.data),
        scrubbed=cleaned.scrubbed,
        removed=cleaned.removed,
        data=cleaned.data,
    )


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
