"""Deliveries processed after the platform has been answered, one conversation's in order.

Twilio gives a webhook 15 seconds and Telegram holds back a chat's next update while one
is unanswered; fetching a 16 MB video with retries can take longer. A delivery that
carries files is therefore acknowledged at once and processed here. So that a photo and
the "I want to report this" typed right after it reach the dialogue in the order they were
sent, every later delivery of the same conversation waits in the same line while this
server still has one of that conversation's deliveries at work.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable

logger = logging.getLogger(__name__)

# How long a stopping server lets the deliveries still at work finish.
DRAIN_SECONDS = 30.0
# How long a request waits for its conversation's line before joining it: Twilio waits 15
# seconds for an answer, and the delivery's own turn needs some of them.
PATIENCE_SECONDS = 5.0


class ConversationLines:
    """One line of work per conversation (keyed by sender id), run as asyncio tasks."""

    def __init__(self) -> None:
        self._last: dict[str, asyncio.Task[None]] = {}

    async def free(self, sender_id: str, timeout: float) -> bool:
        """Waits at most `timeout` seconds for the conversation's work here to finish;
        whether it has."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (last := self._last.get(sender_id)) is not None:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            await asyncio.wait([last], timeout=remaining)
        return True

    def add(self, sender_id: str, work: Callable[[], Awaitable[None]]) -> None:
        """Runs `work` after the conversation's earlier work has finished (however it
        ended). `work` handles its own errors: one that escapes is logged by type only."""
        before = self._last.get(sender_id)

        async def in_turn() -> None:
            if before is not None:
                await asyncio.wait([before])
            try:
                await work()
            except Exception as error:  # the text may quote the user
                logger.error("Background work failed (%s).", type(error).__name__)
            finally:
                if self._last.get(sender_id) is task:
                    del self._last[sender_id]

        task = asyncio.get_running_loop().create_task(in_turn())
        self._last[sender_id] = task

    async def idle(self, timeout: float = DRAIN_SECONDS) -> bool:
        """Waits until no work is left (work added meanwhile included), at most `timeout`
        seconds; whether everything finished."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._last:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            await asyncio.wait(list(self._last.values()), timeout=remaining)
        return True
