"""The reporter's side, as coroutines for the Rasa actions."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from functools import partial
from typing import Callable, Optional, TypeVar, Union

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from bot.cases import lockout, receipts
from bot.cases.followup import (
    ReceiptCheck,
    add_reporter_message,
    conclude_check,
    find_receipt,
    verify,
)
from bot.cases.intake import (
    prepare_case,
    renew_receipt,
    store_case,
    submitted_case,
)
from bot.cases.model import StorageUnavailable
from bot.cases.views import InformationAdded, Receipt, Refused, Report, StatusView
from bot.db import Database
from bot.timestamps import utc

logger = logging.getLogger(__name__)

# --- the reporter's side, for the Rasa actions ----------------------------------------------

T = TypeVar("T")


class CaseStore:
    """Coroutines for the actions; the work runs on a worker thread (`Database.run`), so the
    action server's event loop never waits for the database or for scrypt."""

    def __init__(
        self,
        database: Database,
        lookup_key: bytes,
        policy: Optional[lockout.LockoutPolicy] = None,
    ) -> None:
        """`lookup_key` hashes receipt codes and signs follow-up tokens: bot.runtime passes
        the pseudonym key, which must stay the same for as long as receipts are to work."""
        self.database = database
        self.lookup_key = lookup_key
        self._policy = policy

    @property
    def policy(self) -> lockout.LockoutPolicy:
        if self._policy is None:
            self._policy = lockout.LockoutPolicy.from_environment()
        return self._policy

    async def _run(self, work: Callable[[Session], T]) -> T:
        try:
            return await self.database.run(work)
        except DBAPIError as error:
            # The exception's text holds the statement's parameters: only its kind is logged.
            logger.error("case store unavailable: %s", type(error).__name__)
            raise StorageUnavailable(
                "the case store cannot be reached; nothing was stored"
            ) from None

    async def submit_report(
        self, report: Report, now: Optional[datetime] = None, submission: Optional[str] = None
    ) -> Receipt:
        """Checks and stores the report in one transaction, and returns the receipt only once
        it is committed. Raises InvalidReport (nothing stored) or StorageUnavailable.

        `submission` is what makes this report's sending the same on every try: when an
        earlier try stored it (and its receipt was lost on the way, the action server dying
        before it answered), that case is kept, not stored again, and gets a new receipt."""
        now = utc(now)
        case = prepare_case(report, now)
        passphrase = receipts.new_passphrase()
        key = self.lookup_key
        passphrase_hash = await asyncio.to_thread(receipts.hash_passphrase, passphrase)
        digest = receipts.submission_digest(submission, key) if submission else None

        def work(session: Session) -> tuple[str, int, bool]:
            stored = submitted_case(session, digest) if digest else None
            if stored is not None:
                return renew_receipt(session, stored, passphrase_hash, key, now), stored.id, True
            case.submission_digest = digest
            code = store_case(session, case, passphrase_hash, key, now)
            return code, case.id, False

        code, case_id, again = await self._run(work)
        # No case id: with the log line's time it would give an anonymous case its exact time.
        logger.info(
            "a case was sent again: its receipt was renewed" if again else "a case was received"
        )
        return Receipt(code=code, passphrase=passphrase, case_id=case_id)

    async def check_status(
        self,
        code: str,
        passphrase: str,
        sender_reference: Optional[str],
        now: Optional[datetime] = None,
    ) -> Union[StatusView, Refused]:
        """The case for this receipt, or Refused('invalid' | 'locked'). scrypt runs between
        two short transactions, so no connection is held while it works, and only a few
        checks run at once (receipts.GATE): more than its queue raises StorageUnavailable,
        which the action answers with 'try again in a few minutes'."""
        now = utc(now)
        key, policy = self.lookup_key, self.policy
        check = ReceiptCheck.of(code, sender_reference, key)
        try:
            # The try is reserved inside the turn: a refused turn leaves no count behind.
            async with receipts.GATE.turn():
                stored = await self._run(partial(find_receipt, check=check, now=now, policy=policy))
                # Without a code there is nothing to check (the format is no secret).
                verified = (
                    stored.reservation.granted
                    and check.digest is not None
                    and await asyncio.to_thread(verify, stored, passphrase)
                )
        except receipts.VerificationBusy:
            logger.warning("receipt checks busy: a check was turned away")
            raise StorageUnavailable("too many checks at once; nothing was checked") from None
        return await self._run(
            partial(
                conclude_check,
                check=check,
                stored=stored,
                verified=verified,
                now=now,
                lookup_key=key,
                policy=policy,
            )
        )

    async def add_information(
        self,
        follow_up: str,
        text: str,
        sender_reference: Optional[str],
        now: Optional[datetime] = None,
    ) -> Union[InformationAdded, Refused]:
        """Adds the reporter's message to the case of a `StatusView.follow_up` token; raises
        InvalidReport for unusable text, returns Refused('expired') for a stale token."""
        return await self._run(
            partial(
                add_reporter_message,
                token=follow_up,
                text=text,
                sender_reference=sender_reference,
                now=utc(now),
                lookup_key=self.lookup_key,
            )
        )
