"""`python -m bot.console [--port 5080] [--host 127.0.0.1]`: serves the console."""

from __future__ import annotations

import argparse
import logging

import uvicorn

from bot import runtime
from bot.console.app import create_app
from bot.security.logs import install as install_log_redaction
from bot.settings import settings


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.console", description=__doc__)
    parser.add_argument("--port", type=int, default=5080)
    parser.add_argument("--host", default=None, help="default: VM_CONSOLE_HOST (127.0.0.1)")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    install_log_redaction()  # no user text in any log line (a failing query's parameters)
    runtime.use_content_edits()  # previews and notices show what users get
    uvicorn.run(
        create_app(notify=True),
        host=arguments.host or settings().console_host,
        port=arguments.port,
        # Request lines carry handoff ids only, but no client addresses are kept either.
        access_log=False,
        proxy_headers=True,
        server_header=False,
        ws="none",  # no WebSockets here; Rasa pins an older websockets than uvicorn wants
    )


if __name__ == "__main__":
    main()
