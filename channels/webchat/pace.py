"""How fast one web chat session may send: at most `per_minute` messages in any minute.

nginx limits the web chat's HTTP requests per client address
(deploy/nginx/veilig-melden-limits.conf), but once the socket is upgraded to a WebSocket
its messages are frames nginx does not see; they are counted here. A socket stays on one
server (nginx keeps each client address on one), so this process's count is the session's.
People type a few messages a minute; a runaway script sends hundreds."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from bot.bounded_memory import BoundedMemory

PER_MINUTE = 30
WINDOW_SECONDS = 60.0
REMEMBERED_SESSIONS = 10_000


class MessagePace:
    """session id -> the times of its latest accepted messages, for a bounded number of
    sessions (least recently active forgotten first; a session quiet for a minute has
    nothing left to count)."""

    def __init__(
        self,
        per_minute: int = PER_MINUTE,
        sessions: int = REMEMBERED_SESSIONS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._sent: BoundedMemory[str, deque[float]] = BoundedMemory(
            lambda _session, _sent: 1, sessions, WINDOW_SECONDS, clock
        )

    def allow(self, session_id: str) -> bool:
        """Whether the session may send one more message now (then it is counted)."""
        now = self._clock()
        sent = self._sent.get(session_id)
        if sent is None:
            sent = deque()
            self._sent.put(session_id, sent)
        while sent and now - sent[0] >= WINDOW_SECONDS:
            sent.popleft()
        if len(sent) >= self.per_minute:
            return False
        sent.append(now)
        return True
