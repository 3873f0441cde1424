"""The evidence desk: what the channels and the actions do with files, as coroutines. The
CPU work (reading, scrubbing, encrypting) runs on a worker thread, the database through
Database.run, so the event loop never blocks.

A file a user sends is first held for their conversation (bot.evidence.store): the user
then chooses what it is for (a report, an advisor), or it is deleted with the
conversation's data or after VM_EVIDENCE_HOLD_HOURS. Nothing here logs a file's name or
content."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from sqlalchemy.orm import Session

from bot.db import Database
from bot.encryption import BytesCipher, bytes_cipher
from bot.evidence import store
from bot.evidence.limits import EvidenceLimits
from bot.evidence.received import receive
from bot.evidence.store import Evidence, Given
from bot.pseudonym import keyed_hash


class EvidenceDesk:
    """One per process: bot.runtime.evidence_desk(), with the database and the key of the
    EVIDENCE purpose (bot.pseudonym)."""

    def __init__(
        self,
        db: Database,
        key: bytes,
        cipher: BytesCipher | None = None,
        limits: EvidenceLimits | None = None,
    ) -> None:
        self.db = db
        self._key = key
        self._cipher = cipher
        self._limits = limits

    def conversation_key(self, sender_id: str) -> str:
        """The keyed hash a held file is filed under: whoever reads the database cannot
        tell whose conversation holds it."""
        return keyed_hash(self._key, sender_id)

    @property
    def cipher(self) -> BytesCipher:
        if self._cipher is None:
            self._cipher = bytes_cipher()
        return self._cipher

    @property
    def limits(self) -> EvidenceLimits:
        return self._limits or EvidenceLimits.from_settings()

    async def take(self, sender_id: str, data: bytes, keep_original: bool = False) -> Evidence:
        """Holds a file for the conversation; RefusedFile says why it is not taken (too
        large, the conversation's files would pass the case limit, not a kind we take)."""
        key = self.conversation_key(sender_id)
        holding = await self.db.run(
            lambda session: store.received_bytes(session, conversation_key=key)
        )
        limits, cipher = self.limits, self.cipher
        received = await asyncio.to_thread(
            receive, data, case_bytes=holding, limits=limits, keep_original=keep_original
        )
        return await self.db.run(
            lambda session: store.store(session, received, cipher, conversation_key=key)
        )

    async def held(self, sender_id: str) -> list[Evidence]:
        key = self.conversation_key(sender_id)
        return await self.db.run(lambda session: store.held(session, key))

    async def give_to_case(self, sender_id: str, case_id: int, anonymous: bool) -> Given:
        """Every file the conversation holds goes with its report (or added information);
        an anonymous case's files kept as sent are cleaned first."""
        key, cipher = self.conversation_key(sender_id), self.cipher

        def give(session: Session) -> Given:
            ids = [file.id for file in store.held(session, key)]
            return store.give_to_case(session, key, ids, case_id, cipher, anonymous=anonymous)

        return await self.db.run(give)

    async def give_to_handoff(self, sender_id: str, handoff_id: str) -> int:
        key = self.conversation_key(sender_id)

        def give(session: Session) -> int:
            ids = [file.id for file in store.held(session, key)]
            return store.give_to_handoff(session, key, ids, handoff_id)

        return await self.db.run(give)

    async def discard(self, sender_id: str, ids: Sequence[str] | None = None) -> int:
        key = self.conversation_key(sender_id)
        return await self.db.run(lambda session: store.discard(session, key, ids))
