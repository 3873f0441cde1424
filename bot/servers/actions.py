"""The action server: rasa_sdk's app with the project's actions (`actions/`), closed to
everyone but the Rasa server.

- It listens on loopback unless VM_ACTIONS_HOST names another address (a private network).
- Every request but GET /health carries the shared secret (VM_ACTION_SECRET, else the file
  `action.secret` in the state folder) as `Authorization: Bearer <secret>`; else 401.
  /health stays open: it answers `{"status": "ok"}` and nothing else, and the launcher and
  container probes use it.
- A compressed body (any Content-Encoding but identity) is refused with 415 before a byte
  of it is read, so a deflate bomb is never inflated; a POST without Content-Length gets
  411, one over MAX_BODY_BYTES 413 (Sanic's own limit covers what the header understates).
- An error answers a short reason, never the request (rasa_sdk's own handler echoed the
  whole tracker, which the Rasa server then logged); it is logged by type and place only.

`python -m bot.servers.actions [--port N]` runs it (the launcher, bot/servers/launch.py,
does this); LISTENERS is where background tasks attach (e.g. a retention scheduler)."""

from __future__ import annotations

import argparse
import asyncio
import hmac
import logging
import traceback
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from rasa_sdk import utils as sdk_utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME, DEFAULT_SERVER_PORT
from rasa_sdk.endpoint import create_app as create_sdk_app
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import json_text, runtime
from bot.retention.conversations import ENDPOINTS
from bot.retention.schedule import daily_retention_listener, stop_daily_retention
from bot.security.logs import install as install_log_redaction
from bot.servers.secrets import action_secret
from bot.settings import settings

logger = logging.getLogger(__name__)

ACTIONS_PACKAGE = "actions"
# The Rasa server posts the whole tracker, every event, on every call, with non-ASCII text as
# 6-byte JSON escapes. A report conversation with a 20,000-character Arabic story measured
# 871 KB per call (2026-12-04; tests/security/test_api_doors.py measures it again), and a
# REST message may be 50,000 characters: 16 MiB keeps ample room (a call refused for size
# would lose what the user wrote) while a runaway body is still refused before it is read.
MAX_BODY_BYTES = 16 * 1024 * 1024
OPEN_PATHS = frozenset({"/health"})
ALLOWED_ENCODINGS = frozenset({"", "identity"})

# (listener, event) pairs registered on the app, e.g. (start_retention, "after_server_start"):
# the place for background tasks the action server runs besides answering Rasa.
Listener = Callable[[Sanic, asyncio.AbstractEventLoop], Awaitable[None]]
LISTENERS: list[tuple[Listener, str]] = []


def _refusal(status: int, reason: str) -> HTTPResponse:
    return response.json({"error": reason}, status=status)


def _has_secret(request: Request, secret: bytes) -> bool:
    given = request.headers.get("authorization", "")
    scheme, _, value = given.partition(" ")
    if scheme.lower() != "bearer" or not value:
        return False
    # Constant time: the answer's timing tells nothing about how much of a guess was right.
    return hmac.compare_digest(value.strip().encode(), secret)


def _screen(request: Request, secret: bytes, max_body_bytes: int) -> HTTPResponse | None:
    """The refusal for a request that may not reach an action, or None; only headers are
    read (the body is not read yet when request middleware runs)."""
    if request.method == "GET" and request.path in OPEN_PATHS:
        return None
    if not _has_secret(request, secret):
        return _refusal(401, "not authorised")
    encoding = request.headers.get("content-encoding", "").strip().lower()
    if encoding not in ALLOWED_ENCODINGS:
        return _refusal(415, "compressed bodies are not accepted")
    if request.method in ("POST", "PUT", "PATCH"):
        length = request.headers.get("content-length")
        if length is None:
            return _refusal(411, "a Content-Length is required")
        if not length.strip().isdigit():
            return _refusal(400, "bad Content-Length")
        if int(length) > max_body_bytes:
            return _refusal(413, "the body is too large")
    return None


class _OrjsonRequest(Request):
    """A request whose JSON body orjson reads (bot/json_text.py): the tracker the Rasa server
    posts grows with the conversation (some 200 KB at turn 40), and orjson reads it in
    two thirds of the time ujson takes. A body that is no JSON is refused as before."""

    def load_json(self, loads: Any = json_text.loads) -> Any:
        return super().load_json(loads)


def _where(exception: BaseException) -> str:
    """The innermost frame as file:line: code, never data."""
    frames = traceback.extract_tb(exception.__traceback__)
    return f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"


async def _on_error(request: Request, exception: Exception) -> HTTPResponse:
    if isinstance(exception, SanicException):
        status = int(getattr(exception, "status_code", 500) or 500)
        if status < 500:
            # Sanic's own refusals (a body over the limit, bad JSON, an unknown path): the
            # status and a fixed reason; the exception's text may quote the request.
            return _refusal(status, "bad request")
    logger.error(
        "action server: %s at %s answering %s",
        type(exception).__name__,
        _where(exception),
        request.path,
    )
    return _refusal(500, "the action failed")


def create_app(
    secret: str,
    package: str = ACTIONS_PACKAGE,
    max_body_bytes: int = MAX_BODY_BYTES,
    listeners: Sequence[tuple[Listener, str]] = (),
) -> Sanic:
    """rasa_sdk's app for `package`, behind the secret and the limits above."""
    if not secret:
        raise ValueError("the action server needs a secret")
    # cors_origins=None: no browser origin may call it (`rasa run actions` did the same).
    app = create_sdk_app(package, cors_origins=None)
    app.config.REQUEST_MAX_SIZE = max_body_bytes
    app.request_class = _OrjsonRequest  # taken by each connection the server accepts
    expected = secret.encode()

    @app.middleware("request")
    async def closed_door(request: Request) -> HTTPResponse | None:
        return _screen(request, expected, max_body_bytes)

    # Replaces rasa_sdk's handler for Exception, which answered with the request's body.
    app.error_handler.add(Exception, _on_error)
    for listener, event in listeners:
        app.register_listener(listener, event)
    return app


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="the action server, behind its secret")
    parser.add_argument("--port", type=int, default=DEFAULT_SERVER_PORT)
    parser.add_argument("--host", default=None, help="default: VM_ACTIONS_HOST, else loopback")
    parser.add_argument("--actions", default=ACTIONS_PACKAGE)
    parser.add_argument(
        "--endpoints", type=Path, default=ENDPOINTS, help="where the tracker store is (retention)"
    )
    args = parser.parse_args(argv)
    host = args.host or settings().actions_host

    # As `rasa run actions` does (rasa_sdk.__main__): coloured logs at INFO, quiet libraries.
    logging.getLogger("matplotlib").setLevel(logging.WARN)
    sdk_utils.configure_colored_logging(logging.INFO)
    sdk_utils.configure_file_logging(
        logging.getLogger(APPLICATION_ROOT_LOGGER_NAME), None, logging.INFO, None
    )
    sdk_utils.update_sanic_log_level()
    install_log_redaction()  # no user text in any log line, rasa_sdk's own included
    runtime.use_content_edits()  # the answers coordinators published (phrases, buttons)

    # The daily retention run lives here: every deployment has exactly this server.
    retention = [
        (daily_retention_listener(args.endpoints), "after_server_start"),
        (stop_daily_retention, "before_server_stop"),
    ]
    app = create_app(action_secret().value, args.actions, listeners=[*LISTENERS, *retention])
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    logger.info("Action server listening on http://%s:%d", host, args.port)
    # No access log: paths only, but nothing an operator needs either.
    app.run(host, args.port, workers=sdk_utils.number_of_sanic_workers(), access_log=False)


if __name__ == "__main__":
    main()
