"""Files users send on the messaging channels (Twilio's SMS/MMS and WhatsApp, Telegram):
fetched from the platform without blocking the event loop, then handed to the evidence
desk (bot.evidence.desk), which holds them for the conversation or says why not.

- A download stops reading once the file passes the evidence limit (TooLarge); a size the
  platform announces is checked before anything is downloaded.
- A failed download is tried again: a network error, a timeout or a 5xx twice more,
  after a short back-off; a 404 or 410 (an expired or not yet available URL) once more.
  After that it is MediaUnavailable and the user is asked to send the file again.
- Redirects are followed by hand: credentials go only to the origin they belong to (the
  platform's API), never to where it redirects (Twilio's CDN).
- A file taken becomes one message to the dialogue, `/share_file{"file_id": "<id>"}`,
  that only the channel makes: typed text never becomes a payload.

Nothing here logs a URL (Telegram's hold the bot token), a file name, a caption or a
file's content: log lines say what happened and, for errors, the error's type.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Awaitable, Callable, Optional, TypeVar

import httpx

from bot import runtime
from bot.evidence.desk import EvidenceDesk
from bot.evidence.dialogue import refusal_text, share_file_payload
from bot.evidence.limits import MB, size_refusal
from bot.evidence.refusals import Refusal, RefusedFile
from bot.evidence.store import Evidence

logger = logging.getLogger(__name__)

T = TypeVar("T")

DOWNLOAD_FAILED = "evidence_download_failed"
MAX_REDIRECTS = 5
# One attempt, from the request to the last byte (16 MB on a slow link).
ATTEMPT_TIMEOUT_SECONDS = 60.0
_CLIENT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


class MediaUnavailable(Exception):
    """The file could not be fetched. Its text is a kind of failure, never the URL."""


class TooLarge(Exception):
    """The file is larger than the evidence limit: not read further."""


class Failure(Enum):
    TRANSIENT = "transient"  # network error, timeout, 5xx: tried twice more
    GONE = "gone"  # 404, 410: the URL expired or is not there yet: tried once more
    FINAL = "final"  # anything else: not tried again


class _Failed(Exception):
    def __init__(self, failure: Failure, what: str) -> None:
        super().__init__(what)
        self.failure = failure


@dataclass(frozen=True)
class Retries:
    attempts: int = 3  # in all, for transient failures
    gone_attempts: int = 2  # in all, for 404 and 410
    backoff_seconds: float = 0.5  # before the second attempt; doubled each time after


RETRIES = Retries()


def failed(failure: Failure, what: str) -> Exception:
    """The error an attempt raises to have `retried` try again (or not)."""
    return _Failed(failure, what)


async def retried(attempt: Callable[[], Awaitable[T]], retries: Retries = RETRIES) -> T:
    """The attempt's result, trying again after a transient failure (see the module's
    docstring); an attempt says how it failed by raising `failed(...)`. TooLarge passes
    through; anything else that is not `failed(...)` too (it is a bug, not the network)."""
    gone = 0
    for number in range(1, retries.attempts + 1):
        try:
            return await asyncio.wait_for(attempt(), ATTEMPT_TIMEOUT_SECONDS)
        except asyncio.TimeoutError:
            failure, what = Failure.TRANSIENT, "timeout"
        except _Failed as error:
            failure, what = error.failure, str(error)
        if failure is Failure.GONE:
            gone += 1
        if (
            failure is Failure.FINAL
            or (failure is Failure.GONE and gone >= retries.gone_attempts)
            or number == retries.attempts
        ):
            raise MediaUnavailable(what)
        await asyncio.sleep(retries.backoff_seconds * 2 ** (number - 1))
    raise MediaUnavailable("no attempt")  # only when retries.attempts < 1


def status_failure(status: int) -> Failure:
    if status in (404, 410):
        return Failure.GONE
    if status >= 500 or status in (408, 429):
        return Failure.TRANSIENT
    return Failure.FINAL


def origin(url: httpx.URL | str) -> tuple[str, str, Optional[int]]:
    """Scheme, host and port: whom a request goes to."""
    parsed = httpx.URL(url)
    port = parsed.port or {"http": 80, "https": 443}.get(parsed.scheme)
    return parsed.scheme, parsed.host.lower(), port


def media_client() -> httpx.AsyncClient:
    """The client downloads go through; built inside the running loop, closed with the
    channel. httpx logs each request's URL at INFO and httpcore the connections at DEBUG:
    both are kept quiet."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.INFO)
    return httpx.AsyncClient(timeout=_CLIENT_TIMEOUT, follow_redirects=False)


async def _fetch_once(
    client: httpx.AsyncClient,
    url: str,
    max_bytes: int,
    auth: Optional[tuple[str, str]],
    auth_origin: Optional[tuple[str, str, Optional[int]]],
) -> bytes:
    current = httpx.URL(url)
    for _ in range(MAX_REDIRECTS + 1):
        if current.scheme not in ("http", "https"):
            raise failed(Failure.FINAL, "scheme")
        credentials = auth if auth is not None and origin(current) == auth_origin else None
        try:
            async with client.stream("GET", current, auth=credentials) as response:
                if response.is_redirect:
                    location = response.headers.get("location")
                    if not location:
                        raise failed(Failure.FINAL, "redirect without location")
                    current = current.join(location)
                    continue
                status = response.status_code
                if status != 200:
                    raise failed(status_failure(status), f"HTTP {status}")
                announced = response.headers.get("content-length", "")
                if announced.isdigit() and int(announced) > max_bytes:
                    raise TooLarge()
                data = bytearray()
                async for chunk in response.aiter_bytes():
                    data += chunk
                    if len(data) > max_bytes:
                        raise TooLarge()
                return bytes(data)
        except httpx.RequestError as error:  # connection, timeout, protocol, decoding
            raise failed(Failure.TRANSIENT, type(error).__name__) from None
        except httpx.InvalidURL:
            raise failed(Failure.FINAL, "invalid redirect") from None
    raise failed(Failure.FINAL, "too many redirects")


async def download(
    client: httpx.AsyncClient,
    url: str,
    *,
    max_bytes: int,
    auth: Optional[tuple[str, str]] = None,
    retries: Retries = RETRIES,
) -> bytes:
    """The file at `url`, at most `max_bytes` of it (TooLarge otherwise). `auth` (HTTP basic)
    goes only to `url`'s own origin, not to where it redirects. MediaUnavailable when it
    cannot be had, after the retries."""
    auth_origin = origin(url) if auth is not None else None
    return await retried(lambda: _fetch_once(client, url, max_bytes, auth, auth_origin), retries)


@dataclass(frozen=True)
class Taken:
    """What became of one file: held (`evidence`), or the text that tells the user why not
    (`text`, with its placeholders' `values`)."""

    evidence: Optional[Evidence] = None
    text: Optional[str] = None
    values: dict[str, Any] = field(default_factory=dict)


def _refused(desk: EvidenceDesk, refusal: Refusal) -> Taken:
    return Taken(text=refusal_text(refusal), values={"max_mb": desk.limits.max_file_bytes // MB})


async def take_file(
    desk: EvidenceDesk,
    sender_id: str,
    fetch: Callable[[int], Awaitable[bytes]],
    announced_size: Optional[int] = None,
    keep_original: bool = False,
) -> Taken:
    """Fetches one file (`fetch(max_bytes)`) and gives it to the desk, as sent when the user
    chose to keep originals. A size the platform announced is checked first, so a file
    that cannot be taken is not downloaded."""
    reference = runtime.reference_for(sender_id)
    if announced_size is not None and announced_size > 0:
        held = await desk.held(sender_id)
        refusal = size_refusal(announced_size, sum(f.received_size for f in held), desk.limits)
        if refusal is not None:
            logger.info("A file for conversation %s was refused before download (%s).",
                        reference, refusal.value)  # fmt: skip
            return _refused(desk, refusal)
    try:
        data = await fetch(desk.limits.max_file_bytes)
    except TooLarge:
        logger.info("A file for conversation %s was too large to download.", reference)
        return _refused(desk, Refusal.FILE_TOO_LARGE)
    except MediaUnavailable as error:
        logger.warning("A file for conversation %s could not be downloaded (%s).",
                       reference, error)  # fmt: skip
        return Taken(text=DOWNLOAD_FAILED)
    try:
        evidence = await desk.take(sender_id, data, keep_original=keep_original)
    except RefusedFile as refused:
        logger.info("A file for conversation %s was refused (%s).", reference,
                    refused.reason.value)  # fmt: skip
        return _refused(desk, refused.reason)
    logger.info("A file for conversation %s is held.", reference)
    return Taken(evidence=evidence)


async def settle(
    taken: Sequence[Taken], say: Callable[[str, dict[str, Any]], Awaitable[None]]
) -> list[str]:
    """Tells the user why files were not taken (`say(text, values)`, each reason once per
    message) and returns what the dialogue gets for the files taken: one payload each,
    in order."""
    said: set[str] = set()
    payloads = []
    for one in taken:
        if one.evidence is not None:
            payloads.append(share_file_payload(one.evidence.id))
        elif one.text is not None and one.text not in said:
            said.add(one.text)
            await say(one.text, one.values)
    return payloads
