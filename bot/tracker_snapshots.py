"""A bounded memory, in the Rasa server's process, of each conversation's tracker as its
stored rows make it: the next turn starts from a copy of it instead of fetching, decoding
and replaying every row (bot/tracker_store.py).

A snapshot is what loading the rows would give: built from a load, then continued at each
save with the events as they were stored (redacted, from the very dicts that were
encrypted), never with the live tracker's own events, which still hold what redaction takes
out. It is kept with the count of the conversation's rows and the last row id, and used only
while the database still has both: every change the project makes to a conversation's rows
changes one of them (a save, the scrub of a cleared token with the events that clear it, a
deletion on request, retention); `db reencrypt` changes only the ciphertext, not what it
holds. Another server's save therefore means a full load here, as before.

Like bot/decrypted_events.py, it holds plaintext in this process's memory only: at most
BUDGET_EVENTS events, nothing left unused for IDLE_SECONDS, and a conversation deleted on
request is forgotten by the server that deletes it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Optional

from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker

from bot.bounded_memory import BoundedMemory
from bot.servers.applied_events import applied_events
from bot.servers.dialogue_states import continue_on
from bot.servers.tracker_copy import copied

# About 60 long conversations of 40 turns (450 events each), or the load benchmark's 50
# conversations of 8 turns many times over; some 40 MB at most.
BUDGET_EVENTS = 30_000
IDLE_SECONDS = 15 * 60


@dataclass
class Snapshot:
    tracker: DialogueStateTracker  # the latest session's; never handed out: callers get copies
    rows: int  # the count of all the sender's rows it stands for
    last_id: int  # and the last row id
    domain: object  # the domain whose slots it was built with


def _events(sender_id: str, snapshot: Snapshot) -> int:
    return len(snapshot.tracker.events)


class TrackerSnapshots:
    """sender id -> its tracker as stored, least recently used dropped first."""

    def __init__(
        self,
        budget: int = BUDGET_EVENTS,
        idle_seconds: float = IDLE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._memory: BoundedMemory[str, Snapshot] = BoundedMemory(
            _events, budget, idle_seconds, clock
        )
        # A snapshot is copied or continued under this lock: never both at once.
        self._lock = threading.Lock()

    def keep(
        self, sender_id: str, tracker: DialogueStateTracker, rows: int, last_id: int, domain: Any
    ) -> None:
        """Keeps `tracker`, freshly loaded when the sender had `rows` rows up to `last_id`:
        a copy, so the caller may change its own."""
        snapshot = copied(tracker)
        applied_events(snapshot)  # folded once here, then only its new events (as below)
        self._memory.put(sender_id, Snapshot(snapshot, rows, last_id, domain))

    def tracker(self, sender_id: str, rows: int, last_id: int, domain: Any) -> Optional[Any]:
        """A copy of the snapshot when the stored rows are still those it stands for."""
        found = self._memory.get(sender_id)
        if found is None:
            return None
        if (found.rows, found.last_id) != (rows, last_id) or found.domain is not domain:
            self._memory.pop(sender_id)
            return None
        with self._lock:
            return copied(found.tracker)

    def extend(
        self,
        sender_id: str,
        session_rows: int,
        events: Sequence[Event],
        inserted: int,
        rows: int,
        last_id: int,
    ) -> None:
        """After a save that found `session_rows` rows of the latest session and inserted
        `events` (as stored) as `inserted` rows, leaving `rows` rows up to `last_id`: the
        snapshot goes on with them. Dropped when the save did not follow it (other rows came
        between), or when the events start a session (a load would return the new one alone)."""
        found = self._memory.pop(sender_id)
        if found is None:
            return
        follows = len(found.tracker.events) == session_rows and found.rows + inserted == rows
        if not follows or any(isinstance(e, SessionStarted) for e in events):
            return
        with self._lock:
            for event in events:
                found.tracker.update(event)
            # The applied events folded on (bot/servers/applied_events.py): each copy handed
            # out carries the fold, so a turn's first prediction does not fold the history again.
            applied_events(found.tracker)
            # And its dialogue states (bot/servers/dialogue_states.py): the policies' first
            # prediction of the next turn replays only that turn's events.
            continue_on(found.tracker)
        found.rows, found.last_id = rows, last_id
        self._memory.put(sender_id, found)

    def forget(self, sender_id: str) -> None:
        self._memory.pop(sender_id)

    def clear(self) -> None:
        self._memory.clear()

    def __contains__(self, sender_id: object) -> bool:
        return sender_id in self._memory

    def __len__(self) -> int:
        return len(self._memory)
