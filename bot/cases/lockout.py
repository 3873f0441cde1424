"""Lockout for follow-up with a receipt: five wrong tries on one receipt code, or from one
sender, lock further tries for a while (30 minutes by default).

Attempts are rows in the database, so a lock holds across restarts and across several
servers. The table is only appended to (no counters to update), so concurrent servers never
overwrite each other; two wrong tries at the very same moment may both be counted as the
fourth, which lets through at most one extra try.

A subject is 'code:<keyed hash of the code>' or 'sender:<pseudonymous reference>': neither the
code nor the sender id is stored. Wrong tries are forgotten after the lock period, and after
a lock ends the count starts again. A right answer clears the count for that code, not for
the sender: otherwise someone could try four codes, check their own, and start again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Optional

from sqlalchemy import Column, Index, Integer, String, delete, select
from sqlalchemy.orm import Session

from bot.db import Base
from bot.settings import settings
from bot.timestamps import UtcDateTime

FAILURE = "failure"
SUCCESS = "success"
LOCK = "lock"
# Attempts are kept at least this long (then pruned), for an operator looking at abuse.
KEEP_ATTEMPTS = timedelta(days=1)


class ReceiptAttempt(Base):
    __tablename__ = "receipt_attempts"
    __table_args__ = (Index("ix_receipt_attempts_subject_at", "subject", "at"),)

    id = Column(Integer, primary_key=True)
    subject = Column(String(80), nullable=False)
    at = Column(UtcDateTime, nullable=False, index=True)
    outcome = Column(String(10), nullable=False)  # failure, success or lock
    locked_until = Column(UtcDateTime)


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 5
    period: timedelta = timedelta(minutes=30)

    @classmethod
    def from_environment(cls) -> LockoutPolicy:
        """VM_RECEIPT_MAX_FAILURES (5) and VM_RECEIPT_LOCKOUT_MINUTES (30)."""
        current = settings()
        failures, minutes = current.receipt_max_failures, current.receipt_lockout_minutes
        if failures < 1 or minutes <= 0:
            raise ValueError("VM_RECEIPT_MAX_FAILURES and VM_RECEIPT_LOCKOUT_MINUTES must be > 0")
        return cls(failures, timedelta(minutes=minutes))


def code_subject(digest: str) -> str:
    return f"code:{digest}"


def sender_subject(reference: str) -> str:
    return f"sender:{reference[:72]}"


@dataclass(frozen=True)
class SubjectState:
    failures: int
    locked_until: Optional[datetime]


def subject_state(
    session: Session, subject: str, now: datetime, policy: LockoutPolicy
) -> SubjectState:
    rows = session.execute(
        select(ReceiptAttempt.at, ReceiptAttempt.outcome, ReceiptAttempt.locked_until)
        .where(
            ReceiptAttempt.subject == subject,
            ReceiptAttempt.at > now - policy.period,
            ReceiptAttempt.at <= now,
        )
        .order_by(ReceiptAttempt.at, ReceiptAttempt.id)
    ).all()
    failures = 0
    locked_until: Optional[datetime] = None
    for _at, outcome, until in rows:
        if outcome == LOCK:
            failures = 0
            if until is not None and until > now:
                locked_until = until if locked_until is None else max(locked_until, until)
        elif outcome == SUCCESS:
            failures = 0
        elif outcome == FAILURE:
            failures += 1
    return SubjectState(failures, locked_until)


def locked_until(
    session: Session, subjects: Iterable[str], now: datetime, policy: LockoutPolicy
) -> Optional[datetime]:
    """When the latest lock on any of the subjects ends, or None if none is locked."""
    states = [subject_state(session, s, now, policy) for s in subjects]
    ends = [state.locked_until for state in states if state.locked_until is not None]
    return max(ends) if ends else None


def record_failure(
    session: Session, subjects: Iterable[str], now: datetime, policy: LockoutPolicy
) -> Optional[datetime]:
    """Counts a wrong try for each subject; returns when the lock ends if this try locked one."""
    until: Optional[datetime] = None
    for subject in subjects:
        failures = subject_state(session, subject, now, policy).failures + 1
        session.add(ReceiptAttempt(subject=subject, at=now, outcome=FAILURE))
        if failures >= policy.max_failures:
            end = now + policy.period
            session.add(ReceiptAttempt(subject=subject, at=now, outcome=LOCK, locked_until=end))
            until = end
    session.flush()
    return until


def record_success(session: Session, subject: str, now: datetime) -> None:
    session.add(ReceiptAttempt(subject=subject, at=now, outcome=SUCCESS))


def prune(session: Session, now: datetime, policy: LockoutPolicy) -> None:
    """Forgets attempts that can no longer count."""
    horizon = now - max(policy.period, KEEP_ATTEMPTS)
    session.execute(delete(ReceiptAttempt).where(ReceiptAttempt.at < horizon))
