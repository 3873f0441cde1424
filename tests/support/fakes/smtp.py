"""A mail server on loopback (aiosmtpd) that keeps what it receives: the stand-in for the
ministry's SMTP relay."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller

from bot.evaluation.servers import free_port


@dataclass
class Inbox:
    mails: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        mail = message_from_bytes(envelope.content)
        mail["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.mails.append(mail)
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, dict[str, str]]]:
    """The inbox, and the environment that points the console at it."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield (
            inbox,
            {
                "SMTP_HOST": "127.0.0.1",
                "SMTP_PORT": str(port),
                "SMTP_STARTTLS": "off",
                "SMTP_FROM": "veilig-melden@example.org",
            },
        )
    finally:
        controller.stop()
