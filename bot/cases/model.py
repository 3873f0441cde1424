"""The integrity coordinator's case store: reports, messages between reporter and
coordinator, and an audit log of who did what.

- Every free text (what happened, when and where in the reporter's words, who was involved,
  witnesses, contact details, message bodies) is an `EncryptedText` column: encrypted with
  the keys from configuration before it reaches the database (bot/encryption.py).
- The lifecycle is received -> acknowledged -> in_assessment -> referred or
  under_investigation -> closed, each step with its time; any other step is refused.
- The legal clock (EU Directive 2019/1937 art. 9, Dutch Whistleblower Protection Act):
  acknowledgement due 7 days after receipt; feedback due 3 months after the acknowledgement
  (or, when there was none, 3 months after the 7 days ran out).
- Follow-up without identity: a receipt code and a passphrase (bot/cases/receipts.py), with a
  lockout on wrong tries (bot/cases/lockout.py).

Functions named for what they do take an open `Session` (the CLI and tests use them inside
`Database.session()`); `CaseStore` offers the reporter's side as coroutines for the Rasa
actions, running the same functions on a worker thread through `Database.run`.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Mapping, Optional

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Session, relationship

from bot.content.behaviour import CATEGORIES
from bot.db import Base
from bot.encryption import EncryptedText
from bot.timestamps import UtcDateTime, utc

logger = logging.getLogger(__name__)

# The kinds of behaviour a reporter can choose (bot.content.behaviour's categories, from the seeds),
# plus 'other' and 'unsure': nobody has to classify what happened to them to report it.
KINDS: tuple[str, ...] = CATEGORIES + ("other", "unsure")
CONTACTS: tuple[str, ...] = ("anonymous", "this_channel", "email", "phone")
# Whether they already spoke to a confidential advisor or their manager.
SPOKE_TO: tuple[str, ...] = ("advisor", "manager", "both", "neither")

RECEIVED = "received"
ACKNOWLEDGED = "acknowledged"
IN_ASSESSMENT = "in_assessment"
REFERRED = "referred"
UNDER_INVESTIGATION = "under_investigation"
CLOSED = "closed"
STATUSES: tuple[str, ...] = (
    RECEIVED,
    ACKNOWLEDGED,
    IN_ASSESSMENT,
    REFERRED,
    UNDER_INVESTIGATION,
    CLOSED,
)
NEXT_STATUSES: Mapping[str, tuple[str, ...]] = {
    RECEIVED: (ACKNOWLEDGED,),
    ACKNOWLEDGED: (IN_ASSESSMENT,),
    IN_ASSESSMENT: (REFERRED, UNDER_INVESTIGATION),
    REFERRED: (CLOSED,),
    UNDER_INVESTIGATION: (CLOSED,),
    CLOSED: (),
}
# The column that records when a case reached each status.
STATUS_TIMES: Mapping[str, str] = {
    RECEIVED: "received_at",
    ACKNOWLEDGED: "acknowledged_at",
    IN_ASSESSMENT: "assessment_started_at",
    REFERRED: "referred_at",
    UNDER_INVESTIGATION: "investigation_started_at",
    CLOSED: "closed_at",
}

ACKNOWLEDGEMENT_DAYS = 7
FEEDBACK_MONTHS = 3

REPORTER = "reporter"
COORDINATOR = "coordinator"
ASSISTANT = "assistant"
MAX_ACTOR_CHARS = 100
# How long the follow-up token from check_status lets the reporter add information.
FOLLOW_UP_VALIDITY = timedelta(minutes=30)


class CaseStoreError(Exception):
    """Something the caller should explain to the person, not a bug."""


class CaseNotFound(CaseStoreError):
    def __init__(self, case_id: object) -> None:
        super().__init__(f"there is no case {case_id}")


class InvalidTransition(CaseStoreError):
    def __init__(self, current: str, wanted: str) -> None:
        allowed = ", ".join(NEXT_STATUSES.get(current, ())) or "none (the case is closed)"
        super().__init__(
            f"a case that is '{current}' cannot become '{wanted}'; possible next: {allowed}"
        )
        self.current = current
        self.wanted = wanted


class InvalidActor(CaseStoreError):
    pass


class StorageUnavailable(CaseStoreError):
    """The database could not be reached or refused the write: nothing was stored."""


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint(_in("contact", CONTACTS), name="contact"),
    )

    id = Column(Integer, primary_key=True)
    # HMAC of the receipt code (bot/cases/receipts.py): finds the case, never reveals the code.
    code_digest = Column(String(64), nullable=False, unique=True)
    passphrase_hash = Column(String(200), nullable=False)
    # HMAC of what makes this report's sending the same on every try (migration 0011): a
    # report sent again after the action server died is this case, with a renewed receipt.
    submission_digest = Column(String(64), unique=True)

    kind = Column(String(40), nullable=False)
    what_happened = Column(EncryptedText, nullable=False)
    when_words = Column(EncryptedText)
    occurred_on = Column(Date)
    occurred_precision = Column(String(8))  # day, week or month
    post_code = Column(String(20))
    where_words = Column(EncryptedText)
    involved = Column(EncryptedText)
    witnesses = Column(EncryptedText)
    spoke_to = Column(String(20))  # advisor, manager, both, neither; None: not answered
    contact = Column(String(20), nullable=False)
    contact_details = Column(EncryptedText)
    language = Column(String(8), nullable=False)
    channel = Column(String(40), nullable=False)
    conversation_reference = Column(String(40))

    status = Column(String(30), nullable=False, index=True, default=RECEIVED)
    received_at = Column(UtcDateTime, nullable=False)
    acknowledged_at = Column(UtcDateTime)
    assessment_started_at = Column(UtcDateTime)
    referred_at = Column(UtcDateTime)
    investigation_started_at = Column(UtcDateTime)
    closed_at = Column(UtcDateTime)
    acknowledgement_due = Column(UtcDateTime, nullable=False)
    feedback_due = Column(UtcDateTime, nullable=False)
    feedback_given_at = Column(UtcDateTime)

    messages = relationship(
        "CaseMessage", back_populates="case", order_by="CaseMessage.id", cascade="all"
    )

    def move_to(self, status: str, at: datetime) -> None:
        """The next step of the lifecycle; any other step raises `InvalidTransition`."""
        if status not in NEXT_STATUSES.get(self.status, ()):
            raise InvalidTransition(self.status, status)
        self.status = status
        setattr(self, STATUS_TIMES[status], at)
        if status == ACKNOWLEDGED:
            self.feedback_due = add_months(at, FEEDBACK_MONTHS)

    def acknowledgement_overdue(self, now: datetime) -> bool:
        return self.acknowledged_at is None and utc(now) > self.acknowledgement_due

    def feedback_overdue(self, now: datetime) -> bool:
        return (
            self.feedback_given_at is None
            and self.status != CLOSED
            and utc(now) > self.feedback_due
        )

    def next_deadline(self, now: datetime) -> Optional[Deadline]:
        """The deadline that runs now: acknowledgement, then feedback; none once closed or
        once feedback was given."""
        if self.status == CLOSED:
            return None
        if self.acknowledged_at is None:
            return Deadline(
                "acknowledgement", self.acknowledgement_due, self.acknowledgement_overdue(now)
            )
        if self.feedback_given_at is None:
            return Deadline("feedback", self.feedback_due, self.feedback_overdue(now))
        return None


class CaseMessage(Base):
    __tablename__ = "case_messages"
    __table_args__ = (CheckConstraint(_in("author", (REPORTER, COORDINATOR)), name="author"),)

    id = Column(Integer, primary_key=True)
    case_id = Column(
        Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True
    )
    author = Column(String(20), nullable=False)
    author_name = Column(
        String(MAX_ACTOR_CHARS)
    )  # the coordinator's name; never shown to the reporter
    body = Column(EncryptedText, nullable=False)
    sent_at = Column(UtcDateTime, nullable=False)
    is_feedback = Column(Boolean, nullable=False, default=False)
    read_by_reporter_at = Column(UtcDateTime)

    case = relationship("Case", back_populates="messages")


class AuditEntry(Base):
    """Who did what to which case, when. `detail` holds keys and numbers, never free text."""

    __tablename__ = "audit_entries"

    id = Column(Integer, primary_key=True)
    at = Column(UtcDateTime, nullable=False, index=True)
    actor = Column(String(MAX_ACTOR_CHARS), nullable=False)
    action = Column(String(40), nullable=False)
    case_id = Column(Integer, ForeignKey("cases.id", ondelete="SET NULL"), index=True)
    detail = Column(String(200))
    # The operating-system account that ran a coordinator's command: `actor` is the name
    # given with --by, which anyone can type (migration 0007).
    os_account = Column(String(MAX_ACTOR_CHARS))


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later, or the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


@dataclass(frozen=True)
class Deadline:
    kind: str  # acknowledgement or feedback
    due: datetime
    overdue: bool

    def describe(self, now: datetime) -> str:
        """'acknowledgement due in 6 days', 'feedback OVERDUE by 3 days (due 2026-05-02)'."""
        now = utc(now)
        if self.overdue:
            days = (now - self.due).days
            return f"{self.kind} OVERDUE by {days} day{'s' * (days != 1)} (due {self.due:%Y-%m-%d})"
        days = (self.due - now).days
        if days == 0:
            return f"{self.kind} due today ({self.due:%Y-%m-%d %H:%M} UTC)"
        return f"{self.kind} due in {days} day{'s' * (days != 1)} ({self.due:%Y-%m-%d})"


def audit(
    session: Session,
    actor: str,
    action: str,
    now: datetime,
    case_id: Optional[int] = None,
    detail: Optional[str] = None,
    os_account: Optional[str] = None,
) -> None:
    session.add(
        AuditEntry(
            at=now,
            actor=actor,
            action=action,
            case_id=case_id,
            detail=detail,
            os_account=os_account[:MAX_ACTOR_CHARS] if os_account else None,
        )
    )


def get_case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise CaseNotFound(case_id)
    return case
