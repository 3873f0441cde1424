"""Files in a Telegram message: a photo (the largest of the sizes Telegram sends), a
document, a voice note, an audio file, a video or video note (the evidence desk refuses
what it does not take). The Bot API's getFile gives the file's path, downloaded from
<file base URL>/<path>; channels/media.py downloads it and hands it to the evidence desk.

The file base URL is the API's with "/file" before "/bot" (https://api.telegram.org/file/bot
for https://api.telegram.org/bot, likewise for a local fake); it holds the bot token, so
it is never logged."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import httpx
from telegram import Bot
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError

from bot.evidence.desk import EvidenceDesk
from channels.media import Failure, Taken, TooLarge, download, failed, retried, take_file

DEFAULT_FILE_BASE_URL = "https://api.telegram.org/file/bot"
# Message fields that carry one file (a photo carries a list of sizes of one picture).
FILE_FIELDS = ("document", "voice", "audio", "video", "video_note", "animation")


@dataclass(frozen=True)
class TelegramFile:
    file_id: str
    size: Optional[int] = None  # as Telegram announces it, when it does


def file_base_url(api_base_url: str) -> str:
    """python-telegram-bot's `base_file_url` for an API base URL ("…/bot")."""
    base = api_base_url.rstrip("/")
    if base.endswith("/bot"):
        return base[: -len("bot")] + "file/bot"
    return DEFAULT_FILE_BASE_URL


def _file(attachment: Any) -> Optional[TelegramFile]:
    file_id = getattr(attachment, "file_id", None)
    if not isinstance(file_id, str) or not file_id:
        return None
    size = getattr(attachment, "file_size", None)
    known = isinstance(size, int) and not isinstance(size, bool) and size > 0
    return TelegramFile(file_id, size if known else None)


def attachments(message: Any) -> tuple[TelegramFile, ...]:
    """The file a message carries (Telegram sends one per message), if any."""
    sizes = [size for size in getattr(message, "photo", None) or () if _file(size) is not None]
    if sizes:
        largest = max(sizes, key=lambda s: ((s.width or 0) * (s.height or 0), s.file_size or 0))
        chosen = _file(largest)
        return (chosen,) if chosen is not None else ()
    for name in FILE_FIELDS:
        found = _file(getattr(message, name, None))
        if found is not None:
            return (found,)
    return ()


async def _file_url(bot: Bot, file: TelegramFile, max_bytes: int) -> str:
    """The download URL getFile gives, once checked to be on the file base URL."""
    try:
        found = await bot.get_file(file.file_id)
    except BadRequest as error:  # a file_id Telegram does not know; "file is too big"
        if "too big" in str(error).lower():
            raise TooLarge() from None
        raise failed(Failure.FINAL, type(error).__name__) from None
    except (NetworkError, RetryAfter) as error:  # network, timeout, 5xx, flood control
        raise failed(Failure.TRANSIENT, type(error).__name__) from None
    except TelegramError as error:
        raise failed(Failure.FINAL, type(error).__name__) from None
    if found.file_size and found.file_size > max_bytes:
        raise TooLarge()
    path = found.file_path or ""
    if not path.startswith(bot.base_file_url + "/"):
        raise failed(Failure.FINAL, "file path outside the file API")
    return path


async def take_attachments(
    bot: Bot,
    client: httpx.AsyncClient,
    desk: EvidenceDesk,
    sender_id: str,
    files: tuple[TelegramFile, ...],
    keep_original: bool = False,
) -> list[Taken]:
    """What became of each file, in order; an announced size over the limit is refused
    without a download."""
    taken = []
    for file in files:

        async def fetch(max_bytes: int, file: TelegramFile = file) -> bytes:
            url = await retried(lambda: _file_url(bot, file, max_bytes))
            return await download(client, url, max_bytes=max_bytes)

        taken.append(
            await take_file(desk, sender_id, fetch, file.size, keep_original=keep_original)
        )
    return taken
