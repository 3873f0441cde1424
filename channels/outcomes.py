"""Whether an advisor's message reached the user. The console keeps each message before
sending it (bot.handoffs.messages) and names it in the message's metadata
(`advisor_message_id`, which Rasa passes to the output channel as a keyword); the output
channel that sends it reports here what happened, so the advisor sees "not delivered",
the reason and a retry. Other messages have no such name and are not reported."""

from __future__ import annotations

import logging
from typing import Any, Mapping, Optional

from bot import runtime
from bot.handoffs.messages import mark_outcome

logger = logging.getLogger(__name__)

ADVISOR_MESSAGE_ID = "advisor_message_id"  # as bot.console.assistant sends it


async def report(sent: Mapping[str, Any], reason: Optional[str]) -> None:
    """`sent`: the keywords the output channel got; `reason` None: delivered."""
    message_id = sent.get(ADVISOR_MESSAGE_ID)
    if not isinstance(message_id, str) or len(message_id) > 36:
        return
    try:
        await runtime.database().run(lambda session: mark_outcome(session, message_id, reason))
    except Exception as error:  # noqa: BLE001 - the console shows it as still sending
        logger.error("The outcome of an advisor's message was not kept (%s).", type(error).__name__)
