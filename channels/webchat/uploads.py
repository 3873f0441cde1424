"""Files on their way in over the web chat's socket: what has arrived of each, one file per
connection at a time, in memory only until it is whole (then the evidence desk takes it).

All unfinished files of this server together hold at most `max_bytes`, reserved at their
announced size when they are announced: open connections cannot make the server buffer
more than that, whatever they announce. A file no chunk arrived for in `idle_seconds`
gives its room up to the next one announced; a connection's file goes when the
connection closes, or when it announces another."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Optional, Union

from bot.evidence.limits import MB
from channels.webchat.transport import CHUNK_BYTES

IDLE_SECONDS = 60.0
MAX_UPLOADING_BYTES = 256 * MB


@dataclass
class Upload:
    upload_id: str  # the client names the file's chunks with it
    session_id: str  # the session of the connection that announced it
    sender_id: str
    size: int  # as announced; no more is accepted
    metadata: dict[str, Any]  # of the message the dialogue gets for it
    touched: float  # when the last chunk arrived
    data: bytearray = field(default_factory=bytearray)

    @property
    def complete(self) -> bool:
        return len(self.data) == self.size


class Uploads:
    def __init__(
        self,
        max_bytes: int = MAX_UPLOADING_BYTES,
        idle_seconds: float = IDLE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_bytes = max_bytes
        self.idle_seconds = idle_seconds
        self._clock = clock
        self._by_connection: dict[str, Upload] = {}

    def reserved(self) -> int:
        return sum(upload.size for upload in self._by_connection.values())

    def begin(
        self, sid: str, session_id: str, sender_id: str, size: int, metadata: dict[str, Any]
    ) -> Optional[Upload]:
        """A new file for the connection `sid` (its unfinished one, if any, is dropped);
        None when the server holds as much unfinished as it may."""
        self.drop(sid)
        now = self._clock()
        for other, upload in list(self._by_connection.items()):
            if now - upload.touched > self.idle_seconds:
                del self._by_connection[other]
        if self.reserved() + size > self.max_bytes:
            return None
        upload = Upload(secrets.token_hex(16), session_id, sender_id, size, metadata, now)
        self._by_connection[sid] = upload
        return upload

    def add(
        self, sid: str, session_id: str, upload_id: object, offset: object, chunk: object
    ) -> Union[Upload, str]:
        """The upload with this chunk added (whole: `complete`, and no longer kept here), or
        why the chunk is refused: `no_upload` (nothing announced on this connection for
        this session by that id, or it waited too long), `bad_chunk` (not bytes, too
        large, or not where the file's last chunk ended; the file is dropped)."""
        upload = self._by_connection.get(sid)
        now = self._clock()
        if (
            upload is None
            or upload.upload_id != upload_id
            or upload.session_id != session_id
            or now - upload.touched > self.idle_seconds
        ):
            return "no_upload"
        if (
            not isinstance(chunk, (bytes, bytearray))
            or not chunk
            or len(chunk) > CHUNK_BYTES
            or not isinstance(offset, int)
            or isinstance(offset, bool)
            or offset != len(upload.data)
            or offset + len(chunk) > upload.size
        ):
            self.drop(sid)
            return "bad_chunk"
        upload.data += chunk
        upload.touched = now
        if upload.complete:
            del self._by_connection[sid]
        return upload

    def drop(self, sid: str) -> None:
        self._by_connection.pop(sid, None)
