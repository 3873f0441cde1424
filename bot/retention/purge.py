"""Deleting what is past retention in the assistant's database (DATABASE_URL): closed cases
with their messages, audit entries and evidence files, closed handoffs with theirs, delivery
ids and receipt attempts.

Each function takes an open session and returns how many it deleted (or, with
`dry_run`, would delete); nothing here reads or logs any text."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, func, select
from sqlalchemy.orm import Session, load_only

from bot.cases import lockout
from bot.cases.facts import facts_of, region_of
from bot.cases.model import CLOSED, AuditEntry, Case, CaseMessage
from bot.cases.overview_data import FACT_COLUMNS, post_regions
from bot.deliveries import ChannelDelivery
from bot.evidence import store as evidence
from bot.handoffs.messages import AdvisorMessage
from bot.handoffs.store import Handoff
from bot.retention.overview import count_deleted
from bot.retention.policy import RetentionPolicy


def _count(session: Session, table: type, condition: object) -> int:
    return int(session.execute(select(func.count()).select_from(table).where(condition)).scalar())


def purge_cases(session: Session, now: datetime, policy: RetentionPolicy, dry_run: bool) -> int:
    """Closed cases past retention, each with its messages, audit entries and files; each leaves
    one more in the overview's counts (bot/retention/overview.py) and nothing else."""
    expired = and_(Case.status == CLOSED, Case.closed_at < policy.cases_closed_before(now))
    if dry_run:
        return _count(session, Case, expired)
    # Only keys and times are loaded: purging decrypts nothing.
    cases = session.execute(select(Case).options(load_only(*FACT_COLUMNS)).where(expired))
    regions = post_regions(session)
    deleted = 0
    for case in list(cases.scalars()):
        facts = facts_of(case, region_of(case.post_code, regions), now)
        case_id = case.id
        session.expunge(case)  # deleted below with a statement, not through the session
        session.execute(delete(AuditEntry).where(AuditEntry.case_id == case_id))
        session.execute(delete(CaseMessage).where(CaseMessage.case_id == case_id))
        evidence.delete_of_cases(session, [case_id])
        # Conditional, so a case another run deleted just now is not counted twice.
        result = session.execute(delete(Case).where(Case.id == case_id, expired))
        if result.rowcount:
            count_deleted(session, facts)
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
    # What advisors wrote and the user's files go with the handoff (the console's audit
    # keeps no content).
    evidence.delete_of_handoffs(
        session, session.execute(select(Handoff.id).where(expired)).scalars()
    )
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
