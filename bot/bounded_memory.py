"""A bounded, thread-safe memory of the Rasa server's process: at most `budget` in cost, the
least recently used dropped first, and nothing left unused for `idle_seconds` (dropped at
the next use). What the conversation store keeps in plaintext is held in these only
(bot/decrypted_events.py, bot/tracker_snapshots.py); the web chat counts each session's
messages in one (channels/webchat/pace.py)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, Optional, TypeVar

Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")


class BoundedMemory(Generic[Key, Value]):
    def __init__(
        self,
        cost: Callable[[Key, Value], int],
        budget: int,
        idle_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.budget = budget
        self.idle_seconds = idle_seconds
        self._cost = cost
        self._clock = clock
        self._entries: OrderedDict[Key, tuple[Value, float, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: Key) -> Optional[Value]:
        """The value kept for `key`, now the most recently used; None when not kept."""
        now = self._clock()
        with self._lock:
            self._drop(now)
            found = self._entries.get(key)
            if found is None:
                return None
            self._entries[key] = (found[0], now, found[2])
            self._entries.move_to_end(key)
            return found[0]

    def put(self, key: Key, value: Value) -> None:
        """Keeps `value` for `key` (not when it alone costs more than the budget)."""
        cost = self._cost(key, value)
        now = self._clock()
        with self._lock:
            self._remove(key)
            if cost <= self.budget:
                self._entries[key] = (value, now, cost)
                self._size += cost
            self._drop(now)

    def pop(self, key: Key) -> Optional[Value]:
        with self._lock:
            found = self._entries.get(key)
            self._remove(key)
            return found[0] if found else None

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size(self) -> int:
        """The cost of what is kept."""
        return self._size

    def _remove(self, key: Key) -> None:
        found = self._entries.pop(key, None)
        if found is not None:
            self._size -= found[2]

    def _drop(self, now: float) -> None:
        """Over budget, or unused too long: the least recently used first (lock held)."""
        while self._entries:
            key, (_, used, _) = next(iter(self._entries.items()))
            if self._size <= self.budget and now - used <= self.idle_seconds:
                return
            self._remove(key)
