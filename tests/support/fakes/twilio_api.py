"""A fake Twilio REST API (api.twilio.com, version 2010-04-01) for the Messages resource:
the real path, Basic authentication with the account SID and auth token, form-encoded
parameters, Twilio's JSON error bodies and its 1,600-character body limit."""

from __future__ import annotations

import base64
import itertools
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any, Optional
from urllib.parse import parse_qs

from tests.support.fakes.http_fake import FakeServer, wait_until

MAX_BODY_CHARACTERS = 1600


@dataclass(frozen=True)
class SentMessage:
    to: str
    from_: str
    body: str


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
        if headers.get("Authorization") != f"Basic {credentials}":
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
