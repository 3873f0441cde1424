"""Deleting what is past retention in the assistant's database (DATABASE_URL): closed cases
with their messages and audit entries, closed handoffs, delivery ids and receipt attempts.

Each function takes an open session and returns how many it deleted (or, with
`dry_run`, would delete); nothing here reads or logs any text."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, func, select
from sqlalchemy.orm import Session

from bot.cases import lockout
from bot.cases.model import CLOSED, AuditEntry, Case, CaseMessage
from bot.deliveries import ChannelDelivery
from bot.handoffs.messages import AdvisorMessage
from bot.handoffs.store import Handoff
from bot.retention.overview import add_to_count
from bot.retention.policy import RetentionPolicy


def _count(session: Session, table: type, condition: object) -> int:
    return int(session.execute(select(func.count()).select_from(table).where(condition)).scalar())


def purge_cases(session: Session, now: datetime, policy: RetentionPolicy, dry_run: bool) -> int:
    """Closed cases past retention, each with its messages and audit entries; each leaves a
    count (year received, kind, outcome) and nothing else."""
    expired = and_(Case.status == CLOSED, Case.closed_at < policy.cases_closed_before(now))
    if dry_run:
        return _count(session, Case, expired)
    rows = session.execute(
        select(Case.id, Case.received_at, Case.kind, Case.referred_at).where(expired)
    ).all()
    deleted = 0
    for case_id, received_at, kind, referred_at in rows:
        session.execute(delete(AuditEntry).where(AuditEntry.case_id == case_id))
        session.execute(delete(CaseMessage).where(CaseMessage.case_id == case_id))
        # Conditional, so a case another run deleted just now is not counted twice.
        result = session.execute(delete(Case).where(Case.id == case_id, expired))
        if result.rowcount:
            outcome = "referred" if referred_at is not None else "under_investigation"
            add_to_count(session, received_at.year, kind, outcome)
            deleted += 1
    return deleted


def purge_handoffs(session: Session, now: datetime, policy: RetentionPolicy, dry_run: bool) -> int:
    """Closed handoffs past retention. A handoff has no closing time of its own: closing it
    is its last change, so `updated_at` of a closed one is when it was closed."""
    expired = and_(
        Handoff.status == "closed", Handoff.updated_at < policy.handoffs_closed_before(now)
    )
    if dry_run:
        return _count(session, Handoff, expired)
    # What advisors wrote goes with the handoff (the console's audit keeps no content).
    gone = select(Handoff.id).where(expired).scalar_subquery()
    session.execute(
        delete(AdvisorMessage)
        .where(AdvisorMessage.handoff_id.in_(gone))
        .execution_options(synchronize_session=False)
    )
    return int(session.execute(delete(Handoff).where(expired)).rowcount or 0)


def purge_deliveries(
    session: Session, now: datetime, policy: RetentionPolicy, dry_run: bool
) -> int:
    """Delivery ids older than any channel's de-duplication memory."""
    expired = ChannelDelivery.received_at < policy.deliveries_before(now)
    if dry_run:
        return _count(session, ChannelDelivery, expired)
    return int(session.execute(delete(ChannelDelivery).where(expired)).rowcount or 0)


def purge_receipt_attempts(session: Session, now: datetime, dry_run: bool) -> int:
    """Receipt attempts that can no longer count towards a lock (bot/cases/lockout.py)."""
    policy = lockout.LockoutPolicy.from_environment()
    if dry_run:
        horizon = now - max(policy.period, lockout.KEEP_ATTEMPTS)
        return _count(session, lockout.ReceiptAttempt, lockout.ReceiptAttempt.at < horizon)
    return lockout.prune(session, now, policy)
