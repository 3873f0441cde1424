"""A fake Twilio REST API (api.twilio.com, version 2010-04-01) for the Messages resource:
the real path, Basic authentication with the account SID and auth token, form-encoded
parameters, Twilio's JSON error bodies and its 1,600-character body limit.

It also serves the files users send (`add_media`) as Twilio does: the message's media URL
(/2010-04-01/Accounts/<sid>/Messages/<MM…>/Media/<ME…>, Basic authentication) answers with
a redirect to where the file lies. Twilio's is a presigned storage URL that refuses a
request carrying credentials too; here it is this server under another name (`localhost`
instead of 127.0.0.1), so it is another origin for the client."""

from __future__ import annotations

import base64
import itertools
import secrets
import threading
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any, Optional
from urllib.parse import parse_qs

from tests.support.fakes.http_fake import FakeServer, Raw, wait_until

MAX_BODY_CHARACTERS = 1600


@dataclass(frozen=True)
class SentMessage:
    to: str
    from_: str
    body: str


@dataclass
class Media:
    data: bytes
    content_type: str = "image/jpeg"
    failures: int = 0  # server errors to answer before serving it
    gone: bool = False  # always 404, as a media URL Twilio no longer has
    requests: int = 0  # requests of its media URL, whatever the answer
    # When set, the file is served only once this is set (a slow download, held open).
    held_until: Optional[threading.Event] = None


@dataclass(frozen=True)
class StorageRequest:
    path: str
    with_credentials: bool


@dataclass
class MediaRecords:
    by_path: dict[str, Media] = field(default_factory=dict)
    # Where the redirects point: token -> media path.
    stored: dict[str, str] = field(default_factory=dict)
    storage_requests: list[StorageRequest] = field(default_factory=list)


class FakeTwilioApi(FakeServer):
    def __init__(self, account_sid: str, auth_token: str) -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.sent: list[SentMessage] = []
        self.refused: list[dict[str, Any]] = []
        # Numbers that opted out at Twilio: sending to them fails with error 21610.
        self.unsubscribed: set[str] = set()
        # Server errors to answer before accepting again (a brief outage).
        self.outage = 0
        self._sids = itertools.count(1)
        self.media = MediaRecords()

    def add_media(
        self,
        data: bytes,
        content_type: str = "image/jpeg",
        failures: int = 0,
        gone: bool = False,
        held_until: Optional[threading.Event] = None,
    ) -> str:
        """The media URL Twilio would post in MediaUrl<i> for a file a user sent."""
        path = (
            f"/2010-04-01/Accounts/{self.account_sid}/Messages/MM{secrets.token_hex(16)}"
            f"/Media/ME{secrets.token_hex(16)}"
        )
        with self.locked():
            self.media.by_path[path] = Media(
                data, content_type, failures, gone, held_until=held_until
            )
        return self.url + path

    def media_requests(self, url: str) -> int:
        """How often the media URL was asked for."""
        path = url.removeprefix(self.url)
        with self.locked():
            media = self.media.by_path.get(path)
            return media.requests if media else 0

    def storage_requests(self) -> list[StorageRequest]:
        with self.locked():
            return list(self.media.storage_requests)

    def _serve_media(self, path: str, authorized: bool) -> tuple[int, Any]:
        with self.locked():
            media = self.media.by_path.get(path)
            if media is not None:
                media.requests += 1
        if not authorized:
            return self._error(401, 20003, "Authenticate")
        if media is None or media.gone:
            return self._error(404, 20404, "The requested resource was not found")
        with self.locked():
            if media.failures > 0:
                media.failures -= 1
                return 503, {"code": 20503, "message": "Service unavailable", "status": 503}
            token = secrets.token_hex(16)
            self.media.stored[token] = path
        location = f"http://localhost:{self.port}/storage/{token}?X-Amz-Signature=fake"
        return 307, Raw(headers={"Location": location})

    def _serve_stored(self, path: str, headers: Any) -> tuple[int, Any]:
        token = path.removeprefix("/storage/").split("?", 1)[0]
        with_credentials = headers.get("Authorization") is not None
        with self.locked():
            self.media.storage_requests.append(StorageRequest(path, with_credentials))
            media_path = self.media.stored.get(token)
            media = self.media.by_path.get(media_path or "")
        if media is None:
            return 403, Raw(b"<Error><Code>AccessDenied</Code></Error>", "application/xml")
        if with_credentials:  # a presigned URL with credentials besides: two auth mechanisms
            return 400, Raw(b"<Error><Code>InvalidArgument</Code></Error>", "application/xml")
        if media.held_until is not None:
            media.held_until.wait(60)
        return 200, Raw(media.data, media.content_type)

    def channel_env(self, public_url: str = "https://veilig-melden.example.org") -> dict[str, str]:
        """The environment that points our Twilio channel at this fake, as Twilio would sign
        deliveries for `public_url` (the address in front of the reverse proxy)."""
        return {
            "TWILIO_ACCOUNT_SID": self.account_sid,
            "TWILIO_AUTH_TOKEN": self.auth_token,
            "TWILIO_API_BASE_URL": self.url,
            "TWILIO_PUBLIC_URL": public_url,
        }

    def _error(self, status: int, code: int, message: str) -> tuple[int, Any]:
        error = {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }
        with self.locked():
            self.refused.append(error)
        return status, error

    def handle(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, Any]:
        expected = f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        authorized = headers.get("Authorization") == f"Basic {credentials}"
        if method == "GET" and path.startswith("/storage/"):
            return self._serve_stored(path, headers)
        if method == "GET" and "/Media/" in path:
            return self._serve_media(path, authorized)
        if not authorized:
            return self._error(401, 20003, "Authenticate")
        if method != "POST" or path != expected:
            return self._error(404, 20404, "The requested resource was not found")
        with self.locked():
            if self.outage > 0:
                self.outage -= 1
                return 503, {"code": 20503, "message": "Service unavailable", "status": 503}
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}
        to, from_, text = form.get("To"), form.get("From"), form.get("Body")
        if not to:
            return self._error(400, 21604, "A 'To' phone number is required.")
        if not from_:
            return self._error(400, 21603, "A 'From' phone number is required.")
        if not text:
            return self._error(400, 21602, "Message body is required.")
        if len(text) > MAX_BODY_CHARACTERS:
            return self._error(
                400, 21617, "The concatenated message body exceeds the 1600 character limit."
            )
        if to in self.unsubscribed:
            return self._error(400, 21610, "Attempt to send to unsubscribed recipient")
        with self.locked():
            self.sent.append(SentMessage(to=to, from_=from_, body=text))
        sid = f"SM{next(self._sids):032x}"
        now = formatdate(usegmt=True)
        return 201, {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": to,
            "from": from_,
            "body": text,
            "status": "queued",
            "direction": "outbound-api",
            "num_segments": "1",
            "num_media": "0",
            "api_version": "2010-04-01",
            "date_created": now,
            "date_updated": now,
            "date_sent": None,
            "price": None,
            "error_code": None,
            "error_message": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
        }

    def messages_to(self, to: str) -> list[SentMessage]:
        with self.locked():
            return [m for m in self.sent if m.to == to]

    def wait_for(self, to: str, count: int, timeout: float = 30.0) -> list[SentMessage]:
        wait_until(lambda: len(self.messages_to(to)) >= count, timeout)
        return self.messages_to(to)

    def bodies_to(self, to: str) -> list[str]:
        return [m.body for m in self.messages_to(to)]

    def clear(self, to: Optional[str] = None) -> None:
        with self.locked():
            self.sent = [m for m in self.sent if to is not None and m.to != to]
