"""The web chat's pages over HTTP, under /webchat: `widget.js`, `widget.css`,
`socket.io.min.js` (the vendored socket.io client), `demo` (a page that embeds the widget),
`config` (labels in every language, the languages, where the socket is) and POST `session`
(a signed session token)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import runtime
from channels.webchat.labels import language_choices, widget_labels
from channels.webchat.transport import MAX_MESSAGE_CHARACTERS

if TYPE_CHECKING:
    from channels.webchat.channel import WebChatInput

STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_SESSION_BODY_BYTES = 1_000

_SESSION_BODY = 'The body must be empty or a JSON object: {"session_id": "<token>"}.'

_CONTENT_TYPES = {
    "widget.js": "application/javascript; charset=utf-8",
    "socket.io.min.js": "application/javascript; charset=utf-8",
    "widget.css": "text/css; charset=utf-8",
    "demo.html": "text/html; charset=utf-8",
}


def add_pages(webchat: Blueprint, channel: WebChatInput) -> None:
    files = {name: (STATIC_DIR / name).read_bytes() for name in _CONTENT_TYPES}

    def static(name: str, cache: str = "no-cache") -> HTTPResponse:
        headers = {"Cache-Control": cache, "X-Content-Type-Options": "nosniff"}
        return response.raw(files[name], content_type=_CONTENT_TYPES[name], headers=headers)

    @webchat.route("/", methods=["GET"])
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @webchat.route("/widget.js", methods=["GET"])
    async def widget_js(_: Request) -> HTTPResponse:
        return static("widget.js")

    @webchat.route("/widget.css", methods=["GET"])
    async def widget_css(_: Request) -> HTTPResponse:
        return static("widget.css")

    @webchat.route("/socket.io.min.js", methods=["GET"])
    async def socketio_client(_: Request) -> HTTPResponse:
        return static("socket.io.min.js")

    @webchat.route("/demo", methods=["GET"])
    async def demo(_: Request) -> HTTPResponse:
        page = static("demo.html", cache="no-store")
        page.headers["Content-Security-Policy"] = (
            "default-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
            "base-uri 'none'; form-action 'none'"
        )
        page.headers["Referrer-Policy"] = "no-referrer"
        return page

    @webchat.route("/config", methods=["GET"])
    async def config(_: Request) -> HTTPResponse:
        # The content store may read files: off the event loop.
        labels = await asyncio.to_thread(widget_labels, runtime.content_store())
        own_names, _names = await asyncio.to_thread(runtime.languages)
        return response.json(
            {
                "languages": language_choices(own_names),
                "labels": labels,
                "socketio_path": channel.socketio_path,
                "quick_exit_url": channel.quick_exit_url,
                "max_message_characters": MAX_MESSAGE_CHARACTERS,
            },
            headers={"Cache-Control": "no-cache"},
        )

    @webchat.route("/session", methods=["POST"])
    async def session(request: Request) -> HTTPResponse:
        body = request.body or b""
        if len(body) > MAX_SESSION_BODY_BYTES:
            message = f"The body must be under {MAX_SESSION_BODY_BYTES} bytes."
            return response.json({"message": message}, status=413)
        token = None
        if body.strip():
            try:
                data = json.loads(body)
            except ValueError:  # also bytes that are not UTF-8
                data = None
            if not isinstance(data, dict):
                return response.json({"message": _SESSION_BODY}, status=400)
            token = data.get("session_id")
        granted, new = await channel.continue_or_start(token)
        return response.json(
            channel.confirmation(granted, new), headers={"Cache-Control": "no-store"}
        )
