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
- Follow-up without identity: a receipt code and a passphrase (bot/receipts.py), with a
  lockout on wrong tries (bot/lockout.py).

Functions named for what they do take an open `Session` (the CLI and tests use them inside
`Database.session()`); `CaseStore` offers the reporter's side as coroutines for the Rasa
actions, running the same functions on a worker thread through `Database.run`.
"""

from __future__ import annotations

import asyncio
import calendar
import hashlib
import hmac
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import Callable, Mapping, Optional, TypeVar, Union

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    func,
    select,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, load_only, relationship

from bot import lockout, receipts
from bot.db import Base, Database
from bot.encryption import EncryptedText
from bot.language import SUPPORTED_LANGUAGES
from bot.report_input import (
    CONTACTS,
    KINDS,
    MAX_DESCRIPTION_CHARS,
    SPOKE_TO,
    choice,
    clean_text,
    contact_details,
    optional_text,
    parse_when,
)
from bot.timestamps import UtcDateTime, utc

logger = logging.getLogger(__name__)

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
    # HMAC of the receipt code (bot/receipts.py): finds the case, never reveals the code.
    code_digest = Column(String(64), nullable=False, unique=True)
    passphrase_hash = Column(String(200), nullable=False)

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


# --- what the reporter gives and gets --------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """A report as the form collected it. Optional answers are None when skipped.

    `when` is the reporter's words (parsed here when the case is stored); `where` their words
    and `post_code` the post those words name, once confirmed (bot.post_resolution);
    `spoke_to` one of SPOKE_TO; `contact` one of CONTACTS with `contact_details` for e-mail
    and phone; `conversation_reference` from bot.runtime.reference_for(sender_id)."""

    kind: str
    what_happened: str
    language: str
    channel: str
    contact: str = "anonymous"
    contact_details: Optional[str] = None
    when: Optional[str] = None
    where: Optional[str] = None
    post_code: Optional[str] = None
    involved: Optional[str] = None
    witnesses: Optional[str] = None
    spoke_to: Optional[str] = None
    conversation_reference: Optional[str] = None
    contact_region: Optional[str] = None  # ISO country, to read a local phone number


@dataclass(frozen=True)
class Receipt:
    code: str  # 16 digits
    passphrase: str  # five words
    case_id: int

    @property
    def display_code(self) -> str:
        return receipts.format_code(self.code)


@dataclass(frozen=True)
class MessageView:
    sent_at: datetime
    text: str
    new: bool  # not shown to the reporter before


@dataclass(frozen=True)
class StatusView:
    """What the reporter may see with the right code and passphrase."""

    status: str
    received_at: datetime
    next_deadline: Optional[Deadline]
    messages: tuple[MessageView, ...]  # the coordinator's, oldest first
    language: str
    follow_up: str  # pass to add_information to add to this case (30 minutes, this sender)

    @property
    def new_messages(self) -> int:
        return sum(message.new for message in self.messages)


@dataclass(frozen=True)
class Refused:
    """No access. reason: 'invalid' (code or passphrase wrong: never which), 'locked' (too many
    wrong tries; `retry_after` says until when), 'expired' (the follow-up token ran out)."""

    reason: str
    retry_after: Optional[datetime] = None


@dataclass(frozen=True)
class InformationAdded:
    sent_at: datetime


# --- what the coordinator sees ------------------------------------------------------------


@dataclass(frozen=True)
class CaseSummary:
    id: int
    status: str
    kind: str
    received_at: datetime
    post_code: Optional[str]
    language: str
    contact: str
    deadline: Optional[Deadline]
    reporter_messages: int


@dataclass(frozen=True)
class CaseMessageView:
    id: int
    author: str
    author_name: Optional[str]
    sent_at: datetime
    text: str
    is_feedback: bool
    read_by_reporter_at: Optional[datetime]


@dataclass(frozen=True)
class CaseDetail:
    id: int
    status: str
    kind: str
    what_happened: str
    when_words: Optional[str]
    occurred_on: Optional[date]
    occurred_precision: Optional[str]
    post_code: Optional[str]
    where_words: Optional[str]
    involved: Optional[str]
    witnesses: Optional[str]
    spoke_to: Optional[str]
    contact: str
    contact_details: Optional[str]
    language: str
    channel: str
    conversation_reference: Optional[str]
    status_times: Mapping[str, Optional[datetime]]
    acknowledgement_due: datetime
    feedback_due: datetime
    feedback_given_at: Optional[datetime]
    deadline: Optional[Deadline]
    messages: tuple[CaseMessageView, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class AuditView:
    at: datetime
    actor: str
    action: str
    case_id: Optional[int]
    detail: Optional[str]


# --- functions on a session ---------------------------------------------------------------


def check_actor(name: object) -> str:
    """A coordinator's name as given with --by: printable, at most 100 characters."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidActor("say who you are (--by NAME)")
    name = " ".join(name.split())
    if len(name) > MAX_ACTOR_CHARS or not name.isprintable():
        raise InvalidActor(f"a name is printable and at most {MAX_ACTOR_CHARS} characters")
    if name in (REPORTER, ASSISTANT):
        raise InvalidActor(f"'{name}' is reserved")
    return name


def audit(
    session: Session,
    actor: str,
    action: str,
    now: datetime,
    case_id: Optional[int] = None,
    detail: Optional[str] = None,
) -> None:
    session.add(AuditEntry(at=now, actor=actor, action=action, case_id=case_id, detail=detail))


def prepare_case(report: Report, now: datetime) -> Case:
    """A new case from a report, every field checked (raises InvalidReport); no I/O."""
    when = parse_when(report.when, now.date(), report.language) if report.when else None
    where = optional_text(report.where, "where")
    post_code = optional_text(report.post_code, "post_code", 20)
    acknowledgement_due = now + timedelta(days=ACKNOWLEDGEMENT_DAYS)
    return Case(
        kind=choice(report.kind, "kind", KINDS),
        what_happened=clean_text(report.what_happened, "what_happened", MAX_DESCRIPTION_CHARS),
        when_words=when.words if when else None,
        occurred_on=when.date if when else None,
        occurred_precision=when.precision if when else None,
        post_code=post_code.upper() if post_code else None,
        where_words=where,
        involved=optional_text(report.involved, "involved"),
        witnesses=optional_text(report.witnesses, "witnesses"),
        spoke_to=None if report.spoke_to is None else choice(report.spoke_to, "spoke_to", SPOKE_TO),
        contact=choice(report.contact, "contact", CONTACTS),
        contact_details=contact_details(
            report.contact, report.contact_details, report.contact_region
        ),
        language=choice(report.language, "language", SUPPORTED_LANGUAGES),
        channel=clean_text(report.channel, "channel", 40),
        # An anonymous reporter's case is not linked to their conversation: with the
        # pseudonym key and the tracker store, the reference would lead back to the sender.
        conversation_reference=(
            None
            if report.contact == "anonymous"
            else optional_text(report.conversation_reference, "conversation_reference", 40)
        ),
        status=RECEIVED,
        received_at=now,
        acknowledgement_due=acknowledgement_due,
        feedback_due=add_months(acknowledgement_due, FEEDBACK_MONTHS),
    )


def store_case(
    session: Session, case: Case, passphrase_hash: str, lookup_key: bytes, now: datetime
) -> str:
    """Adds the prepared case with a fresh receipt code; returns the code."""
    while True:
        code = receipts.new_code()
        digest = receipts.code_digest(code, lookup_key)
        taken = session.execute(select(Case.id).where(Case.code_digest == digest)).first()
        if not taken:  # one in 10^16: draw again rather than fail
            break
    case.code_digest = digest
    case.passphrase_hash = passphrase_hash
    session.add(case)
    session.flush()
    audit(session, REPORTER, "report.submitted", now, case.id, f"kind={case.kind}")
    return code


def _follow_up_signature(key: bytes, case_id: int, expires: int, sender: Optional[str]) -> str:
    message = f"follow-up:{case_id}:{expires}:{sender or ''}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def follow_up_token(key: bytes, case_id: int, now: datetime, sender: Optional[str]) -> str:
    """Lets this sender add to this case for a while without typing the passphrase again,
    so the passphrase need not be kept anywhere between two messages."""
    expires = int((now + FOLLOW_UP_VALIDITY).timestamp())
    return f"{case_id}.{expires}.{_follow_up_signature(key, case_id, expires, sender)}"


def read_follow_up_token(
    key: bytes, token: object, now: datetime, sender: Optional[str]
) -> Optional[int]:
    """The case id in a valid, unexpired token for this sender, else None."""
    try:
        case_text, expires_text, signature = str(token).split(".")
        case_id, expires = int(case_text), int(expires_text)
    except ValueError:
        return None
    expected = _follow_up_signature(key, case_id, expires, sender)
    if not hmac.compare_digest(expected, signature) or now.timestamp() > expires:
        return None
    return case_id


@dataclass(frozen=True)
class ReceiptCheck:
    """A check in progress: what was typed, read into what the store looks for."""

    digest: Optional[str]
    subjects: tuple[str, ...]
    sender_reference: Optional[str]

    @classmethod
    def of(cls, code_text: object, sender_reference: Optional[str], key: bytes) -> ReceiptCheck:
        code = receipts.parse_code(code_text) if isinstance(code_text, str) else None
        digest = receipts.code_digest(code, key) if code else None
        subjects = []
        if digest:
            subjects.append(lockout.code_subject(digest))
        if sender_reference:
            subjects.append(lockout.sender_subject(sender_reference))
        return cls(digest, tuple(subjects), sender_reference)


@dataclass(frozen=True)
class StoredReceipt:
    case_id: Optional[int]
    passphrase_hash: Optional[str]
    locked_until: Optional[datetime]


def find_receipt(
    session: Session, check: ReceiptCheck, now: datetime, policy: lockout.LockoutPolicy
) -> StoredReceipt:
    """Step 1 of a check (reads only): the case behind the code, and any lock."""
    row = (
        session.execute(
            select(Case.id, Case.passphrase_hash).where(Case.code_digest == check.digest)
        ).first()
        if check.digest
        else None
    )
    until = lockout.locked_until(session, check.subjects, now, policy)
    return StoredReceipt(row[0] if row else None, row[1] if row else None, until)


def verify(stored: StoredReceipt, passphrase: object) -> bool:
    """Step 2 (no database): scrypt, the same work whether or not the code exists."""
    typed = passphrase if isinstance(passphrase, str) else ""
    if stored.passphrase_hash is None:
        receipts.spend_verification_time(typed)
        return False
    return receipts.verify_passphrase(typed, stored.passphrase_hash)


def conclude_check(
    session: Session,
    check: ReceiptCheck,
    stored: StoredReceipt,
    verified: bool,
    now: datetime,
    lookup_key: bytes,
    policy: lockout.LockoutPolicy,
) -> Union[StatusView, Refused]:
    """Step 3 (writes): counts the try, and on success shows the case and marks the
    coordinator's messages as read."""
    lockout.prune(session, now, policy)  # a write first: SQLite takes its write lock here
    if stored.locked_until is not None:
        if stored.case_id is not None:
            audit(session, REPORTER, "status.refused", now, stored.case_id, "locked")
        return Refused("locked", stored.locked_until)
    if not verified:
        until = lockout.record_failure(session, check.subjects, now, policy)
        if until is not None:
            logger.warning("receipt checks locked until %s after wrong tries", f"{until:%H:%M}")
        if stored.case_id is not None:
            outcome = "locked" if until else "invalid"
            audit(session, REPORTER, "status.refused", now, stored.case_id, outcome)
        return Refused("locked", until) if until else Refused("invalid")
    assert check.digest is not None
    lockout.record_success(session, lockout.code_subject(check.digest), now)
    case = _get_case(session, stored.case_id)
    views = []
    for message in case.messages:
        if message.author != COORDINATOR:
            continue
        views.append(
            MessageView(message.sent_at, message.body, message.read_by_reporter_at is None)
        )
        if message.read_by_reporter_at is None:
            message.read_by_reporter_at = now
    new = sum(view.new for view in views)
    audit(session, REPORTER, "status.checked", now, case.id, f"new_messages={new}")
    return StatusView(
        status=case.status,
        received_at=case.received_at,
        next_deadline=case.next_deadline(now),
        messages=tuple(views),
        language=case.language,
        follow_up=follow_up_token(lookup_key, case.id, now, check.sender_reference),
    )


def add_reporter_message(
    session: Session,
    token: object,
    text: object,
    sender_reference: Optional[str],
    now: datetime,
    lookup_key: bytes,
) -> Union[InformationAdded, Refused]:
    body = clean_text(text, "information", MAX_DESCRIPTION_CHARS)
    case_id = read_follow_up_token(lookup_key, token, now, sender_reference)
    case = session.get(Case, case_id) if case_id is not None else None
    if case is None:
        return Refused("expired")
    session.add(CaseMessage(case_id=case.id, author=REPORTER, body=body, sent_at=now))
    audit(session, REPORTER, "message.added", now, case.id)
    return InformationAdded(now)


def _get_case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise CaseNotFound(case_id)
    return case


def _summary(case: Case, reporter_messages: int, now: datetime) -> CaseSummary:
    return CaseSummary(
        id=case.id,
        status=case.status,
        kind=case.kind,
        received_at=case.received_at,
        post_code=case.post_code,
        language=case.language,
        contact=case.contact,
        deadline=case.next_deadline(now),
        reporter_messages=reporter_messages,
    )


def list_cases(
    session: Session,
    actor: str,
    now: datetime,
    overdue_only: bool = False,
    status: Optional[str] = None,
) -> list[CaseSummary]:
    """Cases with their deadline state, the most urgent deadline first, closed ones last."""
    actor = check_actor(actor)
    if status is not None and status not in STATUSES:
        raise CaseStoreError(f"unknown status '{status}'; statuses: {', '.join(STATUSES)}")
    # Only keys and times are loaded: a list decrypts nothing.
    counts = dict(
        session.execute(
            select(CaseMessage.case_id, func.count(CaseMessage.id))
            .where(CaseMessage.author == REPORTER)
            .group_by(CaseMessage.case_id)
        ).all()
    )
    query = (
        select(Case)
        .options(
            load_only(
                Case.id,
                Case.status,
                Case.kind,
                Case.received_at,
                Case.post_code,
                Case.language,
                Case.contact,
                Case.acknowledged_at,
                Case.acknowledgement_due,
                Case.feedback_due,
                Case.feedback_given_at,
            )
        )
        .order_by(Case.id)
    )
    if status is not None:
        query = query.where(Case.status == status)
    cases = session.execute(query).scalars().all()
    summaries = [_summary(case, counts.get(case.id, 0), now) for case in cases]
    if overdue_only:
        summaries = [s for s in summaries if s.deadline is not None and s.deadline.overdue]
    far_future = now + timedelta(days=365 * 100)
    summaries.sort(key=lambda s: (s.deadline is None, s.deadline.due if s.deadline else far_future))
    detail = ",".join(
        part
        for part in ("overdue" if overdue_only else "", f"status={status}" if status else "")
        if part
    )
    audit(session, actor, "cases.listed", now, None, detail or None)
    return summaries


def case_detail(session: Session, case_id: int, actor: str, now: datetime) -> CaseDetail:
    """The whole case, decrypted; reading it is audited."""
    actor = check_actor(actor)
    case = _get_case(session, case_id)
    audit(session, actor, "case.viewed", now, case.id)
    return CaseDetail(
        id=case.id,
        status=case.status,
        kind=case.kind,
        what_happened=case.what_happened,
        when_words=case.when_words,
        occurred_on=case.occurred_on,
        occurred_precision=case.occurred_precision,
        post_code=case.post_code,
        where_words=case.where_words,
        involved=case.involved,
        witnesses=case.witnesses,
        spoke_to=case.spoke_to,
        contact=case.contact,
        contact_details=case.contact_details,
        language=case.language,
        channel=case.channel,
        conversation_reference=case.conversation_reference,
        status_times={status: getattr(case, column) for status, column in STATUS_TIMES.items()},
        acknowledgement_due=case.acknowledgement_due,
        feedback_due=case.feedback_due,
        feedback_given_at=case.feedback_given_at,
        deadline=case.next_deadline(now),
        messages=tuple(
            CaseMessageView(
                id=m.id,
                author=m.author,
                author_name=m.author_name,
                sent_at=m.sent_at,
                text=m.body,
                is_feedback=m.is_feedback,
                read_by_reporter_at=m.read_by_reporter_at,
            )
            for m in case.messages
        ),
    )


def normalise_status(text: str) -> str:
    """'in assessment', 'In-Assessment' -> 'in_assessment'."""
    return "_".join(text.strip().lower().replace("-", " ").split())


def change_status(
    session: Session, case_id: int, status: str, actor: str, now: datetime
) -> CaseSummary:
    actor = check_actor(actor)
    status = normalise_status(status)
    if status not in STATUSES:
        raise CaseStoreError(f"unknown status '{status}'; statuses: {', '.join(STATUSES)}")
    case = _get_case(session, case_id)
    previous = case.status
    case.move_to(status, now)
    action = "case.acknowledged" if status == ACKNOWLEDGED else "case.status_changed"
    audit(session, actor, action, now, case.id, f"{previous}->{status}")
    reporter_messages = sum(message.author == REPORTER for message in case.messages)
    return _summary(case, reporter_messages, now)


def acknowledge(session: Session, case_id: int, actor: str, now: datetime) -> CaseSummary:
    return change_status(session, case_id, ACKNOWLEDGED, actor, now)


def reply(
    session: Session,
    case_id: int,
    text: object,
    actor: str,
    now: datetime,
    feedback: bool = False,
) -> int:
    """A message from the coordinator to the reporter, who reads it with their receipt.
    `feedback`: this message is the feedback the law requires (stops the feedback clock)."""
    actor = check_actor(actor)
    body = clean_text(text, "reply", MAX_DESCRIPTION_CHARS)
    case = _get_case(session, case_id)
    if feedback and case.acknowledged_at is None:
        raise CaseStoreError("acknowledge the case before giving feedback")
    message = CaseMessage(
        case_id=case.id,
        author=COORDINATOR,
        author_name=actor,
        body=body,
        sent_at=now,
        is_feedback=feedback,
    )
    session.add(message)
    if feedback and case.feedback_given_at is None:
        case.feedback_given_at = now
    session.flush()
    audit(session, actor, "message.sent", now, case.id, "feedback" if feedback else None)
    return message.id


def audit_trail(session: Session, case_id: int, actor: str, now: datetime) -> list[AuditView]:
    actor = check_actor(actor)
    case = _get_case(session, case_id)
    entries = session.execute(
        select(AuditEntry).where(AuditEntry.case_id == case.id).order_by(AuditEntry.id)
    ).scalars()
    views = [AuditView(e.at, e.actor, e.action, e.case_id, e.detail) for e in entries]
    audit(session, actor, "audit.viewed", now, case.id)
    return views


# --- the reporter's side, for the Rasa actions ----------------------------------------------

T = TypeVar("T")


class CaseStore:
    """Coroutines for the actions; the work runs on a worker thread (`Database.run`), so the
    action server's event loop never waits for the database or for scrypt."""

    def __init__(
        self,
        database: Optional[Database] = None,
        lookup_key: Optional[bytes] = None,
        policy: Optional[lockout.LockoutPolicy] = None,
    ) -> None:
        self.database = database or Database()
        self._lookup_key = lookup_key
        self._policy = policy

    @property
    def lookup_key(self) -> bytes:
        """The key for receipt-code hashes and follow-up tokens: the pseudonym key
        (VM_PSEUDONYM_KEY or var/pseudonym.key), which must stay the same for as long as
        receipts are to work."""
        if self._lookup_key is None:
            from bot.pseudonym import pseudonym_key
            from bot.settings import settings

            self._lookup_key = pseudonym_key(settings().state_dir)
        return self._lookup_key

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

    async def submit_report(self, report: Report, now: Optional[datetime] = None) -> Receipt:
        """Checks and stores the report in one transaction, and returns the receipt only once
        it is committed. Raises InvalidReport (nothing stored) or StorageUnavailable."""
        now = utc(now)
        case = prepare_case(report, now)
        passphrase = receipts.new_passphrase()
        key = self.lookup_key
        passphrase_hash = await asyncio.to_thread(receipts.hash_passphrase, passphrase)

        def work(session: Session) -> tuple[str, int]:
            code = store_case(session, case, passphrase_hash, key, now)
            return code, case.id

        code, case_id = await self._run(work)
        logger.info("case %s received", case_id)
        return Receipt(code=code, passphrase=passphrase, case_id=case_id)

    async def check_status(
        self,
        code: str,
        passphrase: str,
        sender_reference: Optional[str],
        now: Optional[datetime] = None,
    ) -> Union[StatusView, Refused]:
        """The case for this receipt, or Refused('invalid' | 'locked'). scrypt runs between
        two short transactions, so no connection is held while it works."""
        now = utc(now)
        key, policy = self.lookup_key, self.policy
        check = ReceiptCheck.of(code, sender_reference, key)
        stored = await self._run(partial(find_receipt, check=check, now=now, policy=policy))
        verified = stored.locked_until is None and await asyncio.to_thread(
            verify, stored, passphrase
        )
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
