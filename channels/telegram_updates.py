"""Telegram's updates as the channel sees them: what an update asks of us (a text, a
command, a button tap, a file, something we cannot read) and whether it is a replay.
Parsed with python-telegram-bot's own update classes; nothing here answers anyone."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Optional

from telegram import Bot, Update

from channels.addresses import ReplyTo
from channels.inbound import BadRequest
from channels.state import DELIVERY_MEMORY
from channels.telegram_media import TelegramFile, attachments

COMMAND = re.compile(r"^/(?P<name>[A-Za-z0-9_]{1,64})(?:@\w+)?(?:\s|$)")


@dataclass(frozen=True)
class TelegramInbound:
    update_id: int
    # "text", "command", "button", "media" (a file), "unsupported" (a location, a contact,
    # a sticker, ...) or "ignored"
    kind: str
    chat_id: int = 0
    text: str = ""
    language_hint: Optional[str] = None
    callback_query_id: Optional[str] = None
    # When the message (for a button: the message with the keyboard) was sent.
    sent_at: Optional[datetime] = None
    files: tuple[TelegramFile, ...] = ()

    @property
    def reply_to(self) -> ReplyTo:
        return ReplyTo("telegram", str(self.chat_id))

    @property
    def sender_id(self) -> str:
        return self.reply_to.sender_id

    @property
    def delivery_id(self) -> str:
        return str(self.update_id)

    @property
    def description(self) -> str:
        return "Telegram update"


def _int(value: Any) -> Optional[int]:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _date(message: Any) -> Optional[datetime]:
    date = getattr(message, "date", None)
    if not isinstance(date, datetime):
        return None
    return date if date.tzinfo else date.replace(tzinfo=timezone.utc)


def _language(user: Any) -> Optional[str]:
    code = getattr(user, "language_code", None)
    return code if isinstance(code, str) and len(code) <= 35 else None


def parse_update(body: bytes, bot: Optional[Bot] = None) -> TelegramInbound:
    """What an update asks of us; BadRequest when it is not an update at all."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise BadRequest("The body is not JSON.") from error
    if not isinstance(data, dict) or _int(data.get("update_id")) is None:
        raise BadRequest("An update is a JSON object with an integer `update_id`.")
    try:
        update = Update.de_json(data, bot)
    except Exception as error:  # the library's own checks of the update's shape
        raise BadRequest("The update does not have Telegram's shape.") from error
    update_id = data["update_id"]
    ignored = TelegramInbound(update_id=update_id, kind="ignored")

    query = update.callback_query
    if query is not None:
        user = query.from_user
        chat = getattr(query.message, "chat", None)
        owner = chat if chat is not None else user  # a private chat's id is the user's
        chat_id = _int(getattr(owner, "id", None))
        if chat is not None and getattr(chat, "type", None) != "private":
            return ignored
        if chat_id is None or not isinstance(query.id, str) or not isinstance(query.data, str):
            return ignored  # e.g. a game's callback: nothing of ours
        return TelegramInbound(
            update_id=update_id,
            kind="button",
            chat_id=chat_id,
            text=query.data,
            language_hint=_language(user),
            callback_query_id=query.id,
            sent_at=_date(query.message),
        )

    message = update.message
    chat = getattr(message, "chat", None)
    if message is None or chat is None or getattr(chat, "type", None) != "private":
        return ignored  # edits, channel posts, groups, membership changes, ...
    chat_id = _int(chat.id)
    if chat_id is None:
        raise BadRequest("The message has no chat id.")
    hint, sent_at = _language(message.from_user), _date(message)
    text = message.text
    if not isinstance(text, str):
        caption = message.caption if isinstance(message.caption, str) else ""
        files = attachments(message)
        kind = "media" if files else "unsupported"
        return TelegramInbound(
            update_id, kind, chat_id, caption, hint, sent_at=sent_at, files=files
        )
    if COMMAND.match(text):
        return TelegramInbound(update_id, "command", chat_id, text, hint, sent_at=sent_at)
    return TelegramInbound(update_id, "text", chat_id, text, hint, sent_at=sent_at)


def too_old(inbound: TelegramInbound, now: Optional[datetime] = None) -> bool:
    """Older than the de-duplication window, or undated: a replay, not a delivery."""
    if inbound.sent_at is None:
        return True
    return inbound.sent_at < (now or datetime.now(timezone.utc)) - DELIVERY_MEMORY
