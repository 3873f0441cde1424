"""The coordinator's side: lists, details, status changes, replies, the audit."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import (
    func,
    select,
)
from sqlalchemy.orm import Session, load_only

from bot.cases import receipts
from bot.cases.intake import (
    MAX_DESCRIPTION_CHARS,
    clean_text,
)
from bot.cases.model import (
    ACKNOWLEDGED,
    ASSISTANT,
    COORDINATOR,
    MAX_ACTOR_CHARS,
    REPORTER,
    STATUS_TIMES,
    STATUSES,
    AuditEntry,
    Case,
    CaseMessage,
    CaseStoreError,
    InvalidActor,
    audit,
    get_case,
)
from bot.cases.views import AuditView, CaseDetail, CaseMessageView, CaseSummary

# --- functions on a session ---------------------------------------------------------------


def check_actor(name: object) -> str:
    """A coordinator's name as given with --by: printable, at most 100 characters. It is
    the coordinator's own word; each function also takes the operating-system `account`
    that ran it, which the audit entry records next to the name."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidActor("say who you are (--by NAME)")
    name = " ".join(name.split())
    if len(name) > MAX_ACTOR_CHARS or not name.isprintable():
        raise InvalidActor(f"a name is printable and at most {MAX_ACTOR_CHARS} characters")
    if name in (REPORTER, ASSISTANT):
        raise InvalidActor(f"'{name}' is reserved")
    return name


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
    account: Optional[str] = None,
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
    audit(session, actor, "cases.listed", now, None, detail or None, os_account=account)
    return summaries


def case_detail(
    session: Session, case_id: int, actor: str, now: datetime, account: Optional[str] = None
) -> CaseDetail:
    """The whole case, decrypted; reading it is audited."""
    actor = check_actor(actor)
    case = get_case(session, case_id)
    audit(session, actor, "case.viewed", now, case.id, os_account=account)
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


def cases_for_conversation(
    session: Session, reference: str, actor: str, now: datetime, account: Optional[str] = None
) -> list[CaseDetail]:
    """The cases a conversation stored (`Case.conversation_reference`, from
    bot.runtime.reference_for(sender_id)), decrypted; each read is audited like `case_detail`."""
    ids = session.execute(
        select(Case.id).where(Case.conversation_reference == reference).order_by(Case.id)
    ).scalars()
    return [case_detail(session, case_id, actor, now, account) for case_id in list(ids)]


def case_by_receipt(
    session: Session,
    code: str,
    lookup_key: bytes,
    actor: str,
    now: datetime,
    account: Optional[str] = None,
) -> Optional[CaseDetail]:
    """The case a receipt code belongs to, decrypted (audited like `case_detail`), or None.
    An anonymous reporter's case has no conversation reference: its receipt is what finds it.
    `lookup_key` is the case store's (bot.runtime.pseudonym_key())."""
    case_id = session.execute(
        select(Case.id).where(Case.code_digest == receipts.code_digest(code, lookup_key))
    ).scalar_one_or_none()
    return None if case_id is None else case_detail(session, case_id, actor, now, account)


def normalise_status(text: str) -> str:
    """'in assessment', 'In-Assessment' -> 'in_assessment'."""
    return "_".join(text.strip().lower().replace("-", " ").split())


def change_status(
    session: Session,
    case_id: int,
    status: str,
    actor: str,
    now: datetime,
    account: Optional[str] = None,
) -> CaseSummary:
    actor = check_actor(actor)
    status = normalise_status(status)
    if status not in STATUSES:
        raise CaseStoreError(f"unknown status '{status}'; statuses: {', '.join(STATUSES)}")
    case = get_case(session, case_id)
    previous = case.status
    case.move_to(status, now)
    action = "case.acknowledged" if status == ACKNOWLEDGED else "case.status_changed"
    audit(session, actor, action, now, case.id, f"{previous}->{status}", os_account=account)
    reporter_messages = sum(message.author == REPORTER for message in case.messages)
    return _summary(case, reporter_messages, now)


def acknowledge(
    session: Session, case_id: int, actor: str, now: datetime, account: Optional[str] = None
) -> CaseSummary:
    return change_status(session, case_id, ACKNOWLEDGED, actor, now, account)


def reply(
    session: Session,
    case_id: int,
    text: object,
    actor: str,
    now: datetime,
    feedback: bool = False,
    account: Optional[str] = None,
) -> int:
    """A message from the coordinator to the reporter, who reads it with their receipt.
    `feedback`: this message is the feedback the law requires (stops the feedback clock)."""
    actor = check_actor(actor)
    body = clean_text(text, "reply", MAX_DESCRIPTION_CHARS)
    case = get_case(session, case_id)
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
    audit(
        session,
        actor,
        "message.sent",
        now,
        case.id,
        "feedback" if feedback else None,
        os_account=account,
    )
    return message.id


def audit_trail(
    session: Session, case_id: int, actor: str, now: datetime, account: Optional[str] = None
) -> list[AuditView]:
    actor = check_actor(actor)
    case = get_case(session, case_id)
    entries = session.execute(
        select(AuditEntry).where(AuditEntry.case_id == case.id).order_by(AuditEntry.id)
    ).scalars()
    views = [AuditView(e.at, e.actor, e.action, e.case_id, e.detail, e.os_account) for e in entries]
    audit(session, actor, "audit.viewed", now, case.id, os_account=account)
    return views
