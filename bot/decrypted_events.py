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

import time
from collections.abc import Callable, Iterable

from bot.bounded_memory import BoundedMemory

# About 16 MB of text (a Rasa server holds some 1.3 GB): the rows of some 15 conversations
# of 40 turns, or of all the load benchmark's 50 conversations of 8 turns.
BUDGET_CHARACTERS = 16 * 1024 * 1024
# What an entry costs beyond its characters (the two strings' and the dict's overhead).
ENTRY_OVERHEAD = 200
# Plaintext of a conversation nobody continued for this long is dropped at the next use.
IDLE_SECONDS = 15 * 60


def _cost(stored: str, text: str) -> int:
    return len(stored) + len(text) + ENTRY_OVERHEAD


class DecryptedEvents:
    """ciphertext -> the JSON text it holds, least recently used dropped first."""

    def __init__(
        self,
        budget: int = BUDGET_CHARACTERS,
        idle_seconds: float = IDLE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._memory: BoundedMemory[str, str] = BoundedMemory(_cost, budget, idle_seconds, clock)

    def text(self, stored: str, decrypt: Callable[[str], str]) -> str:
        """The JSON text of `stored`: remembered, or decrypted now (and remembered)."""
        found = self._memory.get(stored)
        if found is not None:
            return found
        text = decrypt(stored)  # outside the lock: other threads load meanwhile
        self.remember(stored, text)
        return text

    def remember(self, stored: str, text: str) -> None:
        self._memory.put(stored, text)

    def forget(self, stored: Iterable[str]) -> None:
        for key in stored:
            self._memory.pop(key)

    def clear(self) -> None:
        self._memory.clear()

    def __contains__(self, stored: object) -> bool:
        return stored in self._memory

    def __len__(self) -> int:
        return len(self._memory)

    @property
    def size(self) -> int:
        """Characters held, overhead included."""
        return self._memory.size
