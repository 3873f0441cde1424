"""Files a person sends in the web chat: over the same socket.io connection and signed
session as their messages (never a separate HTTP upload), to the evidence desk.

- `user_file` {"session_id": <token>, "size": <bytes>, "metadata"?} announces a file. A
  size the desk would not take (larger than VM_EVIDENCE_MAX_FILE_MB, more than the
  conversation may still hold, nothing) is answered before any of the file is sent: the
  assistant says why (`bot_uttered`, in the conversation's language) and the
  acknowledgement is {"status": "refused", "reason": "file_refused", "refusal": <why>}.
  Otherwise {"status": "ready", "upload_id", "chunk_bytes"}.
- `user_file_chunk` {"upload_id", "offset", "data": <binary>} sends the file in order, each
  chunk acknowledged {"status": "received", "received": <bytes so far>}. Once the file is
  whole the desk takes it: held, it becomes one message to the dialogue,
  `/share_file{"file_id": "<id>"}`, with the metadata of a typed message (the last chunk's
  acknowledgement, {"status": "accepted"}, comes after the dialogue's answer); refused,
  the assistant says why and the acknowledgement says `file_refused`, as above.

The file's name stays in the browser. Nothing here logs a file's content: log lines name
the conversation by its reference and say what became of the file."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable
from typing import Any, Optional, Union

from rasa.core.channels.channel import UserMessage
from socketio import AsyncServer

from bot import runtime
from bot.evidence.desk import EvidenceDesk
from bot.evidence.dialogue import refusal_text, share_file_payload
from bot.evidence.limits import MB, size_refusal
from bot.evidence.refusals import Refusal, RefusedFile
from bot.language.slot import INTERFACE_LANGUAGE
from channels.addresses import ReplyTo
from channels.conversation import channel_message, read_conversation
from channels.webchat.output import LANGUAGE_KEY, ReplyOutput
from channels.webchat.transport import CHUNK_BYTES
from channels.webchat.uploads import Upload, Uploads

logger = logging.getLogger(__name__)

FILE_EVENT = "user_file"
CHUNK_EVENT = "user_file_chunk"

Answer = Union[dict[str, Any], str]  # an acknowledgement, or the reason to refuse the event
OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


class FileReceiver:
    def __init__(
        self,
        sio: AsyncServer,
        bot_message_evt: str,
        desk: Callable[[], EvidenceDesk],
        app: Callable[[], Any],
        uploads: Optional[Uploads] = None,
    ) -> None:
        self.sio = sio
        self.bot_message_evt = bot_message_evt
        self._desk = desk
        self._app = app  # the Sanic app, whose agent holds the conversations
        self.uploads = uploads or Uploads()

    def output(self) -> ReplyOutput:
        return ReplyOutput(self.sio, self.bot_message_evt)

    async def announce(self, sid: str, session_id: str, sender_id: str, data: object) -> Answer:
        """`user_file`, from a connection whose session is checked."""
        fields = data if isinstance(data, dict) else {}
        size = fields.get("size")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            return "invalid_file"
        given = fields.get("metadata")
        reply_to = ReplyTo("webchat", session_id)
        metadata = reply_to.metadata(given if isinstance(given, dict) else None)
        desk = self._desk()
        held = await desk.held(sender_id)
        refusal = size_refusal(size, sum(file.received_size for file in held), desk.limits)
        if refusal is not None:
            logger.info("A web chat file for conversation %s was refused before it was sent (%s).",
                        runtime.reference_for(sender_id), refusal.value)  # fmt: skip
            return await self._refused(sender_id, metadata, refusal)
        upload = self.uploads.begin(sid, session_id, sender_id, size, metadata)
        if upload is None:
            logger.warning("A web chat file was refused: the server holds as many unfinished "
                           "files as it may.")  # fmt: skip
            return "busy"
        return {"status": "ready", "upload_id": upload.upload_id, "chunk_bytes": CHUNK_BYTES}

    async def chunk(
        self, sid: str, session_id: str, data: object, on_new_message: OnNewMessage
    ) -> Answer:
        """`user_file_chunk`, from a connection with a session. Nothing is awaited before
        the chunk is added: chunks are added in the order they arrived."""
        fields = data if isinstance(data, dict) else {}
        added = self.uploads.add(
            sid, session_id, fields.get("upload_id"), fields.get("offset"), fields.get("data")
        )
        if isinstance(added, str):
            return added
        if not added.complete:
            return {"status": "received", "received": len(added.data)}
        return await self._take(added, on_new_message)

    def closed(self, sid: str) -> None:
        self.uploads.drop(sid)

    async def _take(self, upload: Upload, on_new_message: OnNewMessage) -> Answer:
        reference = runtime.reference_for(upload.sender_id)
        conversation = await read_conversation(self._app(), upload.sender_id)
        try:
            evidence = await self._desk().take(
                upload.sender_id, bytes(upload.data), keep_original=conversation.keep_originals
            )
        except RefusedFile as refused:
            logger.info("A web chat file for conversation %s was refused (%s).",
                        reference, refused.reason.value)  # fmt: skip
            return await self._refused(upload.sender_id, upload.metadata, refused.reason)
        except Exception as error:  # the user is told to try again, not left waiting
            logger.error("A web chat file for conversation %s could not be taken (%s).",
                         reference, type(error).__name__)  # fmt: skip
            return "unavailable"
        logger.info("A web chat file for conversation %s is held.", reference)
        message = UserMessage(
            share_file_payload(evidence.id),
            self.output(),
            upload.sender_id,
            input_channel="webchat",
            message_id=upload.upload_id,
            metadata=upload.metadata,
        )
        try:
            await on_new_message(message)
        except Exception as error:
            logger.error(
                "Web chat file message could not be handled (%s):\n%s",
                type(error).__name__,
                "".join(traceback.format_tb(error.__traceback__)),
            )
            return "unavailable"
        return {"status": "accepted"}

    async def _refused(
        self, sender_id: str, metadata: dict[str, Any], refusal: Refusal
    ) -> dict[str, Any]:
        """Says why the file is not taken (data/content/<language>/channels.yml), in the
        conversation's language, else the one the widget shows."""
        conversation = await read_conversation(self._app(), sender_id)
        hint = metadata.get(INTERFACE_LANGUAGE)
        language = conversation.language_or(hint if isinstance(hint, str) else None)
        output = self.output()
        values = {"max_mb": self._desk().limits.max_file_bytes // MB}
        message = await channel_message(refusal_text(refusal), language, output.name(), **values)
        if message:
            await output.send_response(sender_id, {**message, LANGUAGE_KEY: language})
        return {"status": "refused", "reason": "file_refused", "refusal": refusal.value}
