"""What an advisor may see and do with handoffs.

An advisor sees a handoff when it is addressed to them (by name, or claimed by them), or
when it is an unclaimed pool handoff for a post they serve in a language they speak
(bot.handoffs.inbox.handoffs_for_advisor: the same rule). Anything else is "not found"
for them, never "forbidden": the console does not confirm that it exists. Coordinators and
admins have no inbox here; the coordinators' desk is their own.

Claiming is one conditional UPDATE: of two advisors claiming at once, one wins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Optional

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from bot.console.accounts import Account
from bot.directory.matching import tier_of
from bot.directory.records import AdvisorRecord, Directory
from bot.handoffs.inbox import handoffs_for_advisor
from bot.handoffs.store import Handoff, HandoffRecord


@dataclass(frozen=True)
class InboxEntry:
    handoff: HandoffRecord
    waiting_minutes: int
    mine: bool  # addressed to or claimed by this advisor (else: their pool's)


def advisor_of(account: Account, directory: Directory) -> Optional[AdvisorRecord]:
    if account.role != "advisor" or not account.advisor_id:
        return None
    advisor = directory.advisor(account.advisor_id)
    return advisor if advisor is not None and advisor.active else None


def _in_pool(row: Handoff, advisor: AdvisorRecord, directory: Directory) -> bool:
    if row.advisor_id is not None or row.status != "new" or advisor.kind == "external":
        return False
    if row.pool_language not in advisor.languages:
        return False
    return tier_of(advisor, directory.post(row.post_code)) is not None


def inbox(
    session: Session, account: Account, directory: Directory, now: Optional[datetime] = None
) -> list[InboxEntry]:
    """New ones first, then those in progress; the longest waiting first within each."""
    advisor = advisor_of(account, directory)
    if advisor is None:
        return []
    now = now or datetime.now(timezone.utc)
    records = handoffs_for_advisor(session, advisor, directory)
    entries = [
        InboxEntry(
            handoff=record,
            waiting_minutes=max(0, int((now - record.created_at).total_seconds() // 60)),
            mine=record.advisor_id == advisor.id,
        )
        for record in records
        if record.advisor_id == advisor.id or record.status == "new"
    ]
    entries.sort(key=lambda e: (e.handoff.status != "new", e.handoff.created_at))
    return entries


def visible_handoff(
    session: Session, account: Account, directory: Directory, handoff_id: str
) -> Optional[HandoffRecord]:
    """The handoff if this account may see it, else None (shown as "not found")."""
    advisor = advisor_of(account, directory)
    if advisor is None or len(handoff_id) > 36:
        return None
    row = session.get(Handoff, handoff_id)
    if row is None:
        return None
    if row.advisor_id == advisor.id or _in_pool(row, advisor, directory):
        return row.record()
    return None


def claim(
    session: Session, advisor_id: str, handoff_id: str, now: Optional[datetime] = None
) -> bool:
    """Takes up a new handoff (a pool's becomes this advisor's). False: someone else did."""
    now = now or datetime.now(timezone.utc)
    result = session.execute(
        update(Handoff)
        .where(
            Handoff.id == handoff_id,
            Handoff.status == "new",
            or_(Handoff.advisor_id.is_(None), Handoff.advisor_id == advisor_id),
        )
        .values(advisor_id=advisor_id, status="in_progress", claimed_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


def set_held(session: Session, handoff_id: str, held: bool, now: Optional[datetime] = None) -> None:
    row = session.get(Handoff, handoff_id)
    if row is not None and row.status == "in_progress":
        row.held = held
        row.updated_at = now or datetime.now(timezone.utc)


def close(session: Session, handoff_id: str, now: Optional[datetime] = None) -> None:
    """Closes the handoff and forgets how to reach the user: the reply address and the
    conversation's id are deleted (the transcript stays until retention)."""
    row = session.get(Handoff, handoff_id)
    if row is None:
        return
    now = now or datetime.now(timezone.utc)
    row.status = "closed"
    row.held = False
    row.closed_at = now
    row.updated_at = now
    row.reply_address = None
    row.conversation_id = None
