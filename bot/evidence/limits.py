"""How much evidence is taken: a file at most VM_EVIDENCE_MAX_FILE_MB (16 MB, WhatsApp's own
limit for documents), a case at most VM_EVIDENCE_MAX_CASE_MB (50 MB) in all. Checked first,
from the size a channel announces before anything is downloaded, and again on the bytes."""

from __future__ import annotations

from dataclasses import dataclass

from bot.evidence.refusals import Refusal
from bot.settings import Settings, settings

MB = 1024 * 1024


@dataclass(frozen=True)
class EvidenceLimits:
    max_file_bytes: int
    max_case_bytes: int

    def __post_init__(self) -> None:
        if self.max_file_bytes <= 0 or self.max_case_bytes <= 0:
            raise ValueError("evidence limits must be positive")

    @classmethod
    def from_settings(cls, current: Settings | None = None) -> EvidenceLimits:
        current = current or settings()
        return cls(current.evidence_max_file_mb * MB, current.evidence_max_case_mb * MB)


def size_refusal(size: int, case_bytes: int, limits: EvidenceLimits) -> Refusal | None:
    """Why a new file of `size` bytes is not taken for a case already holding `case_bytes`,
    or None when it fits."""
    if case_bytes < 0:
        raise ValueError("a case cannot hold less than nothing")
    if size <= 0:
        return Refusal.EMPTY
    if size > limits.max_file_bytes:
        return Refusal.FILE_TOO_LARGE
    if case_bytes + size > limits.max_case_bytes:
        return Refusal.CASE_FULL
    return None


def room_left(case_bytes: int, limits: EvidenceLimits) -> int:
    """How many more bytes the case may take, and so the largest file it takes now."""
    return max(0, min(limits.max_case_bytes - case_bytes, limits.max_file_bytes))
