"""What the reporter gives and gets, and what the coordinator sees."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Mapping, Optional

from bot.cases import receipts
from bot.cases.model import Deadline

# --- what the reporter gives and gets --------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """A report as the form collected it. Optional answers are None when skipped.

    `when` is the reporter's words (parsed here when the case is stored); `where` their words
    and `post_code` the post those words name, once confirmed (bot.directory.resolution);
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
    case_id: int  # where files sent with the information go; never shown to the reporter
    anonymous: bool  # then files kept as sent are cleaned before they go with it


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
    os_account: Optional[str] = None  # the operating-system account that ran it
