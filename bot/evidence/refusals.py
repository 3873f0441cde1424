"""Why a file is not taken: one code per reason, so the assistant can say what to do
instead (send a PDF, save without macros, send fewer files)."""

from __future__ import annotations

from enum import Enum


class Refusal(str, Enum):
    EMPTY = "empty"
    FILE_TOO_LARGE = "file_too_large"
    CASE_FULL = "case_full"  # the case already holds as much evidence as it may
    ARCHIVE = "archive"  # zip, rar, 7z, gzip, ...: what is inside cannot be vouched for
    EXECUTABLE = "executable"  # a program or script, or a document that carries one
    POLYGLOT = "polyglot"  # valid as an accepted kind, with another format hidden in it
    MACRO = "macro"  # an office document with macros or ActiveX controls
    BOMB = "bomb"  # unpacks (pixels, zip entries) far beyond what any evidence needs
    DAMAGED = "damaged"  # claims an accepted kind but cannot be read as one
    UNKNOWN = "unknown"


class RefusedFile(Exception):
    """The file is not taken; `reason` says why. Never carries the file's name or content."""

    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason.value)
        self.reason = reason
