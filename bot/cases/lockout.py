"""Lockout for follow-up with a receipt: five wrong tries on one receipt code, or from one
sender, lock further tries for a while (30 minutes by default).

Attempts are rows in the database, so a lock holds across restarts and across several
servers. A try is *reserved* before its passphrase is checked: `reserve` counts the tries in
the period, refuses when a lock holds or when the tries already made and those still being
checked reach the threshold, and otherwise adds a 'pending' row for each subject, all in one
transaction that is serialised per subject (a PostgreSQL advisory lock on each subject; on
SQLite the transaction starts with a write, which takes the database's one write lock). So
however many tries arrive at once, at most the threshold reach scrypt. `settle` turns the
pending rows into a failure (locking the subject at the threshold) or a success. A try whose
server died between the two stays counted as a failure: the safe side.

A subject is 'code:<keyed hash of the code>' or 'sender:<pseudonymous reference>': neither the
code nor the sender id is stored. Wrong tries are forgotten after the lock period, and after
a lock ends the count starts again. A right answer clears the count for that code, not for
the sender: otherwise someone could try four codes, check their own, and start again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Optional

from sqlalchemy import Column, Index, Integer, String, delete, select, text, update
from sqlalchemy.orm import Session

from bot.db import Base
from bot.settings import settings
from bot.timestamps import UtcDateTime

FAILURE = "failure"
SUCCESS = "success"
LOCK = "lock"
PENDING = "pending"  # reserved, its passphrase being checked
# Attempts are kept at least this long (then pruned), for an operator looking at abuse.
KEEP_ATTEMPTS = timedelta(days=1)


class ReceiptAttempt(Base):
    __tablename__ = "receipt_attempts"
    __table_args__ = (Index("ix_receipt_attempts_subject_at", "subject", "at"),)

    id = Column(Integer, primary_key=True)
    subject = Column(String(80), nullable=False)
    at = Column(UtcDateTime, nullable=False, index=True)
    outcome = Column(String(10), nullable=False)  # failure, success, lock or pending
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
    failures: int  # wrong tries in the period, counting those still being checked
    locked_until: Optional[datetime]


def subject_state(
    session: Session,
    subject: str,
    now: datetime,
    policy: LockoutPolicy,
    count_pending: bool = True,
) -> SubjectState:
    """The subject's wrong tries in the period and any lock; tries still being checked count
    as wrong unless `count_pending` is False (deciding a lock counts only settled ones)."""
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
        elif outcome == FAILURE or (outcome == PENDING and count_pending):
            failures += 1
    return SubjectState(failures, locked_until)


def locked_until(
    session: Session, subjects: Iterable[str], now: datetime, policy: LockoutPolicy
) -> Optional[datetime]:
    """When the latest lock on any of the subjects ends, or None if none is locked."""
    states = [subject_state(session, s, now, policy) for s in subjects]
    ends = [state.locked_until for state in states if state.locked_until is not None]
    return max(ends) if ends else None


def _advisory_key(subject: str) -> int:
    """A signed 64-bit number for pg_advisory_xact_lock, from the subject."""
    digest = hashlib.sha256(b"receipt-lockout:" + subject.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def serialise(
    session: Session, subjects: Iterable[str], now: datetime, policy: LockoutPolicy
) -> None:
    """Makes the rest of this transaction the only one counting these subjects' tries, until
    it ends. Prunes old attempts on the way (the first write, which on SQLite is what takes
    the write lock before anything is read)."""
    if session.get_bind().dialect.name == "postgresql":
        # Sorted, so two transactions wanting the same two subjects cannot deadlock.
        for key in sorted({_advisory_key(s) for s in subjects}):
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    prune(session, now, policy)


@dataclass(frozen=True)
class Reservation:
    """A try that may go ahead (`granted`), with its pending rows; or one refused because a
    lock holds (`locked_until`) or because the tries in flight reach the threshold."""

    granted: bool
    locked_until: Optional[datetime] = None
    pending: tuple[int, ...] = ()
    subjects: tuple[str, ...] = ()


def reserve(
    session: Session, subjects: Iterable[str], now: datetime, policy: LockoutPolicy
) -> Reservation:
    """Counts a try against every subject before its passphrase is checked, atomically."""
    subjects = tuple(dict.fromkeys(subjects))
    serialise(session, subjects, now, policy)
    states = [subject_state(session, s, now, policy) for s in subjects]
    ends = [state.locked_until for state in states if state.locked_until is not None]
    if ends:
        return Reservation(False, max(ends))
    if any(state.failures >= policy.max_failures for state in states):
        # Earlier tries are still being checked and fill the allowance: if they were wrong
        # the lock ends a period from now at the latest.
        return Reservation(False, now + policy.period)
    rows = [ReceiptAttempt(subject=s, at=now, outcome=PENDING) for s in subjects]
    session.add_all(rows)
    session.flush()
    return Reservation(True, None, tuple(row.id for row in rows), subjects)


def settle(
    session: Session,
    reservation: Reservation,
    verified: bool,
    now: datetime,
    policy: LockoutPolicy,
    cleared: Optional[str] = None,
) -> Optional[datetime]:
    """Ends a granted try. Wrong: its pending rows become failures, and a subject that
    reaches the threshold is locked (returns until when). Right: the `cleared` subject (the
    code's) records a success, which clears its count; the others forget the try."""
    if not reservation.pending:
        return None
    # Serialised before anything is read: on SQLite a transaction that read first could not
    # take the write lock once another try had written.
    serialise(session, reservation.subjects, now, policy)
    rows = (
        session.execute(select(ReceiptAttempt).where(ReceiptAttempt.id.in_(reservation.pending)))
        .scalars()
        .all()
    )
    subjects = sorted({row.subject for row in rows})
    if verified:
        for row in rows:
            if row.subject == cleared:
                row.outcome, row.at = SUCCESS, now
            else:
                session.delete(row)
        session.flush()
        return None
    session.execute(
        update(ReceiptAttempt)
        .where(ReceiptAttempt.id.in_(reservation.pending))
        .values(outcome=FAILURE)
        .execution_options(synchronize_session="fetch")
    )
    until: Optional[datetime] = None
    for subject in subjects:
        state = subject_state(session, subject, now, policy, count_pending=False)
        if state.failures >= policy.max_failures:
            end = now + policy.period
            session.add(ReceiptAttempt(subject=subject, at=now, outcome=LOCK, locked_until=end))
            until = end
    session.flush()
    return until


def prune(session: Session, now: datetime, policy: LockoutPolicy) -> int:
    """Forgets attempts that can no longer count; returns how many."""
    horizon = now - max(policy.period, KEEP_ATTEMPTS)
    result = session.execute(delete(ReceiptAttempt).where(ReceiptAttempt.at < horizon))
    return int(result.rowcount or 0)
