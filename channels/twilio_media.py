"""Files in a Twilio message (MMS, WhatsApp): Twilio posts `NumMedia` and, for each file,
`MediaUrl<i>` on its REST API (up to 10 per message), which answers with a redirect to
where the file lies. channels/media.py downloads and hands them to the evidence desk.

Only a URL of our own account's media on the configured API (TWILIO_API_BASE_URL, default
https://api.twilio.com) is fetched, with the account's credentials, which go to that API
only and never to where it redirects: a body with a valid signature but a forged URL
could otherwise have this server fetch, with our credentials, whatever it names."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import httpx

from bot import runtime
from bot.evidence.desk import EvidenceDesk
from channels.media import DOWNLOAD_FAILED, Taken, download, origin, take_file
from channels.twilio_output import TwilioSettings

logger = logging.getLogger(__name__)

MAX_MEDIA = 10  # Twilio's own limit per message
DEFAULT_API_BASE_URL = "https://api.twilio.com"
_ID = "[A-Za-z0-9]{2,64}"


def is_our_media(url: str, settings: TwilioSettings) -> bool:
    """Whether `url` is a media file of our account on the configured Twilio API."""
    base = settings.api_base_url or DEFAULT_API_BASE_URL
    try:
        parsed = httpx.URL(url)
        same_origin = origin(parsed) == origin(base)
    except (httpx.InvalidURL, TypeError, ValueError):
        return False
    path = f"/2010-04-01/Accounts/{re.escape(settings.account_sid)}/Messages/{_ID}/Media/{_ID}"
    return (
        same_origin
        and not parsed.userinfo
        and not parsed.query
        and re.fullmatch(path, parsed.path) is not None
    )


async def take_media(
    client: httpx.AsyncClient,
    settings: TwilioSettings,
    desk: EvidenceDesk,
    sender_id: str,
    urls: Sequence[str],
    keep_original: bool = False,
) -> list[Taken]:
    """What became of each file of a message, in order."""
    taken = []
    for url in urls:
        if not is_our_media(url, settings):
            logger.warning("A media URL of conversation %s is not on the Twilio API; not "
                           "fetched.", runtime.reference_for(sender_id))  # fmt: skip
            taken.append(Taken(text=DOWNLOAD_FAILED))
            continue

        async def fetch(max_bytes: int, url: str = url) -> bytes:
            auth = (settings.account_sid, settings.auth_token)
            return await download(client, url, max_bytes=max_bytes, auth=auth)

        taken.append(await take_file(desk, sender_id, fetch, keep_original=keep_original))
    return taken
