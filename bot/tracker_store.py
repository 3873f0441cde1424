"""Rasa's SQL tracker store, with every event's data encrypted at rest and the database
work moved off the event loop.

Conversations hold what people wrote about harassment or fraud; Rasa's own SQL store keeps
that as plain JSON and queries the database on the event loop. This store keeps the same
tables (so Rasa's tools still find them), encrypts the `data` column with the project's
keys (bot/encryption.py) and runs every query in a worker thread. The columns Rasa needs
for queries (sender id, event type, intent and action names, timestamp) stay readable:
they carry no free text. Rows written before encryption was enabled are still read."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Dict, Iterable, List, Optional

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.encryption import text_cipher


def _decode(stored: str) -> Dict[str, Any]:
    if stored.startswith("{"):  # written before encryption was enabled
        return json.loads(stored)
    return json.loads(text_cipher().decrypt(stored))


class EncryptedSQLTrackerStore(SQLTrackerStore):
    """endpoints.yml: `tracker_store: {type: bot.tracker_store.EncryptedSQLTrackerStore,
    dialect: sqlite, db: var/conversations.db}` (or PostgreSQL settings, as for `SQL`)."""

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        await asyncio.to_thread(self._save_events, tracker)

    def _save_events(self, tracker: DialogueStateTracker) -> None:
        cipher = text_cipher()
        with self.session_scope() as session:
            for event in self._additional_events(session, tracker):
                data = event.as_dict()
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=data.get("parse_data", {})
                        .get("intent", {})
                        .get(INTENT_NAME_KEY),
                        action_name=data.get("name"),
                        data=cipher.encrypt(json.dumps(data)),
                    )
                )
            session.commit()

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> Optional[DialogueStateTracker]:
        events = await asyncio.to_thread(
            self._load_events, sender_id, fetch_events_from_all_sessions
        )
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    def _load_events(self, sender_id: str, all_sessions: bool) -> List[Dict[str, Any]]:
        with self.session_scope() as session:
            rows = self._event_query(session, sender_id, all_sessions).all()
            return [_decode(row.data) for row in rows]

    async def keys(self) -> Iterable[str]:
        def _keys() -> List[str]:
            with self.session_scope() as session:
                rows = session.query(self.SQLEvent.sender_id).distinct().all()
                return [sender_id for (sender_id,) in rows]

        return await asyncio.to_thread(_keys)
