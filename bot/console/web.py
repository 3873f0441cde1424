"""What every console page shares: the security headers, the session behind the cookie,
CSRF checks, the page language, and rendering with Jinja2 (autoescaped: a transcript
holding HTML or script is shown as text)."""

from __future__ import annotations

import secrets
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot import runtime
from bot.console.accounts import Account
from bot.console.sessions import ActiveSession, active_session
from bot.console.texts import Texts, chosen_language, direction
from bot.settings import settings

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
MAX_FORM_BYTES = 64_000
MAX_FORM_FIELDS = 20

HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
        "object-src 'none'"
    ),
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


class SecurityHeaders:
    """Adds the security headers to every answer (but one it set itself: an attachment's
    stricter policy), and `no-store` to every page: a transcript is never kept in a
    browser's cache."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])]
                present = {k.lower() for k, _ in headers}
                for name, value in HEADERS.items():
                    if name.encode() not in present:  # an attachment sets its own policy
                        headers.append((name.encode(), value.encode()))
                if b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                if settings().console_url.startswith("https://"):
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


@dataclass(frozen=True)
class Cookies:
    session: str
    login: str
    secure: bool


def cookies() -> Cookies:
    """Secure, `__Host-` named cookies when the console is served over https; on plain
    http (a developer's loopback) browsers would drop Secure cookies."""
    secure = settings().console_url.startswith("https://")
    prefix = "__Host-" if secure else ""
    return Cookies(f"{prefix}vm_session", f"{prefix}vm_login", secure)


def set_cookie(response: Response, name: str, value: str, max_age: Optional[int] = None) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        secure=cookies().secure,
        httponly=True,
        samesite="strict",
    )


def texts_for(request: Request) -> Texts:
    return Texts(chosen_language(request.headers.get("accept-language", "")))


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    texts = context.pop("t", None) or texts_for(request)
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {"t": texts, "lang": texts.language, "direction": direction, **context},
        status_code=status_code,
    )


async def current(request: Request) -> Optional[ActiveSession]:
    token = request.cookies.get(cookies().session)
    if not token:
        return None
    return await runtime.database().run(lambda session: active_session(session, token))


async def form_of(
    request: Request, max_bytes: int = MAX_FORM_BYTES, max_fields: int = MAX_FORM_FIELDS
) -> Optional[FormData]:
    """The posted form, or None when it is too large to be one of ours."""
    if int(request.headers.get("content-length") or 0) > max_bytes:
        return None
    return await request.form(max_files=0, max_fields=max_fields, max_part_size=max_bytes)


def csrf_ok(form: FormData, expected: Optional[str]) -> bool:
    given = form.get("csrf")
    return (
        bool(expected) and isinstance(given, str) and secrets.compare_digest(given, expected or "")
    )


def forbidden(request: Request) -> HTMLResponse:
    return render(request, "message.html", 403, heading="403", key="forbidden")


def not_found(request: Request, account: Optional[Account] = None) -> HTMLResponse:
    return render(request, "message.html", 404, heading=None, key="not_found", account=account)


def to_login(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/login?next={request.url.path}", status_code=303)


class RateLimit:
    """At most `limit` tries per `window` seconds from one client address (in this
    process): the per-account lockout is the real guard; this slows spraying."""

    def __init__(self, limit: int = 30, window: float = 300.0) -> None:
        self.limit, self.window = limit, window
        self._tries: dict[str, deque[float]] = {}

    def allow(self, client: str) -> bool:
        now = time.monotonic()
        tries = self._tries.setdefault(client, deque())
        while tries and now - tries[0] > self.window:
            tries.popleft()
        if len(tries) >= self.limit:
            return False
        tries.append(now)
        if len(self._tries) > 10_000:
            self._tries.clear()
        return True
