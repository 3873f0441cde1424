"""A bounded memory, in the process, of the conversation events it decrypted or encrypted,
keyed by the stored ciphertext: loading a turn then decrypts only the rows it has not seen,
not the whole conversation again (bot/tracker_store.py).

Why keyed by the ciphertext: a stored event row never changes except by being rewritten
(the scrub of a cleared token, `db reencrypt`), and a rewrite gives it a new ciphertext
(Fernet: a fresh IV and MAC every time), so an entry can never answer for a row whose
content changed, here or on another server sharing the database. An entry whose row was
rewritten or deleted is simply never asked for again and ages out.

Only the JSON text is kept, not the decoded dict: a tracker's events hold on to (and Rasa
may change) the dicts they were built from, and parsing the text again is four times
cheaper than decrypting it.

What it holds is plaintext, in this process's memory only (as the trackers it serves are),
never written anywhere: at most BUDGET_CHARACTERS, and nothing left unused for
IDLE_SECONDS; a conversation deleted on request is forgotten at once by the server that
deletes it (`forget`)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

# About 16 MB of text (a Rasa server holds some 1.3 GB): the rows of some 15 conversations
# of 40 turns, or of all the load benchmark's 50 conversations of 8 turns.
BUDGET_CHARACTERS = 16 * 1024 * 1024
# What an entry costs beyond its characters (the two strings' and the dict's overhead).
ENTRY_OVERHEAD = 200
# Plaintext of a conversation nobody continued for this long is dropped at the next use.
IDLE_SECONDS = 15 * 60


class DecryptedEvents:
    """ciphertext -> the JSON text it holds, least recently used dropped first."""

    def __init__(
        self,
        budget: int = BUDGET_CHARACTERS,
        idle_seconds: float = IDLE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.budget = budget
        self.idle_seconds = idle_seconds
        self._clock = clock
        self._entries: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    @staticmethod
    def _cost(stored: str, text: str) -> int:
        return len(stored) + len(text) + ENTRY_OVERHEAD

    def text(self, stored: str, decrypt: Callable[[str], str]) -> str:
        """The JSON text of `stored`: remembered, or decrypted now (and remembered)."""
        now = self._clock()
        with self._lock:
            found = self._entries.get(stored)
            if found is not None:
                self._entries[stored] = (found[0], now)
                self._entries.move_to_end(stored)
                self._drop(now)
                return found[0]
        text = decrypt(stored)  # outside the lock: other threads load meanwhile
        self.remember(stored, text)
        return text

    def remember(self, stored: str, text: str) -> None:
        cost = self._cost(stored, text)
        if cost > self.budget:
            return
        now = self._clock()
        with self._lock:
            previous = self._entries.pop(stored, None)
            if previous is not None:
                self._size -= self._cost(stored, previous[0])
            self._entries[stored] = (text, now)
            self._size += cost
            self._drop(now)

    def forget(self, stored: Iterable[str]) -> None:
        with self._lock:
            for key in stored:
                previous = self._entries.pop(key, None)
                if previous is not None:
                    self._size -= self._cost(key, previous[0])

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0

    def _drop(self, now: float) -> None:
        """Over budget, or unused too long: the least recently used first (the lock held)."""
        while self._entries:
            key, (text, used) = next(iter(self._entries.items()))
            if self._size <= self.budget and now - used <= self.idle_seconds:
                return
            del self._entries[key]
            self._size -= self._cost(key, text)

    def __contains__(self, stored: object) -> bool:
        with self._lock:
            return stored in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size(self) -> int:
        """Characters held, overhead included."""
        return self._size
