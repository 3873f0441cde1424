"""Rasa's SQL tracker store, with every event's data encrypted and redacted at rest, the
plain columns emptied of what links a conversation to a person, and the database work moved
off the event loop.

Conversations hold what people wrote about harassment or fraud; Rasa's own SQL store keeps
that as plain JSON and queries the database on the event loop. This store keeps the same
table (so Rasa's tools still find it) and:

- encrypts the `data` column with the project's keys (bot/encryption.py); rows written
  before encryption was enabled are still read;
- redacts each event before it is stored (bot/security/redaction.py): no receipt code or
  passphrase, no raw phone number or chat id;
- keeps in the plain columns only what its own queries need: `sender_id` (pseudonymised by
  the channels), `type_name` only to find session starts (every other event is "event"),
  `timestamp` as the UTC day (for retention, which counts in days); `intent_name` and
  `action_name` stay empty. Rasa's store finds the latest session by timestamp; this one
  finds it by row id, which orders events just as well and needs no exact time;
- deletes a conversation when asked to (see `deletion_tail`);
- once the status check ends, rewrites the rows that held its sealed code, so no token that
  names a case stays in the history;
- on PostgreSQL, looks whether a pooled connection is alive before using it, so a restart
  of the database costs no turn (bot/servers/outages.py: a failing store fails the turn).

Loading a turn costs little more at turn 40 than at turn 2: while the sender's row count and
last row id are unchanged, the turn starts from a copy of the conversation as stored
(bot/tracker_snapshots.py, continued at each save with the redacted events); otherwise rows
this process decrypted or wrote before are not decrypted again (bot/decrypted_events.py,
keyed by the ciphertext), and events are rebuilt without Rasa's search of every Event
subclass per event."""

from __future__ import annotations

import asyncio
import json
import logging
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Type

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import (
    ActionExecuted,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    deserialise_events,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.common import all_subclasses

from bot import json_text
from bot.decrypted_events import DecryptedEvents
from bot.encryption import TextCipher, text_cipher
from bot.security.files import private_sqlite
from bot.security.redaction import STATUS_CODE, Redactor
from bot.settings import settings
from bot.tracker_snapshots import TrackerSnapshots

logger = logging.getLogger(__name__)

# The action that confirms "delete my data" (H4's actions); a Restarted after it in the same
# save ends the conversation that is deleted.
CONFIRM_DELETE = "action_confirm_delete_data"
GENERIC_TYPE = "event"
DAY_SECONDS = 86400
# Slots holding a token that names a case; rewritten out of the history once cleared.
SCRUBBED_WHEN_CLEARED = frozenset({STATUS_CODE})
TABLE_LOCK = 0x564D_6576  # "VMev": PostgreSQL advisory lock while the table is created


@lru_cache(maxsize=1)
def _decrypted_with(cipher: TextCipher) -> DecryptedEvents:
    """What this process decrypted or wrote with `cipher`: new keys (bot.runtime.reset) start
    anew, so text is never served that the configured keys could not decrypt."""
    return DecryptedEvents()


def decrypted_events() -> DecryptedEvents:
    return _decrypted_with(text_cipher())


@lru_cache(maxsize=1)
def _snapshots_with(cipher: TextCipher) -> TrackerSnapshots:
    """The conversations' trackers as stored, kept under `cipher` (as _decrypted_with)."""
    return TrackerSnapshots()


def snapshots() -> TrackerSnapshots:
    return _snapshots_with(text_cipher())


def forget_decrypted() -> None:
    """Empties the process's memory of decrypted events and of the trackers they made (the
    store benchmark's cold load)."""
    decrypted_events().clear()
    snapshots().clear()


def _decode(stored: str) -> Dict[str, Any]:
    if stored.startswith("{"):  # written before encryption was enabled
        return json_text.loads(stored)
    cipher = text_cipher()
    return json_text.loads(_decrypted_with(cipher).text(stored, cipher.decrypt))


@lru_cache(maxsize=1)
def _event_classes() -> Dict[str, Type[Event]]:
    """Each event type name's class, as Event.resolve_by_type finds it (the first of
    all_subclasses(Event) with that name). Rasa walks every subclass again for every event
    it reads: at turn 40 that was half the cost of loading the tracker."""
    found: Dict[str, Type[Event]] = {}
    for cls in all_subclasses(Event):
        found.setdefault(cls.type_name, cls)
    return found


def events_from_dicts(dicts: Sequence[Dict[str, Any]]) -> List[Event]:
    """rasa.shared.core.events.deserialise_events, with the classes looked up once; a type
    it does not know goes to Rasa's own function (which warns or raises as it always did)."""
    classes = _event_classes()
    events: List[Event] = []
    for data in dicts:
        cls = classes.get(data.get("event", ""))
        event = cls._from_parameters(data) if cls is not None else None
        if event is not None:
            events.append(event)
        elif "event" in data:
            events.extend(deserialise_events([data]))
    return events


def stored_day(timestamp: object) -> Optional[float]:
    """The UTC day's start of `timestamp`: a reader of the table learns no finer time."""
    if isinstance(timestamp, (int, float)) and not isinstance(timestamp, bool):
        return float(int(timestamp // DAY_SECONDS) * DAY_SECONDS)
    return None


def deletion_tail(events: Sequence[Event]) -> Optional[int]:
    """Where the events to keep start when `events` (one save's new events) confirm a
    deletion: the index after the first Restarted that follows
    ActionExecuted(action_confirm_delete_data); None when they do not."""
    confirmed = False
    for index, event in enumerate(events):
        if isinstance(event, ActionExecuted) and event.action_name == CONFIRM_DELETE:
            confirmed = True
        elif confirmed and isinstance(event, Restarted):
            return index + 1
    return None


def _create_table_once(url: str) -> None:
    """Creates the events table, one server at a time: Rasa's store creates it on start,
    and PostgreSQL refuses two servers creating one table at the same moment (the loser
    would sleep and retry, logging the failure)."""
    engine = sa.create_engine(url, future=True)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": TABLE_LOCK})
            SQLTrackerStore.Base.metadata.create_all(connection)
    finally:
        engine.dispose()


class EncryptedSQLTrackerStore(SQLTrackerStore):
    """endpoints.yml: `tracker_store: {type: bot.tracker_store.EncryptedSQLTrackerStore,
    dialect: sqlite, db: var/conversations.db}` (or PostgreSQL settings, as for `SQL`);
    VM_TRACKER_STORE_URL, when set, replaces them."""

    engine: sa.engine.Engine

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        url = settings().tracker_store_url
        if url:
            # VM_TRACKER_STORE_URL wins over endpoints.yml (Rasa takes a URL as the host):
            # every server of a cluster finds the shared conversations from its environment.
            kwargs["host"] = url
            if url.startswith("postgresql"):
                _create_table_once(url)
        dialect = kwargs.get("dialect", args[1] if len(args) > 1 else "sqlite")
        db = kwargs.get("db", "rasa.db")
        host = kwargs.get("host")
        if dialect == "sqlite" and not host and db and db != ":memory:":
            # Owner-only before SQLite creates it (its -wal/-journal files follow its mode).
            private_sqlite(Path(str(db)), settings().state_dir)
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name != "sqlite":
            # Rasa's engine hands out pooled connections without a look: after a database
            # restart, the first turn of each server would fail on a connection that died.
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        await asyncio.to_thread(self._save_events, tracker)

    def _save_events(self, tracker: DialogueStateTracker) -> None:
        cipher = text_cipher()
        with self.session_scope() as session:
            # The count alone: Query.count() would wrap the whole rows (ciphertext included)
            # in a subquery, read again at every save.
            latest = self._event_query(session, tracker.sender_id, False).order_by(None)
            count = latest.with_entities(sa.func.count(self.SQLEvent.id)).scalar()
            events = list(tracker.events)
            # The redactor follows the dialogue from the start of what the tracker holds, so
            # it knows which question each new message answers; the events already stored
            # were redacted when they were, so it only follows those that move its state
            # (the same result as redacting them all again, tests/unit/security).
            redactor = Redactor()
            for event in events[:count]:
                redactor.follow_event(event)
            new = events[count:]
            new_data = [redactor.redact(event.as_dict()) for event in new]
            tail = deletion_tail(new)
            kept = _snapshots_with(cipher)
            if tail is not None:
                rows = self.SQLEvent.sender_id == tracker.sender_id
                held = [stored for (stored,) in session.query(self.SQLEvent.data).filter(rows)]
                _decrypted_with(cipher).forget(held)
                kept.forget(tracker.sender_id)
                deleted = (
                    session.query(self.SQLEvent).filter(rows).delete(synchronize_session=False)
                )
                logger.info("conversation deleted on request: %d events", deleted)
                new, new_data = new[tail:], new_data[tail:]
            if self._scrub_cleared_tokens(session, tracker.sender_id, new):
                kept.forget(tracker.sender_id)
            written: List[tuple[str, str]] = []
            values: List[Dict[str, Any]] = []
            for event, data in zip(new, new_data, strict=True):
                is_start = isinstance(event, SessionStarted)
                text = json.dumps(data)
                stored = cipher.encrypt(text)
                written.append((stored, text))
                values.append(
                    {
                        "sender_id": tracker.sender_id,
                        "type_name": SessionStarted.type_name if is_start else GENERIC_TYPE,
                        "timestamp": stored_day(data.get("timestamp")),
                        "intent_name": None,
                        "action_name": None,
                        "data": stored,
                    }
                )
            if values:
                # One multi-row INSERT, in order (the row ids order the events), without
                # building ORM objects whose ids nobody reads.
                session.execute(self.SQLEvent.__table__.insert(), values)
            stored_now = None
            if tracker.sender_id in kept:
                stored_now = self._rows_and_last_id(session, tracker.sender_id)
            session.commit()
        # Only once committed: the next turn loads these rows without decrypting them, and
        # starts from the snapshot continued with them as they were stored.
        memory = _decrypted_with(cipher)
        for stored, text in written:
            memory.remember(stored, text)
        if stored_now is not None:
            kept.extend(
                tracker.sender_id, count, events_from_dicts(new_data), len(values), *stored_now
            )

    def _scrub_cleared_tokens(self, session: Any, sender_id: str, new: Sequence[Event]) -> bool:
        """Once the dialogue clears a token slot (the status check's sealed code when the
        check ends), the rows that held the token are rewritten without it: with the key, a
        token would still name the case the conversation checked. True when it looked."""
        cleared = {
            event.key
            for event in new
            if isinstance(event, SlotSet)
            and event.key in SCRUBBED_WHEN_CLEARED
            and event.value is None
        }
        if not cleared:
            return False
        cipher = text_cipher()
        rows = session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == sender_id).all()
        for row in rows:
            data = _decode(row.data)
            if (
                data.get("event") == "slot"
                and data.get("name") in cleared
                and data.get("value") is not None
            ):
                data["value"] = None
                # The token's plaintext goes from memory too, not only from the table.
                _decrypted_with(cipher).forget([row.data])
                row.data = cipher.encrypt(json.dumps(data))
        return True

    def _event_query(
        self, session: Any, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> Any:
        """This sender's events in order; only the latest session's unless all are asked
        for. The latest session starts at the highest session-start row id (rows are
        written in order; the stored times are only days)."""
        query = session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == sender_id)
        if not fetch_events_from_all_sessions:
            start = (
                session.query(sa.func.max(self.SQLEvent.id))
                .filter(
                    self.SQLEvent.sender_id == sender_id,
                    self.SQLEvent.type_name == SessionStarted.type_name,
                )
                .scalar_subquery()
            )
            query = query.filter(sa.or_(start.is_(None), self.SQLEvent.id >= start))
        return query.order_by(self.SQLEvent.id)

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> Optional[DialogueStateTracker]:
        latest_session = not fetch_events_from_all_sessions
        if latest_session and self.domain and sender_id in snapshots():
            kept = await asyncio.to_thread(self._from_snapshot, sender_id, self.domain)
            if kept is not None:
                return kept
        stored, events = await asyncio.to_thread(
            self._load_rows, sender_id, fetch_events_from_all_sessions
        )
        if self.domain and events:
            # DialogueStateTracker.from_dict, with the events rebuilt faster.
            tracker = DialogueStateTracker.from_events(
                sender_id, events_from_dicts(events), self.domain.slots
            )
            if latest_session:
                snapshots().keep(sender_id, tracker, *stored, self.domain)
            return tracker
        return None

    def _from_snapshot(self, sender_id: str, domain: Any) -> Optional[DialogueStateTracker]:
        with self.engine.connect() as connection:
            rows, last_id = self._rows_and_last_id(connection, sender_id)
        return snapshots().tracker(sender_id, rows, last_id, domain)

    def _rows_and_last_id(self, executor: Any, sender_id: str) -> tuple[int, int]:
        """All the sender's rows: how many, and the last id. Every change the project makes
        to a conversation's rows changes one of them (bot/tracker_snapshots.py)."""
        table = self.SQLEvent.__table__
        statement = sa.select(sa.func.count(table.c.id), sa.func.max(table.c.id)).where(
            table.c.sender_id == sender_id
        )
        rows, last_id = executor.execute(statement).one()
        return int(rows), int(last_id or 0)

    def _load_events(self, sender_id: str, all_sessions: bool) -> List[Dict[str, Any]]:
        return self._load_rows(sender_id, all_sessions)[1]

    def _load_rows(
        self, sender_id: str, all_sessions: bool
    ) -> tuple[tuple[int, int], List[Dict[str, Any]]]:
        """What stands for the sender's rows (`_rows_and_last_id`), and the events."""
        with self.session_scope() as session:
            # Counted first: a save landing between the two makes the count stale, so the
            # snapshot is never used, rather than a snapshot missing that save's rows.
            stored = self._rows_and_last_id(session, sender_id)
            # The data column alone: building ORM objects cost more than decoding.
            query = self._event_query(session, sender_id, all_sessions)
            rows = query.with_entities(self.SQLEvent.data).all()
        return stored, [_decode(data) for (data,) in rows]

    async def keys(self) -> Iterable[str]:
        def _keys() -> List[str]:
            with self.session_scope() as session:
                rows = session.query(self.SQLEvent.sender_id).distinct().all()
                return [sender_id for (sender_id,) in rows]

        return await asyncio.to_thread(_keys)

    def reencrypt(self, batch: int = 500) -> int:
        """Rewrites every event's data with the newest key (`python -m bot.cli db
        reencrypt`); rows stored before encryption are encrypted now. Returns the count."""
        cipher = text_cipher()
        done = 0
        last_id = 0
        while True:
            with self.session_scope() as session:
                rows = (
                    session.query(self.SQLEvent)
                    .filter(self.SQLEvent.id > last_id)
                    .order_by(self.SQLEvent.id)
                    .limit(batch)
                    .all()
                )
                if not rows:
                    return done
                for row in rows:
                    stored = row.data or ""
                    if stored.startswith("{"):
                        row.data = cipher.encrypt(stored)
                    else:
                        row.data = cipher.rotate(stored)
                    last_id = row.id
                    done += 1
                session.commit()
